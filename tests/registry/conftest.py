"""Registry fixtures: every toolset loaded, and the tool list exactly as an MCP client sees it."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.config import Settings
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import Selection, select_tools


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def all_selection() -> Selection:
    return select_tools(["all"])


@pytest.fixture(scope="session")
def full_server(all_selection: Selection) -> MCPServer[Any]:
    return build_server(Settings(), all_selection, api=None, lazy=False)  # the code itself, not the manifest


@pytest.fixture(scope="session")
def listed_tools(full_server: MCPServer[Any]) -> dict[str, dict[str, Any]]:
    """name → the tool as `tools/list` publishes it (camelCase JSON)."""
    tools = anyio.run(full_server.list_tools)
    return {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools}
