"""Toolset `audit`: read the hash-chained audit log (`safety.audit`) of this installation.

Every write call leaves entries (`plan`, `apply_attempt`, `applied`, `failed`, `rejected`; reads
too when `INFOMANIAK_MCP_AUDIT_READS=1`). These tools only read them; `infomaniak-mcp audit verify`
checks the chain.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.safety.audit import AuditEntry, Phase
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool

Detail = Annotated[
    Literal["concise", "full"], Field(description="'full' adds each entry's arguments, error and hashes.")
]


class AuditRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int
    ts: str
    principal: str
    tool: str
    phase: str
    outcome: str
    summary: str | None = None
    resources: list[str] | None = None
    arguments: dict[str, Any] | None = None
    error: Any = None
    plan_fingerprint: str | None = None
    hash: str | None = None


class AuditEntries(ToolOutput):
    entries: list[AuditRow]
    count: int

    def to_text(self) -> str:
        if not self.entries:
            return "No matching audit entry."
        lines = [f"{self.count} audit entr{'y' if self.count == 1 else 'ies'}:"]
        for e in self.entries:
            summary = f": {e.summary}" if e.summary else ""
            lines.append(f"- #{e.seq} {e.ts} {e.principal} {e.tool} {e.phase}/{e.outcome}{summary}")
        return "\n".join(lines)


def _row(entry: AuditEntry, full: bool) -> AuditRow:
    row = AuditRow(
        seq=entry.seq,
        ts=entry.ts,
        principal=entry.principal,
        tool=entry.tool,
        phase=entry.phase,
        outcome=entry.outcome,
        summary=entry.summary or None,
        resources=entry.resources or None,
    )
    if full:
        row.arguments = entry.arguments
        row.error = entry.error
        row.plan_fingerprint = entry.plan_fingerprint
        row.hash = entry.hash
    return row


def _moment(value: str | None, field: str) -> _dt.datetime | None:
    if value is None:
        return None
    try:
        moment = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        problem = f"{value!r} is not an ISO 8601 time like 2026-05-01T12:00:00Z"
        raise InvalidArgumentError.for_field(field, problem) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


@tool(toolset="audit", read_only=True, title="Show the latest audit entries", requires_api=False)
async def audit_tail(
    ctx: ToolContext,
    n: Annotated[int, Field(description="How many of the latest entries.", ge=1, le=200)] = 20,
    detail: Detail = "concise",
) -> AuditEntries:
    """Show the latest entries of this server's audit log (oldest of them first): who planned, confirmed,
    applied or was refused which change. Use audit_search to filter."""
    audit = ctx.safety.audit
    entries = await anyio.to_thread.run_sync(lambda: audit.tail(n))
    rows = [_row(e, detail == "full") for e in entries]
    return AuditEntries(entries=rows, count=len(rows))


@tool(toolset="audit", read_only=True, title="Search the audit log", requires_api=False)
async def audit_search(
    ctx: ToolContext,
    tool: Annotated[
        str | None, Field(description="Only entries of this tool, e.g. dns_delete_record.", max_length=64)
    ] = None,
    phase: Annotated[Phase | None, Field(description="Only this phase.")] = None,
    outcome: Annotated[
        str | None, Field(description="Only this outcome, e.g. applied, declined, token_expired.", max_length=64)
    ] = None,
    since: Annotated[
        str | None, Field(description="From this time (ISO 8601, UTC if no offset).", max_length=40)
    ] = None,
    until: Annotated[str | None, Field(description="Up to this time (ISO 8601).", max_length=40)] = None,
    text: Annotated[
        str | None,
        Field(description="Case-insensitive text in the summary, arguments, resources or error.", max_length=200),
    ] = None,
    limit: Annotated[int, Field(description="At most this many entries (newest first).", ge=1, le=200)] = 50,
    detail: Detail = "concise",
) -> AuditEntries:
    """Search this server's audit log by tool, phase, outcome, time range and text; newest first."""
    start, stop = _moment(since, "since"), _moment(until, "until")
    audit = ctx.safety.audit
    entries = await anyio.to_thread.run_sync(
        lambda: audit.search(
            tool=tool, phase=phase, outcome=outcome, since=start, until=stop, text=text, limit=limit
        )
    )
    rows = [_row(e, detail == "full") for e in entries]
    return AuditEntries(entries=rows, count=len(rows))
