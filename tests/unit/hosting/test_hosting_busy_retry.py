"""`retry_when_busy`: a hosting write waits for its hosting only when the hosting refused it as busy."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from infomaniak_mcp.api.errors import ConflictError
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.operations import OperationContext
from infomaniak_mcp.tools.hosting_ops import retry_when_busy

pytestmark = pytest.mark.anyio


class Bench:
    """A fake API whose hosting is busy for `busy_reads` reads, and an operation failing with `errors` first."""

    def __init__(self, errors: list[Exception], *, busy_reads: int = 0) -> None:
        self.errors, self.busy_reads = list(errors), busy_reads
        self.reads = self.runs = 0
        self.clock = 0.0
        self.messages: list[str | None] = []

    async def get_hosting(self, hosting_id: int) -> Any:
        self.reads += 1
        return SimpleNamespace(id=hosting_id, has_operation_in_progress=self.reads <= self.busy_reads)

    async def sleep(self, seconds: float) -> None:
        self.clock += seconds

    async def progress(self, value: float, total: float | None, message: str | None) -> None:
        self.messages.append(message)

    def context(self, deadline: float = 60.0) -> OperationContext:
        api = cast(Any, SimpleNamespace(hosting=SimpleNamespace(get_hosting=self.get_hosting)))
        return OperationContext(
            api=api, progress=self.progress, poll_deadline=deadline, clock=lambda: self.clock, sleep=self.sleep
        )

    async def operation(self, op: OperationContext, params: dict[str, Any]) -> StepResult:
        self.runs += 1
        if self.errors:
            raise self.errors.pop(0)
        return StepResult(resource=f"hosting:{params['hosting_id']}/databases/x", after={"name": "x"})


def busy(method: str = "POST") -> ConflictError:
    return ConflictError(code="operation_in_progress", description="busy", status=409, method=method, path="/x")


async def test_a_free_hosting_costs_no_read() -> None:
    bench = Bench([])
    result = await retry_when_busy(bench.operation)(bench.context(), {"hosting_id": 7})
    assert result.resource == "hosting:7/databases/x"
    assert (bench.runs, bench.reads) == (1, 0)


async def test_a_write_refused_as_busy_waits_for_the_hosting_then_runs_once_more() -> None:
    bench = Bench([busy()], busy_reads=2)
    result = await retry_when_busy(bench.operation)(bench.context(), {"hosting_id": 7})
    assert result.after == {"name": "x"}
    assert (bench.runs, bench.reads) == (2, 3)
    assert "waiting for the operation in progress on hosting 7" in bench.messages


async def test_still_busy_after_the_wait_is_a_retry_later_conflict_and_nothing_is_sent_again() -> None:
    bench = Bench([busy()], busy_reads=1000)
    with pytest.raises(ConflictError) as caught:
        await retry_when_busy(bench.operation)(bench.context(deadline=10.0), {"hosting_id": 7})
    assert caught.value.code == "operation_in_progress"
    assert "after waiting 10 s" in caught.value.description
    assert bench.runs == 1


@pytest.mark.parametrize(
    "error",
    [
        ConflictError(code="object_already_exists", description="taken", status=409, method="POST", path="/x"),
        busy(method="GET"),  # not a refused write: nothing proves the operation did nothing
        ConflictError(code="operation_in_progress", description="busy"),  # not from a request
    ],
)
async def test_other_conflicts_are_not_retried(error: ConflictError) -> None:
    bench = Bench([error])
    with pytest.raises(ConflictError) as caught:
        await retry_when_busy(bench.operation)(bench.context(), {"hosting_id": 7})
    assert caught.value is error
    assert (bench.runs, bench.reads) == (1, 0)
