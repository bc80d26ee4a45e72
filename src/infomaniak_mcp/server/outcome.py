"""`WriteOutcome`: the one output model of every write tool (SDK-free).

A write tool's body returns a `Plan`; the confirmation wrapper (`server/writes.py`) answers with
a `WriteOutcome` whose `status` says what happened:

- `confirmation_required`: nothing changed; `plan`, `confirmation_token`, `expires_at`. Show the
  plan to the user; if they agree, call the same tool with the same arguments plus the token.
- `applied`: every step ran; `report`, `history_id` (`history_undo` reverts it when
  `plan.reversible`). The plan was shown before: `plan` keeps only its outline (tool, summary,
  risk, reversible, target_name) and `report` says, per step, what ran and what it created.
- `stale`: the state changed since the plan, nothing changed; a fresh `plan` (and token); the
  message names what moved, as far as the two plans' `before` values show it (`what_changed`).
- `declined` / `cancelled`: the human said no through elicitation; nothing changed.
- `partial`: some steps ran, then one failed; `report` lists applied / failed / not attempted
  steps and the `compensation` plan; `history_undo(history_id)` confirms that compensation. Also
  when a step's request got no answer and re-reading could not tell whether it went through:
  `report.uncertain` lists it, and the message says how to check (never "nothing was changed").
- `failed`: the first step failed; nothing changed (`report.failed[0].error`; after a timeout,
  `error.checked` says that a re-read found it not applied).
- `unchanged`: the state already is as asked (the tool raised an error coded `nothing_to_change`,
  when planning or when rebuilding the plan at confirmation); no plan, no token, not an error.

`plan` and `report` are plain objects in the schema (`plan` is a `safety.plan.Plan`, outlined after
an apply; `report` is `compact_report(ApplyReport)`) so that the many write tools stay cheap in
`tools/list`. The report lists the non-empty of `applied`, `failed`, `uncertain`, `not_attempted`, each step as
`{index, operation, description, resource, data?, data_note?, error?}` (`data`: the API's answer,
cut to its ids past `_DATA_CHARS`), then `compensation` (an outlined plan) and `not_compensable`.
History keeps the full steps: it records the executor's `ApplyReport`, never this outcome.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field
from pydantic_core import to_jsonable_python

from infomaniak_mcp.safety.executor import ApplyReport, StepOutcome
from infomaniak_mcp.safety.plan import DEFAULT_VOLATILE, Plan, Step, canonical_json
from infomaniak_mcp.safety.redact import is_secret_key
from infomaniak_mcp.server.registry import ToolOutput

WriteStatus = Literal[
    "confirmation_required", "applied", "stale", "declined", "cancelled", "partial", "failed", "unchanged"
]
# The error code by which a tool body says that its plan would do nothing: answered as `unchanged`.
NOTHING_TO_CHANGE = "nothing_to_change"
TOKEN_PARAM = "confirmation_token"
TOKEN_DESCRIPTION = (
    "Empty at first; to apply, the token that call returned (same other arguments)."
)
_DIFF_LINES = 20
_VALUE_CHARS = 160


class WriteOutcome(ToolOutput):
    status: WriteStatus = Field(description="Only applied and partial changed anything.")
    message: str = Field(description="What happened, what to do next.")
    plan: dict[str, Any] | None = Field(
        default=None,
        description="summary, steps, diff (before → after), risk, target_name, reversible; outlined once applied.",
    )
    confirmation_token: str | None = Field(default=None, description="Pass it back with the same arguments to apply.")
    expires_at: str | None = Field(default=None, description="Token expiry (ISO 8601, UTC).")
    report: dict[str, Any] | None = Field(
        default=None,
        description="applied / failed / not_attempted steps (index, description, resource, data, error); "
        "compensation after a partial failure.",
    )
    history_id: str | None = Field(default=None, description="For history_undo.")

    @classmethod
    def build(
        cls,
        status: WriteStatus,
        plan: Plan,
        message: str,
        *,
        token: str | None = None,
        expires_at: str | None = None,
        report: ApplyReport | None = None,
        history_id: str | None = None,
        plan_uri: str | None = None,
        duration: str | None = None,
    ) -> WriteOutcome:
        shown = plan_outline(plan) if report is not None else shown_plan(plan, plan_uri)
        if duration and report is None:
            shown["duration"] = duration
        return cls(
            status=status,
            message=message,
            plan=shown,
            confirmation_token=token,
            expires_at=expires_at,
            report=compact_report(report) if report is not None else None,
            history_id=history_id,
        )

    @classmethod
    def unchanged(cls, message: str) -> WriteOutcome:
        return cls(status="unchanged", message=message)

    def to_text(self) -> str:
        plan = self.plan
        if plan is None:
            return f"{self.status}: {self.message}"
        lines = [f"{self.status}: {plan.get('summary', '')} (risk {plan.get('risk', '?')})"]
        diff = plan.get("diff") or []  # an applied plan is outlined: its steps below say what ran
        for entry in diff[:_DIFF_LINES]:
            where = entry.get("resource", "")
            if entry.get("field"):
                where += f" {entry['field']}"
            lines.append(f"- {where}: {_short(entry.get('before'))} → {_short(entry.get('after'))}")
        shown = min(len(diff), _DIFF_LINES)
        more = int(plan.get("diff_count", len(diff))) - shown
        if more > 0:
            lines.append(f"- … {more} more change(s) in " + (plan.get("uri") or "plan.diff"))
        if plan.get("note"):
            lines.append(str(plan["note"]))
        if self.report is not None:
            counts = self.report.get("counts") or {}
            for kind in ("applied", "failed", "uncertain", "not_attempted"):
                items = self.report.get(kind) or []
                if items:
                    more = int(counts.get(kind, len(items))) - len(items)
                    tail = f"; … {more} more" if more > 0 else ""
                    lines.append(f"{kind}: " + "; ".join(_step_line(i) for i in items) + tail)
            compensation = self.report.get("compensation")
            if isinstance(compensation, dict):
                undo = "; ".join(str(step.get("description", "")) for step in compensation.get("steps") or [])
                lines.append(f"compensation (history_undo): {undo}")
            if self.report.get("not_compensable"):
                lines.append(f"not compensable (revert by hand): steps {self.report['not_compensable']}")
        lines.append(self.message)
        if self.confirmation_token:
            lines.append(f"confirmation_token: {self.confirmation_token} (expires {self.expires_at})")
        if self.history_id:
            lines.append(f"history_id: {self.history_id}")
        return "\n".join(lines)


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


# Values an applied step hands back for the human to keep (generated passwords): the only place
# they appear is this result (never logs, audit or history), so the text shows them too.
_SHOWN_ONCE = ("password",)
# What identifies what a step created or changed (ids, links, names), shown in the text so that the
# next call can use it without digging into `report.applied[].data`.
_IDENTITY = re.compile(r"^(id|uuid|url|link|fqdn|login|name|email|source|[a-z0-9_]*_(id|url|uuid))$")
_IDENTITY_FIELDS = 4


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _is_identity(key: Any, value: Any) -> bool:
    """Whether `key: value` identifies an object (an id or name field, not a secret, a plain value)."""
    return isinstance(key, str) and bool(_IDENTITY.match(key)) and not is_secret_key(key) and _scalar(value)


def _brief_steps(steps: list[Step], n: int) -> list[dict[str, Any]]:
    """The first `n` steps as operation, resource and description (the diff says the rest)."""
    return [{"operation": s.operation, "resource": s.resource, "description": s.description} for s in steps[:n]]


def _identity(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [
            f"{key}: {_short(value)}" for key, value in data.items() if _is_identity(key, value) and value != ""
        ][:_IDENTITY_FIELDS]
    if _scalar(data):
        return [f"result: {_short(data)}"]
    return []


def _step_line(item: dict[str, Any]) -> str:
    text = f"#{item.get('index')} {item.get('description', item.get('operation', ''))}"
    error = item.get("error")
    if isinstance(error, dict):
        text += f" ({error.get('error', 'error')}: {error.get('description', '')})"
    data = item.get("data")
    identity = _identity(data)
    if identity:
        text += " → " + ", ".join(identity)
    if isinstance(data, dict):
        shown = [f"{key}: {data[key]}" for key in _SHOWN_ONCE if isinstance(data.get(key), str)]
        if shown:
            text += " — " + ", ".join(shown) + " (shown once: store it now)"
    return text


# Past this size (compact JSON), a step's `data` keeps only what `_identity` would name plus the
# values shown once, and `data_note` says so: the ids are what a next call needs.
_DATA_CHARS = 600
_OUTLINE = ("tool", "summary", "risk", "reversible", "target_name", "undo_of")


def plan_outline(plan: Plan) -> dict[str, Any]:
    """What a result still says about a plan it applied: no steps, diff or fingerprint."""
    dumped = plan.model_dump(mode="json", include=set(_OUTLINE), exclude_none=True)
    return {key: dumped[key] for key in _OUTLINE if dumped.get(key) not in (None, "")}


# A plan of more steps than this is shown in part (`shown_plan`); a report lists at most
# `_REPORT_STEPS` steps per kind (then `counts` and `note`).
LARGE_PLAN = 20
_SHOWN_STEPS = 10
_REPORT_STEPS = 10
_SHOWN_RESOURCES = 10


def shown_plan(plan: Plan, uri: str | None = None) -> dict[str, Any]:
    """The plan as a result shows it before it runs: whole up to `LARGE_PLAN` steps; past that its
    outline, fingerprint, counts, the first steps (operation, resource, description: the diff says the
    rest) and diff entries, and a note pointing at `uri` (the whole plan as a resource) when given."""
    dumped = plan.model_dump(mode="json", exclude_none=True)
    if len(plan.steps) <= LARGE_PLAN:
        return dumped
    out = plan_outline(plan)
    out["fingerprint"] = plan.fingerprint
    out["step_count"], out["diff_count"] = len(plan.steps), len(plan.diff)
    out["steps"] = _brief_steps(plan.steps, _SHOWN_STEPS)
    out["diff"] = dumped.get("diff", [])[:_DIFF_LINES]
    out["resources"] = plan.resources[:_SHOWN_RESOURCES]
    where = f"read the resource {uri} for every step" if uri else "the whole plan is not shown"
    out["note"] = (
        f"Large plan: the first {len(out['steps'])} of {len(plan.steps)} steps and {len(out['diff'])} of "
        f"{len(plan.diff)} changes are shown; {where}."
    )
    if uri:
        out["uri"] = uri
    return out


LONG_APPLY = 30.0  # seconds: a plan whose steps take longer says so


def estimated_duration(requests: int, per_minute: int) -> str | None:
    """`about 7 min at 60 requests/min` when `requests` at that rate take more than `LONG_APPLY` s."""
    seconds = requests * 60.0 / max(per_minute, 1)
    if seconds <= LONG_APPLY:
        return None
    amount = f"{round(seconds)} s" if seconds < 90 else f"{round(seconds / 60)} min"
    return f"about {amount} at {per_minute} requests/min"


def compact_report(report: ApplyReport) -> dict[str, Any]:
    """The report as a result shows it (module docstring): each step once, without its params or before;
    past `_REPORT_STEPS` steps of a kind, the first ones, `counts` of every kind, and a `note`."""
    out: dict[str, Any] = {}
    kinds = ("applied", "failed", "uncertain", "not_attempted")
    counts = {kind: len(getattr(report, kind)) for kind in kinds if getattr(report, kind)}
    for kind in kinds:
        items: list[StepOutcome] = getattr(report, kind)
        if items:
            out[kind] = [_compact_step(item) for item in items[:_REPORT_STEPS]]
    if any(n > _REPORT_STEPS for n in counts.values()):
        out["counts"] = counts
        out["note"] = f"At most {_REPORT_STEPS} steps of each kind are listed (counts: all); history has every step."
    if report.compensation is not None:
        compensation = plan_outline(report.compensation)
        compensation["steps"] = _brief_steps(report.compensation.steps, _REPORT_STEPS)
        if len(report.compensation.steps) > _REPORT_STEPS:
            compensation["step_count"] = len(report.compensation.steps)
        out["compensation"] = compensation
    if report.not_compensable:
        out["not_compensable"] = list(report.not_compensable)
    return out


def _compact_step(item: StepOutcome) -> dict[str, Any]:
    out: dict[str, Any] = {"index": item.index, "operation": item.step.operation, "description": item.step.description}
    if item.status != "not_attempted":
        out["resource"] = item.resource
    if item.data is not None:
        data = to_jsonable_python(item.data)
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        if size > _DATA_CHARS:
            trimmed = _trimmed(data)
            kept = f"its first {len(trimmed)} of {len(data)} items, " if isinstance(data, list) else ""
            out["data_note"] = f"the API's answer ({size} chars) cut to {kept}its ids; a read tool shows the rest"
            data = trimmed
        out["data"] = data
    if item.error is not None:
        out["error"] = item.error
    return out


def _trimmed(data: Any) -> Any:
    """`data` cut to what identifies it (and the values shown once), within about `_DATA_CHARS`."""
    if isinstance(data, dict):
        return {
            key: value for key, value in data.items() if key in _SHOWN_ONCE or _is_identity(key, value)
        }
    if isinstance(data, list):
        kept: list[Any] = []
        used = 0
        for value in data:
            small = _trimmed(value) if isinstance(value, dict | list) else _short(value)
            used += len(json.dumps(small, ensure_ascii=False, separators=(",", ":")))
            if used > _DATA_CHARS:
                break
            kept.append(small)
        return kept
    return _short(data)


_CHANGES_SHOWN = 5
_CHANGE_CHARS = 60


def what_changed(old: Plan, new: Plan) -> list[str]:
    """What differs between the state `old` was built on and the state `new` was built on, as far as
    their steps' and diff's `before` values show it (one level into objects; volatile fields ignored):
    `"<resource> <field>: <then> → <now>"`, at most `_CHANGES_SHOWN` lines (then a count)."""
    then, now = _befores(old), _befores(new)
    lines = [
        f"{where}: {_brief(then.get(where))} → {_brief(now.get(where))}"
        for where in dict.fromkeys([*then, *now])
        if canonical_json(then.get(where)) != canonical_json(now.get(where))
    ]
    if len(lines) > _CHANGES_SHOWN:
        lines[_CHANGES_SHOWN:] = [f"… {len(lines) - _CHANGES_SHOWN} more"]
    return lines


def _befores(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    places = [(step.resource, step.before) for step in plan.steps]
    places += [(entry.resource + (f" {entry.field}" if entry.field else ""), entry.before) for entry in plan.diff]
    for where, before in places:
        if isinstance(before, dict):
            out.update({f"{where} {key}": value for key, value in before.items() if key not in DEFAULT_VOLATILE})
        elif before is not None:
            out[where] = before
    return out


def _brief(value: Any) -> str:
    text = _short(value)
    return text if len(text) <= _CHANGE_CHARS else text[: _CHANGE_CHARS - 1] + "…"
