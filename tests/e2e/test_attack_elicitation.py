"""Attack suite, human confirmation: elicitation (both protocol eras), `--confirm elicit`, read-only mode.

Clients here declare form elicitation through a callback that accepts, declines or cancels, as
each test says. Declined, cancelled and wrongly-named answers change nothing (byte-for-byte
sandbox dump); an accepted answer applies in the same call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, Elicitor, WriteBench, connect_writes, plan, structured

from infomaniak_mcp.server.registry import Selection, select_tools

pytestmark = pytest.mark.anyio

CREATE = {"zone": ZONE, "type": "TXT", "name": "asked", "target": "elicited"}


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_declined_and_cancelled_elicitation_change_nothing(
    tmp_path: Path, transport: str, era: str, action: str
) -> None:
    bench = WriteBench(tmp_path)
    human = Elicitor(action)
    before = bench.state_dump()
    async with connect_writes(bench.server(), transport, era, elicitation=human) as client:
        result = await client.call_tool("dns_create_record", CREATE)
    assert not result.is_error, text_of(result)
    content = structured(result)
    status = "declined" if action == "decline" else "cancelled"
    assert content["status"] == status
    assert "confirmation_token" not in content
    assert "nothing was changed" in content["message"]
    assert bench.state_dump() == before
    assert len(human.asked) == 1
    assert "asked.alpage-shop.ch TXT elicited" in human.asked[0].message
    assert ("dns_create_record", "rejected", status) in bench.audit_phases()


async def test_accepted_elicitation_applies_in_the_same_call(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    human = Elicitor("accept", {"confirm": True})
    async with connect_writes(bench.server(), transport, era, elicitation=human) as client:
        result = await client.call_tool("dns_create_record", CREATE)
    content = structured(result)
    assert content["status"] == "applied", content
    assert bench.find("asked", "TXT")["target"] == "elicited"
    message = human.asked[0].message
    assert "Risk: low" in message
    assert "dns_create_record" in message
    assert human.asked[0].requested_schema["properties"].keys() == {"confirm"}
    phases = bench.audit_phases()
    assert ("dns_create_record", "plan", "elicitation_requested") in phases
    assert phases[-1] == ("dns_create_record", "applied", "applied")


async def test_accepted_without_confirm_is_a_decline(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    human = Elicitor("accept", {"confirm": False})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=human) as client:
        result = await client.call_tool("dns_create_record", CREATE)
    assert structured(result)["status"] == "declined"
    assert bench.state_dump() == before


async def test_high_risk_needs_the_typed_name(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "TXT")
    arguments = {"zone": ZONE, "record_id": record["id"]}
    before = bench.state_dump()
    wrong = Elicitor("accept", {"name": "alpage-shop"})
    async with connect_writes(bench.server(), transport, era, elicitation=wrong) as client:
        result = await client.call_tool("dns_delete_record", arguments)
    assert result.is_error
    assert structured(result)["reason"] == "name_mismatch"
    assert bench.state_dump() == before
    assert "type exactly: alpage-shop.ch" in wrong.asked[0].message
    assert wrong.asked[0].requested_schema["properties"].keys() == {"name"}

    right = Elicitor("accept", {"name": " alpage-shop.ch "})
    async with connect_writes(bench.server(), transport, era, elicitation=right) as client:
        result = await client.call_tool("dns_delete_record", arguments)
    assert structured(result)["status"] == "applied"
    assert record["id"] not in bench.records()


async def test_state_changing_while_the_human_reads_legacy(tmp_path: Path) -> None:
    """2025-11-25: the question is asked mid-call; a change meanwhile makes the apply stale (nothing applied)."""
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")

    meddled: list[str] = []

    class Meddler(Elicitor):
        async def __call__(self, context, params):  # type: ignore[no-untyped-def]
            record["ttl"] = 1800
            meddled.append(bench.state_dump())
            return await super().__call__(context, params)

    human = Meddler("accept", {"confirm": True})
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.8"}
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=human) as client:
        result = await client.call_tool("dns_update_record", arguments)
    content = structured(result)
    assert content["status"] == "stale"
    assert "confirmation_token" not in content  # eliciting clients are asked again, not given tokens
    assert bench.state_dump() == meddled[0], "nothing may be applied after the human answered a stale plan"


async def test_state_changing_while_the_human_reads_2026(tmp_path: Path) -> None:
    """2026-07-28: the retry rebuilds the plan; a changed plan is a new question, asked again."""
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")

    class Meddler(Elicitor):
        async def __call__(self, context, params):  # type: ignore[no-untyped-def]
            if not self.asked:
                record["target"] = "203.0.113.99"
            return await super().__call__(context, params)

    human = Meddler("accept", {"confirm": True})
    arguments = {"zone": ZONE, "record_id": record["id"], "ttl": 900}
    async with connect_writes(bench.server(), "memory", "2026-07-28", elicitation=human) as client:
        result = await client.call_tool("dns_update_record", arguments)
    assert structured(result)["status"] == "applied"
    assert len(human.asked) == 2, "the changed plan must be shown to the human again"
    assert "203.0.113.99" in human.asked[1].message
    assert (record["target"], record["ttl"]) == ("203.0.113.99", 900)


async def test_confirm_elicit_refuses_clients_that_cannot_ask(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path, confirm="elicit")
    before = bench.state_dump()
    async with connect_writes(bench.server(), transport, era) as client:
        result = await client.call_tool("dns_create_record", CREATE)
        assert result.is_error
        assert structured(result)["error"] == "human_confirmation_required"
        assert "imc_" not in text_of(result)
        forged = await client.call_tool("dns_create_record", {**CREATE, "confirmation_token": "imc_" + "A" * 86})
        assert structured(forged)["error"] == "human_confirmation_required"
    assert bench.state_dump() == before
    async with connect_writes(bench.server(), transport, era, elicitation=Elicitor("accept", {"confirm": True})) as c:
        result = await c.call_tool("dns_create_record", CREATE)
    assert structured(result)["status"] == "applied"


async def test_confirm_elicit_ignores_tokens_issued_before(tmp_path: Path) -> None:
    """A token issued in auto mode is refused once the operator requires human confirmation."""
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = structured(await client.call_tool("dns_create_record", CREATE))["confirmation_token"]
    bench.engine.confirm = "elicit"
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_create_record", {**CREATE, "confirmation_token": token})
    assert structured(result)["error"] == "human_confirmation_required"
    assert bench.state_dump() == before


async def test_read_only_mode_hides_and_refuses_writes(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    async with connect_writes(bench.server(read_only=True), transport, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"dns_list_records", "history_list"} <= names
        assert not {"dns_create_record", "dns_update_record", "dns_delete_record", "history_undo"} & names
        unknown = await client.call_tool("dns_create_record", CREATE)
        assert unknown.is_error
    slipped = Selection(toolsets=("dns", "history"), names=("dns_create_record", "history_undo"), read_only=True)
    human = Elicitor("accept", {"confirm": True})
    async with connect_writes(bench.server(selection=slipped), transport, era, elicitation=human) as client:
        result = await client.call_tool("dns_create_record", CREATE)
    assert result.is_error
    assert structured(result)["error"] == "read_only_mode"
    assert human.asked == [], "a read-only server must not even ask"
    assert bench.state_dump() == before
    assert bench.audit_phases()[-1] == ("dns_create_record", "rejected", "read_only_mode")


async def test_an_eliciting_read_selection_still_lists_history(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(selection=select_tools(["history"])), "memory", "legacy") as client:
        result = await client.call_tool("history_list", {})
    assert structured(result) == {"entries": [], "count": 0}


async def test_high_risk_undo_asks_for_the_resource_name_not_the_history_id(
    tmp_path: Path, transport: str, era: str
) -> None:
    """Undoing an update overwrites what exists now (high risk): the human types the record's name,
    as for the original plan; typing the history id is refused."""
    bench = WriteBench(tmp_path)
    record = bench.find("api", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.44"}
    async with connect_writes(bench.server(), transport, era) as client:
        token = await plan(client, "dns_update_record", arguments)
        applied = structured(await client.call_tool("dns_update_record", {**arguments, "confirmation_token": token}))
    history_id = applied["history_id"]
    assert history_id.startswith("h_")
    recorded = bench.engine.history.get(history_id)
    assert recorded is not None
    assert recorded.target_name == "api.alpage-shop.ch"  # the applied plan's, kept with the entry
    before = bench.state_dump()

    by_id = Elicitor("accept", {"name": history_id})
    async with connect_writes(bench.server(), transport, era, elicitation=by_id) as client:
        result = await client.call_tool("history_undo", {"history_id": history_id})
    assert result.is_error
    assert structured(result)["reason"] == "name_mismatch"
    assert bench.state_dump() == before
    assert "Risk: HIGH" in by_id.asked[0].message
    assert "type exactly: api.alpage-shop.ch" in by_id.asked[0].message
    assert history_id not in by_id.asked[0].message.split("type exactly:")[1]

    by_name = Elicitor("accept", {"name": "api.alpage-shop.ch"})
    async with connect_writes(bench.server(), transport, era, elicitation=by_name) as client:
        result = await client.call_tool("history_undo", {"history_id": history_id})
    assert structured(result)["status"] == "applied", structured(result)
    assert record["target"] == "203.0.113.31"
