"""A refused confirmation is audited with what it tried: tool, arguments, and the pending plan's summary and
resources when the token names one (never rebuilt: a refusal sends no request)."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from e2e_support import ALICE_TOKEN
from e2e_writes_support import ZONE, WriteBench, connect_writes, flip_token, forge_token, plan, refused

pytestmark = pytest.mark.anyio
ARGS = {"zone": ZONE, "type": "TXT", "name": "bob-tried", "target": "planted-by-the-test"}


async def test_a_foreign_token_is_audited_with_what_was_tried(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "http", "legacy", token=ALICE_TOKEN) as alice:
        token = await plan(alice, "dns_create_record", ARGS)
    before = bench.state_dump()
    async with connect_writes(bench.server(), "http", "legacy") as other:
        result = await other.call_tool("dns_create_record", {**ARGS, "confirmation_token": token})
    refused(result, "foreign_principal")
    assert bench.state_dump() == before
    entry = bench.engine.audit.search(tool="dns_create_record", phase="rejected", limit=1)[0]
    assert entry.outcome == "token_foreign_principal"
    assert entry.principal == "http"
    assert entry.arguments["name"] == "bob-tried"
    assert "bob-tried" in entry.summary
    assert entry.resources == [f"dns:{ZONE}"]
    assert entry.plan_fingerprint
    assert "imc_" not in entry.model_dump_json()


class Recording(httpx2.AsyncBaseTransport):
    """Passes requests through to the sandbox and remembers each one's method and path."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("kind", ["forged", "flipped", "malformed"])
async def test_a_bad_token_is_audited_with_its_arguments_and_costs_no_request(tmp_path: Path, kind: str) -> None:
    """A token naming no pending plan: refused without rebuilding any plan (no API request: bad tokens must
    not burn the shared rate limit), audited with the call's arguments only."""
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "http", "legacy") as owner:
        token = await plan(owner, "dns_create_record", ARGS)
    bad = {"forged": forge_token(token), "flipped": flip_token(token, 5), "malformed": "imc_nope"}[kind]
    recorder = Recording(bench.transport)
    bench.transport = recorder
    before = bench.state_dump()
    async with connect_writes(bench.server(), "http", "legacy") as client:
        result = await client.call_tool("dns_create_record", {**ARGS, "confirmation_token": bad})
    refused(result, "malformed" if kind == "malformed" else "bad_signature")
    assert recorder.seen == []
    assert bench.state_dump() == before
    entry = bench.engine.audit.search(tool="dns_create_record", phase="rejected", limit=1)[0]
    assert entry.outcome == f"token_{'malformed' if kind == 'malformed' else 'bad_signature'}"
    assert entry.arguments["name"] == "bob-tried"
    assert entry.summary == ""
    assert entry.resources == []
    assert entry.plan_fingerprint is None
    assert "imc_" not in entry.model_dump_json()
