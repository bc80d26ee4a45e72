"""The whole plan of a large write is kept by the server that made it: each server has its own store (two
servers in one process share nothing), and the plan resource is registered once, whatever the loading mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_writes_support import WriteBench, connect_writes, structured

from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
ZONE = "alpage-shop.ch"


def server(bench: WriteBench, *, lazy: bool | None = None) -> Any:
    extra = {} if lazy is None else {"lazy": lazy}
    return build_server(bench.settings, select_tools(["dns"]), api=bench.api(), safety=bench.engine, **extra)


async def test_a_large_plan_is_readable_only_on_the_server_that_made_it(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    changes = [{"action": "create", "name": f"h{i}", "type": "A", "target": "198.51.100.7"} for i in range(60)]
    one, other = server(bench), server(bench)
    assert one._deps.plans is not other._deps.plans
    async with connect_writes(one, "memory", "legacy") as client:
        planned = structured(await client.call_tool("dns_apply_changes", {"zone": ZONE, "changes": changes}))
        uri = planned["plan"]["uri"]
        assert await client.read_resource(uri)
    async with connect_writes(other, "memory", "legacy") as client:
        with pytest.raises(Exception, match="no plan"):  # the SDK client's error
            await client.read_resource(uri)


@pytest.mark.parametrize("lazy", [True, False])
async def test_the_plan_resource_is_registered_once(tmp_path: Path, lazy: bool) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench, lazy=lazy), "memory", "legacy") as client:
        templates = (await client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates].count("infomaniak://plans/{plan_id}") == 1
