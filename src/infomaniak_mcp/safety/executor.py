"""Applying a confirmed plan: steps in order, per-resource serialisation, exact partial-failure reports.

`apply_plan(plan, runner, lock_key=...)`:

- takes the in-process locks of every key the plan's steps name (`lock_key(step)`, e.g. one
  hosting id: Infomaniak rejects concurrent operations on one hosting), all of them up front in
  sorted order (no deadlock between plans) and for the whole plan, so two plans on one resource
  never interleave; locks of keys nobody holds any more are dropped;
- runs `precheck()` under those locks when given (the confirmation wrapper re-reads the state and
  compares fingerprints there, so nothing can change between the check and the first step), and
  `finalize(report)` after the steps, still under the locks (record history, mark an undo done);
- runs the steps in order with `runner(step)` and stops at the first failure;
- a step whose request got no answer in time (`RequestTimeoutError`, unless nothing was sent) may
  have gone through: it is reconciled with `reconcile(step)` when given — the step's operation
  re-reads its resource (`register_reconciler`, e.g. a DNS create looks for a record of the same
  name, type and target) and answers a `StepResult` (it was applied: reported, recorded and undone
  as such), `NOT_APPLIED` (reported failed, with a note that it was checked) or None (cannot
  tell); what cannot be told is reported `unknown` (list `uncertain`), never as "not applied"; so is
  an operation accepted upstream but still running at the poll deadline (`PollTimeout`: it may
  still finish upstream);
- reports each step exactly once as `applied`, `failed` (with the error as a dict), `unknown` or
  `not_attempted`, and when a failure follows applied steps, a compensating plan built from their
  inverses (`safety.inverse`) plus the indices of applied steps that have none.

`poll_async(fetch, is_done, deadline=...)` polls a long upstream operation (`progress_id`, async
task) until done, reporting progress, with an injectable clock and sleep.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Literal, TypeVar

import anyio
from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.errors import RequestTimeoutError
from infomaniak_mcp.safety.inverse import build_inverse_plan
from infomaniak_mcp.safety.plan import AppliedStep, Plan, Step
from infomaniak_mcp.safety.redact import redact

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]
StepStatus = Literal["applied", "failed", "unknown", "not_attempted"]


class StepResult(BaseModel):
    """What the runner returns for a step that succeeded."""

    model_config = ConfigDict(extra="forbid")

    resource: str | None = Field(default=None, description="Resource really touched (e.g. the created id).")
    after: Any = Field(default=None, description="The resource's value after the step (None: removed).")
    data: Any = Field(default=None, description="The API's answer.")


class StepOutcome(BaseModel):
    """One step of an apply, with what happened to it."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(description="Position of the step in the plan, from 0.")
    status: StepStatus
    step: Step
    resource: str
    after: Any = None
    data: Any = None
    error: dict[str, Any] | None = None


class ApplyReport(BaseModel):
    """Exactly which steps were applied, which failed and which were not attempted."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["applied", "partial", "failed"] = Field(
        description="applied: every step; partial: some applied (or maybe applied: `uncertain`), then one "
        "failed; failed: none applied and none uncertain."
    )
    applied: list[StepOutcome] = Field(default_factory=list)
    failed: list[StepOutcome] = Field(default_factory=list)
    uncertain: list[StepOutcome] = Field(
        default_factory=list, description="Steps whose request got no answer and whose effect could not be checked."
    )
    not_attempted: list[StepOutcome] = Field(default_factory=list)
    compensation: Plan | None = Field(default=None, description="Plan reverting the applied steps, if any.")
    not_compensable: list[int] = Field(
        default_factory=list, description="Indices of applied steps that cannot be reverted automatically."
    )

    @property
    def ok(self) -> bool:
        return self.status == "applied"

    def applied_steps(self) -> list[AppliedStep]:
        """The applied steps as history wants them (step, resource, before, after)."""
        return [
            AppliedStep(step=o.step, resource=o.resource, before=o.step.before, after=o.after, data=o.data)
            for o in self.applied
        ]


def error_to_dict(exc: BaseException) -> dict[str, Any]:
    """An error as a dict for reports: our errors' own `to_dict()`, unknown ones masked (and logged)."""
    to_dict = getattr(exc, "to_dict", None)
    if callable(to_dict):
        try:
            value = to_dict()
        except Exception:
            value = None
        if isinstance(value, dict):
            return dict(redact(value))
    log.error("unexpected error while applying a step", exc_info=exc)
    return {
        "error": "internal_error",
        "kind": type(exc).__name__,
        "description": "An unexpected error occurred while applying this step; the server log has details.",
    }


