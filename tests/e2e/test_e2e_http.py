"""Streamable HTTP specifics: bearer auth and principals, Origin/Host checks, /healthz, sessions."""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

import anyio
import httpx2
import pytest
from anyio.streams.text import TextReceiveStream
from e2e_support import (
    ALICE_TOKEN,
    HTTP_TOKEN,
    ServerFactory,
    connect,
    http_settings,
    serve_on_loopback,
)
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from infomaniak_mcp.config import ConfigError, Settings
from infomaniak_mcp.transports.http import build_http_app

pytestmark = pytest.mark.anyio

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def bearer(token: str) -> dict[str, str]:
    return {**MCP_HEADERS, "Authorization": f"Bearer {token}"}


def sse_json(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC message of a one-event SSE (or plain JSON) response body."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return dict(response.json())
    data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    return dict(json.loads(data[-1]))


async def test_healthz_needs_no_auth(make_server: ServerFactory) -> None:
    app = build_http_app(make_server(), http_settings())
    async with serve_on_loopback(app) as base, httpx2.AsyncClient() as http:
        response = await http.get(f"{base}/healthz")
        head = await http.head(f"{base}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert head.status_code == 200


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        (None, "unauthorized"),
        (f"Bearer {HTTP_TOKEN}x", "invalid_token"),
        (f"Bearer {HTTP_TOKEN[:-1]}", "invalid_token"),
        (f"Basic {HTTP_TOKEN}", "invalid_token"),
        ("Bearer", "invalid_token"),
    ],
)
async def test_missing_or_wrong_token_is_401(
    make_server: ServerFactory, authorization: str | None, error: str
) -> None:
    app = build_http_app(make_server(), http_settings())
    headers = dict(MCP_HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    async with serve_on_loopback(app) as base, httpx2.AsyncClient() as http:
        response = await http.post(f"{base}/mcp", json=INITIALIZE, headers=headers)
        other_path = await http.get(f"{base}/anything", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == error
    assert HTTP_TOKEN not in response.text
    assert other_path.status_code == 401


@pytest.mark.parametrize(("token", "principal"), [(HTTP_TOKEN, "http"), (ALICE_TOKEN, "alice")])
async def test_named_tokens_become_the_principal(
    make_server: ServerFactory, era: str, token: str, principal: str
) -> None:
    async with connect(make_server(), "http", era, token=token) as client:
        result = await client.call_tool("fake_get_echo", {"text": "who"})
    assert result.structured_content == {"text": "who", "principal": principal}


async def test_tokens_from_a_file(make_server: ServerFactory, tmp_path: Any) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"# team\ncron={'k' * 32}\n", encoding="utf-8")
    settings = Settings(extra={"INFOMANIAK_MCP_HTTP_TOKENS": f"@{path}"})
    async with connect(make_server(), "http", "2026-07-28", token="k" * 32, settings=settings) as client:
        result = await client.call_tool("fake_get_echo", {})
    assert result.structured_content is not None
    assert result.structured_content["principal"] == "cron"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "https://localhost.evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Host": "evil.example:8000"}, 421),
        ({"Host": "attacker.localhost:8000"}, 421),
    ],
)
async def test_bad_origin_or_host_is_rejected(
    make_server: ServerFactory, headers: dict[str, str], status: int
) -> None:
    app = build_http_app(make_server(), http_settings())
    async with serve_on_loopback(app) as base, httpx2.AsyncClient() as http:
        url = f"{base}/mcp"
        with_token = await http.post(url, json=INITIALIZE, headers={**bearer(HTTP_TOKEN), **headers})
        without_token = await http.post(url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})
    assert with_token.status_code == status
    assert without_token.status_code == status


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://localhost:6274"}, {"Origin": "http://127.0.0.1:3000"}, {"Host": "mcp.internal:8443"}],
)
async def test_loopback_origin_and_configured_host_are_accepted(
    make_server: ServerFactory, headers: dict[str, str]
) -> None:
    settings = http_settings(INFOMANIAK_MCP_HTTP_ALLOWED_HOSTS="mcp.internal:8443")
    app = build_http_app(make_server(), settings)
    async with serve_on_loopback(app) as base, httpx2.AsyncClient() as http:
        response = await http.post(f"{base}/mcp", json=INITIALIZE, headers={**bearer(HTTP_TOKEN), **headers})
    assert response.status_code == 200
    assert sse_json(response)["result"]["serverInfo"]["name"] == "infomaniak-mcp"


async def test_a_session_belongs_to_the_principal_that_opened_it(make_server: ServerFactory) -> None:
    app = build_http_app(make_server(), http_settings())
    async with serve_on_loopback(app) as base, httpx2.AsyncClient() as http:
        opened = await http.post(f"{base}/mcp", json=INITIALIZE, headers=bearer(ALICE_TOKEN))
        session = opened.headers["mcp-session-id"]
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
        session_headers = {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
        url = f"{base}/mcp"
        hijack = await http.post(url, json=listing, headers={**bearer(HTTP_TOKEN), **session_headers})
        own = await http.post(url, json=listing, headers={**bearer(ALICE_TOKEN), **session_headers})
    assert opened.status_code == 200
    assert hijack.status_code == 404
    assert own.status_code == 200
    assert {t["name"] for t in sse_json(own)["result"]["tools"]} >= {"fake_get_echo"}


def test_refuses_to_start_without_a_token(make_server: ServerFactory) -> None:
    with pytest.raises(ConfigError) as info:
        build_http_app(make_server(), Settings())
    assert info.value.variable == "INFOMANIAK_MCP_HTTP_TOKEN"
    assert "INFOMANIAK_MCP_HTTP_TOKENS" in str(info.value)


@pytest.mark.slow
async def test_cli_serves_http_on_loopback(isolated_cwd: Any) -> None:
    """`infomaniak-mcp --transport http --sandbox` in a subprocess: healthz, auth, a real tool call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INFOMANIAK_MCP_HTTP_TOKEN": HTTP_TOKEN, "INFOMANIAK_MCP_LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "infomaniak_mcp", "--sandbox", "--transport", "http", "--port", str(port)]
    async with await anyio.open_process(command, env=env, cwd=isolated_cwd) as process:
        assert process.stderr is not None
        seen = ""
        with anyio.fail_after(30):
            async for chunk in TextReceiveStream(process.stderr):
                seen += chunk
                if "Uvicorn running on" in seen:
                    break
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx2.AsyncClient() as http:
                health = await http.get(f"{base}/healthz")
                denied = await http.post(f"{base}/mcp", json=INITIALIZE, headers=MCP_HEADERS)
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {HTTP_TOKEN}"}) as http, Client(
                streamable_http_client(f"{base}/mcp", http_client=http), mode="2026-07-28"
            ) as client:
                result = await client.call_tool("account_overview", {})
        finally:
            process.terminate()
            await process.wait()
    assert health.json() == {"status": "ok"}
    assert denied.status_code == 401
    assert not result.is_error
    assert HTTP_TOKEN not in seen
