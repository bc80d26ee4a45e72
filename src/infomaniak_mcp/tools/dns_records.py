"""Toolset `dns` (records): one record in detail, and change sets.

- `dns_get_record` reads `GET /2/zones/{zone}/records/{record}?with=records_description`: the
  record, its target's parsed parts (MX/SRV priority, SRV weight and port, CAA tag…) and, for a
  TXT value split into 255-byte strings, the joined value.
- `dns_apply_changes` plans many creates/updates/deletes on one zone as ONE plan (validated as a
  whole by `domain.dns_changes`), applied in order deletes → updates → creates through the
  `dns.*` operations of `tools/dns.py`. The changes are a list, or a BIND zone file the zone must
  match (`domain.dns_zonefile.parse_zone_file` + `diff_zone`: `$ORIGIN`/`$TTL` understood,
  `$INCLUDE` refused, SOA and apex NS left to Infomaniak, records missing from the file kept
  unless `delete_missing`; what is skipped, adjusted or kept is listed at the top of the plan's
diff). If a step fails, the outcome is `partial`: the report lists what was
  applied and carries the compensating plan (`history_undo` on its history id confirms it).
- A `dns.*` step whose request got no answer in time is reconciled (`reconcile_*` below,
  `safety.executor.register_reconciler`): a create looks for the record it would have made (same
  name, type and target), an update re-reads the record's target and TTL, a delete checks that the
  record is gone; what was done is reported applied (and is undone by `history_undo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.errors import InvalidArgumentError, NotFoundError
from infomaniak_mcp.domain.dns_changes import ChangeRequest, ChangeSet, diff_zone, plan_change_set
from infomaniak_mcp.domain.dns_records import (
    RecordProblem,
    absolute_name,
    as_record,
    canonical_target,
    record_key,
    txt_value,
)
from infomaniak_mcp.domain.dns_zonefile import ParsedZone, parse_zone_file
from infomaniak_mcp.domain.products import iso_date
from infomaniak_mcp.safety.executor import NOT_APPLIED, ReconcileResult, StepResult, register_reconciler
from infomaniak_mcp.safety.inverse import dns_record_resource, dns_zone_resource
from infomaniak_mcp.safety.operations import OperationContext
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Step, diff_fields, fingerprint
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.dns_common import Zone, current_record, invalid, names_the_zone, other_zones, zone_arg

MAX_RECORDS = 5000
MAX_CHANGES = 200  # per plan, as the `changes` schema: ~3.5 min at the API's 60 requests/min
MAX_ZONE_FILE = 1_000_000
MAX_NOTES = 30  # lines per import note (skipped, adjusted, kept) in the plan's diff

RecordId = Annotated[int, Field(description="Record id, from dns_list_records.", ge=1)]


class RecordDetail(ToolOutput):
    id: int
    name: str
    fqdn: str
    type: str
    ttl: int
    target: str
    value: str | None = None
    parts: str | None = None
    updated_on: str | None = None

    def to_text(self) -> str:
        extra = f" ({self.parts})" if self.parts else ""
        value = f"\nValue: {self.value}" if self.value else ""
        return f"[{self.id}] {self.fqdn} {self.ttl} {self.type} {self.target}{extra}{value}"


def _parts(description: dict[str, Any] | None) -> str | None:
    """`{"priority": {"value": 10}, "port": {"value": 5060}}` → `priority 10, port 5060`."""
    out = []
    for key, item in (description or {}).items():
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, int | str) and not isinstance(value, bool):
            out.append(f"{key} {value}")
    return ", ".join(out) or None


@tool(toolset="dns", read_only=True, title="Get a DNS record", core=False)
@names_the_zone()
async def dns_get_record(ctx: ToolContext, zone: Zone, record_id: RecordId) -> RecordDetail:
    """Show one DNS record: target parts (priority, port, CAA tag), and a split TXT's joined value."""
    fqdn = zone_arg(zone)
    record = await current_record(ctx, fqdn, record_id, with_description=True)
    joined = txt_value(record.target) if record.type == "TXT" else None
    return RecordDetail(
        id=record.id,
        name=record.source,
        fqdn=record.source_idn or absolute_name(record.source, fqdn),
        type=record.type,
        ttl=record.ttl,
        target=record.target,
        value=joined if joined is not None and joined != record.target else None,
        parts=_parts(record.description),
        updated_on=iso_date(record.updated_at),
    )


