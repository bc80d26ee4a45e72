"""Toolset `domain`: domain names — inventory and expiry, detail, nameservers, DNSSEC.

Reads: `domain_list_domains` (v2 `/2/domains/domains` for dates, v1 `/1/domain/account/{id}`
for the DNS/DNSSEC flags, one organisation or all), `domain_get_domain` (v2 detail, v1 flags,
zones, DNSSEC check, linked products, and the delegation as the DNS shows it).

Write: `domain_set_delegation` plans nameserver and/or DNSSEC changes (operations
`domain.set_nameservers`, `domain.enable_dnssec`, `domain.disable_dnssec`, registered below with
their inverses and resource readers). The API has no route that returns a domain's current
nameservers: the plan records them from the live delegation (public DNS; the sandbox responder
in sandbox mode), or as "Infomaniak's" when the registry flag says so. Undo needs that list;
when it is unknown the plan says it is not reversible. Switching DNSSEC off runs before a
nameserver move, switching it on after, so the DS at the registry never points at a zone that
the new nameservers do not sign. A move of a signed domain to or from Infomaniak's nameservers
switches DNSSEC off first even unasked (the keys cannot follow; the plan says why and how to
switch it on again); between other nameservers the caller decides (`dnssec`). The plan's
fingerprint binds the registry's state only (what public DNS answers is volatile); undo compares
the nameservers DNS shows now with the ones before and after the change (`_NameserversInverse`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from pydantic import Field

from infomaniak_mcp.api.core.models import Account, Product
from infomaniak_mcp.api.domain.models import DnssecStatus, Domain, DomainSummary, DomainZone
from infomaniak_mcp.api.errors import InfomaniakError, InvalidArgumentError, NotFoundError
from infomaniak_mcp.domain.dns_records import RecordProblem
from infomaniak_mcp.domain.domains import (
    INFOMANIAK_NAMESERVERS,
    DomainRow,
    dnssec_warnings,
    domain_row,
    idn_name,
    is_infomaniak_ns,
    normalise_nameservers,
    sort_domains,
)
from infomaniak_mcp.domain.products import DAY, days_left, iso_date
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.inverse import NotReversible, register_inverse
from infomaniak_mcp.safety.operations import OperationContext, operation, resource_reader
from infomaniak_mcp.safety.plan import AppliedStep, DiffEntry, Plan, Step, fingerprint
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.common import AccountId, accounts_for
from infomaniak_mcp.tools.dns_common import (
    DnsServers,
    DomainName,
    dns_servers,
    invalid,
    live_query,
    servers_for,
    unknown_zone,
    zone_arg,
)

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

MAX_DOMAINS = 5000



async def domain_flags_by_account(ctx: ToolContext, accounts: list[Account]) -> dict[int, list[DomainSummary]]:
    """v1 flags of every domain of each organisation (one request per organisation, concurrent)."""
    found: dict[int, list[DomainSummary]] = {}

    async def fetch(account: Account) -> None:
        found[account.id] = await ctx.api.domain.list_domains(account.id)

    async with anyio.create_task_group() as tg:
        for account in accounts:
            tg.start_soon(fetch, account)
    return found


class DomainList(ToolOutput):
    domains: list[DomainRow]
    count: int
    truncated: bool

    def to_text(self) -> str:
        lines = [f"{self.count} domain(s)" + (" (list cut; narrow the filters)" if self.truncated else "") + ":"]
        for d in self.domains:
            flags = [f for f, on in (("DNS elsewhere", d.dns_here is False), ("DNSSEC", d.dnssec)) if on]
            expiry = f", expires {d.expires_on} ({d.days_left} d)" if d.expires_on else ""
            name = f"{d.name} ({d.idn})" if d.idn else d.name
            lines.append(f"- {name} — org {d.account_id}{expiry}" + (f" [{', '.join(flags)}]" if flags else ""))
        if self.truncated and len(self.domains) < self.count:
            lines.append(f"Showing {len(self.domains)} of {self.count}; filter by account_id or expiring_within_days.")
        return "\n".join(lines)


@tool(toolset="domain", read_only=True, title="List domains")
async def domain_list_domains(
    ctx: ToolContext,
    account_id: AccountId = None,
    expiring_within_days: Annotated[
        int | None, Field(description="Only those expiring within N days (or expired).", ge=0, le=3650)
    ] = None,
    limit: Annotated[int, Field(description="Maximum rows.", ge=1, le=1000)] = 200,
) -> DomainList:
    """List the domains of one or every organisation, soonest expiry first (all pages): dates, DNS served
    by Infomaniak (dns_here), DNSSEC."""
    accounts = await accounts_for(ctx, account_id)
    now = ctx.clock()
    before = int(now + (expiring_within_days + 1) * DAY) if expiring_within_days is not None else None
    pages: dict[int, tuple[list[Domain], bool]] = {}
    flags: dict[str, DomainSummary] = {}

    async def fetch(account: Account) -> None:
        page = await ctx.api.domain.list_domains_v2(account_id=account.id, expires_before=before, max_items=MAX_DOMAINS)
        pages[account.id] = (list(page.items), page.truncated)

    async def fetch_flags(account: Account) -> None:
        for item in await ctx.api.domain.list_domains(account.id):
            flags[item.customer_name.lower()] = item

    async with anyio.create_task_group() as tg:
        for account in accounts:
            tg.start_soon(fetch, account)
            tg.start_soon(fetch_flags, account)
    rows = [
        domain_row(d, flags.get(d.name.lower()), account.id, now) for account in accounts for d in pages[account.id][0]
    ]
    if expiring_within_days is not None:
        rows = [r for r in rows if r.days_left is not None and r.days_left <= expiring_within_days]
    rows = sort_domains(rows, "expiry")
    capped = any(cut for _, cut in pages.values())
    cut = len(rows) > limit
    return DomainList(
        domains=rows[:limit],
        count=len(rows),
        truncated=cut or capped,
    )


class DomainDetail(ToolOutput):
    name: str
    account_id: int | None = None
    created_on: str | None = None
    expires_on: str | None = None
    days_left: int | None = None
    status: list[str]
    dns_here: bool | None = None
    nameservers: list[str]
    dnssec: bool | None = None
    ds: list[str]
    zones: list[str]
    products: list[str]
    owner: str | None = None
    idn: str | None = None
    has_error: bool | None = None
    warnings: list[str]

    def to_text(self) -> str:
        name = f"{self.name} ({self.idn})" if self.idn else self.name
        lines = [f"{name} (org {self.account_id}): created {self.created_on}, expires {self.expires_on} "
                 f"({self.days_left} d); status {', '.join(self.status) or '-'}; owner {self.owner or '-'}."]
        where = "Infomaniak" if self.dns_here else ("elsewhere" if self.dns_here is False else "unknown")
        lines.append(f"DNS served by {where}; nameservers in DNS: {', '.join(self.nameservers) or 'not resolved'}.")
        ds = f"; DS {'; '.join(self.ds)}" if self.ds else ""
        lines.append(f"DNSSEC: {'on' if self.dnssec else 'off'}{ds}.")
        if self.zones:
            lines.append("Zones: " + ", ".join(self.zones))
        if self.products:
            lines.append("Products: " + ", ".join(self.products))
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _owner(domain: Domain) -> str | None:
    owner = domain.contacts.owner or {}
    company = owner.get("company")
    person = " ".join(str(owner.get(k) or "") for k in ("first_name", "last_name")).strip()
    return str(company) if company else (person or None)


def _linked(products: list[Product], name: str) -> list[str]:
    """Products on the domain or a subdomain (mail hosting, VPS…), as 'name (kind, id)'."""
    out = []
    for p in products:
        names = {(p.customer_name or "").lower(), (p.fqdn or "").lower()}
        if p.service_name == "domain" and name in names:
            continue
        if any(n == name or n.endswith("." + name) for n in names if n):
            out.append(f"{p.customer_name or p.fqdn} ({p.service_name}, id {p.id})")
    return sorted(out)


async def delegation(ctx: ToolContext, name: str) -> tuple[list[str], str | None]:
    """The domain's NS as public resolvers answer now, or ([], why not)."""
    try:
        servers = await dns_servers(ctx)
    except InfomaniakError as error:
        return [], f"nameservers not checked in DNS: {error.description}"
    return await _ns_in_dns(servers, name)


