"""Toolset `dns`: DNS zones and records (`/2/zones/{zone}/records`, official spec domain_zones).

Reads: `dns_list_records`. Writes (`dns_create_record`, `dns_update_record`, `dns_delete_record`)
only read and return a `Plan`; the server confirms and applies it through the `dns.*` operations
registered at the end of this module (see docs/writing-tools.md). Record rules come from
`domain/dns_records.py`; inverses (undo) from `safety/inverse.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.errors import InvalidArgumentError, NotFoundError
from infomaniak_mcp.domain.dns_mailauth import mail_auth_problems
from infomaniak_mcp.domain.dns_records import (
    TTL_MAX,
    TTL_MIN,
    RecordProblem,
    absolute_name,
    check_ttl,
    check_zone_rules,
    normalise_target,
    raise_problems,
    validate_record,
)
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.inverse import RecordGone, dns_record_resource, dns_zone_resource
from infomaniak_mcp.safety.operations import OperationContext, operation, resource_reader
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Step, diff_fields, fingerprint
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.dns_common import Zone, current_record, invalid, names_the_zone, other_zones, zone_arg

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

# Types the API accepts on create (spec enum) plus those listings also show (facts §5.6).
RecordType = Literal[
    "A", "AAAA", "CAA", "CNAME", "DNAME", "DNSKEY", "DS", "MX", "NS", "PTR", "SMIMEA", "SOA", "SRV",
    "SSHFP", "TLSA", "TXT",
]
MAX_RECORDS = 5000


def relative_name(name: str, zone: str) -> str:
    """`www`, `www.example.ch`, `www.example.ch.` → `www`; `@`, `.`, the zone itself → `.` (apex)."""
    value = name.strip().lower().rstrip(".")
    if value in ("", "@", zone):
        return "."
    suffix = "." + zone
    return value[: -len(suffix)] if value.endswith(suffix) else value


class RecordRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str = Field(description="Relative to the zone; '.' is the apex.")
    type: str
    ttl: int
    target: str
    fqdn: str | None = None
    updated_at: int | None = None


def record_row(record: DnsRecord, zone: str, *, full: bool) -> RecordRow:
    row = RecordRow(id=record.id, name=record.source, type=record.type, ttl=record.ttl, target=record.target)
    if full:
        row.fqdn = record.source_idn or (zone if record.source == "." else f"{record.source}.{zone}")
        row.updated_at = record.updated_at
    return row


class RecordList(ToolOutput):
    zone: str
    records: list[RecordRow]
    count: int
    by_type: dict[str, int]
    truncated: bool = Field(description="True when the zone has more records than the safety cap returned.")

    def to_text(self) -> str:
        cut = " (cut at the cap; filter by type or name)" if self.truncated else ""
        head = f"{self.count} record(s) in {self.zone}{cut}"
        lines = [head + ":"]
        lines += [f"- [{r.id}] {r.name} {r.ttl} {r.type} {r.target}" for r in self.records]
        return "\n".join(lines)


@tool(toolset="dns", read_only=True, title="List DNS records", covers=("GET /2/zones/{zone}/records",))
@names_the_zone()
async def dns_list_records(
    ctx: ToolContext,
    zone: Zone,
    type: Annotated[RecordType | None, Field(description="Only records of this type.")] = None,
    name: Annotated[
        str | None,
        Field(description="Only records named so: 'www', 'www.example.ch', or '.'/'@' for the apex.", max_length=253),
    ] = None,
    detail: Annotated[
        Literal["concise", "full"], Field(description="'full' adds each record's FQDN and last update.")
    ] = "concise",
) -> RecordList:
    """List every record of a DNS zone (all pages), optionally only one type and/or one name. Record ids
    in the result are what record update/delete tools take."""
    fqdn = zone_arg(zone)
    page = await ctx.api.dns.list_records(fqdn, types=[type] if type else None, max_items=MAX_RECORDS)
    wanted = relative_name(name, fqdn) if name is not None else None
    records = [
        r
        for r in page.items
        if (type is None or r.type == type) and (wanted is None or r.source.lower() == wanted)
    ]
    records.sort(key=lambda r: (r.source != ".", r.source, r.type, r.id))
    counts: dict[str, int] = {}
    for r in records:
        counts[r.type] = counts.get(r.type, 0) + 1
    return RecordList(
        zone=fqdn,
        records=[record_row(r, fqdn, full=detail == "full") for r in records],
        count=len(records),
        by_type=dict(sorted(counts.items())),
        truncated=page.truncated,
    )


# ---- writes: plans only; the server confirms, applies (operations below), audits, records history ----

WritableType = Literal["A", "AAAA", "CAA", "CNAME", "DNAME", "DS", "MX", "NS", "SMIMEA", "SRV", "SSHFP", "TLSA", "TXT"]
RecordId = Annotated[int, Field(description="Record id, from dns_list_records.", ge=1)]
Ttl = Annotated[int, Field(description="Time to live in seconds (60–86400).", ge=TTL_MIN, le=TTL_MAX)]
Priority = Annotated[
    int | None,
    Field(description="MX/SRV priority, when not already written at the start of target.", ge=0, le=65535),
]


def record_value(record: DnsRecord) -> dict[str, Any]:
    """A record as plans, history and undo keep it (the API's object, nulls left out)."""
    return record.model_dump(mode="json", exclude_none=True)


def _same_name(records: list[DnsRecord], source: str) -> list[DnsRecord]:
    return sorted((r for r in records if r.source.lower() == source), key=lambda r: r.id)


def _check_rules(zone: str, before: list[Any], after: list[Any]) -> None:
    """The records at one name after the write (CNAME alone, no duplicate, sound SPF/DMARC)."""
    try:
        check_zone_rules(after)
        raise_problems(mail_auth_problems(zone, before, after))
    except RecordProblem as problem:
        raise invalid(problem) from None


@tool(
    toolset="dns", read_only=False, destructive=False, title="Create a DNS record",
    covers=("POST /2/zones/{zone}/records",),
)
@names_the_zone()
async def dns_create_record(
    ctx: ToolContext,
    zone: Zone,
    type: Annotated[WritableType, Field(description="Record type.")],
    target: Annotated[
        str,
        Field(description="Value: an IP for A/AAAA, a host for CNAME/NS, '10 mail.example.ch' for MX, text for "
              "TXT…", min_length=1, max_length=4096),
    ],
    name: Annotated[
        str, Field(description="Record name: 'www', 'www.example.ch', or '.'/'@' for the apex.", max_length=253)
    ] = ".",
    ttl: Ttl = 3600,
    priority: Priority = None,
) -> Plan:
    """Add a record to a DNS zone (the zone's other records are kept). Plans the change; the server asks
    for confirmation before anything is created. Undo with history_undo."""
    fqdn = zone_arg(zone)
    others = await other_zones(ctx, fqdn, [name])
    try:
        spec = validate_record(fqdn, type=type, name=name, target=target, ttl=ttl, priority=priority,
                               other_zones=others)
    except RecordProblem as problem:
        raise invalid(problem) from None
    page = await ctx.api.dns.list_records(fqdn, max_items=MAX_RECORDS)
    neighbours = _same_name(page.items, spec.source)
    _check_rules(fqdn, neighbours, [*neighbours, spec])
    params = {"zone": fqdn, **spec.as_params()}
    label = f"{spec.fqdn(fqdn)} {spec.type} {spec.target} (TTL {spec.ttl})"
    return Plan(
        summary=f"Create the DNS record {label} in {fqdn}",
        steps=[
            Step(
                operation="dns.create_record",
                params=params,
                resource=dns_zone_resource(fqdn),
                description=f"Create {label}",
            )
        ],
        diff=[DiffEntry(resource=f"{dns_zone_resource(fqdn)}/records/new", after=spec.as_params())],
        risk="low",
        fingerprint=fingerprint({"zone": fqdn, "same_name": [record_value(r) for r in neighbours]}),
        reversible=True,
    )


@tool(
    toolset="dns", read_only=False, destructive=True, title="Update a DNS record",
    covers=("PUT /2/zones/{zone}/records/{record}",),
)
@names_the_zone()
async def dns_update_record(
    ctx: ToolContext,
    zone: Zone,
    record_id: RecordId,
    target: Annotated[
        str | None, Field(description="New value (same format as dns_create_record); omit to keep it.", max_length=4096)
    ] = None,
    ttl: Annotated[int | None, Field(description="New TTL in seconds (60–86400); omit to keep it.", ge=TTL_MIN,
                                     le=TTL_MAX)] = None,
    priority: Priority = None,
) -> Plan:
    """Change the value and/or TTL of one DNS record (its name and type stay). The plan shows the current
    record next to the new values; the server asks for confirmation. Undo with history_undo."""
    fqdn = zone_arg(zone)
    if target is None and ttl is None:
        raise InvalidArgumentError.for_field("target", "give a new target and/or a new ttl")
    current = await current_record(ctx, fqdn, record_id)
    try:
        new_target = normalise_target(current.type, target, priority=priority) if target is not None else current.target
        new_ttl = check_ttl(ttl) if ttl is not None else current.ttl
    except RecordProblem as problem:
        raise invalid(problem) from None
    before = record_value(current)
    after = {**before, "target": new_target, "ttl": new_ttl}
    diff = diff_fields(dns_record_resource(fqdn, record_id), before, after, fields=("target", "ttl"))
    if not diff:
        raise InvalidArgumentError(
            code="nothing_to_change", description=f"record {record_id} already has this target and TTL",
            hint="Nothing to do: the record is already as asked; nothing was changed.",
        )
    page = await ctx.api.dns.list_records(fqdn, max_items=MAX_RECORDS)
    updated = current.model_copy(update={"target": new_target, "ttl": new_ttl})
    neighbours = _same_name(page.items, current.source.lower())
    _check_rules(fqdn, neighbours, [*(r for r in neighbours if r.id != record_id), updated])
    name = absolute_name(current.source, fqdn)
    label = f"{name} {current.type} {current.target} (TTL {current.ttl})"
    return Plan(
        summary=f"Update the DNS record {label} [{record_id}] in {fqdn}",
        steps=[
            Step(
                operation="dns.update_record",
                params={"zone": fqdn, "record_id": record_id, "target": new_target, "ttl": new_ttl},
                resource=dns_record_resource(fqdn, record_id),
                description=f"Set {name} {current.type} [{record_id}] to {new_target} (TTL {new_ttl})",
                before=before,
            )
        ],
        diff=diff,
        risk="high" if current.type == "NS" else "low",
        target_name=name,
        fingerprint=fingerprint({"zone": fqdn, "record": before}),
        reversible=True,
    )


@tool(
    toolset="dns", read_only=False, destructive=True, title="Delete a DNS record",
    covers=("DELETE /2/zones/{zone}/records/{record}",),
)
@names_the_zone()
async def dns_delete_record(ctx: ToolContext, zone: Zone, record_id: RecordId) -> Plan:
    """Delete one DNS record (ids from dns_list_records). The plan shows the record; a human confirms by
    typing its name. Undo with history_undo (re-creates it with the same values)."""
    fqdn = zone_arg(zone)
    current = await current_record(ctx, fqdn, record_id)
    before = record_value(current)
    name = absolute_name(current.source, fqdn)
    label = f"{name} {current.type} {current.target} (TTL {current.ttl})"
    resource = dns_record_resource(fqdn, record_id)
    return Plan(
        summary=f"Delete the DNS record {label} [{record_id}] from {fqdn}",
        steps=[
            Step(
                operation="dns.delete_record",
                params={"zone": fqdn, "record_id": record_id},
                resource=resource,
                description=f"Delete {label}",
                before=before,
            )
        ],
        diff=[DiffEntry(resource=resource, before=before, after=None)],
        risk="high",
        target_name=name,
        fingerprint=fingerprint({"zone": fqdn, "record": before}),
        reversible=True,
    )


@operation("dns.create_record")
async def _apply_create_record(op: OperationContext, params: dict[str, Any]) -> StepResult:
    zone = params["zone"]
    record = await op.api.dns.create_record(
        zone, type=params["type"], target=params["target"], ttl=params["ttl"], source=params["source"]
    )
    return StepResult(resource=dns_record_resource(zone, record.id), after=record_value(record), data={"id": record.id})


@operation("dns.update_record")
async def _apply_update_record(op: OperationContext, params: dict[str, Any]) -> StepResult:
    zone = params["zone"]
    record = await op.api.dns.update_record(zone, int(params["record_id"]), target=params["target"], ttl=params["ttl"])
    return StepResult(resource=dns_record_resource(zone, record.id), after=record_value(record))


@operation("dns.delete_record")
async def _apply_delete_record(op: OperationContext, params: dict[str, Any]) -> StepResult:
    zone, record_id = params["zone"], int(params["record_id"])
    await op.api.dns.delete_record(zone, record_id)
    return StepResult(resource=dns_record_resource(zone, record_id), after=None)


@resource_reader("dns", r"^dns:(?P<zone>[^/]+)/records/(?P<record_id>\d+)$")
async def _read_record(api: InfomaniakApi, zone: str, record_id: str) -> dict[str, Any] | RecordGone | None:
    """The record; when it is gone, `RecordGone` with the zone's records (undoing a deletion checks that
    its name is still free); None when the zone is gone too."""
    try:
        return record_value(await api.dns.get_record(zone, int(record_id)))
    except NotFoundError:
        pass
    try:
        page = await api.dns.list_records(zone, max_items=MAX_RECORDS)
    except NotFoundError:
        return None
    fields = ("id", "source", "type", "target", "ttl")
    return RecordGone(tuple({k: getattr(r, k) for k in fields} for r in page.items))
