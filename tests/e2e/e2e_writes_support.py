"""Helpers for write-tool tests: a sandbox, a safety engine on a temp dir, a fake clock, state dumps.

```python
bench = WriteBench(tmp_path)
async with connect(bench.server(), "memory", "legacy") as client:
    before = bench.state_dump()
    result = await client.call_tool("dns_delete_record", {...})
    assert bench.state_dump() == before          # nothing changed (byte for byte)
```

`state_dump()` is the canonical JSON of every field of the `SandboxState` (records, counters,
tasks, sessions… everything but the clock object), so "unchanged" really means unchanged.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from e2e_support import HTTP_TOKEN, http_settings, serve_on_loopback, text_of
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ElicitRequestParams, ElicitResult

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import ConfirmMode, SafetyEngine
from infomaniak_mcp.safety.plan import canonical_json
from infomaniak_mcp.safety.tokens import TOKEN_PREFIX
from infomaniak_mcp.sandbox import SandboxClock, SandboxState, create_app
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import Selection, select_tools
from infomaniak_mcp.transports.http import build_http_app

ZONE = "alpage-shop.ch"
WRITE_TOOLSETS = ["dns", "history", "audit"]


class FakeWallClock:
    """The engine's wall clock (token expiry, audit and history timestamps); moves when told."""

    def __init__(self, start: float = 1_795_219_200.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


class WriteBench:
    """One sandbox account + one safety engine, shared by every server built for a test."""

    def __init__(
        self, tmp_path: Path, *, confirm: ConfirmMode = "auto", ttl: float = 120.0, audit_reads: bool = False
    ) -> None:
        self.clock = FakeWallClock()
        self.state = SandboxState.seeded(SandboxClock())
        self.transport = httpx2.ASGITransport(app=create_app(self.state, rate_limit=None))
        self.settings = sandbox_settings(Settings())
        self.state_dir = tmp_path / "engine"
        self.engine = SafetyEngine.in_directory(
            self.state_dir, clock=self.clock, ttl=ttl, confirm=confirm, audit_reads=audit_reads
        )

    def api(self) -> InfomaniakApi:
        return InfomaniakApi.from_settings(self.settings, transport=self.transport, limiter=RateLimiter(100_000, 60.0))

    def server(self, *, read_only: bool = False, selection: Selection | None = None) -> MCPServer[Any]:
        """A fresh server (each client session closes its server's API client)."""
        chosen = selection or select_tools(WRITE_TOOLSETS, read_only=read_only)
        return build_server(self.settings, chosen, api=self.api(), safety=self.engine)

    def state_dump(self) -> str:
        fields = {f.name: _plain(getattr(self.state, f.name)) for f in dataclasses.fields(self.state)}
        fields.pop("clock")
        return canonical_json(fields)

    def records(self, zone: str = ZONE) -> dict[int, dict[str, Any]]:
        return self.state.records[zone]

    def find(self, source: str, rtype: str, zone: str = ZONE) -> dict[str, Any]:
        matches = [r for r in self.records(zone).values() if r["source"] == source and r["type"] == rtype]
        assert len(matches) == 1, f"expected one {source} {rtype} record in {zone}, found {len(matches)}"
        return matches[0]

    def audit_phases(self) -> list[tuple[str, str, str]]:
        """(tool, phase, outcome) of every audit entry, oldest first."""
        return [(e.tool, e.phase, e.outcome) for e in self.engine.audit.search(limit=10_000)][::-1]


def structured(result: CallToolResult) -> dict[str, Any]:
    assert result.structured_content is not None, result
    return dict(result.structured_content)


async def plan(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    """Call a write tool, check it answers confirmation_required; the confirmation token."""
    result = structured(await client.call_tool(tool, arguments))
    assert result["status"] == "confirmation_required", result
    return str(result["confirmation_token"])


def refused(result: Any, reason: str) -> None:
    """The call was refused as `confirmation_refused` for `reason`, without echoing any token."""
    assert result.is_error, text_of(result)
    content = structured(result)
    assert content["error"] == "confirmation_refused", content
    assert content["reason"] == reason, content
    assert "imc_" not in text_of(result)  # a refusal never echoes a token


def flip_token(token: str, index: int) -> str:
    """`token` with the character at `index` (after the prefix) changed: a signature that no longer matches."""
    body = token[len(TOKEN_PREFIX):]
    char = body[index]
    return TOKEN_PREFIX + body[:index] + ("A" if char != "A" else "B") + body[index + 1 :]


def forge_token(token: str) -> str:
    """`token` with the same payload and a made-up signature."""
    raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX):] + "==")
    forged = raw[:-32] + bytes(32)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(forged).rstrip(b"=").decode()


async def plan_and_apply(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a write tool, check it answers confirmation_required, confirm with the token; the outcome."""
    planned = structured(await client.call_tool(tool, arguments))
    assert planned["status"] == "confirmation_required", planned
    result = await client.call_tool(tool, {**arguments, "confirmation_token": planned["confirmation_token"]})
    assert not result.is_error, result
    return structured(result)


async def apply_one_token_concurrently(
    client: Client, tool: str, arguments: dict[str, Any], *, times: int = 4
) -> None:
    """Plan once, then confirm with that one token `times` times at once: exactly one applies, every
    other call is refused as `already_used`."""
    token = await plan(client, tool, arguments)
    results: list[CallToolResult] = []

    async def apply() -> None:
        results.append(await client.call_tool(tool, {**arguments, "confirmation_token": token}))

    async with anyio.create_task_group() as tg:
        for _ in range(times):
            tg.start_soon(apply)
    statuses = sorted("refused" if r.is_error else structured(r)["status"] for r in results)
    assert statuses == ["applied"] + ["refused"] * (times - 1)
    for result in results:
        if result.is_error:
            refused(result, "already_used")


async def misuse_a_token(bench: WriteBench, server: MCPServer[Any], tool: str, arguments: dict[str, Any]) -> str:
    """Plan, then confirm with an altered token, the token, and the token again (replay); the token.
    The audit log holds the refusals but never the token."""
    async with connect_writes(server, "memory", "legacy") as client:
        token = await plan(client, tool, arguments)
        await client.call_tool(tool, {**arguments, "confirmation_token": token + "x"})
        await client.call_tool(tool, {**arguments, "confirmation_token": token})
        await client.call_tool(tool, {**arguments, "confirmation_token": token})
    audit = bench.engine.audit.path.read_text(encoding="utf-8")
    assert token not in audit
    assert TOKEN_PREFIX not in audit
    assert "token_already_used" in audit
    return token


class Elicitor:
    """An elicitation callback that answers as told and remembers what it was asked."""

    def __init__(self, action: str = "accept", content: dict[str, Any] | None = None) -> None:
        self.action = action
        self.content = content
        self.asked: list[ElicitRequestParams] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params)
        content = self.content if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)  # type: ignore[arg-type]


@asynccontextmanager
async def connect_writes(
    server: MCPServer[Any],
    transport: str,
    mode: str,
    *,
    token: str = HTTP_TOKEN,
    elicitation: Elicitor | None = None,
) -> AsyncIterator[Client]:
    """`e2e_support.connect`, with an optional elicitation callback (declares form elicitation)."""
    extra: dict[str, Any] = {"elicitation_callback": elicitation} if elicitation is not None else {}
    if transport == "memory":
        async with Client(server, mode=mode, **extra) as client:
            yield client
        return
    app = build_http_app(server, http_settings())
    async with serve_on_loopback(app) as base, httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}
    ) as http, Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode, **extra) as client:
        yield client
