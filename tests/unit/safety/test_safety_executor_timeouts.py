"""Executor: a step whose request got no answer in time is reconciled, or reported unknown."""

from __future__ import annotations

from typing import Any

import pytest

from infomaniak_mcp.api.errors import RequestTimeoutError
from infomaniak_mcp.safety.executor import (
    NOT_APPLIED,
    PollTimeout,
    ReconcileResult,
    StepResult,
    apply_plan,
    may_have_landed,
)
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint

pytestmark = pytest.mark.anyio
ZONE = "example.ch"


def step(source: str) -> Step:
    return Step(
        operation="dns.create_record",
        params={"zone": ZONE, "type": "A", "source": source, "target": "192.0.2.9", "ttl": 300},
        resource=f"dns:{ZONE}", description=f"create {source}",
    )


PLAN = Plan(summary="two creates", steps=[step("a"), step("b"), step("c")], risk="low",
            fingerprint=fingerprint({}), reversible=True, tool="t")


def timeout_on(
    source: str, description: str = "no complete answer within the 3 s deadline", *, sent: bool = True
) -> Any:
    async def runner(s: Step) -> StepResult:
        if s.params["source"] == source:
            raise RequestTimeoutError(description=description, sent=sent)
        return StepResult(resource=f"dns:{ZONE}/records/{s.params['source']}", after={"id": 1})

    return runner


def answers(value: ReconcileResult) -> Any:
    async def reconcile(s: Step) -> ReconcileResult:
        return value

    return reconcile


async def test_a_timeout_found_applied_by_the_re_read_is_applied() -> None:
    found = StepResult(resource=f"dns:{ZONE}/records/7", after={"id": 7}, data={"id": 7})
    report = await apply_plan(PLAN, timeout_on("b"), lock_key=lambda s: None, reconcile=answers(found))
    assert report.status == "applied"
    assert [o.resource for o in report.applied][1] == f"dns:{ZONE}/records/7"
    assert "reconciled" in report.applied[1].data


async def test_a_timeout_found_not_applied_is_failed_with_the_check() -> None:
    report = await apply_plan(PLAN, timeout_on("b"), lock_key=lambda s: None, reconcile=answers(NOT_APPLIED))
    assert report.status == "partial"
    assert [o.index for o in report.failed] == [1]
    error = report.failed[0].error
    assert error is not None
    assert "not applied" in error["checked"]


async def test_a_timeout_that_cannot_be_checked_is_unknown_even_first() -> None:
    report = await apply_plan(PLAN, timeout_on("a"), lock_key=lambda s: None, reconcile=answers(None))
    assert report.status == "partial"  # never "failed": something may have changed
    assert [o.index for o in report.uncertain] == [0]
    assert [o.index for o in report.not_attempted] == [1, 2]
    assert report.uncertain[0].status == "unknown"


async def test_a_timeout_with_nothing_sent_is_a_plain_failure() -> None:
    sent_nothing = "the request's overall deadline of 10 s passed: waited for the limiter; nothing was sent"
    report = await apply_plan(
        PLAN, timeout_on("a", sent_nothing, sent=False), lock_key=lambda s: None, reconcile=answers(None)
    )
    assert report.status == "failed"
    assert not may_have_landed(RequestTimeoutError(description=sent_nothing, sent=False))
    assert may_have_landed(ExceptionGroup("g", [RequestTimeoutError(description="no complete answer")]))


async def test_an_async_operation_still_running_at_the_deadline_is_unknown_not_failed() -> None:
    async def runner(s: Step) -> StepResult:
        if s.params["source"] == "b":
            raise ExceptionGroup("poll", [PollTimeout(last=None, elapsed=600.0, attempts=40)])
        return StepResult(resource=f"dns:{ZONE}/records/{s.params['source']}", after={"id": 1})

    report = await apply_plan(PLAN, runner, lock_key=lambda s: None, reconcile=answers(NOT_APPLIED))
    assert report.status == "partial"
    assert not report.failed  # accepted upstream: it may still finish, so never "failed"
    assert [o.index for o in report.uncertain] == [1]
    assert [o.index for o in report.not_attempted] == [2]
    error = report.uncertain[0].error
    assert error is not None
    assert error["error"] == "operation_timeout"
    assert "it may still finish upstream" in error["description"]
    assert "example.ch" in error["next_step"]  # the step's check hint (registered or generic)
    assert [o.index for o in report.applied] == [0]