async def _ns_in_dns(servers: DnsServers, name: str) -> tuple[list[str], str | None]:
    answer = await live_query(servers.public[0], name, "NS", recursive=True, wait=2.0)
    if answer.values:
        return sorted(v.rstrip(".") for v in answer.values), None
    return [], f"nameservers not resolved in DNS ({answer.error or answer.rcode})"


class _Found:
    """What domain_get_domain gathers concurrently (a read that 404s leaves its slot empty)."""

    def __init__(self) -> None:
        self.domain: Domain | None = None
        self.summary: DomainSummary | None = None
        self.zone_list: list[DomainZone] = []
        self.check: DnssecStatus | None = None
        self.nameservers: list[str] = []
        self.problems: list[str] = []

    async def detail(self, ctx: ToolContext, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.domain = await ctx.api.domain.get_domain(name)

    async def flags(self, ctx: ToolContext, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.summary = await ctx.api.domain.get_domain_flags(name)

    async def zones(self, ctx: ToolContext, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.zone_list = list((await ctx.api.domain.list_zones(name)).items)

    async def dnssec(self, ctx: ToolContext, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.check = await ctx.api.domain.check_dnssec(name)

    async def delegation(self, ctx: ToolContext, name: str) -> None:
        self.nameservers, problem = await delegation(ctx, name)
        if problem:
            self.problems.append(problem)


@tool(toolset="domain", read_only=True, title="Get a domain")
async def domain_get_domain(ctx: ToolContext, domain: DomainName) -> DomainDetail:
    """Show one domain: dates, EPP status, owner, DNS served here?, nameservers seen in DNS, DNSSEC and DS,
    zones, linked products, warnings."""
    name = zone_arg(domain, "domain")
    found = _Found()
    async with anyio.create_task_group() as tg:
        tg.start_soon(found.detail, ctx, name)
        tg.start_soon(found.flags, ctx, name)
        tg.start_soon(found.zones, ctx, name)
        tg.start_soon(found.dnssec, ctx, name)
        tg.start_soon(found.delegation, ctx, name)
    detail, flags, check = found.domain, found.summary, found.check
    if detail is None:
        raise await _unknown_domain(ctx, name)
    warnings = list(found.problems)
    nameservers = found.nameservers
    products: list[str] = []
    if flags is not None and flags.account_id is not None:
        page = await ctx.api.core.list_products(account_id=flags.account_id)
        products = _linked(list(page.items), name)
    dns_here = flags.is_dns_managed_by_infomaniak if flags else None
    if nameservers and dns_here is not None and is_infomaniak_ns(nameservers) != dns_here:
        warnings.append("the DNS delegation and the registry flag disagree (a nameserver change in progress?)")
    ds = [
        " ".join(str(x) for x in (d.key, d.algorithm, d.digest_type, d.digest) if x not in (None, ""))
        for d in (check.dnssec_data if check else [])
    ]
    zones = [z.fqdn + (" (DNSSEC)" if z.dnssec.is_enabled else "") for z in found.zone_list]
    now = ctx.clock()
    if flags and flags.has_error:
        warnings.append("the registry reports an error on this domain (see the Manager)")
    if flags and flags.is_dnssec_pending:
        warnings.append("a DNSSEC change is pending at the registry")
    return DomainDetail(
        name=detail.name,
        account_id=flags.account_id if flags else None,
        created_on=iso_date(detail.created_at),
        expires_on=iso_date(detail.expires_at),
        days_left=days_left(detail.expires_at, now),
        status=detail.status,
        dns_here=dns_here,
        nameservers=nameservers,
        dnssec=check.has_dnssec if check is not None else detail.options.dnssec,
        ds=ds,
        zones=zones,
        owner=_owner(detail),
        products=products,
        idn=idn_name(detail.name, flags),
        has_error=flags.has_error if flags else None,
        warnings=warnings,
    )


async def _unknown_domain(ctx: ToolContext, name: str) -> NotFoundError:
    """`domain` names no domain the API shows: the closest names of the account, domain_list_domains."""
    return await unknown_zone(ctx, name, "domain") or NotFoundError(
        status=404, description=f"domain: {name} not found", hint="domain_list_domains lists the account's domains."
    )


# ---- writes: nameservers and DNSSEC (plans only; the server confirms and applies) -------------------
def nameservers_resource(domain: str) -> str:
    return f"domain:{domain}/nameservers"


def dnssec_resource(domain: str) -> str:
    return f"domain:{domain}/dnssec"


def _ds_lines(check: DnssecStatus | None) -> list[str]:
    return [
        " ".join(str(x) for x in (d.key, d.algorithm, d.digest_type, d.digest) if x not in (None, ""))
        for d in (check.dnssec_data if check else [])
    ]


def _ns_state(use_infomaniak: bool, nameservers: Sequence[str]) -> dict[str, Any]:
    return {"use_infomaniak_ns": use_infomaniak, "nameservers": sorted(nameservers)}


def _ns_step(name: str, before: dict[str, Any], use_infomaniak: bool, servers: list[str]) -> Step:
    params: dict[str, Any] = {"domain": name}
    if use_infomaniak:
        params["use_infomaniak_ns"] = True
        what = "Infomaniak's nameservers (" + ", ".join(INFOMANIAK_NAMESERVERS) + ")"
    else:
        params["nameservers"] = servers
        what = ", ".join(servers)
    return Step(operation="domain.set_nameservers", params=params, resource=nameservers_resource(name),
                description=f"Delegate {name} to {what}", before=before)


def _dnssec_step(name: str, enable: bool, before: dict[str, Any], ds: list[str], warnings: list[str]) -> Step:
    params: dict[str, Any] = {"domain": name}
    if enable and ds:
        params["dnssec_data"] = ds
    verb = "Enable" if enable else "Disable"
    return Step(operation=f"domain.{verb.lower()}_dnssec", params=params, resource=dnssec_resource(name),
                description=f"{verb} DNSSEC for {name}. " + " ".join(warnings), before=before)


@tool(
    toolset="domain", read_only=False, destructive=True, title="Set domain delegation",
    covers=("PUT /2/domains/{domain}/nameservers", "POST /2/domains/{domain}/dnssec/enable",
            "POST /2/domains/{domain}/dnssec/disable"), core=False,
)
async def domain_set_delegation(
    ctx: ToolContext,
    domain: DomainName,
    nameservers: Annotated[list[str] | None, Field(description="New nameservers (2+).", max_length=13)] = None,
    use_infomaniak: Annotated[bool, Field(description="Back to Infomaniak's.")] = False,
    dnssec: Annotated[bool | None, Field(description="DNSSEC on/off.")] = None,
    ds_records: Annotated[list[str] | None, Field(description="DS data, if other nameservers.")] = None,
) -> Plan:
    """Change a domain's delegation at the registry: nameservers (a list, or back to Infomaniak's) and/or DNSSEC;
    the plan warns about the DS record. Undo: history_undo."""
    name = zone_arg(domain, "domain")
    if nameservers is not None and use_infomaniak:
        raise InvalidArgumentError.for_field("nameservers", "give nameservers or use_infomaniak, not both")
    if nameservers is None and not use_infomaniak and dnssec is None:
        raise InvalidArgumentError.for_field("nameservers", "give nameservers, use_infomaniak or dnssec")
    try:
        wanted_ns = normalise_nameservers(nameservers) if nameservers is not None else None
    except RecordProblem as problem:
        raise invalid(problem) from None
    found = _Found()
    async with anyio.create_task_group() as tg:
        tg.start_soon(found.flags, ctx, name)
        tg.start_soon(found.dnssec, ctx, name)
        tg.start_soon(found.delegation, ctx, name)
    flags, check = found.summary, found.check
    if flags is None or check is None:
        raise await _unknown_domain(ctx, name)
    served_here = bool(flags.is_dns_managed_by_infomaniak)
    current_ns = found.nameservers or (list(INFOMANIAK_NAMESERVERS) if served_here else [])
    ns_before = _ns_state(served_here, current_ns)
    dnssec_before = {"enabled": check.has_dnssec, "dnssec_data": _ds_lines(check)}
    steps: list[Step] = []
    diff: list[DiffEntry] = []
    new_served = served_here
    if use_infomaniak or wanted_ns is not None:
        new_served = use_infomaniak or is_infomaniak_ns(wanted_ns or [])
        after = _ns_state(new_served, wanted_ns or list(INFOMANIAK_NAMESERVERS))
        if after["nameservers"] == ns_before["nameservers"] and new_served == served_here:
            raise InvalidArgumentError.for_field("nameservers", "the domain already uses these nameservers")
        steps.append(_ns_step(name, ns_before, use_infomaniak, wanted_ns or []))
        diff.append(DiffEntry(resource=nameservers_resource(name), field="nameservers",
                              before=ns_before["nameservers"] or "(unknown)", after=after["nameservers"]))
    moving = bool(steps)
    ds = list(ds_records or [])
    notes: list[str] = []
    if moving and check.has_dnssec:
        first, last, notes = _dnssec_across_move(name, served_here, new_served, dnssec, ds, dnssec_before)
        steps = first + steps + last
        if first:  # the DS at the registry is removed, then (last) replaced
            new_ds: Any = ("(Infomaniak's, once it signs)" if new_served else ds) if last else []
            diff.append(DiffEntry(resource=dnssec_resource(name), field="ds", before=dnssec_before["dnssec_data"],
                                  after=new_ds))
    elif dnssec is not None:
        if dnssec == check.has_dnssec:
            if not steps:
                raise InvalidArgumentError.for_field("dnssec", f"DNSSEC is already {'on' if dnssec else 'off'}")
        else:
            if dnssec and not new_served and not ds:
                raise InvalidArgumentError.for_field(
                    "ds_records", "the domain uses other nameservers: give the DS data of the zone they sign"
                )
            warnings = dnssec_warnings(enable=dnssec, served_here=new_served, has_ds_data=bool(ds))
            step = _dnssec_step(name, dnssec, dnssec_before, ds, warnings)
            # switching off: before the nameservers move; switching on: once they serve the zone
            if dnssec:
                steps.append(step)
            else:
                steps.insert(0, step)
            diff.append(DiffEntry(resource=dnssec_resource(name), field="enabled", before=check.has_dnssec,
                                  after=dnssec))
    reversible = bool(ns_before["nameservers"]) or not any(s.operation == "domain.set_nameservers" for s in steps)
    summary = f"Change the delegation of {name}: " + "; ".join(s.description.split(". ")[0] for s in steps)
    return Plan(
        summary=summary + (f". {notes[0]}" if notes else ""),
        steps=steps,
        diff=diff,
        risk="high",
        target_name=name,
        # the live delegation (public DNS) is volatile: only the registry's state binds the plan
        fingerprint=fingerprint({"domain": name, "use_infomaniak_ns": served_here, "dnssec": dnssec_before}),
        reversible=reversible,
    )


def _dnssec_across_move(
    name: str, served_here: bool, new_served: bool, dnssec: bool | None, ds: list[str], before: dict[str, Any]
) -> tuple[list[Step], list[Step], list[str]]:
    """DNSSEC is on and the nameservers change: the DS at the registry matches the keys of the servers that
    sign the zone now. Steps to run before and after the move, and the warnings (first: the one that matters).

    - leaving Infomaniak's nameservers, or back to them: those keys cannot follow, so DNSSEC is switched off
      before the move even when `dnssec` is not given (a stale DS makes validating resolvers reject the
      domain); `dnssec=true` switches it on again after the move (other nameservers: with `ds_records`).
    - from other nameservers to others: they may keep the keys, or not; the caller says (`dnssec`).
    """
    cache = ("Resolvers that cached the old DS may fail to validate until it expires (the parent's DS TTL, "
             "often 1-2 days); for no gap, switch DNSSEC off alone first and move the nameservers after that.")
    keys_follow = not served_here and not new_served
    if dnssec is None and keys_follow:
        raise InvalidArgumentError.for_field(
            "dnssec", "DNSSEC is on: the DS at the registry matches the keys of the current nameservers. Give "
            "dnssec=false to remove it before the move, dnssec=true with ds_records to replace it, or "
            "dnssec=true alone if the new nameservers sign with the same keys"
        )
    if dnssec and keys_follow and not ds:
        return [], [], ["DNSSEC stays on with the current DS: the new nameservers must sign the zone with the same "
                        "keys, or the domain stops resolving for validating resolvers."]
    if dnssec and not new_served and not ds:
        raise InvalidArgumentError.for_field(
            "ds_records", "DNSSEC is on and the new nameservers sign with their own keys: give their DS "
            "(ds_records), or dnssec=false to switch it off before the move"
        )
    whose = "Infomaniak's keys" if served_here else "the keys of the current nameservers"
    off = (f"DNSSEC is switched off before the move: the DS at the registry matches {whose}, which the new "
           "nameservers do not have (a stale DS makes validating resolvers reject the domain).")
    if dnssec:
        again = ("Infomaniak then signs the zone and publishes its DS." if new_served
                 else "The DS you gave is published after the move.")
        warnings = [f"{off} {again}", cache]
        on = _dnssec_step(name, True, {"enabled": False, "dnssec_data": []}, [] if new_served else ds, [again])
        return [_dnssec_step(name, False, before, [], warnings)], [on], warnings
    later = ("Give dnssec=true to have Infomaniak sign it after the move." if new_served else
             "Once they sign the zone, switch it on with their DS (dnssec=true, ds_records).")
    warnings = [f"{off} {later}", cache]
    return [_dnssec_step(name, False, before, [], warnings)], [], warnings


@operation("domain.set_nameservers")
async def _apply_set_nameservers(op: OperationContext, params: dict[str, Any]) -> StepResult:
    name = params["domain"]
    if params.get("use_infomaniak_ns"):
        await op.api.domain.update_nameservers(name, use_infomaniak_ns=True)
        after = _ns_state(True, INFOMANIAK_NAMESERVERS)
    else:
        servers = list(params["nameservers"])
        await op.api.domain.update_nameservers(name, nameservers=servers)
        after = _ns_state(is_infomaniak_ns(servers), servers)
    return StepResult(resource=nameservers_resource(name), after=after)


@operation("domain.enable_dnssec")
async def _apply_enable_dnssec(op: OperationContext, params: dict[str, Any]) -> StepResult:
    name = params["domain"]
    await op.api.domain.enable_dnssec(name, dnssec_data=params.get("dnssec_data"))
    after = {"enabled": True, "dnssec_data": params.get("dnssec_data") or []}
    return StepResult(resource=dnssec_resource(name), after=after)


@operation("domain.disable_dnssec")
async def _apply_disable_dnssec(op: OperationContext, params: dict[str, Any]) -> StepResult:
    name = params["domain"]
    await op.api.domain.disable_dnssec(name)
    return StepResult(resource=dnssec_resource(name), after={"enabled": False, "dnssec_data": []})


@resource_reader("domain", r"^domain:(?P<domain>[^/]+)/nameservers$")
async def _read_nameservers(api: InfomaniakApi, domain: str) -> dict[str, Any] | None:
    """The registry flag, and the nameservers public DNS shows now ([] when it does not answer: the API has
    no route that returns them; readers have no settings, so real mode asks the default resolvers)."""
    try:
        flags = await api.domain.get_domain_flags(domain)
    except NotFoundError:
        return None
    try:
        servers: list[str] = (await _ns_in_dns(await servers_for(api, api.http.base_url), domain))[0]
    except (InfomaniakError, ValueError):
        servers = []
    return _ns_state(bool(flags.is_dns_managed_by_infomaniak), servers)


@resource_reader("domain", r"^domain:(?P<domain>[^/]+)/dnssec$")
async def _read_dnssec(api: InfomaniakApi, domain: str) -> dict[str, Any] | None:
    try:
        return {"enabled": (await api.domain.check_dnssec(domain)).has_dnssec}
    except NotFoundError:
        return None


class _NameserversInverse:
    """Undo a nameserver change: back to Infomaniak's, or to the recorded list."""

    def build(self, applied: AppliedStep) -> list[Step]:
        before = applied.before if isinstance(applied.before, dict) else {}
        name = str(applied.step.params.get("domain", ""))
        if before.get("use_infomaniak_ns"):
            return [_ns_step(name, dict(applied.after or {}), True, [])]
        servers = list(before.get("nameservers") or [])
        if len(servers) < 2:
            raise NotReversible(f"the nameservers {name} used before were not known")
        return [_ns_step(name, dict(applied.after or {}), False, servers)]

    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        after = applied.after if isinstance(applied.after, dict) else {}
        before = applied.before if isinstance(applied.before, dict) else {}
        if not isinstance(current, dict):
            return f"{applied.resource} no longer exists"
        name = applied.step.params.get("domain")
        if bool(current.get("use_infomaniak_ns")) != bool(after.get("use_infomaniak_ns")):
            return f"the nameservers of {name} changed since"
        # public DNS may still show the old set (caches): only a third set is a change made since
        now = sorted(current.get("nameservers") or [])
        if now and now not in (sorted(after.get("nameservers") or []), sorted(before.get("nameservers") or [])):
            return f"the nameservers of {name} changed since: the DNS now shows {', '.join(now)}"
        return None

    def stable(self, current: Any) -> Any:
        """The undo plan is bound to the registry flag, not to what public DNS answers (volatile)."""
        return {k: v for k, v in current.items() if k != "nameservers"} if isinstance(current, dict) else current


class _DnssecInverse:
    """Undo a DNSSEC switch: the opposite switch (re-enabling sends the recorded DS data)."""

    def build(self, applied: AppliedStep) -> list[Step]:
        name = str(applied.step.params.get("domain", ""))
        before = applied.before if isinstance(applied.before, dict) else {}
        enable = applied.step.operation == "domain.disable_dnssec"
        ds = list(before.get("dnssec_data") or []) if enable else []
        return [_dnssec_step(name, enable, dict(applied.after or {}), ds, [])]

    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        after = applied.after if isinstance(applied.after, dict) else {}
        if not isinstance(current, dict) or bool(current.get("enabled")) != bool(after.get("enabled")):
            return f"DNSSEC of {applied.step.params.get('domain')} changed since"
        return None


register_inverse("domain.set_nameservers", _NameserversInverse(), replace=True)
register_inverse("domain.enable_dnssec", _DnssecInverse(), replace=True)
register_inverse("domain.disable_dnssec", _DnssecInverse(), replace=True)
