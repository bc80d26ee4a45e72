"""The committed tool manifest (`tools/manifest.json`) is exactly what the code publishes.

The server lists tools from the manifest at start-up (no toolset import); a stale manifest would
list an old schema. Regenerate with `uv run python -m infomaniak_mcp.server.manifest`.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from infomaniak_mcp.config import Settings
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.manifest import MANIFEST_PATH, generate, render
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio


async def test_manifest_is_fresh() -> None:
    expected = render(await generate())
    assert MANIFEST_PATH.read_text(encoding="utf-8") == expected, (
        "tools/manifest.json is stale: run `uv run python -m infomaniak_mcp.server.manifest` and commit it"
    )


async def _listing(lazy: bool, toolsets: list[str] | None) -> list[dict[str, Any]]:
    server = build_server(Settings(), select_tools(toolsets), api=None, lazy=lazy)
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        templates = (await client.list_resource_templates()).resource_templates
    listed = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    return listed + [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in templates]


@pytest.mark.parametrize("toolsets", [None, ["all"], ["dns", "history"]])
async def test_lazy_listing_equals_the_eager_one(toolsets: list[str] | None) -> None:
    assert await _listing(True, toolsets) == await _listing(False, toolsets)
