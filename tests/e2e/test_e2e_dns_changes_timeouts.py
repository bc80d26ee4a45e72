"""A change-set step whose request got no answer in time: reconciled by re-reading, never "nothing changed".

The sandbox runs in process, so a client-side timeout would cancel the request there too; the
`LostAnswer` transport below plays the real network: the request reaches the sandbox (or, `drop`,
never does) and its answer is lost — the client's per-attempt deadline (0.3 s) gives up on it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx2
import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured
from mcp import Client

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
ZONE = "alpage-shop.ch"
TIMEOUT = 0.3


class LostAnswer(httpx2.AsyncBaseTransport):
    """Requests matching `method` + `path` (glob), `count` times: sent (unless `drop`), answer never returned."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, method: str, path: str, *, drop: bool, count: int) -> None:
        self.inner, self.method, self.path, self.drop, self.count = inner, method, path, drop, count

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.count and request.method == self.method and fnmatch.fnmatchcase(request.url.path, self.path):
            self.count -= 1
            if not self.drop:
                with anyio.CancelScope(shield=True):  # it lands upstream whatever the client does
                    response = await self.inner.handle_async_request(request)
                    await response.aread()
            await anyio.sleep(30)  # the answer is lost: the client's deadline ends this
        return await self.inner.handle_async_request(request)


def server(bench: WriteBench, transport: httpx2.AsyncBaseTransport) -> Any:
    settings = dataclasses.replace(bench.settings, request_timeout=TIMEOUT, request_deadline=TIMEOUT)
    api = InfomaniakApi.from_settings(settings, transport=transport, limiter=RateLimiter(100_000, 60.0))
    return build_server(bench.settings, select_tools(["dns", "history"]), api=api, safety=bench.engine)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured(result)


def zone_view(bench: WriteBench) -> set[tuple[str, str, str, int]]:
    return {(r["source"], r["type"], r["target"], r["ttl"]) for r in bench.records(ZONE).values()}


async def test_a_create_that_landed_without_answer_is_applied_and_undone(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    api = bench.find("api", "A")
    original = zone_view(bench)
    arguments = {
        "zone": ZONE,
        "changes": [
            {"action": "update", "record_id": api["id"], "ttl": 900},
            {"action": "create", "name": "late1", "type": "A", "target": "203.0.113.9"},
            {"action": "create", "name": "late2", "type": "A", "target": "203.0.113.11"},
        ],
    }
    lossy = LostAnswer(bench.transport, "POST", f"/2/zones/{ZONE}/records", drop=False, count=1)
    async with connect_writes(server(bench, lossy), "memory", "legacy") as client:
        planned = await call(client, "dns_apply_changes", arguments)
        outcome = await call(client, "dns_apply_changes", {**arguments, "confirmation_token":
                                                            planned["confirmation_token"]})
        assert outcome["status"] == "applied", outcome  # late1 was found, so late2 ran too
        report = outcome["report"]
        assert [s["index"] for s in report["applied"]] == [0, 1, 2]
        assert "re-reading showed it was applied" in report["applied"][1]["data"]["reconciled"]
        assert ("late1", "A", "203.0.113.9", 3600) in zone_view(bench)
        undone = await call(client, "history_undo", {"history_id": outcome["history_id"]})
        undone = await call(client, "history_undo", {"history_id": outcome["history_id"],
                                                     "confirmation_token": undone["confirmation_token"]})
        assert undone["status"] == "applied", undone
    assert zone_view(bench) == original, "late1 is undone with the rest"


async def test_a_lost_put_first_is_checked_and_never_said_to_change_nothing(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    api = bench.find("api", "A")
    arguments = {"zone": ZONE, "changes": [
        {"action": "update", "record_id": api["id"], "ttl": 900},
        {"action": "create", "name": "late1", "type": "A", "target": "203.0.113.9"},
    ]}
    lossy = LostAnswer(bench.transport, "PUT", f"/2/zones/{ZONE}/records/*", drop=True, count=1)
    async with connect_writes(server(bench, lossy), "memory", "legacy") as client:
        planned = await call(client, "dns_apply_changes", arguments)
        result = await client.call_tool("dns_apply_changes", {**arguments, "confirmation_token":
                                                              planned["confirmation_token"]})
    assert result.is_error
    outcome = structured(result)
    assert outcome["status"] == "failed", outcome
    assert "nothing was changed" not in outcome["message"].lower(), outcome["message"]
    assert "no answer in time" in outcome["message"]
    assert "not applied" in outcome["report"]["failed"][0]["error"]["checked"]
    assert [s["index"] for s in outcome["report"]["not_attempted"]] == [1]


async def test_a_lost_answer_that_cannot_be_checked_is_unknown(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    api = bench.find("api", "A")
    arguments = {"zone": ZONE, "changes": [{"action": "update", "record_id": api["id"], "ttl": 900}]}
    lossy = LostAnswer(bench.transport, "PUT", f"/2/zones/{ZONE}/records/*", drop=True, count=1)
    async with connect_writes(server(bench, lossy), "memory", "legacy") as client:
        planned = await call(client, "dns_apply_changes", arguments)
        lossy.inner = _Unreachable(bench.transport)  # the re-read fails too
        result = await client.call_tool("dns_apply_changes", {**arguments, "confirmation_token":
                                                              planned["confirmation_token"]})
    outcome = structured(result)
    assert result.is_error
    assert outcome["status"] == "partial", outcome  # something may have changed
    assert [s["index"] for s in outcome["report"]["uncertain"]] == [0]
    assert "nothing was changed" not in outcome["message"].lower()
    assert "dns_list_records" in outcome["message"]
    assert "unknown" in text_of(result)


class _Unreachable(httpx2.AsyncBaseTransport):
    """Reads of the zone fail (after the plan was checked): the re-read cannot tell."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.reads = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET" and "/records" in request.url.path:
            self.reads += 1
            if self.reads > 1:  # the first GET is the confirmation's rebuild of the plan
                raise httpx2.ConnectError("unreachable", request=request)
        return await self.inner.handle_async_request(request)


class LandsLater(httpx2.AsyncBaseTransport):
    """The first matching request reaches the sandbox only `delay` s after it was sent (after our timeout)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, tg: anyio.abc.TaskGroup, method: str, delay: float) -> None:
        self.inner, self.tg, self.method, self.delay, self.shots = inner, tg, method, delay, 1

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.shots and request.method == self.method:
            self.shots -= 1
            await request.aread()

            async def later() -> None:
                await anyio.sleep(self.delay)
                await self.inner.handle_async_request(request)

            self.tg.start_soon(later)
            await anyio.sleep(30)
        return await self.inner.handle_async_request(request)


async def test_a_create_landing_after_the_first_re_read_is_found_by_the_second(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    arguments = {"zone": ZONE, "changes": [{"action": "create", "name": "late1", "type": "A", "target": "203.0.113.9"}]}
    async with anyio.create_task_group() as tg:
        slow = LandsLater(bench.transport, tg, "POST", delay=TIMEOUT * 1.5)
        async with connect_writes(server(bench, slow), "memory", "legacy") as client:
            planned = await call(client, "dns_apply_changes", arguments)
            outcome = await call(client, "dns_apply_changes", {**arguments, "confirmation_token":
                                                                planned["confirmation_token"]})
    assert outcome["status"] == "applied", outcome
    assert ("late1", "A", "203.0.113.9", 3600) in zone_view(bench)
    assert outcome["history_id"]
