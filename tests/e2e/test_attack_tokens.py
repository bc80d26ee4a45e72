"""Attack suite, confirmation tokens: every misuse is refused by name and changes NOTHING.

Each test drives a real SDK client against the sandbox and compares the canonical JSON dump of
the whole sandbox state before and after the refused call (byte for byte). Tokens are bound to
tool + canonical arguments + principal, signed (HMAC), expire, and are single use.
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

pytestmark = pytest.mark.anyio


def create_args(name: str = "attack") -> dict[str, Any]:
    return {"zone": ZONE, "type": "TXT", "name": name, "target": "planted-by-the-test"}


async def test_replayed_token(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), transport, era) as client:
        token = await plan(client, "dns_create_record", create_args())
        first = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
        assert structured(first)["status"] == "applied"
        after_apply = bench.state_dump()
        replay = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    refused(replay, "already_used")
    assert bench.state_dump() == after_apply
    assert ("dns_create_record", "rejected", "token_already_used") in bench.audit_phases()


async def test_expired_token(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path, ttl=60)
    async with connect_writes(bench.server(), transport, era) as client:
        token = await plan(client, "dns_create_record", create_args())
        before = bench.state_dump()
        bench.clock.advance(61)
        result = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    refused(result, "expired")
    assert bench.state_dump() == before


@pytest.mark.parametrize(
    "changed",
    [{"target": "something-else"}, {"name": "elsewhere"}, {"ttl": 7200}, {"zone": "alpage-labs.dev"}],
    ids=["target", "name", "ttl", "zone"],
)
async def test_token_with_changed_arguments(tmp_path: Path, changed: dict[str, Any]) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_create_record", create_args())
        before = bench.state_dump()
        result = await client.call_tool(
            "dns_create_record", {**create_args(), **changed, "confirmation_token": token}
        )
        refused(result, "arguments_mismatch")
        assert bench.state_dump() == before
        # the owner's token was not burnt by the mismatched attempt
        ok = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    assert structured(ok)["status"] == "applied"


async def test_explicit_default_is_the_same_arguments(tmp_path: Path) -> None:
    """Canonical arguments: omitting ttl or passing its default binds the same call."""
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_create_record", create_args())
        explicit = {**create_args(), "ttl": 3600, "confirmation_token": token}
        result = await client.call_tool("dns_create_record", explicit)
    assert structured(result)["status"] == "applied"


async def test_token_of_another_tool(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_delete_record", {"zone": ZONE, "record_id": record["id"]})
        before = bench.state_dump()
        result = await client.call_tool(
            "dns_update_record", {"zone": ZONE, "record_id": record["id"], "ttl": 600, "confirmation_token": token}
        )
    refused(result, "tool_mismatch")
    assert bench.state_dump() == before


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (forge_token, "bad_signature"),
        (lambda t: flip_token(t, 20), "bad_signature"),  # payload altered (expiry / binding)
        (lambda t: flip_token(t, 5), "bad_signature"),  # token id altered
        (lambda t: t[:-10], "malformed"),  # truncated
        (lambda t: t[: len(TOKEN_PREFIX) + 8], "malformed"),
        (lambda t: t + "AAAA", "malformed"),
        (lambda t: "imc_" + "A" * 80, "malformed"),
        (lambda t: "confirmed", "malformed"),
        (lambda t: "true", "malformed"),
    ],
    ids=["forged-signature", "altered-payload", "altered-id", "truncated", "cut-short", "extended", "garbage",
         "word", "true"],
)
async def test_forged_and_truncated_tokens(tmp_path: Path, mangle: Any, reason: str) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_create_record", create_args())
        before = bench.state_dump()
        result = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": mangle(token)})
    refused(result, reason)
    assert bench.state_dump() == before


@pytest.mark.parametrize("era", ERAS)
async def test_token_from_another_principal(tmp_path: Path, era: str) -> None:
    """Two bearer identities on one HTTP server: alice's token is useless to `http`, and vice versa."""
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "http", era, token=ALICE_TOKEN) as alice:
        token = await plan(alice, "dns_create_record", create_args())
    before = bench.state_dump()
    async with connect_writes(bench.server(), "http", era) as other:
        result = await other.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    refused(result, "foreign_principal")
    assert bench.state_dump() == before
    async with connect_writes(bench.server(), "http", era, token=ALICE_TOKEN) as alice:
        ok = await alice.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    assert structured(ok)["status"] == "applied"
    entries = bench.engine.audit.search(tool="dns_create_record", limit=100)
    assert {e.principal for e in entries} == {"alice", "http"}
    assert [e.principal for e in entries if e.phase == "applied"] == ["alice"]


async def test_state_changed_between_plan_and_apply(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.7"}
    async with connect_writes(bench.server(), transport, era) as client:
        token = await plan(client, "dns_update_record", arguments)
        record["ttl"] = 1800  # changed in the manager meanwhile
        before = bench.state_dump()
        stale = await client.call_tool("dns_update_record", {**arguments, "confirmation_token": token})
        assert not stale.is_error
        content = structured(stale)
        assert content["status"] == "stale"
        assert bench.state_dump() == before, "a stale plan must not apply anything"
        assert {d["field"]: d["before"] for d in content["plan"]["diff"]} == {"target": "203.0.113.30"}
        fresh = content["confirmation_token"]
        assert fresh
        assert fresh != token
        applied = await client.call_tool("dns_update_record", {**arguments, "confirmation_token": fresh})
    assert structured(applied)["status"] == "applied"
    assert (record["target"], record["ttl"]) == ("198.51.100.7", 1800)
    assert ("dns_update_record", "plan", "stale") in bench.audit_phases()


async def single_apply_dump(tmp_path: Path) -> str:
    """The sandbox state after ONE plan + apply of `create_args()` (the reference for concurrent applies)."""
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_create_record", create_args())
        result = await client.call_tool("dns_create_record", {**create_args(), "confirmation_token": token})
    assert structured(result)["status"] == "applied"
    return bench.state_dump()


async def test_two_concurrent_applies_of_one_token(tmp_path: Path, transport: str, era: str) -> None:
    reference = await single_apply_dump(tmp_path / "reference")
    bench = WriteBench(tmp_path / "concurrent")
    async with connect_writes(bench.server(), transport, era) as client:
        await apply_one_token_concurrently(client, "dns_create_record", create_args())
    created = [r for r in bench.records().values() if r["source"] == "attack"]
    assert len(created) == 1
    assert bench.state_dump() == reference, "four applies of one token must leave exactly what one apply leaves"


async def test_tokens_never_reach_the_audit_log_or_the_server_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bench = WriteBench(tmp_path)
    token = await misuse_a_token(bench, bench.server(), "dns_create_record", create_args())
    _, err = capfd.readouterr()
    assert token not in err
