"""The confirmation wrapper: every write tool call is planned, confirmed, applied, audited, recorded here.

```
call(args, confirmation_token?) ──▶ resolvers (before the body; both protocol eras)
   plan_attempt_ = tool body(args) → Plan        (skipped when a token is presented)
   human_confirmation_ = Elicit(summary, diff, risk[, type target_name])  (client can elicit)
        │
        ├─ read-only server ───────────────▶ refused (read_only_mode)                 audit: rejected
        ├─ token presented ─▶ redeem (HMAC, expiry, single use, tool + arguments + principal)
        │      bad ────────────────────────▶ isError confirmation_refused(reason)    audit: rejected
        │      ok ─▶ APPLY the stored plan
        ├─ elicited: decline / cancel ─────▶ declined / cancelled                     audit: rejected
        │            accept (+ typed name) ▶ APPLY the plan the human saw (wrong name: refused)
        ├─ --confirm elicit, cannot elicit ▶ refused (human_confirmation_required)    audit: rejected
        └─ otherwise ──────────────────────▶ confirmation_required + token, expires_at audit: plan
   body raised `nothing_to_change` ────────▶ unchanged (no token, not an error)      audit: plan/unchanged

APPLY(plan):  locks of the steps' resource roots ─▶ rebuild the plan from the current state;
   rebuild fails → refused ("the state changed since the plan"), nothing sent, audit: rejected
   (stale_rebuild_failed), or unchanged when it fails with `nothing_to_change` (already as asked);
   changed fingerprint → stale (fresh plan [+ token]), audit: plan
   ─▶ audit apply_attempt ─▶ run the STORED steps in order through `safety.operations` ─▶ history (pre-state; marks an
   undone entry) ─▶ audit applied | failed ─▶ applied | partial | failed (+ report, history_id)
```

Elicitation goes through the SDK's resolver injection (`Resolve`/`Elicit`): on 2025-11-25 the
question is a server-to-client request in the middle of the call, on 2026-07-28 the call answers
`InputRequiredResult` and resumes when the client retries with the answer (the plan is rebuilt on
that round; if it changed, the question changes and the SDK asks again). The wrapper's signature
therefore carries two resolved parameters (`plan_attempt_`, `human_confirmation_`) besides the
tool's own arguments and `confirmation_token`; none of them is published in the input schema
except `confirmation_token`.

Every call writes its audit entries before it returns. A write whose `plan` / `apply_attempt`
entry cannot be written is refused (`audit_unavailable`). Tokens never reach the audit log (the
bound arguments exclude `confirmation_token`, and the redactor scrubs `imc_…` anyway).
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from mcp.server.elicitation import AcceptedElicitation, CancelledElicitation, DeclinedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from infomaniak_mcp.api.errors import InfomaniakError, NotConfiguredError
from infomaniak_mcp.config import TOKEN_HELP
from infomaniak_mcp.safety.audit import AuditError, Phase
from infomaniak_mcp.safety.executor import (
    CHECKED_NOT_APPLIED,
    NOT_APPLIED,
    ApplyReport,
    ReconcileResult,
    StepResult,
    apply_plan,
    get_reconciler,
)
from infomaniak_mcp.safety.operations import OperationContext, get_operation, lock_key, run_step
from infomaniak_mcp.safety.plan import Plan, Step
from infomaniak_mcp.safety.tokens import ConfirmationError, bound_arguments
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.deps import ServerDeps
from infomaniak_mcp.server.errors import (
    AuditUnavailableError,
    ConfirmationRefusedError,
    HumanConfirmationRequiredError,
    ReadOnlyModeError,
    error_result,
    failure_result,
    first_known_error,
    known_error,
)
from infomaniak_mcp.server.outcome import (
    LARGE_PLAN,
    NOTHING_TO_CHANGE,
    TOKEN_DESCRIPTION,
    TOKEN_PARAM,
    WriteOutcome,
    WriteStatus,
    estimated_duration,
    what_changed,
)
from infomaniak_mcp.server.registry import ToolSpec, load_toolsets_for

logger = logging.getLogger("infomaniak_mcp.server")

PLAN_PARAM = "plan_attempt_"
CONFIRM_PARAM = "human_confirmation_"
CTX_PARAM = "ctx"
_DIFF_LINES = 20
AUDIT_WARNING = " Warning: the audit log could not be written; tell the server operator."
_VALUE_CHARS = 200
_SETTLE_MAX = 10.0  # seconds: a step found not applied after a timeout is re-read once more after this


class ConfirmForm(BaseModel):
    """What the human answers for a low-risk plan."""

    confirm: bool = Field(description="Apply this change now?")


class TypedConfirmForm(BaseModel):
    """What the human answers for a high-risk or irreversible plan: the target's name."""

    name: str = Field(description="Type the exact name shown in the message to confirm.")


