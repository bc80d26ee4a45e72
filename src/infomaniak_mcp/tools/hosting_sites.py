"""`hosting_create_site`: create a site — alone, or as the provisioning workflow in one plan.

With `database`, `dns` and `certificate` the plan is the whole provisioning: site, database,
database user (password generated at apply time, shown once), DNS A/AAAA records when the zone
is on the account, free certificate. Steps run in order under the hosting's lock; when one
fails, the outcome is `partial` with the applied steps and a compensating plan (delete what was
created), confirmed through `history_undo` like any write.

Pre-flight refusals, before anything is planned: hosting locked / in maintenance / busy, the
FQDN already served by a site or an alias, the domain not on the organisation or expired, a
database or user name already taken, a directory outside `/sites/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from infomaniak_mcp.api.errors import ManagerSessionError, NotFoundError, TokenMismatchError
from infomaniak_mcp.api.hosting.models import WebHosting
from infomaniak_mcp.domain.hosting import (
    HostingNameError,
    Refusal,
    normalise_fqdn,
    prefixed,
    registrable_domain,
    site_directory,
    site_refusals,
)
from infomaniak_mcp.domain.hosting_provision import Provisioning, default_database_name, provisioning_steps
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Step, fingerprint
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import tool
from infomaniak_mcp.tools.hosting_common import (
    HostingId,
    argument_error,
    get_hosting,
    manager_client,
    refusal_error,
    require_manager,
)

PhpVersion = Literal["7.4", "8.1", "8.2", "8.3", "8.4"]
MAX_ALIAS_READS = 20  # manager calls are rate-limited (60/min): related sites first, then the rest


def _base(fqdn: str, domains: Sequence[str]) -> str:
    """The account domain covering `fqdn`, else its parent (`blog.example.ch` → `example.ch`)."""
    return registrable_domain(fqdn, domains) or (fqdn.split(".", 1)[1] if fqdn.count(".") >= 2 else fqdn)


async def used_names(
    ctx: ToolContext, hosting: WebHosting, fqdns: Sequence[str], domains: Sequence[str] = ()
) -> tuple[dict[str, str], list[int]]:
    """FQDNs served on the organisation's hostings → where; and the ids of this hosting's sites.

    Every site's main name counts. Aliases are read (manager session) for the sites whose domain is
    one of `fqdns`' domains (`domains`: the account's domain names), on any hosting of the account,
    then for the other sites of this hosting, at most `MAX_ALIAS_READS` sites in all.
    """
    used: dict[str, str] = {}
    own_sites: list[int] = []
    bases = {_base(n, domains) for n in fqdns}
    # alias reads, in order: related sites on this hosting, on the others, then this hosting's other sites
    reads: tuple[list[tuple[int, int]], ...] = ([], [], [])
    hostings = await ctx.api.hosting.list_hostings(account_id=hosting.account_id)
    for h in hostings.items:
        for site in (await ctx.api.hosting.list_sites(h.id, with_=())).items:
            name = (site.main_fqdn or "").lower()
            used[name] = f"site {site.id} on hosting {h.id}"
            if h.id == hosting.id:
                own_sites.append(site.id)
            if name and _base(name, domains) in bases:
                reads[0 if h.id == hosting.id else 1].append((h.id, site.id))
            elif h.id == hosting.id:
                reads[2].append((h.id, site.id))
    manager = manager_client(ctx.api)
    for hosting_id, site_id in [*reads[0], *reads[1], *reads[2]][:MAX_ALIAS_READS]:
        try:
            aliases = await manager.list_aliases(hosting_id, site_id)
        except (ManagerSessionError, TokenMismatchError):
            break  # the manager answers the same refusal (409) at apply time; the step then fails cleanly
        except NotFoundError:
            continue
        for alias in aliases:
            used.setdefault(alias.name.lower(), f"an alias of site {site_id} on hosting {hosting_id}")
    return used, own_sites


async def _hosting_ips(ctx: ToolContext, hosting_id: int, site_ids: list[int]) -> list[tuple[str, str]]:
    """(A|AAAA, address) of the hosting, read from one of its sites (`with=ips`)."""
    if not site_ids:
        return []
    site = await ctx.api.hosting.get_site(hosting_id, site_ids[0], with_=("ips",))
    out = []
    for ip in site.ips:
        kind = "AAAA" if ":" in ip.host else "A"
        out.append((kind, ip.host))
    return sorted(set(out))


async def _zone_for(ctx: ToolContext, fqdn: str, domain: str | None) -> str | None:
    """The account's DNS zone covering `fqdn` (its registrable domain), if it has one."""
    if domain is None:
        return None
    try:
        await ctx.api.dns.get_zone(domain)
    except NotFoundError:
        return None
    return domain


