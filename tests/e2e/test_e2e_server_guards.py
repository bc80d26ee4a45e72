"""What the server answers before any tool runs: unknown arguments, tools it does not expose.

Both are answered by `InfomaniakServer.call_tool` (one place for every tool): an argument the tool
does not have is `invalid_argument` naming it and listing the valid ones (never silently ignored:
a misspelt filter must not look like it filtered); a tool that is declared but not enabled, a
write tool under --read-only, or a name that is no tool get an `isError` answer that says which
and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import Echo, connect, make_fake_server, text_of
from e2e_writes_support import ZONE, WriteBench, structured
from mcp import Client
from mcp_types import LoggingMessageNotificationParams

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import select_tools, tool

pytestmark = pytest.mark.anyio


async def test_an_unknown_argument_of_a_read_tool_is_refused(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_list_records", {"zone": ZONE, "typ": "A"})
        good = await client.call_tool("dns_list_records", {"zone": ZONE, "type": "A"})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "invalid_argument"
    assert "dns_list_records has no parameter typ" in text_of(result)
    assert "zone" in error["description"]
    assert "type" in error["description"]
    assert [d["attribute"] for d in error["details"]] == ["typ"]
    assert not good.is_error


@pytest.mark.parametrize("era", ["legacy", "2026-07-28"])
async def test_an_unknown_argument_of_a_write_tool_is_refused_and_audited(tmp_path: Path, era: str) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    arguments = {"zone": ZONE, "name": "www", "type": "A", "target": "192.0.2.7", "tll": 300}
    async with connect(bench.server(), "memory", era) as client:
        result = await client.call_tool("dns_create_record", arguments)
        # confirmation_token is a parameter of every write tool: accepted (here refused as malformed, not unknown)
        token = await client.call_tool(
            "dns_create_record", {**{k: v for k, v in arguments.items() if k != "tll"}, "confirmation_token": "x"}
        )
    assert result.is_error
    assert structured(result)["error"] == "invalid_argument"
    assert "has no parameter tll" in text_of(result)
    assert "confirmation_token" in structured(result)["description"]
    assert structured(token)["error"] == "confirmation_refused"
    assert bench.state_dump() == before
    assert ("dns_create_record", "rejected", "invalid_arguments") in bench.audit_phases()


def _server(tmp_path: Path, *, read_only: bool = False, names: list[str] | None = None) -> object:
    engine = SafetyEngine.in_directory(tmp_path / "engine")
    return build_server(Settings(), select_tools(names, read_only=read_only), api=None, safety=engine)


async def test_a_declared_tool_that_is_not_enabled_says_how_to_enable_it(tmp_path: Path) -> None:
    async with connect(_server(tmp_path), "memory", "legacy") as client:
        result = await client.call_tool("audit_tail", {})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "tool_not_enabled"
    assert "audit" in error["description"]
    assert "--toolsets" in error["next_step"]
    assert "audit" in error["next_step"]
    assert "--toolsets default,audit" in error["next_step"]  # the current (default) selection is kept


async def test_a_write_tool_under_read_only_says_the_server_is_read_only(tmp_path: Path) -> None:
    engine = SafetyEngine.in_directory(tmp_path / "engine")
    server = build_server(Settings(), select_tools(read_only=True), api=None, safety=engine)
    async with connect(server, "memory", "legacy") as client:
        result = await client.call_tool("dns_delete_record", {"zone": ZONE, "record": 1})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "read_only_mode"
    assert "--read-only" in error["description"]
    assert "without --read-only" in error["next_step"]
    entries = engine.audit.search(limit=10)
    assert [(e.tool, e.phase, e.outcome) for e in entries] == [("dns_delete_record", "rejected", "read_only_mode")]


async def test_a_name_that_is_no_tool_suggests_the_closest(tmp_path: Path) -> None:
    async with connect(_server(tmp_path), "memory", "legacy") as client:
        result = await client.call_tool("dns_list_record", {})
        nothing = await client.call_tool("zzz_nothing_like_it", {})
    assert result.is_error
    assert structured(result)["error"] == "unknown_tool"
    assert "dns_list_records (enabled)" in structured(result)["next_step"]
    assert structured(nothing)["error"] == "unknown_tool"
    assert "tools_search" in structured(nothing)["next_step"]


async def test_read_only_discovery_does_not_offer_writes(tmp_path: Path) -> None:
    engine = SafetyEngine.in_directory(tmp_path / "engine")
    server = build_server(Settings(), select_tools(["tools", "api"], read_only=True), api=None, safety=engine)
    async with connect(server, "memory", "legacy") as client:
        found = structured(await client.call_tool("tools_search", {"query": "delete a dns record", "limit": 3}))
        ops = await client.call_tool(
            "api_search_operations", {"query": "delete a dns record", "product": "domain", "limit": 5}
        )
    assert found["hits"][0]["name"] == "dns_delete_record"
    assert "api_call_write" not in found["how_to_enable"]
    assert "without --read-only" in found["how_to_enable"]
    text = text_of(ops)
    assert "api_call_write" not in text
    assert "read-only" in text


# -- waits are reported, not silent ---------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def fake_get_waited(ctx: ToolContext) -> Echo:
    """Two requests through a 1/min limiter on a fake clock: the second waits 60 s."""
    clock = FakeTime()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await ctx.progress(1, 3, "first")
    await limiter.acquire()
    await limiter.acquire()
    await ctx.progress(2, 3, "second")
    return Echo(text="done", principal=ctx.principal)


@pytest.mark.parametrize("era", ["legacy", "2026-07-28"])
async def test_a_rate_limit_wait_is_a_progress_notification(fake_toolsets: object, era: str) -> None:
    tool(toolset="fake", read_only=True, title="Wait")(fake_get_waited)
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total, message))

    async with connect(make_fake_server(), "memory", era) as client:
        result = await client.call_tool("fake_get_waited", {}, progress_callback=on_progress)
    assert not result.is_error
    assert seen == [
        (1, 3, "first"),
        (pytest.approx(1.001), 3, "waiting 60 s for the API rate limit (1/min)"),
        (2, 3, "second"),
    ]


async def test_without_a_progress_token_the_wait_is_a_log_message(fake_toolsets: object) -> None:
    tool(toolset="fake", read_only=True, title="Wait")(fake_get_waited)
    logged: list[object] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params.data)

    async with Client(make_fake_server(), mode="legacy", logging_callback=on_log) as client:
        result = await client.call_tool("fake_get_waited", {})
    assert not result.is_error
    assert logged == ["fake_get_waited: waiting 60 s for the API rate limit (1/min)"]


async def test_a_real_tool_reports_the_rate_limit_wait_of_its_api_requests(tmp_path: Path) -> None:
    """Through the API client, its task groups and the sandbox: the wait of a later request is reported."""
    bench = WriteBench(tmp_path)
    clock = FakeTime()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    api = InfomaniakApi.from_settings(bench.settings, transport=bench.transport, limiter=limiter)
    server = build_server(bench.settings, select_tools(["dns"], read_only=True), api=api, safety=bench.engine)
    seen: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        seen.append(message)

    async with connect(server, "memory", "legacy") as client:
        first = await client.call_tool("dns_list_records", {"zone": ZONE}, progress_callback=on_progress)
        second = await client.call_tool("dns_list_records", {"zone": ZONE}, progress_callback=on_progress)
    assert not first.is_error
    assert not second.is_error
    assert "waiting 60 s for the API rate limit (1/min)" in seen