class PlanAttempt:
    """The plan resolver's result: a plan, the error that prevented it, or nothing (deferred)."""

    __slots__ = ("arguments", "error", "plan")

    def __init__(
        self, plan: Plan | None = None, error: BaseException | None = None, arguments: dict[str, Any] | None = None
    ) -> None:
        self.plan = plan
        self.error = error
        self.arguments = arguments or {}

    def __repr__(self) -> str:
        return f"PlanAttempt(plan={self.plan is not None}, error={type(self.error).__name__ if self.error else None})"


STALE_REBUILD_MESSAGE = "the state changed since the plan; nothing was changed"


class RebuildFailed(Exception):
    """Raised under the apply locks when the plan cannot be rebuilt from the current state."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{STALE_REBUILD_MESSAGE}: {cause}")
        self.cause = cause


class StalePlan(Exception):
    """Raised under the apply locks when the rebuilt plan's fingerprint differs."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("the state changed since the plan was made")
        self.plan = plan


def can_elicit(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared form elicitation for this call (a bare `elicitation: {}` counts)."""
    try:
        capabilities = ctx.client_capabilities
    except ValueError:  # outside a request
        return False
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


def elicitation_message(plan: Plan) -> str:
    """What the human reads: summary, risk, diff, and how to confirm (deterministic for one plan)."""
    risk = {"low": "low", "high": "HIGH", "irreversible": "IRREVERSIBLE — it cannot be undone"}[plan.risk]
    lines = [f"{plan.tool}: {plan.summary}", f"Risk: {risk}", "Changes:"]
    for entry in plan.diff[:_DIFF_LINES]:
        where = entry.resource + (f" {entry.field}" if entry.field else "")
        lines.append(f"- {where}: {_short(entry.before)} → {_short(entry.after)}")
    if len(plan.diff) > _DIFF_LINES:
        lines.append(f"- … and {len(plan.diff) - _DIFF_LINES} more")
    if not plan.diff:
        lines += [f"- {step.description}" for step in plan.steps[:_DIFF_LINES]]
    # The fingerprint binds the answer to the state the plan was built on: on 2026-07-28 the SDK
    # re-asks when the question changes between rounds, so any change of that state is shown again.
    lines.append(f"Plan {plan.fingerprint[:12]} (built on the current state).")
    if plan.requires_typed_confirmation:
        lines.append(f"To apply it, type exactly: {plan.target_name}")
    else:
        lines.append("To apply it, accept with confirm = true; decline to change nothing.")
    return "\n".join(lines)


async def build_plan(spec: ToolSpec, tool_ctx: ToolContext, arguments: dict[str, Any]) -> Plan:
    """Run the tool body (it only reads) and check that it returned a plan; the server names its tool."""
    plan = await spec.fn(tool_ctx, **arguments)
    if not isinstance(plan, Plan):
        raise TypeError(f"{spec.name} returned {type(plan).__name__}, not Plan")
    return plan if plan.tool == spec.name else plan.model_copy(update={"tool": spec.name})


def nothing_to_change(exc: BaseException, tool: str) -> InfomaniakError | None:
    """The error by which a tool body said that the state already is as asked, if `exc` is (holds) one.

    Decided without logging; only when it is the answer (`unchanged`) does `known_error` log a crash
    beside it in a group. Otherwise the caller's `failure_result` logs it: once either way.
    """
    first = first_known_error(exc)
    if first is None or first.code != NOTHING_TO_CHANGE:
        return None
    return known_error(exc, tool=tool)


def _plain_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k not in (TOKEN_PARAM, PLAN_PARAM, CONFIRM_PARAM, CTX_PARAM)}


def make_resolvers(spec: ToolSpec, deps: ServerDeps) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The two resolvers of one write tool: build the plan, then (when the client can) ask the human."""

    async def plan_resolver(**kwargs: Any) -> PlanAttempt:
        ctx: Context[Any, Any] = kwargs[CTX_PARAM]
        if kwargs.get(TOKEN_PARAM) or deps.read_only or (deps.api is None and spec.requires_api):
            return PlanAttempt()  # decided in the wrapper; nothing to read
        principal = deps.principal_resolver(ctx)
        arguments = _plain_arguments(kwargs)
        try:
            plan = await build_plan(spec, deps.tool_context(ctx, principal), arguments)
        except Exception as exc:  # reported (and audited) by the wrapper
            return PlanAttempt(error=exc, arguments=arguments)
        return PlanAttempt(plan=plan, arguments=arguments)

    params = [inspect.Parameter(CTX_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
    params += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, default=inspect.Parameter.empty) for p in spec.parameters]
    params.append(inspect.Parameter(TOKEN_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=str | None))
    setattr(plan_resolver, "__signature__", inspect.Signature(params, return_annotation=PlanAttempt))  # noqa: B010
    plan_resolver.__annotations__ = {p.name: p.annotation for p in params} | {"return": PlanAttempt}
    plan_resolver.__qualname__ = f"plan_resolver[{spec.name}]"

    async def confirm_resolver(
        ctx: Context[Any, Any], attempt: Annotated[PlanAttempt, Resolve(plan_resolver)]
    ) -> Elicit[BaseModel] | None:
        plan = attempt.plan
        if plan is None or not can_elicit(ctx):
            return None
        try:
            principal = deps.principal_resolver(ctx)
            await _audit(deps, spec, principal, attempt.arguments, "plan", "elicitation_requested", plan)
        except AuditError as exc:
            attempt.plan, attempt.error = None, AuditUnavailableError(description=str(exc))
            return None
        form: type[BaseModel] = TypedConfirmForm if plan.requires_typed_confirmation else ConfirmForm
        return Elicit(elicitation_message(plan), form)

    # Real objects, not the postponed strings (the SDK resolves hints; `plan_resolver` is local).
    confirm_resolver.__annotations__ = {
        "ctx": Context,
        "attempt": Annotated[PlanAttempt, Resolve(plan_resolver)],
        "return": Elicit[BaseModel] | None,
    }
    confirm_resolver.__qualname__ = f"confirm_resolver[{spec.name}]"
    return plan_resolver, confirm_resolver


def write_parameters(spec: ToolSpec, deps: ServerDeps) -> list[inspect.Parameter]:
    """The wrapper's signature for a write tool: its arguments, `confirmation_token`, ctx, the resolvers."""
    plan_resolver, confirm_resolver = make_resolvers(spec, deps)
    kw = inspect.Parameter.KEYWORD_ONLY
    token = Annotated[str | None, Field(description=TOKEN_DESCRIPTION, max_length=512)]
    return [
        *(p.replace(kind=kw) for p in spec.parameters),
        inspect.Parameter(TOKEN_PARAM, kw, annotation=token, default=None),
        inspect.Parameter(CTX_PARAM, kw, annotation=Context),
        inspect.Parameter(PLAN_PARAM, kw, annotation=Annotated[PlanAttempt, Resolve(plan_resolver)]),
        inspect.Parameter(
            CONFIRM_PARAM, kw, annotation=Annotated[ElicitationResult[BaseModel], Resolve(confirm_resolver)]
        ),
    ]


async def _audit(
    deps: ServerDeps,
    spec: ToolSpec,
    principal: str,
    arguments: dict[str, Any],
    phase: Phase,
    outcome: str,
    plan: Plan | None = None,
    *,
    error: Any = None,
    summary: str | None = None,
) -> None:
    await deps.safety.audit.append_async(
        principal=principal,
        tool=spec.name,
        phase=phase,
        outcome=outcome,
        arguments=bound_arguments(arguments),
        summary=summary if summary is not None else (plan.summary if plan is not None else ""),
        resources=plan.resources if plan is not None else (),
        error=error,
        plan_fingerprint=plan.fingerprint if plan is not None else None,
    )


def _audited_value(value: Any) -> Any:
    """An argument as a refused call's audit entry keeps it: long strings cut (the call was invalid anyway)."""
    if isinstance(value, str) and len(value) > _VALUE_CHARS:
        return f"{value[:_VALUE_CHARS]}… ({len(value)} chars)"
    if isinstance(value, dict):
        return {str(k): _audited_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_audited_value(v) for v in value]
    return value


async def audit_quietly(
    deps: ServerDeps,
    spec: ToolSpec,
    principal: str,
    arguments: dict[str, Any],
    phase: Phase,
    outcome: str,
    plan: Plan | None = None,
    **extra: Any,
) -> str:
    """Audit, but never let a broken log hide the call's own result; returns a note when it failed."""
    try:
        await _audit(deps, spec, principal, arguments, phase, outcome, plan, **extra)
    except Exception as exc:
        logger.error("audit entry %s/%s for %s could not be written: %s", phase, outcome, spec.name, exc)
        return AUDIT_WARNING
    return ""


def with_note(result: CallToolResult, note: str) -> CallToolResult:
    """`result` with `note` (from `audit_quietly`) as one more text block when there is one."""
    if note:
        result.content.append(TextContent(type="text", text=note.strip()))
    return result


async def refuse_call(
    spec: ToolSpec,
    deps: ServerDeps,
    ctx: Context[Any, Any],
    arguments: dict[str, Any],
    outcome: str,
    error: InfomaniakError,
) -> CallToolResult:
    """A write call the SDK refused before the wrapper ran (its arguments, the human's answer): the
    `isError` result, after a `rejected` audit entry (a broken log adds a warning, it does not hide it)."""
    plain = {k: _audited_value(v) for k, v in _plain_arguments(arguments).items()}
    principal = deps.principal_resolver(ctx)
    note = await audit_quietly(deps, spec, principal, plain, "rejected", outcome, error=error.to_dict())
    return with_note(error_result(error), note)


def outcome_result(outcome: WriteOutcome, *, is_error: bool = False) -> CallToolResult:
    from infomaniak_mcp.server.app import structured

    return CallToolResult(
        content=[TextContent(type="text", text=outcome.to_text())],
        structured_content=structured(outcome),
        is_error=is_error,
    )


async def run_write(spec: ToolSpec, deps: ServerDeps, ctx: Context[Any, Any], kwargs: dict[str, Any]) -> CallToolResult:
    """One write tool call (see the module docstring)."""
    attempt: PlanAttempt = kwargs.get(PLAN_PARAM) or PlanAttempt()
    confirmation = kwargs.get(CONFIRM_PARAM)
    token = kwargs.get(TOKEN_PARAM)
    call = WriteCall(spec, deps, ctx, _plain_arguments(kwargs))
    return await call.run(token or None, attempt, confirmation)


class WriteCall:
    """The state of one write tool call."""

    def __init__(self, spec: ToolSpec, deps: ServerDeps, ctx: Context[Any, Any], arguments: dict[str, Any]) -> None:
        self.spec = spec
        self.deps = deps
        self.ctx = ctx
        self.arguments = arguments
        self.principal = deps.principal_resolver(ctx)
        self.tool_ctx = deps.tool_context(ctx, self.principal)
        self.attempted = False

    # -- audit -------------------------------------------------------------------------------

    async def audit(self, phase: Phase, outcome: str, plan: Plan | None = None, **extra: Any) -> None:
        await _audit(self.deps, self.spec, self.principal, self.arguments, phase, outcome, plan, **extra)

    async def audit_quietly(self, phase: Phase, outcome: str, plan: Plan | None = None, **extra: Any) -> str:
        """`audit_quietly` for this call: a note when the log could not be written."""
        return await audit_quietly(self.deps, self.spec, self.principal, self.arguments, phase, outcome, plan, **extra)

    # -- dispatch ----------------------------------------------------------------------------

    async def run(self, token: str | None, attempt: PlanAttempt, confirmation: Any) -> CallToolResult:
        plan = attempt.plan
        try:
            if self.deps.read_only:
                raise ReadOnlyModeError(description=f"{self.spec.name} changes the account; this server is read-only.")
            if self.deps.api is None and self.spec.requires_api:
                raise NotConfiguredError(description=TOKEN_HELP)
            if token is not None:
                return await self.with_token(token)
            if attempt.error is not None:
                if (same := nothing_to_change(attempt.error, self.spec.name)) is not None:
                    return await self.unchanged(same)
                raise attempt.error
            if plan is None:
                raise RuntimeError("no plan was built for this call")
            if isinstance(confirmation, DeclinedElicitation | CancelledElicitation):
                status: WriteStatus = "declined" if confirmation.action == "decline" else "cancelled"
                return await self.refused_by_human(plan, status)
            if isinstance(confirmation, AcceptedElicitation) and confirmation.data is not None:
                return await self.with_elicitation(plan, confirmation.data)
            if self.deps.safety.confirm == "elicit":
                raise HumanConfirmationRequiredError()
            return await self.issue(plan, "confirmation_required")
        except ConfirmationError as refused:
            error = ConfirmationRefusedError(description=refused.message, reason=refused.reason)
            # What was tried: the pending plan the token names (if any), else the arguments alone. Never
            # rebuilt here: a refusal must cost no API request (bad tokens would burn the shared rate limit).
            tried = plan or refused.plan
            note = await self.audit_quietly("rejected", f"token_{refused.reason}", tried, error=error.to_dict())
            return with_note(error_result(error), note)
        except AuditError as exc:
            logger.error("write %s refused: the audit log cannot be written: %s", self.spec.name, exc)
            return error_result(AuditUnavailableError(description=f"the audit log cannot be written: {exc}"))
        except Exception as exc:  # an InfomaniakError, possibly inside a task group's ExceptionGroup
            failure = failure_result(self.spec.name, exc)
            phase: Phase = "failed" if self.attempted else "rejected"
            note = await self.audit_quietly(phase, failure.code, plan, error=failure.error)
            return with_note(failure.result, note)

    async def issue(self, plan: Plan, status: WriteStatus, message: str | None = None) -> CallToolResult:
        """A fresh token for `plan` (status confirmation_required or stale); audited before it is returned."""
        await self.audit("plan", status, plan)
        token, expires = self.deps.safety.tokens.issue(self.spec.name, self.arguments, self.principal, plan)
        expires_at = expires.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if message is None:
            message = (
                "Nothing has changed yet. Show this plan to the user; if they agree, call "
                f"{self.spec.name} again with exactly the same arguments plus confirmation_token, "
                f"before {expires_at}."
            )
        # About one request per step (operations that poll make more): told when the call will block long.
        duration = estimated_duration(len(plan.steps), self.deps.settings.rate_limit_per_minute)
        if duration:
            message += f" Applying it takes {duration}: that call returns when every step has run."
        uri = self.deps.plans.put(plan, self.principal) if len(plan.steps) > LARGE_PLAN else None
        outcome = WriteOutcome.build(
            status, plan, message, token=token, expires_at=expires_at, plan_uri=uri, duration=duration
        )
        return outcome_result(outcome)

    async def unchanged(self, error: InfomaniakError, plan: Plan | None = None, *, since: str = "") -> CallToolResult:
        """The state already is as asked: a plain (not error) answer, no token; audited as plan/unchanged."""
        note = await self.audit_quietly("plan", "unchanged", plan, summary=error.description)
        message = f"Nothing was changed: {since}{error.description}." + (f" {error.hint}" if error.hint else "")
        return outcome_result(WriteOutcome.unchanged(message + note))

    async def with_token(self, token: str) -> CallToolResult:
        if self.deps.safety.confirm == "elicit":
            if not can_elicit(self.ctx):
                raise HumanConfirmationRequiredError()
            raise HumanConfirmationRequiredError(
                description="This server is configured so that a human confirms every change (--confirm elicit): "
                "confirmation tokens are not accepted. Nothing was changed.",
                hint="Call the tool again without confirmation_token; the user is asked to confirm the plan.",
            )
        stored = self.deps.safety.tokens.redeem(token, self.spec.name, self.arguments, self.principal)
        return await self.apply(stored.plan, issue_on_stale=True)

    async def refused_by_human(self, plan: Plan, status: WriteStatus) -> CallToolResult:
        note = await self.audit_quietly("rejected", status, plan)
        word = "declined" if status == "declined" else "cancelled"
        message = f"The user {word} the change; nothing was changed.{note}"
        return outcome_result(WriteOutcome.build(status, plan, message))

    async def with_elicitation(self, plan: Plan, answer: BaseModel) -> CallToolResult:
        if isinstance(answer, TypedConfirmForm):
            if answer.name.strip() != plan.target_name.strip():
                raise ConfirmationRefusedError(
                    description=f"the name typed does not match {plan.target_name!r}; nothing was changed",
                    reason="name_mismatch",
                    hint="Call the tool again; the user must type the exact name to confirm.",
                )
        elif not (isinstance(answer, ConfirmForm) and answer.confirm):
            return await self.refused_by_human(plan, "declined")
        return await self.apply(plan, issue_on_stale=False)

    # -- apply -------------------------------------------------------------------------------

    async def apply(self, plan: Plan, *, issue_on_stale: bool) -> CallToolResult:
        load_toolsets_for(step.operation for step in plan.steps)
        for step in plan.steps:
            get_operation(step.operation)  # every operation known before anything runs
        engine = self.deps.safety
        recorded: dict[str, str] = {}

        async def precheck() -> None:
            try:
                fresh = await build_plan(self.spec, self.tool_ctx, self.arguments)
            except Exception as exc:
                raise RebuildFailed(exc) from exc
            if fresh.fingerprint != plan.fingerprint:
                raise StalePlan(fresh)
            # Only now is something about to be sent: the attempt is audited (refused if it cannot be).
            await self.audit("apply_attempt", "started", plan)
            self.attempted = True

        async def finalize(report: ApplyReport) -> None:
            if not report.applied:
                return
            try:
                record = await anyio.to_thread.run_sync(
                    lambda: engine.history.record(
                        principal=self.principal,
                        tool=self.spec.name,
                        summary=plan.summary,
                        steps=report.applied_steps(),
                        reversible=plan.reversible,
                        undo_of=plan.undo_of,
                        target_name=plan.target_name,
                    )
                )
                recorded["id"] = record.id
                if plan.undo_of and report.status == "applied":
                    undone = plan.undo_of
                    await anyio.to_thread.run_sync(lambda: engine.history.mark_undone(undone, record.id))
            except Exception as exc:  # the steps ran: report them whatever happens to the history
                logger.error("history of %s could not be recorded: %s", self.spec.name, exc, exc_info=exc)
                recorded["error"] = " Warning: the history entry could not be recorded; undo is not available."

        op_ctx = OperationContext(
            api=self.tool_ctx.api,
            progress=self.tool_ctx.progress,
            poll_deadline=engine.poll_deadline,
            clock=engine.poll_clock,
            sleep=engine.poll_sleep,
        )
        counter = itertools.count()
        total = len(plan.steps)

        async def runner(step: Step) -> StepResult:
            await self.tool_ctx.progress(next(counter), total, step.description)
            return await run_step(op_ctx, step)

        async def reconcile(step: Step) -> ReconcileResult:
            reconciler = get_reconciler(step.operation)
            if reconciler is None:
                return None
            found = await reconciler(op_ctx, step)
            if found is NOT_APPLIED:  # a request slower than our timeout may still be running: look again
                await engine.poll_sleep(min(self.deps.settings.request_timeout, _SETTLE_MAX))
                found = await reconciler(op_ctx, step)
            return found

        try:
            report = await apply_plan(
                plan, runner, lock_key=lock_key, locks=engine.locks, precheck=precheck, finalize=finalize,
                reconcile=reconcile,
            )
        except RebuildFailed as failed:
            return await self.rebuild_failed(plan, failed.cause)
        except StalePlan as stale:
            changed = what_changed(plan, stale.plan)
            since = f" ({'; '.join(changed)})" if changed else ""
            message = f"The state changed since this plan was made{since}; nothing was changed. Review the new plan"
            if issue_on_stale:
                return await self.issue(stale.plan, "stale", message + "; to apply it, call again with the new token.")
            note = await self.audit_quietly("plan", "stale", stale.plan)
            return outcome_result(WriteOutcome.build("stale", stale.plan, message + " and call the tool again." + note))
        return await self.report(plan, report, recorded)

    async def rebuild_failed(self, plan: Plan, cause: BaseException) -> CallToolResult:
        """The plan could not be rebuilt at confirmation time: nothing was sent; audited as rejected
        (or unchanged: the state moved to what was asked in the meantime)."""
        if (same := nothing_to_change(cause, self.spec.name)) is not None:
            return await self.unchanged(same, plan, since="since the plan, the state became as asked: ")
        # A known error keeps its code and next step (e.g. wait for a busy hosting), told that nothing was sent.
        failure = failure_result(self.spec.name, cause, prefix=STALE_REBUILD_MESSAGE)
        note = await self.audit_quietly("rejected", "stale_rebuild_failed", plan, error=failure.error)
        return with_note(failure.result, note)

    async def report(self, plan: Plan, report: ApplyReport, recorded: dict[str, str]) -> CallToolResult:
        history_id = recorded.get("id")
        summary = plan.summary + (f" (history {history_id})" if history_id else "")
        errors = [f.error for f in [*report.failed, *report.uncertain]] or None
        phase: Phase = "applied" if report.status == "applied" else "failed"
        note = await self.audit_quietly(phase, report.status, plan, error=errors, summary=summary)
        note = recorded.get("error", "") + note
        if report.status == "applied":
            if plan.undo_of:
                message = f"Applied: {plan.undo_of} is undone."
            elif plan.reversible and history_id:
                message = f"Applied. To revert it, call history_undo with history_id {history_id}."
            else:
                message = "Applied. This change cannot be undone automatically."
        elif report.uncertain:
            unsure = report.uncertain[0]
            error = unsure.error or {}
            what = (  # accepted upstream but still running at our deadline, or sent with no answer
                "was accepted but still running at the deadline: it may still finish"
                if error.get("error") == "operation_timeout"
                else "got no answer in time: whether it was applied is unknown"
            )
            message = (
                f"Step #{unsure.index} ({unsure.step.description}) {what}. {len(report.applied)} step(s) applied "
                f"before it, {len(report.not_attempted)} not attempted. {error.get('next_step', '')}"
            ).rstrip()
            if report.compensation is not None and history_id:
                message += f" To revert the applied steps, call history_undo with history_id {history_id}."
        elif report.status == "partial":
            failed = report.failed[0]
            message = (
                f"Step #{failed.index} failed after {len(report.applied)} applied step(s); "
                f"{len(report.not_attempted)} step(s) not attempted."
            )
            if report.compensation is not None and history_id:
                message += f" To revert the applied steps, call history_undo with history_id {history_id}."
        else:
            error = report.failed[0].error or {}
            if error.get("checked") == CHECKED_NOT_APPLIED:  # a timeout: a late answer could still apply it
                message = (
                    f"The first step got no answer in time ({error.get('description', 'timeout')}); re-read "
                    f"afterwards, it was not applied and no other step ran. It could still land late: "
                    f"re-read {report.failed[0].resource} before retrying."
                )
            else:
                message = f"The first step failed; nothing was changed: {error.get('description', 'see report')}"
        outcome = WriteOutcome.build(report.status, plan, message + note, report=report, history_id=history_id)
        return outcome_result(outcome, is_error=report.status != "applied")
