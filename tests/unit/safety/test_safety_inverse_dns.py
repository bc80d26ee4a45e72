"""Undoing a DNS record deletion: refused before confirmation when the record's name is taken again.

The DNS record reader returns `RecordGone(zone records)` for a deleted record; the delete inverse's
drift check looks there for an identical record re-created by hand, a CNAME at that name, or (for a
deleted CNAME) any record at that name — counting what the same undo removes or restores first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.safety.history import History, UndoRefused
from infomaniak_mcp.safety.inverse import RecordGone, build_inverse_plan, drift_reasons, present
from infomaniak_mcp.safety.plan import AppliedStep, Step

ZONE = "example.ch"
A_WWW = {"id": 42, "source": "www", "type": "A", "target": "192.0.2.1", "ttl": 3600}
CNAME_OLD = {"id": 43, "source": "old", "type": "CNAME", "target": "www.example.ch", "ttl": 3600}
MX = {"id": 1, "source": ".", "type": "MX", "target": "10 mx.example.ch", "ttl": 3600}


def deleted(record: dict[str, Any]) -> AppliedStep:
    resource = f"dns:{ZONE}/records/{record['id']}"
    step = Step(operation="dns.delete_record", params={"zone": ZONE, "record_id": record["id"]}, resource=resource,
                description="delete", before=record)
    return AppliedStep(step=step, resource=resource, before=record, after=None)


def created(record: dict[str, Any]) -> AppliedStep:
    params = {"zone": ZONE, **{k: record[k] for k in ("type", "source", "target", "ttl")}}
    step = Step(operation="dns.create_record", params=params, resource=f"dns:{ZONE}", description="create")
    return AppliedStep(step=step, resource=f"dns:{ZONE}/records/{record['id']}", before=None, after=record)


def gone(*records: dict[str, Any]) -> RecordGone:
    return RecordGone(tuple(records))


def test_a_free_name_allows_the_undo() -> None:
    other_a = {**A_WWW, "id": 50, "target": "192.0.2.9"}  # another address at www: no conflict
    assert drift_reasons([deleted(A_WWW)], {deleted(A_WWW).resource: gone(MX, other_a)}) == []
    elsewhere = {"id": 51, "source": "cdn", "type": "CNAME", "target": "www.example.ch", "ttl": 60}
    txt_twice = [{"id": i, "source": "t", "type": "TXT", "target": "x", "ttl": 60} for i in (52, 53)]
    # only the records at the deleted one's name count, even when the rest of the zone breaks the rules
    assert drift_reasons([deleted(A_WWW)], {deleted(A_WWW).resource: gone(elsewhere, *txt_twice)}) == []
    assert drift_reasons([deleted(A_WWW)], {deleted(A_WWW).resource: None}) == []  # nothing known: as before


@pytest.mark.parametrize(
    ("record", "zone_now", "expected"),
    [
        (A_WWW, [{**A_WWW, "id": 99, "target": "192.0.2.1", "ttl": 300}], "an identical record www A 192.0.2.1"),
        (A_WWW, [{"id": 99, "source": "WWW", "type": "CNAME", "target": "cdn.example.net", "ttl": 300}],
         "a CNAME now stands at 'www'"),
        (CNAME_OLD, [{"id": 99, "source": "old", "type": "TXT", "target": "hello", "ttl": 300}],
         "'old' now has other records (TXT)"),
        (CNAME_OLD, [{"id": 99, "source": "old", "type": "CNAME", "target": "elsewhere.example.net", "ttl": 300}],
         "a CNAME now stands at 'old'"),
        ({**MX, "target": "10 MX.example.ch."}, [MX], "an identical record . MX 10 mx.example.ch"),
        (CNAME_OLD, [{**CNAME_OLD, "id": 99, "source": "OLD", "target": "WWW.example.ch."}],
         "an identical record OLD CNAME WWW.example.ch."),
        ({"id": 44, "source": ".", "type": "TXT", "target": '"v=spf1 -all"', "ttl": 60},
         [MX, {"id": 99, "source": ".", "type": "TXT", "target": "v=spf1 -all", "ttl": 300}],
         "an identical record . TXT v=spf1 -all"),
    ],
)
def test_a_taken_name_refuses_with_the_reason(record: dict[str, Any], zone_now: list[dict[str, Any]],
                                              expected: str) -> None:
    step = deleted(record)
    [reason] = drift_reasons([step], {step.resource: gone(*zone_now)})
    assert f"DNS record {step.resource} cannot be re-created: {expected}" in reason


def test_records_the_same_undo_removes_first_do_not_count() -> None:
    """A change set that replaced the CNAME `old` by an A: undo deletes the A first, then re-creates the CNAME."""
    new_a = {"id": 60, "source": "old", "type": "A", "target": "192.0.2.7", "ttl": 3600}
    steps = [deleted(CNAME_OLD), created(new_a)]
    now = {steps[0].resource: gone(MX, new_a), steps[1].resource: new_a}
    assert drift_reasons(steps, now) == []
    by_hand = {"id": 61, "source": "old", "type": "TXT", "target": "x", "ttl": 60}
    now[steps[0].resource] = gone(MX, new_a, by_hand)
    [reason] = drift_reasons(steps, now)
    assert "'old' now has other records (TXT)" in reason


def test_gone_counts_as_absent_in_plans_and_for_other_inverses() -> None:
    assert present(gone(MX)) is None
    step = created({"id": 70, "source": "x", "type": "A", "target": "192.0.2.3", "ttl": 60})
    [reason] = drift_reasons([step], {step.resource: gone(MX)})
    assert reason == f"DNS record {step.resource} no longer exists"
    plan, skipped = build_inverse_plan([deleted(A_WWW)], tool="history_undo", summary="undo", target_name="h",
                                       current={deleted(A_WWW).resource: gone(MX)})
    assert plan is not None
    assert not skipped
    assert plan.risk == "low"  # it only re-creates what was deleted
    assert plan.diff[0].before is None
    same, _ = build_inverse_plan([deleted(A_WWW)], tool="history_undo", summary="undo", target_name="h",
                                 current={deleted(A_WWW).resource: None})
    assert same is not None
    assert same.fingerprint == plan.fingerprint


def test_history_refuses_before_any_confirmation(tmp_path: Path) -> None:
    history = History(tmp_path / "history.jsonl", clock=FakeClock())
    entry = history.record(principal="a", tool="dns_delete_record", summary="delete www", steps=[deleted(A_WWW)])
    again = {**A_WWW, "id": 99}
    with pytest.raises(UndoRefused) as info:
        history.undo_plan(entry.id, {deleted(A_WWW).resource: gone(again)})
    assert "identical record www A 192.0.2.1" in info.value.reason
    assert history.undo_plan(entry.id, {deleted(A_WWW).resource: gone(MX)}).steps[0].operation == "dns.create_record"
