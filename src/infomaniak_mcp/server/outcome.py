"""`WriteOutcome`: the one output model of every write tool (SDK-free).

A write tool's body returns a `Plan`; the confirmation wrapper (`server/writes.py`) answers with
a `WriteOutcome` whose `status` says what happened:

- `confirmation_required`: nothing changed; `plan`, `confirmation_token`, `expires_at`. Show the
  plan to the user; if they agree, call the same tool with the same arguments plus the token.
- `applied`: every step ran; `report`, `history_id` (`history_undo` reverts it when
  `plan.reversible`).
- `stale`: the state changed since the plan, nothing changed; a fresh `plan` (and token).
- `declined` / `cancelled`: the human said no through elicitation; nothing changed.
- `partial`: some steps ran, then one failed; `report` lists applied / failed / not attempted
  steps and the `compensation` plan; `history_undo(history_id)` confirms that compensation.
- `failed`: the first step failed; nothing changed (`report.failed[0].error`).

`plan` and `report` are plain objects in the schema (their shape is `safety.plan.Plan` and
`safety.executor.ApplyReport`) so that the many write tools stay cheap in `tools/list`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field

from infomaniak_mcp.safety.executor import ApplyReport
from infomaniak_mcp.safety.plan import Plan
from infomaniak_mcp.safety.redact import is_secret_key
from infomaniak_mcp.server.registry import ToolOutput

WriteStatus = Literal["confirmation_required", "applied", "stale", "declined", "cancelled", "partial", "failed"]
TOKEN_PARAM = "confirmation_token"
TOKEN_DESCRIPTION = (
    "Empty at first; to apply, the token that call returned (same other arguments)."
)
_DIFF_LINES = 20
_VALUE_CHARS = 160


class WriteOutcome(ToolOutput):
    status: WriteStatus = Field(description="Only applied and partial changed anything.")
    message: str = Field(description="What happened, what to do next.")
    plan: dict[str, Any] = Field(description="summary, steps, diff (before → after), risk, target_name, reversible.")
    confirmation_token: str | None = Field(default=None, description="Pass it back with the same arguments to apply.")
    expires_at: str | None = Field(default=None, description="Token expiry (ISO 8601, UTC).")
    report: dict[str, Any] | None = Field(
        default=None, description="applied / failed / not_attempted steps; compensation after a partial failure."
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
    ) -> WriteOutcome:
        return cls(
            status=status,
            message=message,
            plan=plan.model_dump(mode="json", exclude_none=True),
            confirmation_token=token,
            expires_at=expires_at,
            report=report.model_dump(mode="json", exclude_none=True) if report is not None else None,
            history_id=history_id,
        )

    def to_text(self) -> str:
        plan = self.plan
        lines = [f"{self.status}: {plan.get('summary', '')} (risk {plan.get('risk', '?')})"]
        diff = plan.get("diff") or []
        for entry in diff[:_DIFF_LINES]:
            where = entry.get("resource", "")
            if entry.get("field"):
                where += f" {entry['field']}"
            lines.append(f"- {where}: {_short(entry.get('before'))} → {_short(entry.get('after'))}")
        if len(diff) > _DIFF_LINES:
            lines.append(f"- … {len(diff) - _DIFF_LINES} more change(s) in plan.diff")
        if self.report is not None:
            for kind in ("applied", "failed", "not_attempted"):
                items = self.report.get(kind) or []
                if items:
                    lines.append(f"{kind}: " + "; ".join(_step_line(i) for i in items))
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


def _identity(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [
            f"{key}: {_short(value)}"
            for key, value in data.items()
            if isinstance(key, str) and _IDENTITY.match(key) and not is_secret_key(key)
            and isinstance(value, str | int) and not isinstance(value, bool) and value != ""
        ][:_IDENTITY_FIELDS]
    if isinstance(data, str | int) and not isinstance(data, bool):
        return [f"result: {_short(data)}"]
    return []


def _step_line(item: dict[str, Any]) -> str:
    step = item.get("step") or {}
    text = f"#{item.get('index')} {step.get('description', step.get('operation', ''))}"
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
