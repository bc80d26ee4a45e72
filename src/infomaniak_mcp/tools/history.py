"""Toolset `history`: the writes this installation applied, and undoing them.

`history_list` reads `safety.history` (newest first, with `reversible`). `history_undo` is a
write tool like any other: its body reads the current value of every resource the entry touched
(through the resource readers the product modules register), builds the inverse plan from the
recorded pre-state (`History.undo_plan`, refusing when a resource changed since) and returns it;
the server confirms it (token or elicitation), applies it, records it, and only then marks the
entry undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.errors import InfomaniakError, InvalidArgumentError
from infomaniak_mcp.safety.history import HistoryRecord, UndoRefused, undo_target_name
from infomaniak_mcp.safety.operations import OperationError, read_resource
from infomaniak_mcp.safety.plan import Plan
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, load_toolsets_for, tool

HistoryId = Annotated[
    str,
    Field(description="History entry id (h_…), from history_list or a write's history_id.", pattern=r"^h_[0-9a-f]+$"),
]


@dataclass
class UndoRefusedError(InfomaniakError):
    """Undo is impossible or unsafe now; nothing was changed."""

    code: str = "undo_refused"
    default_next_step: ClassVar[str] = (
        "Nothing was changed. Call history_list to see the entry; if the resource was changed on purpose "
        "since, make the change you want with the product's own tools instead."
    )


NOT_REVERSIBLE = (
    "Nothing was changed. history_list shows what the entry did; make the change you want with the product's "
    "own tools."
)


class HistoryRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    ts: str
    principal: str
    tool: str
    summary: str
    reversible: bool = Field(description="history_undo can revert it (and it is not undone yet).")
    resources: list[str]
    undone_by: str | None = None
    undo_of: str | None = None


class HistoryList(ToolOutput):
    entries: list[HistoryRow] = Field(description="Newest first.")
    count: int

    def to_text(self) -> str:
        if not self.entries:
            return "No write has been applied through this server yet."
        lines = [f"{self.count} applied write(s), newest first:"]
        for e in self.entries:
            state = f"undone by {e.undone_by}" if e.undone_by else ("reversible" if e.reversible else "not reversible")
            lines.append(f"- {e.id} {e.ts} {e.principal} {e.tool}: {e.summary} [{state}]")
        return "\n".join(lines)


def _row(record: HistoryRecord) -> HistoryRow:
    return HistoryRow(
        id=record.id,
        ts=record.ts,
        principal=record.principal,
        tool=record.tool,
        summary=record.summary,
        reversible=record.reversible and record.undone_by is None,
        resources=list(dict.fromkeys(s.resource for s in record.steps)),
        undone_by=record.undone_by,
        undo_of=record.undo_of,
    )


@tool(toolset="history", read_only=True, title="List applied writes", requires_api=False)
async def history_list(
    ctx: ToolContext,
    limit: Annotated[int, Field(description="How many entries (newest first).", ge=1, le=200)] = 20,
    principal: Annotated[str | None, Field(description="Only the writes of this user.", max_length=64)] = None,
) -> HistoryList:
    """List the writes applied through this server, newest first, with whether each can be undone. Pass
    an entry's id to history_undo to revert it."""
    history = ctx.safety.history
    records = await anyio.to_thread.run_sync(lambda: history.list(limit=limit, principal=principal))
    rows = [_row(r) for r in records]
    return HistoryList(entries=rows, count=len(rows))


@tool(toolset="history", read_only=False, destructive=True, title="Undo an applied write")
async def history_undo(ctx: ToolContext, history_id: HistoryId) -> Plan:
    """Revert a write listed by history_list (e.g. re-create a deleted DNS record with its old values).
    Refuses when the resource changed since; the revert is confirmed like any other write."""
    history = ctx.safety.history
    record = await anyio.to_thread.run_sync(lambda: history.get(history_id))
    if record is None:
        unknown = InvalidArgumentError.for_field("history_id", f"no history entry {history_id}")
        unknown.hint = "Call history_list for the ids of the applied writes (newest first); nothing was changed."
        raise unknown
    if record.undone_by is not None:
        raise UndoRefusedError(description=f"{history_id} was already undone (by {record.undone_by})",
                               hint=f"Nothing to do; history_list shows {record.undone_by}, the undo entry.")
    if not record.reversible:
        raise UndoRefusedError(description=f"{history_id} ({record.tool}) cannot be undone automatically",
                               hint=NOT_REVERSIBLE)
    load_toolsets_for([*(s.step.operation for s in record.steps), *(s.resource for s in record.steps)])
    current: dict[str, Any] = {}
    try:
        for resource in history.resources_to_check(history_id):
            current[resource] = await read_resource(ctx.api, resource)
    except OperationError:
        raise UndoRefusedError(description=f"{history_id} ({record.tool}) cannot be undone automatically",
                               hint=NOT_REVERSIBLE) from None
    try:
        # a high-risk undo asks for the name the original plan asked for, not the history id
        plan = history.undo_plan(history_id, current, target_name=undo_target_name(record))
    except UndoRefused as refused:
        raise UndoRefusedError(description=refused.reason) from None
    return plan.model_copy(update={"undo_of": history_id})