class KeyedLocks:
    """One `anyio.Lock` per key, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, anyio.Lock] = {}
        self._users: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._locks)

    def __contains__(self, key: object) -> bool:
        return key in self._locks

    def _take(self, key: str) -> anyio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        return lock

    def _drop(self, key: str) -> None:
        users = self._users[key] - 1
        if users:
            self._users[key] = users
        else:
            del self._users[key]
            del self._locks[key]

    @contextlib.asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of `keys` (deduplicated, taken in sorted order) for the block."""
        ordered = sorted(set(keys))
        held: list[str] = []
        try:
            for key in ordered:
                lock = self._take(key)
                try:
                    await lock.acquire()
                except BaseException:
                    self._drop(key)
                    raise
                held.append(key)
            yield
        finally:
            for key in reversed(held):
                self._locks[key].release()
                self._drop(key)


DEFAULT_LOCKS = KeyedLocks()


def lock_by_resource_root(step: Step) -> str | None:
    """Lock key = the resource id up to its first `/`: `dns:example.ch/records/4` → `dns:example.ch`."""
    root = step.resource.split("/", 1)[0]
    return root or None


async def apply_plan(
    plan: Plan,
    runner: Callable[[Step], Awaitable[StepResult]],
    *,
    lock_key: Callable[[Step], str | None],
    locks: KeyedLocks | None = None,
    precheck: Callable[[], Awaitable[None]] | None = None,
    finalize: Callable[[ApplyReport], Awaitable[None]] | None = None,
    reconcile: ReconcileFn | None = None,
) -> ApplyReport:
    """Run `plan`'s steps in order under their locks; see the module docstring."""
    registry = DEFAULT_LOCKS if locks is None else locks
    keys = [key for key in (lock_key(step) for step in plan.steps) if key]
    async with registry.hold(keys):
        if precheck is not None:
            await precheck()
        report = await _run_steps(plan, runner, reconcile)
        if finalize is not None:
            await finalize(report)
    return report


async def _run_steps(
    plan: Plan, runner: Callable[[Step], Awaitable[StepResult]], reconcile: ReconcileFn | None
) -> ApplyReport:
    """The steps in order, stopping at the first failure; compensation for a partial failure."""
    applied: list[StepOutcome] = []
    failed: list[StepOutcome] = []
    uncertain: list[StepOutcome] = []
    not_attempted: list[StepOutcome] = []
    for index, step in enumerate(plan.steps):
        if failed or uncertain:
            skipped = StepOutcome(index=index, status="not_attempted", step=step, resource=step.resource)
            not_attempted.append(skipped)
            continue
        try:
            result = await runner(step)
        except Exception as exc:
            error = error_to_dict(_unwrap(exc))
            if still_running(exc):  # accepted upstream, unfinished at our deadline: it may still finish
                error["next_step"] = reconcile_hint(step)
                uncertain.append(
                    StepOutcome(index=index, status="unknown", step=step, resource=step.resource, error=error)
                )
                continue
            if not may_have_landed(exc):
                failed.append(
                    StepOutcome(index=index, status="failed", step=step, resource=step.resource, error=error)
                )
                continue
            checked = await _reconcile(reconcile, step)
            if checked is NOT_APPLIED:
                error["checked"] = CHECKED_NOT_APPLIED
                failed.append(
                    StepOutcome(index=index, status="failed", step=step, resource=step.resource, error=error)
                )
                continue
            if not isinstance(checked, StepResult):
                error["checked"] = "could not tell whether it was applied"
                error["next_step"] = reconcile_hint(step)
                uncertain.append(
                    StepOutcome(index=index, status="unknown", step=step, resource=step.resource, error=error)
                )
                continue
            result = checked
            result.data = {**(result.data if isinstance(result.data, dict) else {}), "reconciled": RECONCILED}
        applied.append(
            StepOutcome(
                index=index,
                status="applied",
                step=step,
                resource=result.resource or step.resource,
                after=result.after,
                data=result.data,
            )
        )
    stopped = failed or uncertain
    status: Literal["applied", "partial", "failed"] = (
        "applied" if not stopped else ("partial" if applied or uncertain else "failed")
    )
    report = ApplyReport(
        status=status, applied=applied, failed=failed, uncertain=uncertain, not_attempted=not_attempted
    )
    if stopped and applied:
        done = report.applied_steps()
        compensation, irreversible = build_inverse_plan(
            done,
            tool="history_undo",
            summary=f"Revert the {len(done)} applied step(s) of: {plan.summary}",
            target_name=plan.target_name or plan.tool,
        )
        report.compensation = compensation
        report.not_compensable = [applied[i].index for i in irreversible]
    return report