# ---- change sets ---------------------------------------------------------------------------------
def record_value(record: DnsRecord) -> dict[str, Any]:
    """A record as plans, history and undo keep it (the API's object, nulls left out)."""
    return record.model_dump(mode="json", exclude_none=True)


async def zone_records(ctx: ToolContext, zone: str) -> list[DnsRecord]:
    page = await ctx.api.dns.list_records(zone, max_items=MAX_RECORDS)
    if page.truncated:
        raise InvalidArgumentError(
            code="zone_too_large",
            description=f"{zone} has more than {MAX_RECORDS} records; a change set needs the whole zone.",
            hint="Use dns_create_record / dns_update_record / dns_delete_record one record at a time.",
        )
    return list(page.items)


def zone_fingerprint(zone: str, records: Sequence[DnsRecord]) -> str:
    """The whole zone: a change set's validity (CNAME exclusivity, ids) depends on every record."""
    return fingerprint({"zone": zone, "records": sorted((record_value(r) for r in records), key=lambda v: v["id"])})


def too_many_changes(count: int, *, from_file: bool, delete_missing: bool) -> InvalidArgumentError:
    """More changes than one plan takes: how to split them (a zone file: in parts, deletions last)."""
    if not from_file:
        return InvalidArgumentError.for_field(
            "changes", f"{count} changes; at most {MAX_CHANGES} per plan: send them in calls of {MAX_CHANGES} or fewer"
        )
    error = InvalidArgumentError.for_field(
        "zone_file", f"matching this file takes {count} changes; at most {MAX_CHANGES} per plan"
    )
    last = (
        "then import the whole file once more with delete_missing true: only the deletions are left by then"
        if delete_missing else "then check the zone with dns_list_records"
    )
    error.hint = (
        f"Import the file in parts of at most {MAX_CHANGES} changes with delete_missing false (e.g. one record "
        f"type, or one subdomain's lines, per part; unchanged lines cost nothing), {last}. Nothing was changed."
    )
    return error


def change_set_plan(
    zone: str, records: Sequence[DnsRecord], changes: ChangeSet, *, what: str, from_file: bool = False,
    delete_missing: bool = False,
) -> Plan:
    """One plan for a validated change set (deletes → updates → creates), reversible step by step."""
    if len(changes.changes) > MAX_CHANGES:
        raise too_many_changes(len(changes.changes), from_file=from_file, delete_missing=delete_missing)
    by_id = {r.id: r for r in records}
    steps: list[Step] = []
    diff: list[DiffEntry] = []
    for change in changes.changes:
        if change.action == "create":
            assert change.after is not None
            spec = change.after
            label = f"{spec.fqdn(zone)} {spec.type} {spec.target} (TTL {spec.ttl})"
            steps.append(Step(operation="dns.create_record", params={"zone": zone, **spec.as_params()},
                              resource=dns_zone_resource(zone), description=f"Create {label}"))
            diff.append(DiffEntry(resource=f"{dns_zone_resource(zone)}/records/new", after=spec.as_params()))
            continue
        assert change.record_id is not None
        current = by_id[change.record_id]
        before = record_value(current)
        resource = dns_record_resource(zone, current.id)
        name = absolute_name(current.source, zone)
        if change.action == "delete":
            steps.append(Step(operation="dns.delete_record", params={"zone": zone, "record_id": current.id},
                              resource=resource, before=before,
                              description=f"Delete {name} {current.type} {current.target} [{current.id}]"))
            diff.append(DiffEntry(resource=resource, before=before, after=None))
            continue
        assert change.after is not None
        new = change.after
        steps.append(Step(operation="dns.update_record",
                          params={"zone": zone, "record_id": current.id, "target": new.target, "ttl": new.ttl},
                          resource=resource, before=before,
                          description=f"Set {name} {current.type} [{current.id}] to {new.target} (TTL {new.ttl})"))
        after = {**before, "target": new.target, "ttl": new.ttl}
        diff += diff_fields(resource, before, after, fields=("target", "ttl"))
    counts = changes.counts()
    parts = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    if changes.unchanged:
        parts += f"; {len(changes.unchanged)} already in place"
    if changes.kept:
        parts += f"; {len(changes.kept)} record(s) not in the file kept"
    destructive = counts["update"] + counts["delete"] > 0
    return Plan(
        summary=f"{what} in {zone}: {parts}",
        steps=steps,
        diff=diff,
        risk="high" if destructive else "low",
        target_name=zone,
        fingerprint=zone_fingerprint(zone, records),
        reversible=True,
    )


class RecordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["create", "update", "delete"]
    record_id: int | None = Field(default=None, description="update/delete")
    name: str | None = Field(default=None, description="create; '@' = apex")
    type: str | None = None
    target: str | None = Field(default=None, description="as for dns_create_record")
    ttl: int | None = None


@tool(
    toolset="dns", read_only=False, destructive=True, title="Apply DNS changes",
    covers=("POST /2/zones/{zone}/records", "PUT /2/zones/{zone}/records/{record}",
            "DELETE /2/zones/{zone}/records/{record}"),
)
@names_the_zone()
async def dns_apply_changes(
    ctx: ToolContext,
    zone: Zone,
    changes: Annotated[
        list[RecordChange] | None, Field(description="Changes, any order.", max_length=MAX_CHANGES)
    ] = None,
    zone_file: Annotated[str | None, Field(description="Or a zone file to match.", max_length=MAX_ZONE_FILE)] = None,
    delete_missing: Annotated[bool, Field(description="zone_file: delete records it lacks.")] = False,
) -> Plan:
    """Apply many record changes to one zone as one confirmed plan: creates/updates/deletes, or a BIND zone
    file to match. On a failure midway: what applied and the compensating plan. Undo: history_undo."""
    fqdn = zone_arg(zone)
    if (changes is None) == (zone_file is None):
        raise InvalidArgumentError.for_field("changes", "give either changes or zone_file")
    parsed = None
    if zone_file is not None:
        try:
            parsed = parse_zone_file(zone_file, fqdn)
        except RecordProblem as problem:
            raise invalid(problem) from None
    records = await zone_records(ctx, fqdn)
    try:
        if parsed is not None:
            change_set = diff_zone(fqdn, records, parsed.records, delete_missing=delete_missing)
        else:
            requests = [
                ChangeRequest(c.action, c.record_id, c.name, c.type, c.target, c.ttl)
                for c in changes or []
            ]
            others = await other_zones(ctx, fqdn, [r.name for r in requests if r.action == "create"])
            change_set = plan_change_set(fqdn, records, requests, other_zones=others)
    except RecordProblem as problem:
        raise invalid(problem) from None
    if not change_set.changes:  # not a mistake to fix: said as hosting_update_user says it (code nothing_to_change)
        what = "the zone file" if parsed is not None else "these changes"
        kept = f"; {len(change_set.kept)} record(s) not in the file kept" if change_set.kept else ""
        raise InvalidArgumentError(
            code="nothing_to_change",
            description=f"{fqdn} already matches {what}{kept}: nothing to change",
            hint="Nothing to do: the zone is already as asked (dns_list_records shows it); nothing was changed.",
        )
    if parsed is not None:
        plan = change_set_plan(fqdn, records, change_set, what="Import a zone file", from_file=True,
                               delete_missing=delete_missing)
        return import_notes(plan, fqdn, parsed, change_set)
    return change_set_plan(fqdn, records, change_set, what=f"Apply {len(change_set.changes)} change(s)")


