"""Executor: ordered steps, partial-failure reports, compensating plans, locks, polling."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.api.errors import ConflictError
from infomaniak_mcp.safety.executor import (
    ApplyReport,
    KeyedLocks,
    PollTimeout,
    StepResult,
    apply_plan,
    error_to_dict,
    lock_by_resource_root,
    poll_async,
)
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint

ZONE = "example.ch"
OLD = {"id": 42, "source": "www", "type": "A", "target": "192.0.2.1", "ttl": 3600}


def create_step(source: str = "mail") -> Step:
    return Step(
        operation="dns.create_record",
        params={"zone": ZONE, "type": "A", "source": source, "target": "192.0.2.9", "ttl": 300},
        resource=f"dns:{ZONE}",
        description=f"create {source}",
    )


def update_step() -> Step:
    return Step(
        operation="dns.update_record",
        params={"zone": ZONE, "record_id": 42, "target": "192.0.2.2", "ttl": 300},
        resource=f"dns:{ZONE}/records/42",
        description="update www",
        before=OLD,
    )


def delete_step() -> Step:
    return Step(
        operation="dns.delete_record", params={"zone": ZONE, "record_id": 42},
        resource=f"dns:{ZONE}/records/42", description="delete www", before=OLD,
    )


def opaque_step() -> Step:
    return Step(operation="mail.send_message", params={}, resource="mail:1", description="send")


def make_plan(steps: list[Step], **over: Any) -> Plan:
    values: dict[str, Any] = {
        "tool": "dns_apply_changes",
        "summary": "change the zone",
        "steps": steps,
        "risk": "high",
        "target_name": ZONE,
        "fingerprint": fingerprint({}),
        "reversible": True,
    }
    values.update(over)
    return Plan(**values)


class FakeApi:
    """Runs steps against a dict of records; fails on demand."""

    def __init__(self, fail_on: set[str] | None = None, error: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on or set()
        self.error = error or ConflictError(code="operation_in_progress", description="busy", status=409)
        self.next_id = 100

    async def run(self, step: Step) -> StepResult:
        self.calls.append(step.description)
        if step.description in self.fail_on:
            raise self.error
        if step.operation == "dns.create_record":
            self.next_id += 1
            record = {"id": self.next_id, **{k: v for k, v in step.params.items() if k != "zone"}}
            return StepResult(resource=f"dns:{ZONE}/records/{self.next_id}", after=record, data=record)
        if step.operation == "dns.update_record":
            after = {**OLD, "target": step.params["target"], "ttl": step.params["ttl"]}
            return StepResult(after=after, data=True)
        if step.operation == "dns.delete_record":
            return StepResult(after=None, data=True)
        return StepResult(after={"sent": True})


@pytest.mark.anyio
async def test_all_steps_applied_in_order() -> None:
    api = FakeApi()
    plan = make_plan([create_step(), update_step()])
    report = await apply_plan(plan, api.run, lock_key=lock_by_resource_root)
    assert report.ok
    assert report.status == "applied"
    assert api.calls == ["create mail", "update www"]
    assert [o.index for o in report.applied] == [0, 1]
    assert report.applied[0].resource == f"dns:{ZONE}/records/101"
    assert report.failed == []
    assert report.not_attempted == []
    assert report.compensation is None
    history_steps = report.applied_steps()
    assert history_steps[1].before == OLD
    assert history_steps[1].after["target"] == "192.0.2.2"


@pytest.mark.anyio
async def test_partial_failure_reports_each_step_exactly_once() -> None:
    api = FakeApi(fail_on={"update www"})
    steps = [create_step("a"), create_step("b"), update_step(), delete_step()]
    report = await apply_plan(make_plan(steps), api.run, lock_key=lock_by_resource_root)
    assert report.status == "partial"
    assert not report.ok
    assert [o.index for o in report.applied] == [0, 1]
    assert [o.index for o in report.failed] == [2]
    assert [o.index for o in report.not_attempted] == [3]
    assert api.calls == ["create a", "create b", "update www"]  # step 3 never ran
    assert {o.status for o in report.applied} == {"applied"}
    assert report.failed[0].status == "failed"
    assert report.not_attempted[0].status == "not_attempted"
    error = report.failed[0].error
    assert error is not None
    assert error["error"] == "operation_in_progress"
    assert error["kind"] == "ConflictError"
    assert error["status"] == 409
    assert "next_step" in error


@pytest.mark.anyio
async def test_partial_failure_offers_a_compensating_plan() -> None:
    api = FakeApi(fail_on={"delete www"})
    report = await apply_plan(
        make_plan([create_step("a"), update_step(), delete_step()]), api.run, lock_key=lock_by_resource_root
    )
    plan = report.compensation
    assert plan is not None
    assert plan.tool == "history_undo"
    assert "change the zone" in plan.summary
    # reverse order: undo the update first, then delete the created record
    assert [(s.operation, s.params.get("record_id")) for s in plan.steps] == [
        ("dns.update_record", 42),
        ("dns.delete_record", 101),
    ]
    assert plan.steps[0].params["target"] == "192.0.2.1"
    assert plan.risk == "high"
    assert plan.target_name == ZONE
    assert report.not_compensable == []
    assert ApplyReport.model_validate_json(report.model_dump_json()) == report


@pytest.mark.anyio
async def test_applied_steps_without_inverse_are_listed() -> None:
    api = FakeApi(fail_on={"update www"})
    report = await apply_plan(
        make_plan([opaque_step(), create_step(), update_step()]), api.run, lock_key=lock_by_resource_root
    )
    assert report.not_compensable == [0]
    assert report.compensation is not None
    assert [s.operation for s in report.compensation.steps] == ["dns.delete_record"]


@pytest.mark.anyio
async def test_no_compensation_when_nothing_is_reversible() -> None:
    api = FakeApi(fail_on={"update www"})
    plan = make_plan([opaque_step(), update_step()])
    report = await apply_plan(plan, api.run, lock_key=lock_by_resource_root)
    assert report.compensation is None
    assert report.not_compensable == [0]


@pytest.mark.anyio
async def test_first_step_failing() -> None:
    api = FakeApi(fail_on={"create a"})
    plan = make_plan([create_step("a"), update_step()])
    report = await apply_plan(plan, api.run, lock_key=lock_by_resource_root)
    assert report.status == "failed"
    assert report.applied == []
    assert [o.index for o in report.not_attempted] == [1]
    assert report.compensation is None


@pytest.mark.anyio
async def test_unexpected_errors_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi(fail_on={"create a"}, error=RuntimeError("password=hunter22 leaked in message"))
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.safety.executor"):
        report = await apply_plan(make_plan([create_step("a")]), api.run, lock_key=lambda s: None)
    error = report.failed[0].error
    assert error == {
        "error": "internal_error",
        "kind": "RuntimeError",
        "description": "An unexpected error occurred while applying this step; the server log has details.",
    }
    assert "hunter22" not in str(report.model_dump())
    assert caplog.records


def test_error_to_dict_redacts_and_tolerates_bad_to_dict() -> None:
    class Leaky(Exception):
        def to_dict(self) -> dict[str, Any]:
            return {"error": "x", "description": "Bearer abcdefghijklmnop", "token": "t"}

    class Broken(Exception):
        def to_dict(self) -> dict[str, Any]:
            raise ValueError("no")

    leaky = error_to_dict(Leaky())
    assert "abcdefghijklmnop" not in str(leaky)
    assert leaky["token"] == "[redacted]"
    assert error_to_dict(Broken())["error"] == "internal_error"


@pytest.mark.anyio
async def test_cancellation_propagates() -> None:
    async def runner(step: Step) -> StepResult:
        raise anyio.get_cancelled_exc_class()()

    with pytest.raises(anyio.get_cancelled_exc_class()):
        await apply_plan(make_plan([create_step()]), runner, lock_key=lambda s: None)


# -- locks -------------------------------------------------------------------------------------


async def _run_two_plans(key_a: str, key_b: str, locks: KeyedLocks, *, a_waits_for_b: bool) -> list[str]:
    """A starts first; inside its step it yields (or waits until B has started, when keys differ)."""
    events: list[str] = []
    b_started = anyio.Event()

    async def runner(step: Step) -> StepResult:
        events.append(f"{step.description} start")
        if step.description == "A" and a_waits_for_b:
            await b_started.wait()  # deadlocks (test timeout) if B were wrongly blocked
        if step.description == "B":
            b_started.set()
        for _ in range(10):
            await anyio.lowlevel.checkpoint()  # B, if runnable, gets scheduled during these checkpoints
        events.append(f"{step.description} end")
        return StepResult()

    plan_a = make_plan([Step(operation="web.update_site", resource=key_a, description="A")])
    plan_b = make_plan([Step(operation="web.update_site", resource=key_b, description="B")])
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: apply_plan(plan_a, runner, lock_key=lambda s: s.resource, locks=locks))
        await anyio.lowlevel.checkpoint()
        tg.start_soon(lambda: apply_plan(plan_b, runner, lock_key=lambda s: s.resource, locks=locks))
    return events


@pytest.mark.anyio
async def test_steps_sharing_a_key_are_serialised() -> None:
    locks = KeyedLocks()
    events = await _run_two_plans("web:hosting/1", "web:hosting/1", locks, a_waits_for_b=False)
    assert events == ["A start", "A end", "B start", "B end"]
    assert len(locks) == 0  # released and forgotten


@pytest.mark.anyio
async def test_different_keys_run_concurrently() -> None:
    locks = KeyedLocks()
    events = await _run_two_plans("web:hosting/1", "web:hosting/2", locks, a_waits_for_b=True)
    assert events.index("B start") < events.index("A end")
    assert len(locks) == 0


@pytest.mark.anyio
async def test_whole_plan_holds_its_locks() -> None:
    locks = KeyedLocks()
    seen: list[bool] = []

    async def runner(step: Step) -> StepResult:
        seen.append("a" in locks and "b" in locks)
        return StepResult()

    steps = [Step(operation="x.do_it", resource=r, description=r) for r in ("b", "a", "b")]
    await apply_plan(make_plan(steps), runner, lock_key=lambda s: s.resource, locks=locks)
    assert seen == [True, True, True]
    assert len(locks) == 0


@pytest.mark.anyio
async def test_locks_are_released_after_failure_and_cancellation() -> None:
    locks = KeyedLocks()
    api = FakeApi(fail_on={"update www"})
    await apply_plan(make_plan([update_step()]), api.run, lock_key=lock_by_resource_root, locks=locks)
    assert len(locks) == 0
    entered: list[str] = []
    scope = anyio.CancelScope()

    async def waiter() -> None:
        with scope:
            async with locks.hold(["k"]):
                entered.append("waiter")

    async with anyio.create_task_group() as tg, locks.hold(["k"]):
        tg.start_soon(waiter)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        scope.cancel()  # the waiter gives up while queued on "k"
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        assert "k" in locks
    assert entered == []
    assert len(locks) == 0


@pytest.mark.anyio
async def test_precheck_runs_under_the_locks_and_can_abort() -> None:
    locks = KeyedLocks()
    api = FakeApi()
    checked: list[bool] = []

    async def precheck() -> None:
        checked.append(f"dns:{ZONE}" in locks)
        raise LookupError("stale")

    with pytest.raises(LookupError):
        await apply_plan(
            make_plan([create_step()]), api.run, lock_key=lock_by_resource_root, locks=locks,
            precheck=precheck,
        )
    assert checked == [True]
    assert api.calls == []
    assert len(locks) == 0


@pytest.mark.anyio
async def test_finalize_runs_under_the_locks_with_the_report() -> None:
    locks = KeyedLocks()
    seen: list[tuple[str, bool]] = []

    async def finalize(report: ApplyReport) -> None:
        seen.append((report.status, f"dns:{ZONE}" in locks))

    api = FakeApi(fail_on={"update www"})
    report = await apply_plan(
        make_plan([create_step(), update_step()]), api.run, lock_key=lock_by_resource_root, locks=locks,
        finalize=finalize,
    )
    assert seen == [("partial", True)]
    assert report.status == "partial"
    assert len(locks) == 0


def test_lock_by_resource_root() -> None:
    assert lock_by_resource_root(update_step()) == f"dns:{ZONE}"
    assert lock_by_resource_root(create_step()) == f"dns:{ZONE}"
    assert lock_by_resource_root(Step(operation="a.b", resource="/x", description="d")) is None


# -- polling -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_poll_until_done_with_progress(clock: FakeClock) -> None:
    statuses = iter(["spooled", "running", "running", "executed"])
    progress: list[tuple[float, float | None, str | None]] = []

    async def fetch() -> dict[str, str]:
        return {"status": next(statuses)}

    async def report(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    result = await poll_async(
        fetch, lambda task: task["status"] == "executed", deadline=60, interval=2, backoff=2,
        progress=report, describe=lambda task: f"task {task['status']}", clock=clock, sleep=clock.sleep,
    )
    assert result == {"status": "executed"}
    assert clock.sleeps == [2, 4, 8]
    assert progress == [
        (0, 60, "task spooled"), (2, 60, "task running"), (6, 60, "task running"), (60, 60, "done")
    ]


@pytest.mark.anyio
async def test_poll_times_out_at_the_deadline(clock: FakeClock) -> None:
    checks = 0

    async def fetch() -> str:
        nonlocal checks
        checks += 1
        return "running"

    with pytest.raises(PollTimeout) as info:
        await poll_async(
            fetch, lambda v: v == "done", deadline=10, interval=3, backoff=1, clock=clock, sleep=clock.sleep
        )
    assert clock.sleeps == [3, 3, 3, 1]  # never sleeps past the deadline
    assert info.value.attempts == checks == 5
    assert info.value.last == "running"
    assert info.value.elapsed == 10


@pytest.mark.anyio
async def test_poll_interval_is_capped(clock: FakeClock) -> None:
    values = iter([False] * 6 + [True])

    async def fetch() -> bool:
        return next(values)

    await poll_async(
        fetch, bool, deadline=600, interval=5, backoff=3, max_interval=20, clock=clock, sleep=clock.sleep
    )
    assert clock.sleeps == [5, 15, 20, 20, 20, 20]


@pytest.mark.anyio
async def test_poll_stops_when_is_done_raises(clock: FakeClock) -> None:
    async def fetch() -> str:
        return "failed"

    def is_done(value: str) -> bool:
        if value == "failed":
            raise RuntimeError("task failed")
        return False

    with pytest.raises(RuntimeError, match="task failed"):
        await poll_async(fetch, is_done, deadline=10, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_poll_rejects_bad_arguments(clock: FakeClock) -> None:
    async def fetch() -> bool:
        return True

    with pytest.raises(ValueError, match="positive"):
        await poll_async(fetch, bool, deadline=0, clock=clock, sleep=clock.sleep)