# ---- steps whose request got no answer -----------------------------------------------------------
class _NotApplied:
    def __repr__(self) -> str:
        return "NOT_APPLIED"


NOT_APPLIED = _NotApplied()
"""What a reconciler answers when the re-read shows the step did not happen."""
CHECKED_NOT_APPLIED = (
    "re-read afterwards: not applied (a request still in flight upstream could land later; re-read to be sure)"
)
RECONCILED = "the request got no answer in time; re-reading showed it was applied"
ReconcileResult = StepResult | _NotApplied | None
ReconcileFn = Callable[[Step], Awaitable[ReconcileResult]]
# (op_ctx, step) -> StepResult (applied, with the resource and after-state), NOT_APPLIED, or None
Reconciler = Callable[[Any, Step], Awaitable[ReconcileResult]]
_RECONCILERS: dict[str, tuple[Reconciler, Callable[[Step], str] | None]] = {}


def register_reconciler(
    operation: str, fn: Reconciler, *, hint: Callable[[Step], str] | None = None
) -> None:
    """How to tell, after a request of `operation` got no answer, whether it went through (module
    docstring); `hint(step)` tells the user how to check by hand when it cannot be told."""
    _RECONCILERS[operation] = (fn, hint)


def get_reconciler(operation: str) -> Reconciler | None:
    entry = _RECONCILERS.get(operation)
    return entry[0] if entry else None


def reconcile_hint(step: Step) -> str:
    """The next step for a step whose effect is unknown."""
    entry = _RECONCILERS.get(step.operation)
    if entry and entry[1] is not None:
        return entry[1](step)
    return (
        f"The request may have gone through: check {step.resource} with a read tool before retrying "
        "or undoing anything."
    )


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def may_have_landed(exc: BaseException) -> bool:
    """Whether a failed step's request may still have changed something: it timed out after being sent."""
    exc = _unwrap(exc)
    return isinstance(exc, RequestTimeoutError) and exc.sent


def still_running(exc: BaseException) -> bool:
    """Whether a failed step is an operation accepted upstream but not finished by our deadline (`PollTimeout`):
    its outcome is unknown (reported `uncertain`), not a failure."""
    return isinstance(_unwrap(exc), PollTimeout)


async def _reconcile(reconcile: ReconcileFn | None, step: Step) -> ReconcileResult:
    if reconcile is None:
        return None
    try:
        return await reconcile(step)
    except Exception as exc:  # the re-read failed too: the step stays unknown
        log.warning("could not re-read %s after a timeout: %s", step.resource, exc)
        return None


class PollTimeout(Exception):
    """The operation was not done by the deadline; `last` is the last value fetched."""

    def __init__(self, last: Any, elapsed: float, attempts: int) -> None:
        super().__init__(f"the operation was still running after {elapsed:.0f} s ({attempts} checks)")
        self.last = last
        self.elapsed = elapsed
        self.attempts = attempts

    def to_dict(self) -> dict[str, Any]:
        """How an apply report shows it (the upstream operation may still finish on its own)."""
        return {
            "error": "operation_timeout",
            "description": f"{self}; it may still finish upstream",
            "next_step": "Check the resource's state with a read tool before retrying.",
        }


async def poll_async(
    fetch: Callable[[], Awaitable[T]],
    is_done: Callable[[T], bool],
    *,
    deadline: float,
    interval: float = 2.0,
    progress: ProgressFn | None = None,
    describe: Callable[[T], str | None] | None = None,
    backoff: float = 1.5,
    max_interval: float = 15.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> T:
    """Call `fetch` until `is_done(value)`; return that value or raise `PollTimeout` after `deadline` s.

    Between checks it sleeps `interval` seconds, growing by `backoff` up to `max_interval`, never
    past the deadline (one last check happens at the deadline). After each unfinished check it
    calls `progress(elapsed, deadline, message)` (`message` from `describe(value)` when given), and
    `progress(deadline, deadline, "done")` on success. `fetch` or `is_done` may raise to stop early
    (e.g. on a task whose status is `failed`).
    """
    if deadline <= 0 or interval <= 0:
        raise ValueError("deadline and interval must be positive")
    start = clock()
    wait = interval
    attempts = 0
    while True:
        value = await fetch()
        attempts += 1
        if is_done(value):
            if progress is not None:
                await progress(deadline, deadline, "done")
            return value
        elapsed = clock() - start
        if elapsed >= deadline:
            raise PollTimeout(value, elapsed, attempts)
        if progress is not None:
            message = describe(value) if describe is not None else None
            await progress(elapsed, deadline, message or f"still running after {elapsed:.0f} s")
        await sleep(min(wait, deadline - elapsed))
        wait = min(wait * backoff, max_interval)