def _step(planned: Any) -> Step:
    return Step(**planned.as_dict())


def _summary(fqdn: str, hosting_id: int, provisioning: Provisioning, full: bool) -> str:
    if not full:
        head = f"Create the site {fqdn} on hosting {hosting_id}"
    else:
        parts = ["site"]
        ops = [s.operation for s in provisioning.steps]
        if "hosting.create_database" in ops:
            parts.append("database and user")
        dns = ops.count("dns.create_record")
        if dns:
            parts.append(f"{dns} DNS record(s)")
        if "hosting.request_certificate" in ops:
            parts.append("free certificate")
        head = f"Provision {fqdn} on hosting {hosting_id}: {', '.join(parts)}"
    notes = [n for n in provisioning.notes if not n.startswith("SSL: no certificate")]
    return head + (f" — {'; '.join(notes)}" if notes else "")


@tool(toolset="hosting", read_only=False, destructive=False, title="Create a site")
async def hosting_create_site(
    ctx: ToolContext,
    hosting_id: HostingId,
    fqdn: Annotated[str, Field(description="Domain or subdomain of the organisation.")],
    directory: Annotated[str | None, Field(description="Under /sites/ (default /sites/<fqdn>).")] = None,
    php_version: Annotated[PhpVersion, Field(description="PHP version.")] = "8.3",
    database: Annotated[
        str | None, Field(description="Also a database + user of this name ('' = from fqdn).")
    ] = None,
    dns: Annotated[bool, Field(description="Also A/AAAA records (zone on the account).")] = False,
    certificate: Annotated[bool, Field(description="Also a free Let's Encrypt certificate.")] = False,
) -> Plan:
    """Create (provision) a site after pre-flight checks: name free, hosting not locked/busy, domain on the account
    and not expired. With database/dns/certificate: the whole provisioning in one plan, per-step status,
    compensating plan on failure; passwords shown once."""
    try:
        name = normalise_fqdn(fqdn)
    except HostingNameError as exc:
        raise argument_error("fqdn", exc) from None
    try:
        root = site_directory(name, directory)
    except HostingNameError as exc:
        raise argument_error("directory", exc) from None
    require_manager(ctx.api)
    hosting = await get_hosting(ctx.api, hosting_id)
    domains = await ctx.api.domain.list_domains(hosting.account_id) if hosting.account_id else []
    domain_names = [d.customer_name.lower() for d in domains]
    used, own_sites = await used_names(ctx, hosting, [name], domain_names)
    refusals = site_refusals(name, hosting, used=used, account_domains=domains, now=ctx.clock())
    db_name = default_database_name(name) if database == "" else database
    db_state: dict[str, Any] = {}
    if db_name is not None:
        try:
            full = prefixed(hosting, db_name)
        except HostingNameError as exc:
            raise argument_error("database", exc) from None
        existing = {d.name for d in (await ctx.api.hosting.list_databases(hosting_id)).items}
        existing |= {u.name for u in (await ctx.api.hosting.list_database_users(hosting_id)).items}
        db_state = {"name": full, "taken": full in existing}
        if full in existing:
            refusals.append(
                Refusal("database_exists", f"{full} already exists on hosting {hosting_id}",
                        "Choose another database name.", "database")
            )
    if refusals:
        raise refusal_error(refusals)
    domain = registrable_domain(name, domain_names)
    zone = await _zone_for(ctx, name, domain) if dns else None
    records = []
    if zone is not None:
        records = (await ctx.api.dns.list_records(zone)).items
    ips = await _hosting_ips(ctx, hosting_id, own_sites) if dns else []
    provisioning = provisioning_steps(
        hosting,
        fqdn=name,
        directory=root,
        php_version=php_version,
        database=db_name,
        user=db_name,
        zone=zone,
        ips=ips,
        existing_records=[r for r in records if r.type in ("A", "AAAA", "CNAME")],
        certificate=certificate,
    )
    steps = provisioning.steps
    if not dns:
        provisioning.notes = [n for n in provisioning.notes if not n.startswith("DNS")]
    return Plan(
        summary=_summary(name, hosting_id, provisioning, len(steps) > 1),
        steps=[_step(s) for s in steps],
        diff=[DiffEntry(resource=s.resource, after=s.params) for s in steps],
        risk="low",
        fingerprint=fingerprint(
            {
                "hosting": [hosting.is_locked, hosting.has_maintenance, hosting.has_operation_in_progress],
                "fqdn_used": used.get(name),
                "domains": sorted((d.customer_name, d.expired_at) for d in domains),
                "database": db_state,
                "records": sorted((r.source, r.type, r.target) for r in records if r.type in ("A", "AAAA", "CNAME")),
                "ips": ips,
            }
        ),
        reversible=True,
    )
