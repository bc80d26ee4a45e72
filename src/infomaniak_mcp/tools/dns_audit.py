"""Toolset `dns` (audit): find what is wrong or weak in one zone or every zone of the account.

`dns_audit_zones` gathers, concurrently and paced by the API client's rate limiter (never more
than 60 requests a minute; a bounded task group keeps at most `CONCURRENCY` requests in
flight): the organisations, their domains' v1 flags (served by Infomaniak?), the zones of each
domain (base and delegated, with DNSSEC state) and every zone's records (all pages). It reports
progress after each zone, then applies `domain.dns_audit` (checks, severities, fixes) with the
whole account as context: CNAME and MX targets and SPF includes are judged against every zone
of the account. A single-zone audit also loads the account zones its records point to.
Findings are listed most severe first, so the cut at `MAX_FINDINGS` drops the least severe; a
summary row names at most `MAX_NAMES` places and says how many more (`more`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.domain.models import DomainSummary
from infomaniak_mcp.api.errors import InfomaniakError, NotFoundError
from infomaniak_mcp.domain.dns_audit import (
    DEFAULT_TTL_THRESHOLD,
    AccountIndex,
    Finding,
    ZoneFacts,
    at_least,
    audit_zone,
    by_severity,
    cname_and_mx_targets,
    summarise,
)
from infomaniak_mcp.domain.dns_mailauth import parse_spf
from infomaniak_mcp.domain.dns_records import txt_value
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.common import AccountId, accounts_for
from infomaniak_mcp.tools.dns_common import short_error, unknown_zone, zone_arg

CONCURRENCY = 10
MAX_FINDINGS = 300
MAX_NAMES = 10


class CheckRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: str
    check: str
    count: int
    names: list[str]
    more: int = 0  # names left out of `names` (cut at MAX_NAMES)
    fix: str


class ZoneAudit(ToolOutput):
    zones: int
    summary: list[CheckRow]
    findings: list[str]
    hidden: int
    failed: list[str] = Field(default_factory=list)
    truncated: bool = False

    def to_text(self) -> str:
        lines = [f"Audited {self.zones} zone(s): {len(self.findings)} finding(s)"
                 + (f", {self.hidden} below min_severity" if self.hidden else "") + "."]
        lines += [f"- {r.severity.upper()} {r.check} ×{r.count}: {', '.join(r.names)}"
                  + (f" (+{r.more} more)" if r.more else "") + f" — {r.fix}" for r in self.summary]
        lines += [f"Could not read {item}" for item in self.failed]
        if self.truncated:
            lines.append(f"Findings cut at {MAX_FINDINGS}; audit one zone or raise min_severity.")
        return "\n".join(lines)


class _Gathered:
    def __init__(self) -> None:
        self.flags: dict[str, DomainSummary] = {}
        self.dnssec: dict[str, bool] = {}
        self.records: dict[str, list[DnsRecord]] = {}
        self.failed: dict[str, str] = {}
        self.missing: dict[str, NotFoundError] = {}  # zones whose records listing answered 404


async def _records(ctx: ToolContext, zone: str, found: _Gathered, limiter: anyio.CapacityLimiter) -> None:
    async with limiter:
        try:
            page = await ctx.api.dns.list_records(zone)
        except InfomaniakError as error:
            found.failed[zone] = short_error(error)
            if isinstance(error, NotFoundError):
                found.missing[zone] = error
            return
    found.records[zone] = list(page.items)
    if page.truncated:
        found.failed.setdefault(zone, "records cut at the safety cap; audited the first ones")


async def _zones_of(ctx: ToolContext, domain: str, found: _Gathered, limiter: anyio.CapacityLimiter) -> list[str]:
    async with limiter:
        try:
            page = await ctx.api.domain.list_zones(domain)
        except InfomaniakError as error:
            found.failed[domain] = short_error(error)
            return []
    for zone in page.items:
        found.dnssec[zone.fqdn.lower()] = zone.dnssec.is_enabled
    return [z.fqdn.lower() for z in page.items] or [domain]


def _owner(flags: dict[str, DomainSummary], zone: str) -> DomainSummary | None:
    best = None
    for name, item in flags.items():
        if (zone == name or zone.endswith("." + name)) and (best is None or len(name) > len(best.customer_name)):
            best = item
    return best


def _referenced(records: Sequence[DnsRecord]) -> set[str]:
    """Names a zone's records point to: CNAME/MX targets, SPF includes and redirects."""
    names = cname_and_mx_targets(records)
    for r in records:
        if r.type == "TXT":
            spf = parse_spf(txt_value(r.target))
            names.update(t.lower().rstrip(".") for t in [*spf.includes, *([spf.redirect] if spf.redirect else [])])
    return names


