"""History of applied writes, inverses and undo plans."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.safety import inverse
from infomaniak_mcp.safety.history import History, HistoryError, UndoRefused
from infomaniak_mcp.safety.inverse import (
    NotReversible,
    build_inverse_plan,
    drift_reasons,
    get_inverse,
    is_reversible,
    register_inverse,
    step_inverse,
)
from infomaniak_mcp.safety.plan import AppliedStep, Step, fingerprint

ZONE = "example.ch"
OLD = {"id": 42, "source": "www", "type": "A", "target": "192.0.2.1", "ttl": 3600, "updated_at": 1}
NEW = {**OLD, "target": "192.0.2.2", "ttl": 300, "updated_at": 2}
CREATED = {"id": 77, "source": "mail", "type": "MX", "target": "10 mx.example.ch.", "ttl": 3600}
R42 = f"dns:{ZONE}/records/42"
R77 = f"dns:{ZONE}/records/77"


def created_step() -> AppliedStep:
    params = {"zone": ZONE, "type": "MX", "source": "mail", "target": "10 mx.example.ch.", "ttl": 3600}
    step = Step(operation="dns.create_record", params=params, resource=f"dns:{ZONE}", description="create")
    return AppliedStep(step=step, resource=R77, before=None, after=CREATED)


def updated_step() -> AppliedStep:
    params = {"zone": ZONE, "record_id": 42, "target": "192.0.2.2", "ttl": 300}
    step = Step(operation="dns.update_record", params=params, resource=R42, description="update", before=OLD)
    return AppliedStep(step=step, resource=R42, before=OLD, after=NEW)


def deleted_step() -> AppliedStep:
    step = Step(
        operation="dns.delete_record", params={"zone": ZONE, "record_id": 42}, resource=R42,
        description="delete", before=OLD,
    )
    return AppliedStep(step=step, resource=R42, before=OLD, after=None)


def opaque_step() -> AppliedStep:
    step = Step(operation="mail.send_message", params={"to": "x"}, resource="mail:1", description="send")
    return AppliedStep(step=step, resource="mail:1", after={"sent": True})


@pytest.fixture
def history(state: Path, clock: FakeClock) -> History:
    return History(state / "history.jsonl", clock=clock)


# -- inverses ----------------------------------------------------------------------------------


def test_inverse_of_create_deletes_the_created_record() -> None:
    [step] = step_inverse(created_step())
    assert step.operation == "dns.delete_record"
    assert step.params == {"zone": ZONE, "record_id": 77}
    assert step.resource == R77
    assert step.before == CREATED


def test_inverse_of_update_restores_old_values() -> None:
    [step] = step_inverse(updated_step())
    assert step.operation == "dns.update_record"
    assert step.params == {"zone": ZONE, "record_id": 42, "target": "192.0.2.1", "ttl": 3600}
    assert step.before == NEW


def test_inverse_of_delete_recreates_with_old_values() -> None:
    [step] = step_inverse(deleted_step())
    assert step.operation == "dns.create_record"
    assert step.params == {"zone": ZONE, "type": "A", "source": "www", "target": "192.0.2.1", "ttl": 3600}
    assert step.resource == f"dns:{ZONE}"
    assert step.before is None


def test_missing_recorded_state_is_not_reversible() -> None:
    broken = deleted_step().model_copy(update={"before": None})
    with pytest.raises(NotReversible, match="deleted record was not recorded"):
        step_inverse(broken)
    partial = deleted_step().model_copy(update={"before": {"source": "www", "type": "A"}})
    with pytest.raises(NotReversible, match="lacks target, ttl"):
        step_inverse(partial)
    no_id = created_step().model_copy(update={"after": {k: v for k, v in CREATED.items() if k != "id"}})
    with pytest.raises(NotReversible, match="id"):
        step_inverse(no_id)
    no_zone = deleted_step()
    no_zone.step.params.pop("zone")
    with pytest.raises(NotReversible, match="zone"):
        step_inverse(no_zone)
    with pytest.raises(NotReversible, match="cannot be undone"):
        step_inverse(opaque_step())


def test_is_reversible() -> None:
    assert is_reversible([created_step(), updated_step()])
    assert not is_reversible([created_step(), opaque_step()])
    assert not is_reversible([])


def test_register_inverse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inverse, "_INVERSES", dict(inverse._INVERSES))

    class SentInverse:
        def build(self, applied: AppliedStep) -> list[Step]:
            return [Step(operation="mail.recall_message", resource=applied.resource, description="recall")]

        def drift(self, applied: AppliedStep, current: Any) -> str | None:
            return None

    register_inverse("mail.send_message", SentInverse())
    assert is_reversible([opaque_step()])
    with pytest.raises(ValueError, match="already registered"):
        register_inverse("mail.send_message", SentInverse())
    register_inverse("mail.send_message", SentInverse(), replace=True)
    assert get_inverse("dns.create_record") is not None


def test_dns_drift_reasons() -> None:
    assert drift_reasons([updated_step()], {R42: {**NEW, "updated_at": 99}}) == []
    [reason] = drift_reasons([updated_step()], {R42: {**NEW, "target": "198.51.100.1"}})
    assert "target '192.0.2.2' → '198.51.100.1'" in reason
    [gone] = drift_reasons([created_step()], {R77: None})
    assert "no longer exists" in gone
    assert drift_reasons([deleted_step()], {R42: None}) == []
    [back] = drift_reasons([deleted_step()], {R42: OLD})
    assert "exists again" in back
    [unread] = drift_reasons([updated_step()], {})
    assert "not read" in unread


def test_generic_drift_for_operations_without_inverse() -> None:
    assert drift_reasons([opaque_step()], {"mail:1": {"sent": True, "updated_at": 5}}) == []
    [reason] = drift_reasons([opaque_step()], {"mail:1": {"sent": False}})
    assert "changed" in reason


def test_build_inverse_plan_reverses_order_and_rates_risk() -> None:
    plan, skipped = build_inverse_plan(
        [created_step(), deleted_step()], tool="history_undo", summary="undo", target_name="h_1",
        current={R77: CREATED, R42: None},
    )
    assert plan is not None
    assert skipped == []
    assert [s.operation for s in plan.steps] == ["dns.create_record", "dns.delete_record"]
    assert plan.risk == "high"  # the created record exists now and would be deleted
    assert plan.fingerprint == fingerprint({R42: None, R77: CREATED})
    recreate_only, _ = build_inverse_plan([deleted_step()], tool="history_undo", summary="u", target_name="h")
    assert recreate_only is not None
    assert recreate_only.risk == "low"


def test_build_inverse_plan_skips_irreversible_steps() -> None:
    plan, skipped = build_inverse_plan(
        [created_step(), opaque_step()], tool="history_undo", summary="u", target_name="h"
    )
    assert plan is not None
    assert [s.operation for s in plan.steps] == ["dns.delete_record"]
    assert skipped == [1]
    nothing, skipped_all = build_inverse_plan(
        [opaque_step()], tool="history_undo", summary="u", target_name="h"
    )
    assert nothing is None
    assert skipped_all == [0]


# -- history records ---------------------------------------------------------------------------


def test_record_and_read_back(history: History, state: Path, clock: FakeClock) -> None:
    record = history.record(
        principal="alice", tool="dns_update_record", summary="update www", steps=[updated_step()]
    )
    assert record.id.startswith("h_")
    assert record.ts == "2026-01-01T00:00:00.000Z"
    assert record.reversible
    assert record.pre_state == {R42: OLD}
    assert record.post_state == {R42: NEW}
    again = History(state / "history.jsonl", clock=clock).get(record.id)
    assert again == record
    assert stat.S_IMODE((state / "history.jsonl").stat().st_mode) == 0o600
    dumped = record.model_dump(mode="json")
    assert dumped["pre_state"] == {R42: OLD}
    assert dumped["undone_by"] is None


def test_record_needs_applied_steps(history: History) -> None:
    with pytest.raises(HistoryError, match="nothing was applied"):
        history.record(principal="alice", tool="t", summary="s", steps=[])


def test_reversible_flag(history: History) -> None:
    def rec(steps: list[AppliedStep], reversible: bool | None = None) -> bool:
        record = history.record(principal="a", tool="t", summary="s", steps=steps, reversible=reversible)
        return record.reversible

    assert rec([created_step()])
    assert not rec([opaque_step()])
    assert not rec([created_step()], reversible=False)
    assert not rec([opaque_step()], reversible=True)


def test_list_newest_first_with_filters(history: History, clock: FakeClock) -> None:
    ids = []
    for i, who in enumerate(["alice", "bob", "alice"]):
        record = history.record(
            principal=who, tool="dns_create_record", summary=f"w{i}", steps=[created_step()]
        )
        ids.append(record.id)
        clock.advance(1)
    assert [r.id for r in history.list()] == list(reversed(ids))
    assert [r.id for r in history.list(limit=2)] == [ids[2], ids[1]]
    assert [r.id for r in history.list(principal="alice")] == [ids[2], ids[0]]
    assert history.list(limit=0) == []
    assert history.get("h_missing") is None


def test_secret_keys_are_not_kept(history: History, state: Path) -> None:
    step = Step(
        operation="mail.create_mailbox", params={"mailbox_name": "info", "password": "S3cret-pass!"},
        resource="mail:1/mailboxes", description="create",
    )
    after = {"mailbox": "info", "token": "tk-1"}
    applied = AppliedStep(step=step, resource="mail:1/mailboxes/info", after=after)
    record = history.record(principal="a", tool="mail_create_mailbox", summary="s", steps=[applied])
    text = (state / "history.jsonl").read_text()
    assert "S3cret-pass!" not in text
    assert "tk-1" not in text
    assert record.steps[0].step.params["password"] == "[redacted]"
    assert record.steps[0].step.params["mailbox_name"] == "info"


def test_record_values_are_kept_verbatim(history: History) -> None:
    txt = {"id": 5, "source": ".", "type": "TXT", "target": "token=abcdefgh12345 secret=x", "ttl": 60}
    step = Step(operation="dns.delete_record", params={"zone": ZONE, "record_id": 5}, resource="r5",
                description="d", before=txt)
    record = history.record(principal="a", tool="t", summary="s", steps=[AppliedStep(step=step, resource="r5",
                                                                                     before=txt)])
    assert record.steps[0].before == txt


def test_damaged_history_lines_are_skipped(history: History, state: Path) -> None:
    record = history.record(principal="a", tool="t", summary="s", steps=[created_step()])
    with (state / "history.jsonl").open("a") as f:
        f.write("garbage\n{\"kind\": \"record\", \"record\": {\"id\": 1}}\n")
    assert [r.id for r in history.list()] == [record.id]


# -- undo --------------------------------------------------------------------------------------


def test_undo_delete_recreates_the_record(history: History) -> None:
    record = history.record(
        principal="a", tool="dns_delete_record", summary="delete www", steps=[deleted_step()]
    )
    plan = history.undo_plan(record.id, {R42: None})
    assert plan.tool == "history_undo"
    assert plan.summary == f"Undo {record.id}: delete www"
    assert plan.risk == "low"
    assert [s.operation for s in plan.steps] == ["dns.create_record"]
    assert plan.steps[0].params["target"] == "192.0.2.1"
    assert plan.diff[0].before is None
    assert plan.diff[0].after == OLD
    # rebuilt on the same state: same fingerprint (so it can be confirmed)
    assert history.undo_plan(record.id, {R42: None}).fingerprint == plan.fingerprint


def test_undo_create_is_high_risk_with_typed_target(history: History) -> None:
    record = history.record(
        principal="a", tool="dns_create_record", summary="create mx", steps=[created_step()]
    )
    plan = history.undo_plan(record.id, {R77: CREATED})
    assert plan.risk == "high"
    assert plan.target_name == record.id
    assert plan.steps[0].params == {"zone": ZONE, "record_id": 77}
    assert history.undo_plan(record.id, {R77: CREATED}, target_name="mail.example.ch").target_name == (
        "mail.example.ch"
    )
    assert history.resources_to_check(record.id) == [R77]
    assert history.resources_to_check("h_nope") == []


def test_undo_refuses_when_the_resource_changed(history: History) -> None:
    record = history.record(principal="a", tool="dns_update_record", summary="update", steps=[updated_step()])
    with pytest.raises(UndoRefused, match="changed since") as info:
        history.undo_plan(record.id, {R42: {**NEW, "ttl": 60}})
    assert "ttl 300 → 60" in info.value.reason
    with pytest.raises(UndoRefused, match="no longer exists"):
        history.undo_plan(record.id, {R42: None})
    assert history.undo_plan(record.id, {R42: {**NEW, "updated_at": 12345}}).steps[0].params["ttl"] == 3600


def test_undo_refuses_unknown_irreversible_and_undone(history: History) -> None:
    with pytest.raises(UndoRefused, match="history_list"):
        history.undo_plan("h_nope", {})
    opaque = history.record(principal="a", tool="mail_send", summary="s", steps=[opaque_step()])
    with pytest.raises(UndoRefused, match="cannot be undone"):
        history.undo_plan(opaque.id, {"mail:1": {"sent": True}})
    record = history.record(principal="a", tool="dns_delete_record", summary="d", steps=[deleted_step()])
    plan = history.undo_plan(record.id, {R42: None})
    undo = history.record(
        principal="a", tool="history_undo", summary=plan.summary,
        steps=[AppliedStep(step=plan.steps[0], resource=f"dns:{ZONE}/records/90", after={**OLD, "id": 90})],
        undo_of=record.id,
    )
    marked = history.mark_undone(record.id, by=undo.id)
    assert marked.undone_by == undo.id
    assert history.get(record.id).undone_by == undo.id  # type: ignore[union-attr]
    with pytest.raises(UndoRefused, match="already undone"):
        history.undo_plan(record.id, {R42: None})
    with pytest.raises(HistoryError, match="already undone"):
        history.mark_undone(record.id, by=undo.id)


def test_mark_undone_requires_a_recorded_undo(history: History, state: Path) -> None:
    record = history.record(principal="a", tool="dns_delete_record", summary="d", steps=[deleted_step()])
    other = history.record(principal="a", tool="dns_create_record", summary="c", steps=[created_step()])
    with pytest.raises(HistoryError, match="not a recorded undo"):
        history.mark_undone(record.id, by="h_invented")
    with pytest.raises(HistoryError, match="not a recorded undo"):
        history.mark_undone(record.id, by=other.id)
    with pytest.raises(HistoryError, match="no history entry"):
        history.mark_undone("h_nope", by=other.id)
    assert history.get(record.id).undone_by is None  # type: ignore[union-attr]
    kinds = [json.loads(line)["kind"] for line in (state / "history.jsonl").read_text().splitlines()]
    assert kinds == ["record", "record"]


def test_concurrent_mark_undone_marks_once(history: History) -> None:
    record = history.record(principal="a", tool="dns_delete_record", summary="d", steps=[deleted_step()])
    undos = [
        history.record(
            principal="a", tool="history_undo", summary="u", steps=[created_step()], undo_of=record.id
        )
        for _ in range(6)
    ]
    barrier = threading.Barrier(len(undos))
    outcomes: list[str] = []

    def mark(by: str) -> None:
        barrier.wait()
        try:
            History(history.path).mark_undone(record.id, by=by)
            outcomes.append("marked")
        except HistoryError:
            outcomes.append("refused")

    threads = [threading.Thread(target=mark, args=(u.id,)) for u in undos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["marked"] + ["refused"] * 5


def test_from_env(state: Path) -> None:
    history = History.from_env({"INFOMANIAK_MCP_STATE_DIR": str(state)})
    assert history.path == state / "history.jsonl"
