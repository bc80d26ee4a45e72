"""History: the name a human types to confirm a high-risk undo is the resource's, never the history id."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.safety.history import History, HistoryRecord, undo_target_name
from infomaniak_mcp.safety.plan import AppliedStep, Step

ZONE = "example.ch"
R77 = f"dns:{ZONE}/records/77"
CREATED = {"id": 77, "source": "mail", "type": "MX", "target": "10 mx.example.ch.", "ttl": 3600}


def created(after: dict[str, object]) -> AppliedStep:
    params = {"zone": ZONE, "type": "MX", "source": "mail", "target": "10 mx.example.ch.", "ttl": 3600}
    step = Step(operation="dns.create_record", params=params, resource=f"dns:{ZONE}", description="create")
    return AppliedStep(step=step, resource=R77, before=None, after=after)


@pytest.fixture
def history(state: Path, clock: FakeClock) -> History:
    return History(state / "history.jsonl", clock=clock)


def test_the_recorded_target_name_is_kept_and_asked_for(history: History) -> None:
    record = history.record(
        principal="a", tool="dns_create_record", summary="create mx", steps=[created(CREATED)],
        target_name=" mail.example.ch ",
    )
    reread = history.get(record.id)
    assert reread is not None
    assert reread.target_name == "mail.example.ch"
    assert undo_target_name(reread) == "mail.example.ch"
    plan = history.undo_plan(record.id, {R77: CREATED}, target_name=undo_target_name(reread))
    assert (plan.risk, plan.target_name) == ("high", "mail.example.ch")


def test_without_a_recorded_name_the_full_name_in_the_values_is_used(history: History) -> None:
    full = {**CREATED, "source_idn": "mail.example.ch."}
    record = history.record(principal="a", tool="dns_create_record", summary="create mx", steps=[created(full)])
    assert record.target_name == ""
    assert undo_target_name(record) == "mail.example.ch"


def test_then_the_zone_all_steps_share(history: History) -> None:
    record = history.record(principal="a", tool="dns_create_record", summary="create", steps=[created(CREATED)])
    assert undo_target_name(record) == ZONE


def test_then_the_history_id() -> None:
    step = Step(operation="mail.send_message", params={"to": "x"}, resource="mail:1", description="send")
    applied = AppliedStep(step=step, resource="mail:1", after={"sent": True})
    record = HistoryRecord(id="h_0a", ts="t", principal="a", tool="mail_send", summary="s", steps=[applied],
                           reversible=False)
    assert undo_target_name(record) == "h_0a"


def test_records_written_before_target_names_still_load(history: History, state: Path) -> None:
    record = history.record(principal="a", tool="dns_create_record", summary="create", steps=[created(CREATED)])
    text = (state / "history.jsonl").read_text(encoding="utf-8").replace(',"target_name":""', "")
    (state / "history.jsonl").write_text(text, encoding="utf-8")
    reread = history.get(record.id)
    assert reread is not None
    assert reread.target_name == ""