@tool(
    toolset="dns", read_only=True, title="Audit DNS zones",
    covers=("GET /2/zones/{zone}/records", "GET /2/domains/{domain}/zones"), core=False,
)
async def dns_audit_zones(
    ctx: ToolContext,
    zone: Annotated[str | None, Field(description="One zone; omit for all.", max_length=253)] = None,
    account_id: AccountId = None,
    min_severity: Annotated[Literal["high", "medium", "low", "info"], Field(description="Hide lower ones.")] = "low",
) -> ZoneAudit:
    """Audit one zone or all (MX, SPF, DMARC, DKIM, CAA, DNSSEC, wildcards, TTLs under 300 s, dangling CNAMEs,
    zones not served here): a summary by severity, with fixes."""
    single = zone_arg(zone) if zone is not None else None
    accounts = await accounts_for(ctx, account_id)
    found = _Gathered()
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def flags_of(account_id: int) -> None:
        async with limiter:
            for item in await ctx.api.domain.list_domains(account_id):
                found.flags[item.customer_name.lower()] = item

    async with anyio.create_task_group() as tg:
        for account in accounts:
            tg.start_soon(flags_of, account.id)
    index = AccountIndex(zones=set(found.flags))
    if single is not None:
        targets = [single]
    else:
        zone_lists: list[list[str]] = []

        async def collect(domain: str) -> None:
            zone_lists.append(await _zones_of(ctx, domain, found, limiter))

        async with anyio.create_task_group() as tg:
            for domain in sorted(found.flags):
                tg.start_soon(collect, domain)
        targets = sorted({z for zones in zone_lists for z in zones})
    index.zones.update(targets)
    total = len(targets)
    done = 0

    async def read(zone_name: str) -> None:
        nonlocal done
        await _records(ctx, zone_name, found, limiter)
        done += 1
        await ctx.progress(done, total, f"read {zone_name} ({done}/{total})")

    async with anyio.create_task_group() as tg:
        for zone_name in targets:
            tg.start_soon(read, zone_name)
    if single is not None and (missing := found.missing.get(single)) is not None:
        unknown = await unknown_zone(ctx, single, cause=missing, zones=sorted(found.flags))
        if unknown is not None:
            raise unknown
    if single is not None:
        await _single_zone_context(ctx, single, found, index, limiter)
    for zone_name, records in found.records.items():
        index.add(zone_name, records)
    findings: list[Finding] = []
    for zone_name in targets:
        if zone_name not in found.records:
            continue
        owner = _owner(found.flags, zone_name)
        flag = owner.has_dnssec if owner and zone_name == owner.customer_name else None
        facts = ZoneFacts(
            zone=zone_name,
            records=found.records[zone_name],
            dnssec=found.dnssec.get(zone_name, flag),
            served_here=owner.is_dns_managed_by_infomaniak if owner else None,
        )
        findings += audit_zone(facts, index, ttl_threshold=DEFAULT_TTL_THRESHOLD)
    shown = by_severity(at_least(findings, min_severity))  # most severe first: a cut drops the least severe
    rows = [
        CheckRow(severity=r.severity, check=r.check, count=r.count, names=r.names[:MAX_NAMES],
                 more=max(0, len(r.names) - MAX_NAMES), fix=r.fix)
        for r in summarise(shown)
    ]
    return ZoneAudit(
        zones=sum(1 for t in targets if t in found.records),
        summary=rows,
        findings=[f"{f.severity} {f.check}: {f.message}" for f in shown[:MAX_FINDINGS]],
        hidden=len(findings) - len(shown),
        failed=[f"{z}: {why}" for z, why in sorted(found.failed.items())],
        truncated=len(shown) > MAX_FINDINGS,
    )


async def _single_zone_context(
    ctx: ToolContext, zone: str, found: _Gathered, index: AccountIndex, limiter: anyio.CapacityLimiter
) -> None:
    """For a one-zone audit: its DNSSEC state, and the account zones its records point to."""
    owners = {index.zone_of(name) for name in _referenced(found.records.get(zone, []))}
    wanted = sorted(z for z in owners if z is not None and z != zone)

    async def dnssec() -> None:
        async with limiter:
            try:
                found.dnssec[zone] = (await ctx.api.dns.get_zone(zone)).dnssec.is_enabled
            except InfomaniakError as error:
                found.failed.setdefault(zone, short_error(error))

    async with anyio.create_task_group() as tg:
        tg.start_soon(dnssec)
        for other in wanted:
            tg.start_soon(_records, ctx, other, found, limiter)
    for other in wanted:
        found.failed.pop(other, None)  # context zones that fail only make the audit less sure
