"""End-to-end helpers: fake toolsets, the server factory, and a real SDK client over each transport.

`connect(server, transport, mode)` yields an SDK `Client` connected over:
- `memory`: in-process (`Client(server)`), the SDK's own test path;
- `http`: our HTTP app (auth, Origin/Host checks) served by uvicorn on 127.0.0.1, free port.
`mode` is the protocol era: `legacy` (2025-11-25 initialize handshake, sessions) or `2026-07-28`
(stateless per-request envelope).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import anyio
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from infomaniak_mcp import tools as tools_package
from infomaniak_mcp.api.errors import NotFoundError
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
from infomaniak_mcp.server import registry
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import Selection, ToolOutput, ToolsetInfo, select_tools, tool
from infomaniak_mcp.transports.http import HttpToken, build_http_app

HTTP_TOKEN = "http-token-0123456789-abcdef"
ALICE_TOKEN = "alice-token-0123456789-abcdef"
API_SECRET = "api-SECRET-token-9f8e7d6c5b4a"
CRASH_SECRET = "hunter2-SECRET-in-a-crash"
ERAS = ("legacy", "2026-07-28")
TRANSPORTS = ("memory", "http")


# -- fake toolsets --------------------------------------------------------------------------------


class Echo(ToolOutput):
    text: str
    principal: str


class Item(BaseModel):
    name: str
    note: str | None = None


class Items(ToolOutput):
    items: list[Item]
    cursor: str | None  # required, nullable: an explicit null stays
    comment: str | None = None


class Deleted(ToolOutput):
    name: str
    deleted: bool


async def fake_get_echo(
    ctx: ToolContext, text: Annotated[str, Field(description="Text to send back")] = "hello"
) -> Echo:
    """Echo a text with the caller's principal."""
    await ctx.progress(1, 1, "echoed")
    return Echo(text=text, principal=ctx.principal)


async def fake_list_items(ctx: ToolContext) -> Items:
    """List items, some fields left empty."""
    return Items(items=[Item(name="a"), Item(name="b", note="kept")], cursor=None)


async def fake_get_failure(
    ctx: ToolContext,
    kind: Annotated[Literal["not_found", "crash", "bad_output"], Field(description="How to fail")],
) -> Echo:
    """Fail on purpose, the way the caller asks."""
    if kind == "not_found":
        raise NotFoundError(
            status=404, description="Zone example.ch not found", hint="Call dns_list_zones first."
        )
    if kind == "bad_output":
        return Deleted(name="x", deleted=True)  # type: ignore[return-value]  # wrong model on purpose
    raise RuntimeError(f"database exploded, password={CRASH_SECRET} token {API_SECRET}")


async def fakewrite_delete_thing(
    ctx: ToolContext, name: Annotated[str, Field(description="Thing to delete")]
) -> Plan:
    """Delete a thing (fake write tool: it only plans; no operation is registered, so it never applies)."""
    step = Step(operation="fakewrite.delete_thing", params={"name": name}, resource=f"fakewrite:{name}",
                description=f"Delete {name}")
    return Plan(summary=f"Delete the thing {name}", steps=[step], risk="high", target_name=name,
                fingerprint=fingerprint({"name": name}), reversible=False)


HOME = "infomaniak_mcp.tools"  # importable; the fake tools are declared by the fixture below


def install_fake_toolsets(monkeypatch: pytest.MonkeyPatch) -> dict[str, ToolsetInfo]:
    """Toolsets `fake` (reads) and `fakewrite` (a write tool) in an isolated registry and catalog."""
    catalog = {
        "fake": ToolsetInfo("fake", "Fake", "Fake reads.", HOME, True, "Fake reads for tests."),
        "fakewrite": ToolsetInfo("fakewrite", "Fake writes", "Fake writes.", HOME, default=True),
    }
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(tools_package, "TOOLSETS", catalog)  # what registry.toolsets() returns
    tool(toolset="fake", read_only=True, title="Echo")(fake_get_echo)
    tool(toolset="fake", read_only=True, title="Fail")(fake_get_failure)
    tool(toolset="fake", read_only=True, title="List items")(fake_list_items)
    tool(toolset="fakewrite", read_only=False, destructive=True, title="Delete thing")(fakewrite_delete_thing)
    return catalog


class FakeApi:
    """Stands in for InfomaniakApi: the fake tools never call it; the lifespan closes it."""

    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


ServerFactory = Callable[..., MCPServer[Any]]


def make_fake_server(
    *,
    settings: Settings | None = None,
    selection: Selection | None = None,
    read_only: bool = False,
    api: Any = "fake",
) -> MCPServer[Any]:
    """A server over the fake toolsets (installed first), with a `FakeApi` unless told otherwise."""
    chosen = selection or select_tools(read_only=read_only)
    return build_server(
        settings or Settings(api_token=Secret(API_SECRET)), chosen, api=FakeApi() if api == "fake" else api
    )


# -- transports -----------------------------------------------------------------------------------


def http_settings(**extra: str) -> Settings:
    tokens = {"INFOMANIAK_MCP_HTTP_TOKENS": f"alice={ALICE_TOKEN}"}
    return Settings(http_token=Secret(HTTP_TOKEN), extra={**tokens, **extra})


def http_tokens() -> list[HttpToken]:
    return [HttpToken("http", Secret(HTTP_TOKEN)), HttpToken("alice", Secret(ALICE_TOKEN))]


@asynccontextmanager
async def serve_on_loopback(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port); yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue up until uvicorn accepts: no need to wait for start-up
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, lifespan="on", ws="none", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True
    finally:
        sock.close()


@asynccontextmanager
async def connect(
    server: MCPServer[Any],
    transport: str,
    mode: str,
    *,
    token: str = HTTP_TOKEN,
    settings: Settings | None = None,
) -> AsyncIterator[Client]:
    if transport == "memory":
        async with Client(server, mode=mode) as client:
            yield client
        return
    app = build_http_app(server, settings or http_settings())
    async with serve_on_loopback(app) as base, httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}
    ) as http, Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode) as client:
        yield client


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")
