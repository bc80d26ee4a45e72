"""Toolset `dns`: DNS zones and records (`/2/zones/{zone}/records`, official spec domain_zones)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool

# Types the API accepts on create (spec enum) plus those listings also show (facts §5.6).
RecordType = Literal[
    "A", "AAAA", "CAA", "CNAME", "DNAME", "DNSKEY", "DS", "MX", "NS", "PTR", "SMIMEA", "SOA", "SRV",
    "SSHFP", "TLSA", "TXT",
]
MAX_RECORDS = 5000
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_ZONE_RE = re.compile(rf"^({_LABEL}\.)+[a-z][a-z0-9-]{{1,62}}$")

Zone = Annotated[
    str,
    Field(
        description="Zone name = the domain, e.g. example.ch (from account_list_products kind=domain).",
        min_length=3,
        max_length=253,
    ),
]


def normalise_zone(zone: str) -> str:
    """Lower-case, strip the trailing dot and IDN-encode; refuse what is not a domain name."""
    value = zone.strip().rstrip(".").lower()
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidArgumentError.for_field("zone", f"{zone!r} is not a valid domain name") from None
    if not _ZONE_RE.match(value):
        raise InvalidArgumentError.for_field("zone", f"{zone!r} is not a domain name like example.ch")
    return value


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


@tool(toolset="dns", read_only=True, title="List DNS records")
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
    fqdn = normalise_zone(zone)
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
