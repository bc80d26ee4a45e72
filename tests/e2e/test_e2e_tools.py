"""The first real tools end to end: SDK client → server → tools → API client → in-process sandbox.

Matrix: in memory and over streamable HTTP, both protocol eras. The client validates every
structured result against the tool's published output schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_support import connect, text_of
from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.cli import main
from infomaniak_mcp.config import Settings
from infomaniak_mcp.server.app import build_server, create_api
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio


@pytest.fixture
def sandbox_server() -> Callable[[], MCPServer[Any]]:
    def make() -> MCPServer[Any]:
        setup = create_api(Settings(), sandbox=True)
        return build_server(setup.settings, select_tools(), api=setup.api, sandbox=True, clock=setup.clock)

    return make


async def test_account_overview(sandbox_server: Callable[[], MCPServer[Any]], transport: str, era: str) -> None:
    async with connect(sandbox_server(), transport, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("account_overview", {})
        if era == "legacy":
            assert "Start with account_overview" in (client.instructions or "")
    assert {"account_overview", "account_list_products", "dns_list_records"} <= names
    assert not result.is_error, text_of(result)
    overview = result.structured_content
    assert overview is not None
    assert len(overview["organisations"]) >= 2
    for organisation in overview["organisations"]:
        assert isinstance(organisation["id"], int)
        assert organisation["name"]
    assert overview["expiring"], "the demo account has products expiring soon"
    assert overview["locked"], "the demo account has a locked product"
    assert text_of(result)


async def test_products_then_dns_records(
    sandbox_server: Callable[[], MCPServer[Any]], transport: str, era: str
) -> None:
    """The ids flow: list the domains, then read the records of one domain's zone."""
    async with connect(sandbox_server(), transport, era) as client:
        products = await client.call_tool("account_list_products", {"kind": "domain"})
        assert not products.is_error, text_of(products)
        assert products.structured_content is not None
        domains = products.structured_content["products"]
        assert domains
        assert {p["kind"] for p in domains} == {"domain"}
        zone = domains[0]["name"]
        records = await client.call_tool("dns_list_records", {"zone": zone})
        mx = await client.call_tool("dns_list_records", {"zone": zone, "type": "MX"})
    assert not records.is_error, text_of(records)
    assert records.structured_content is not None
    assert records.structured_content["zone"] == zone
    assert records.structured_content["records"]
    assert mx.structured_content is not None
    assert {r["type"] for r in mx.structured_content["records"]} <= {"MX"}
    assert len(mx.structured_content["records"]) < len(records.structured_content["records"])


async def test_unknown_zone_is_an_error_with_a_next_step(
    sandbox_server: Callable[[], MCPServer[Any]], transport: str, era: str
) -> None:
    async with connect(sandbox_server(), transport, era) as client:
        result = await client.call_tool("dns_list_records", {"zone": "not-on-this-account.ch"})
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["error"] == "object_not_found"
    assert result.structured_content["status"] == 404
    assert " — Next step: " in text_of(result)


def test_cli_call_on_the_sandbox(isolated_cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", "account_list_products", "--sandbox", "--args", '{"kind": "domain"}'])
    out, err = capsys.readouterr()
    assert code == 0, err
    products = json.loads(out)["products"]
    assert products
    assert all(p["kind"] == "domain" for p in products)
