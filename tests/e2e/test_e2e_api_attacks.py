"""The attack suite's token cases hold for `api_call_write` too: each misuse is refused by name and
changes NOTHING (canonical dump of the whole sandbox state, byte for byte).

Same bench and checks as `test_attack_tokens.py` (`WriteBench`, `state_dump`, its token manglers), with
the generic write tool on a stateful target (a DNS record) so that a wrongly applied call would show in
the state: replay, expiry, changed arguments, another tool, stale state, forged and truncated tokens,
another principal's token (HTTP, two bearer identities), concurrent applies, tokens kept out of logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import ALICE_TOKEN, ERAS
from e2e_writes_support import (
    ZONE,
    WriteBench,
    apply_one_token_concurrently,
    connect_writes,
    flip_token,
    forge_token,
    misuse_a_token,
    plan,
    refused,
    structured,
)

from infomaniak_mcp.safety.tokens import TOKEN_PREFIX
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
TOOLSETS = ["api", "dns", "history", "audit"]


def create(target: str = "planted-by-the-api-test", method: str = "POST") -> dict[str, Any]:
    return {
        "method": method,
        "path": "/2/zones/{zone}/records",
        "path_params": {"zone": ZONE},
        "body": {"type": "TXT", "source": "api-attack", "target": target, "ttl": 3600},
    }


def server(bench: WriteBench) -> Any:
    return bench.server(selection=select_tools(TOOLSETS))


async def test_replayed_token(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), transport, era) as client:
        token = await plan(client, "api_call_write", create())
        first = await client.call_tool("api_call_write", {**create(), "confirmation_token": token})
        assert structured(first)["status"] == "applied"
        after_apply = bench.state_dump()
        replay = await client.call_tool("api_call_write", {**create(), "confirmation_token": token})
    refused(replay, "already_used")
    assert bench.state_dump() == after_apply
    assert bench.find("api-attack", "TXT")["target"] == "planted-by-the-api-test"
    assert ("api_call_write", "rejected", "token_already_used") in bench.audit_phases()


async def test_expired_token(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path, ttl=60)
    async with connect_writes(server(bench), "memory", "legacy") as client:
        token = await plan(client, "api_call_write", create())
        before = bench.state_dump()
        bench.clock.advance(61)
        result = await client.call_tool("api_call_write", {**create(), "confirmation_token": token})
    refused(result, "expired")
    assert bench.state_dump() == before


@pytest.mark.parametrize(
    "changed",
    [
        {"body": {"type": "TXT", "source": "api-attack", "target": "something-else", "ttl": 3600}},
        {"path_params": {"zone": "alpage-labs.dev"}},
        {"query": {"with": "idn"}},
        {"path": f"/2/zones/{ZONE}/records", "path_params": None},
    ],
    ids=["body", "path_params", "query", "concrete_path"],
)
async def test_token_with_changed_arguments(tmp_path: Path, changed: dict[str, Any]) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), "memory", "legacy") as client:
        token = await plan(client, "api_call_write", create())
        before = bench.state_dump()
        attempt = {k: v for k, v in {**create(), **changed}.items() if v is not None}
        result = await client.call_tool("api_call_write", {**attempt, "confirmation_token": token})
        refused(result, "arguments_mismatch")
        assert bench.state_dump() == before
        ok = await client.call_tool("api_call_write", {**create(), "confirmation_token": token})
    assert structured(ok)["status"] == "applied"


async def test_token_of_another_tool_both_ways(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    curated = {"zone": ZONE, "type": "TXT", "name": "api-attack", "target": "planted-by-the-api-test"}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        curated_token = await plan(client, "dns_create_record", curated)
        api_token = await plan(client, "api_call_write", create())
        before = bench.state_dump()
        with_curated = await client.call_tool("api_call_write", {**create(), "confirmation_token": curated_token})
        with_api = await client.call_tool("dns_create_record", {**curated, "confirmation_token": api_token})
    refused(with_curated, "tool_mismatch")
    refused(with_api, "tool_mismatch")
    assert bench.state_dump() == before


async def test_a_plan_alone_changes_nothing_and_a_stale_state_is_caught(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    args = {"method": "PUT", "path": f"/2/zones/{ZONE}/records/{record['id']}", "body": {"target": "192.0.2.77",
                                                                                      "ttl": record["ttl"]}}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        before = bench.state_dump()
        token = await plan(client, "api_call_write", args)
        assert bench.state_dump() == before
        record["target"] = "192.0.2.1"  # someone changes the record between plan and confirmation
        changed = bench.state_dump()
        stale = structured(await client.call_tool("api_call_write", {**args, "confirmation_token": token}))
    assert stale["status"] == "stale"
    assert bench.state_dump() == changed


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (forge_token, "bad_signature"),
        (lambda t: flip_token(t, 20), "bad_signature"),
        (lambda t: flip_token(t, 5), "bad_signature"),
        (lambda t: t[:-10], "malformed"),
        (lambda t: t[: len(TOKEN_PREFIX) + 8], "malformed"),
        (lambda t: t + "AAAA", "malformed"),
        (lambda t: "true", "malformed"),
    ],
    ids=["forged-signature", "altered-payload", "altered-id", "truncated", "cut-short", "extended", "word"],
)
async def test_forged_and_truncated_tokens(tmp_path: Path, mangle: Any, reason: str) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), "memory", "legacy") as client:
        token = await plan(client, "api_call_write", create())
        before = bench.state_dump()
        result = await client.call_tool("api_call_write", {**create(), "confirmation_token": mangle(token)})
        refused(result, reason)
        assert bench.state_dump() == before
        ok = await client.call_tool("api_call_write", {**create(), "confirmation_token": token})
    assert structured(ok)["status"] == "applied"  # the real token still works once


@pytest.mark.parametrize("era", ERAS)
async def test_token_from_another_principal(tmp_path: Path, era: str) -> None:
    """Two bearer identities on one HTTP server: alice's api_call_write token is useless to `http`."""
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), "http", era, token=ALICE_TOKEN) as alice:
        token = await plan(alice, "api_call_write", create())
    before = bench.state_dump()
    async with connect_writes(server(bench), "http", era) as other:
        result = await other.call_tool("api_call_write", {**create(), "confirmation_token": token})
    refused(result, "foreign_principal")
    assert bench.state_dump() == before
    async with connect_writes(server(bench), "http", era, token=ALICE_TOKEN) as alice:
        ok = await alice.call_tool("api_call_write", {**create(), "confirmation_token": token})
    assert structured(ok)["status"] == "applied"
    entries = bench.engine.audit.search(tool="api_call_write", limit=100)
    assert [e.principal for e in entries if e.phase == "applied"] == ["alice"]


async def test_two_concurrent_applies_of_one_token(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), transport, era) as client:
        await apply_one_token_concurrently(client, "api_call_write", create())
    created = [r for r in bench.records().values() if r["source"] == "api-attack"]
    assert len(created) == 1


async def test_tokens_never_reach_the_audit_log_or_the_server_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bench = WriteBench(tmp_path)
    token = await misuse_a_token(bench, server(bench), "api_call_write", create())
    _, err = capfd.readouterr()
    assert token not in err
