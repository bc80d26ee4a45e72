"""Write tools end to end on the sandbox: plan → confirm with a token → apply → history → undo.

A real SDK client, in memory and over streamable HTTP, both protocol eras. The sandbox state is
checked directly: planning changes nothing, applying changes exactly the planned record, undo
really performs the inverse (and only then is the entry marked undone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, Elicitor, WriteBench, connect_writes, plan_and_apply, structured

from infomaniak_mcp.safety.audit import verify
from infomaniak_mcp.server.app import local_principal

pytestmark = pytest.mark.anyio


async def test_create_confirm_apply_then_undo(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    arguments = {"zone": ZONE, "type": "A", "name": "mcp-test", "target": "192.0.2.44", "ttl": 600}
    async with connect_writes(bench.server(), transport, era) as client:
        before = bench.state_dump()
        first = await client.call_tool("dns_create_record", arguments)
        assert bench.state_dump() == before, "planning must not change anything"
        planned = structured(first)
        assert planned["status"] == "confirmation_required"
        assert planned["plan"]["risk"] == "low"
        assert planned["plan"]["diff"] == [
            {"resource": f"dns:{ZONE}/records/new", "after": {"source": "mcp-test", "type": "A", "target": "192.0.2.44",
                                                             "ttl": 600}}
        ]
        assert planned["expires_at"].endswith("Z")
        assert "confirmation_token" in text_of(first)

        token = planned["confirmation_token"]
        applied = structured(await client.call_tool("dns_create_record", {**arguments, "confirmation_token": token}))
        assert applied["status"] == "applied"
        created = bench.find("mcp-test", "A")
        assert (created["target"], created["ttl"]) == ("192.0.2.44", 600)
        history_id = applied["history_id"]
        assert applied["report"]["applied"][0]["resource"] == f"dns:{ZONE}/records/{created['id']}"

        listed = structured(await client.call_tool("history_list", {}))
        assert listed["entries"][0]["id"] == history_id
        assert listed["entries"][0]["reversible"] is True
        expected_principal = local_principal() if transport == "memory" else "http"
        assert listed["entries"][0]["principal"] == expected_principal

        undone = await plan_and_apply(client, "history_undo", {"history_id": history_id})
        assert undone["status"] == "applied"
        assert created["id"] not in bench.records()
        listed = structured(await client.call_tool("history_list", {}))
        assert listed["entries"][1]["id"] == history_id
        assert listed["entries"][1]["undone_by"] == listed["entries"][0]["id"]
        assert listed["entries"][1]["reversible"] is False
    phases = bench.audit_phases()
    assert ("dns_create_record", "plan", "confirmation_required") in phases
    assert ("dns_create_record", "applied", "applied") in phases
    assert ("history_undo", "applied", "applied") in phases
    assert verify(bench.engine.audit.path).ok


async def test_delete_shows_the_record_and_undo_recreates_it(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "TXT")
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("dns_delete_record", {"zone": ZONE, "record_id": record["id"]}))
        plan = planned["plan"]
        assert plan["risk"] == "high"
        assert plan["target_name"] == ZONE
        assert plan["diff"][0]["before"]["target"] == record["target"]
        applied = await plan_and_apply(client, "dns_delete_record", {"zone": ZONE, "record_id": record["id"]})
        assert record["id"] not in bench.records()
        await plan_and_apply(client, "history_undo", {"history_id": applied["history_id"]})
    again = bench.find(".", "TXT")
    assert again["id"] != record["id"]
    assert (again["target"], again["ttl"]) == (record["target"], record["ttl"])


async def test_update_shows_current_values_and_undo_restores_them(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    old = (record["target"], record["ttl"])
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.99", "ttl": 300}
    async with connect_writes(bench.server(), "memory", "2026-07-28") as client:
        planned = structured(await client.call_tool("dns_update_record", arguments))
        diff = {d["field"]: (d["before"], d["after"]) for d in planned["plan"]["diff"]}
        assert diff == {"target": (old[0], "198.51.100.99"), "ttl": (old[1], 300)}
        applied = await plan_and_apply(client, "dns_update_record", arguments)
        assert (record["target"], record["ttl"]) == ("198.51.100.99", 300)
        await plan_and_apply(client, "history_undo", {"history_id": applied["history_id"]})
    assert (record["target"], record["ttl"]) == old


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"type": "A", "target": "2001:db8::1"}, "target"),
        ({"type": "AAAA", "target": "192.0.2.1"}, "target"),
        ({"type": "A", "target": "192.0.2.1", "ttl": 30}, "ttl"),
        ({"type": "A", "target": "192.0.2.1", "ttl": 90000}, "ttl"),
        ({"type": "SPF", "target": "x"}, "type"),
        ({"type": "CNAME", "target": "elsewhere.example.com", "name": "."}, "name"),
    ],
)
async def test_invalid_records_are_refused_before_any_request(
    tmp_path: Path, arguments: dict[str, Any], field: str
) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_create_record", {"zone": ZONE, "name": "x", **arguments})
    assert result.is_error
    assert field in text_of(result)
    assert bench.state_dump() == before


async def test_undo_refuses_when_the_record_changed_since(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        arguments = {"zone": ZONE, "record_id": record["id"], "ttl": 900}
        applied = await plan_and_apply(client, "dns_update_record", arguments)
        record["ttl"] = 1200  # someone else changed it in the manager
        before = bench.state_dump()
        result = await client.call_tool("history_undo", {"history_id": applied["history_id"]})
    assert result.is_error
    assert structured(result)["error"] == "undo_refused"
    assert "changed since" in text_of(result)
    assert bench.state_dump() == before
    assert bench.engine.history.get(applied["history_id"]).undone_by is None  # type: ignore[union-attr]


async def test_undo_refusals_say_what_to_do_next(tmp_path: Path) -> None:
    """An unknown id is an error on history_id pointing at history_list; an entry already undone says so."""
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        unknown = structured(await client.call_tool("history_undo", {"history_id": "h_deadbeef"}))
        update = {"zone": ZONE, "record_id": record["id"], "ttl": 900}
        applied = await plan_and_apply(client, "dns_update_record", update)
        undone = await plan_and_apply(client, "history_undo", {"history_id": applied["history_id"]})
        twice = structured(await client.call_tool("history_undo", {"history_id": applied["history_id"]}))
    assert unknown["error"] == "invalid_argument"
    assert unknown["details"][0]["attribute"] == "history_id"
    assert "no history entry h_deadbeef" in unknown["description"]
    assert unknown["next_step"].startswith("Call history_list")
    assert "on purpose" not in unknown["next_step"]
    assert twice["error"] == "undo_refused"
    assert "already undone" in twice["description"]
    assert undone["history_id"] in twice["next_step"]
    assert "on purpose" not in twice["next_step"]


async def test_a_write_with_nothing_to_do_is_unchanged_not_an_error(tmp_path: Path, era: str) -> None:
    """Same values: no error, no token, no question to the human; audited as plan/unchanged."""
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    before = bench.state_dump()
    asked = Elicitor()
    async with connect_writes(bench.server(), "memory", era, elicitation=asked) as client:
        result = await client.call_tool("dns_update_record", {"zone": ZONE, "record_id": record["id"],
                                                               "target": record["target"], "ttl": record["ttl"]})
    assert not result.is_error, text_of(result)
    out = structured(result)
    assert out["status"] == "unchanged"
    assert set(out) == {"status", "message"}  # no plan, no token
    assert out["message"].startswith(f"Nothing was changed: record {record['id']} already has this target and TTL.")
    assert text_of(result).startswith("unchanged: Nothing was changed")
    assert asked.asked == []
    assert bench.state_dump() == before
    assert bench.audit_phases() == [("dns_update_record", "plan", "unchanged")]


async def test_a_plan_whose_change_happened_meanwhile_is_unchanged_at_confirmation(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.7"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("dns_update_record", arguments))
        record["target"] = "198.51.100.7"  # someone made the same change in the manager
        before = bench.state_dump()
        result = await client.call_tool("dns_update_record", {**arguments,
                                                               "confirmation_token": planned["confirmation_token"]})
    assert not result.is_error, text_of(result)
    out = structured(result)
    assert out["status"] == "unchanged"
    assert "since the plan, the state became as asked" in out["message"]
    assert bench.state_dump() == before
    assert bench.audit_phases()[-1] == ("dns_update_record", "plan", "unchanged")
    assert ("dns_update_record", "apply_attempt", "started") not in bench.audit_phases()


async def test_a_stale_answer_says_what_changed(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    ttl = record["ttl"]
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.7"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("dns_update_record", arguments))
        record["ttl"] = 1800  # changed in the manager meanwhile
        record["updated_at"] += 60  # volatile: not news
        result = await client.call_tool("dns_update_record", {**arguments,
                                                               "confirmation_token": planned["confirmation_token"]})
    out = structured(result)
    assert out["status"] == "stale"
    assert out["message"].startswith(
        f"The state changed since this plan was made (dns:{ZONE}/records/{record['id']} ttl: {ttl} → 1800); "
        "nothing was changed."
    ), out["message"]