def _few(items: Sequence[str], limit: int) -> list[str]:
    return list(items[:limit]) + ([f"… {len(items) - limit} more"] if len(items) > limit else [])


def import_notes(plan: Plan, zone: str, parsed: ParsedZone, change_set: ChangeSet) -> Plan:
    """What an import leaves out or changes besides its steps, at the top of the diff: lines of the file
    not imported (SOA, apex NS, names outside, types the API cannot write), TTLs moved into the API's
    bounds, and records of the zone the file lacks (kept unless delete_missing); counts in the summary."""
    notes = [
        (field, items, outcome)
        for field, items, outcome in (
            ("skipped", parsed.skipped, "not imported"),
            ("adjusted", parsed.adjusted, "imported with this TTL"),
            ("kept", change_set.kept, "kept: not in the file (delete_missing deletes them)"),
        )
        if items
    ]
    resource = f"{dns_zone_resource(zone)}/zonefile"
    entries = [DiffEntry(resource=resource, field=f, before=_few(items, MAX_NOTES), after=o) for f, items, o in notes]
    extra = [f"{len(parsed.skipped)} line(s) skipped"] if parsed.skipped else []
    extra += [f"{len(parsed.adjusted)} TTL(s) adjusted"] if parsed.adjusted else []
    summary = plan.summary + ("; " + "; ".join(extra) if extra else "")
    return plan.model_copy(update={"summary": summary, "diff": entries + plan.diff})


# ---- reconciling a step whose request got no answer (safety.executor) ------------------------------
def _same_target(rtype: str, one: Any, other: Any) -> bool:
    return canonical_target(rtype, str(one)) == canonical_target(rtype, str(other))


async def reconcile_create(op: OperationContext, step: Step) -> ReconcileResult:
    """The record the create would have made (same name, type, target; the newest), or NOT_APPLIED."""
    params = step.params
    zone, wanted = params["zone"], record_key(as_record(params))
    page = await op.api.dns.list_records(zone, max_items=MAX_RECORDS)
    found = [r for r in page.items if record_key(r) == wanted]
    if not found:
        return None if page.truncated else NOT_APPLIED
    record = max(found, key=lambda r: r.id)
    return StepResult(resource=dns_record_resource(zone, record.id), after=record_value(record), data={"id": record.id})


async def reconcile_update(op: OperationContext, step: Step) -> ReconcileResult:
    """Applied when the record has the new target and TTL, not applied when it still has the old ones."""
    params = step.params
    zone, record_id = params["zone"], int(params["record_id"])
    try:
        record = await op.api.dns.get_record(zone, record_id)
    except NotFoundError:
        return None  # gone: someone else deleted it
    if _same_target(record.type, record.target, params["target"]) and record.ttl == params["ttl"]:
        return StepResult(resource=dns_record_resource(zone, record.id), after=record_value(record))
    before = step.before if isinstance(step.before, dict) else {}
    if _same_target(record.type, record.target, before.get("target")) and record.ttl == before.get("ttl"):
        return NOT_APPLIED
    return None


async def reconcile_delete(op: OperationContext, step: Step) -> ReconcileResult:
    """Applied when the record is gone, not applied when it is still there."""
    zone, record_id = step.params["zone"], int(step.params["record_id"])
    try:
        await op.api.dns.get_record(zone, record_id)
    except NotFoundError:
        return StepResult(resource=dns_record_resource(zone, record_id), after=None)
    return NOT_APPLIED


def _check_by_hand(step: Step) -> str:
    return (
        f"It may have gone through: call dns_list_records (zone {step.params.get('zone')}) to see whether "
        f"'{step.description}' happened before retrying or undoing."
    )


for _operation, _reconciler in (
    ("dns.create_record", reconcile_create),
    ("dns.update_record", reconcile_update),
    ("dns.delete_record", reconcile_delete),
):
    register_reconciler(_operation, _reconciler, hint=_check_by_hand)
