"""Hosting writes by resource kind: create (database, database user, FTP/SSH user, aliases), update a user
(rights per database, FTP ↔ SSH, password rotation), delete (site, database, users, certificate, alias).

Each tool only reads and returns a `Plan` (docs/writing-tools.md); the `hosting.*` operations in
`hosting_ops` do the writes on the manager surface, one at a time per hosting. Every plan first
refuses a locked, in-maintenance or busy hosting. Generated passwords appear once, in the
applied step's `data.password`; they are never in a plan, the audit log or the history.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from infomaniak_mcp.api.errors import ErrorDetail, InvalidArgumentError
from infomaniak_mcp.api.hosting.models import WebHosting
from infomaniak_mcp.domain.hosting import HostingNameError as NameRefused
from infomaniak_mcp.domain.hosting import (
    RightsLevel,
    alias_resource,
    certificate_resource,
    database_resource,
    database_user_resource,
    ftp_user_resource,
    hosting_refusals,
    name_refusals,
    normalise_fqdn,
    prefixed,
    short_login,
    site_impact,
    site_resource,
)
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Risk, Step, fingerprint
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import tool
from infomaniak_mcp.tools.hosting_common import (
    HostingId,
    argument_error,
    get_certificate,
    get_hosting,
    looking_up,
    manager_client,
    not_found_on,
    refusal_error,
    require_manager,
    unknown,
)
from infomaniak_mcp.tools.hosting_ops import (
    certificate_value,
    database_user_value,
    database_value,
    ftp_user_value,
    site_value,
    user_grants_of,
)
from infomaniak_mcp.tools.hosting_sites import used_names

Name = Annotated[
    str | None, Field(description="Database, user, FTP login; aliases: FQDNs, comma-separated.", max_length=1000)
]
SiteIdArg = Annotated[int | None, Field(description="Site id (site, certificate, alias).", ge=1)]
DatabaseArg = Annotated[str | None, Field(description="Database the rights apply to.")]


async def writable_hosting(ctx: ToolContext, hosting_id: int) -> WebHosting:
    """The hosting, refused (before planning) when locked, in maintenance or busy, or without a manager session."""
    require_manager(ctx.api)
    hosting = await get_hosting(ctx.api, hosting_id)
    refusals = hosting_refusals(hosting)
    if refusals:
        raise refusal_error(refusals)
    return hosting


def plan_state(hosting: WebHosting, **extra: Any) -> str:
    return fingerprint({"hosting": [hosting.is_locked, hosting.has_maintenance, hosting.has_operation_in_progress],
                        **extra})


def _need(value: Any, field: str, kind: str) -> Any:
    if value in (None, "", []):
        raise InvalidArgumentError.for_field(field, f"required for kind={kind}")
    return value


def _full(hosting: WebHosting, name: str | None, kind: str) -> str:
    try:
        return prefixed(hosting, _need(name, "name", kind))
    except NameRefused as exc:
        raise argument_error("name", exc) from None


def _only_for(kind: str, **by_kind: dict[str, Any]) -> None:
    """A field error for an argument given with a kind it does not apply to (it would be silently ignored)."""
    for other, fields in by_kind.items():
        given = [f for f, v in fields.items() if v is not None]
        if other != kind and given:
            raise InvalidArgumentError.for_field(given[0], f"only applies to kind={other}")


def _one(operation: str, params: dict[str, Any], resource: str, description: str, before: Any = None) -> Step:
    return Step(operation=operation, params=params, resource=resource, description=description, before=before)


# ---- create ------------------------------------------------------------------------------------
@tool(toolset="hosting", read_only=False, destructive=False, title="Create hosting resource")
async def hosting_create_resource(
    ctx: ToolContext,
    hosting_id: HostingId,
    kind: Annotated[Literal["database", "database_user", "ftp_user", "alias"], Field(description="What to create.")],
    name: Name = None,
    site_id: SiteIdArg = None,
    database: DatabaseArg = None,
    rights: Annotated[RightsLevel, Field(description="Database user's rights on `database`.")] = "read_write",
    connection_type: Annotated[Literal["ftp", "ssh"], Field(description="ftp = SFTP, no shell.")] = "ftp",
    home_directory: Annotated[str, Field(description="FTP/SSH home.", max_length=200)] = "/",
) -> Plan:
    """Create a database, a database user (rights on `database`), an FTP/SSH user, or aliases of a site.
    Passwords are generated and shown once. Undo with history_undo."""
    hosting = await writable_hosting(ctx, hosting_id)
    h = hosting.id
    if kind == "alias":
        return await _alias_plan(ctx, hosting, _need(site_id, "site_id", kind), _need(name, "name", kind))
    full = _full(hosting, name, kind)
    if kind == "database":
        taken = {d.name for d in (await ctx.api.hosting.list_databases(h)).items}
        if full in taken:
            raise InvalidArgumentError.for_field("name", f"the database {full} already exists")
        params = {"hosting_id": h, "name": full, "description": "Created with infomaniak-mcp"}
        step = _one("hosting.create_database", params, database_resource(h, full), f"Create the database {full}")
        state: dict[str, Any] = {"taken": sorted(taken)}
    elif kind == "database_user":
        users = {u.name for u in (await ctx.api.hosting.list_database_users(h)).items}
        databases = {d.name for d in (await ctx.api.hosting.list_databases(h)).items}
        if full in users:
            raise InvalidArgumentError.for_field("name", f"the database user {full} already exists")
        grants: dict[str, str] = {}
        if database:
            if database not in databases:
                raise InvalidArgumentError.for_field("database", f"no database {database}", sorted(databases))
            if rights != "none":
                grants[database] = rights
        params = {"hosting_id": h, "name": full, "grants": grants}
        rights_text = ", ".join(f"{r} on {d}" for d, r in grants.items()) or "no rights yet"
        step = _one("hosting.create_database_user", params, database_user_resource(h, full),
                    f"Create the database user {full} ({rights_text}; password generated, shown once)")
        state = {"users": sorted(users), "databases": sorted(databases)}
    else:
        home = home_directory.strip() or "/"
        if not home.startswith("/") or ".." in home.split("/"):
            raise InvalidArgumentError.for_field("home_directory", "an absolute path inside the hosting, e.g. /sites/x")
        logins = {u.login for u in (await ctx.api.hosting.list_ftp_users(h)).items}
        if full in logins:
            raise InvalidArgumentError.for_field("name", f"the FTP/SSH user {full} already exists")
        params = {"hosting_id": h, "login": short_login(hosting, full), "connection_type": connection_type,
                  "home_directory": home}
        step = _one("hosting.create_ftp_user", params, ftp_user_resource(h, full),
                    f"Create the {connection_type} user {full} (home {home}; password generated, shown once)")
        state = {"logins": sorted(logins)}
    return Plan(
        summary=step.description,
        steps=[step],
        diff=[DiffEntry(resource=step.resource, after=step.params)],
        risk="low",
        fingerprint=plan_state(hosting, **state),
        reversible=True,
    )


def _alias_names(names: str) -> list[str]:
    """The comma-separated host names, normalised and deduplicated; a field error when none is valid."""
    wanted: list[str] = []
    for raw in names.split(","):
        if raw.strip():
            try:
                wanted.append(normalise_fqdn(raw))
            except NameRefused as exc:
                raise argument_error("name", exc) from None
    if not wanted:
        raise InvalidArgumentError.for_field("name", "one or more host names, comma-separated, e.g. www.example.ch")
    return list(dict.fromkeys(wanted))


async def _alias_plan(ctx: ToolContext, hosting: WebHosting, site_id: int, names: str) -> Plan:
    wanted = _alias_names(names)
    async with looking_up(ctx.api, hosting.id, "site_id", site_id):
        site = await ctx.api.hosting.get_site(hosting.id, site_id, with_=())
    current = sorted(a.name for a in await manager_client(ctx.api).list_aliases(hosting.id, site_id))
    new = [n for n in wanted if n not in current]
    if not new:
        raise InvalidArgumentError.for_field("name", f"every name is already an alias of {site.main_fqdn or site_id}")
    domains = await ctx.api.domain.list_domains(hosting.account_id) if hosting.account_id else []
    used, _ = await used_names(ctx, hosting, new, [d.customer_name.lower() for d in domains])
    refusals = [r for n in new for r in name_refusals(n, used=used, account_domains=domains, now=ctx.clock(),
                                                       field="name")]
    if refusals:
        raise refusal_error(refusals)
    resource = f"{site_resource(hosting.id, site_id)}/aliases"
    params = {"hosting_id": hosting.id, "site_id": site_id, "aliases": new}
    return Plan(
        summary=f"Add {', '.join(new)} to the site {site.main_fqdn or site_id}",
        steps=[_one("hosting.add_aliases", params, resource, f"Add the alias(es) {', '.join(new)}", current)],
        diff=[DiffEntry(resource=resource, before=current, after=sorted([*current, *new]))],
        risk="low",
        fingerprint=plan_state(hosting, aliases=current, used=sorted(n for n in wanted if n in used),
                               domains=sorted((d.customer_name, d.expired_at) for d in domains)),
        reversible=True,
    )


# ---- update a user -----------------------------------------------------------------------------
@tool(toolset="hosting", read_only=False, destructive=True, title="Change a hosting user")
async def hosting_update_user(
    ctx: ToolContext,
    hosting_id: HostingId,
    kind: Annotated[Literal["database_user", "ftp_user"], Field(description="Which kind of user.")],
    name: Annotated[str, Field(description="User name or FTP login.")],
    rotate_password: Annotated[bool, Field(description="New generated password, shown once.")] = False,
    database: DatabaseArg = None,
    rights: Annotated[RightsLevel | None, Field(description="New rights on `database`.")] = None,
    connection_type: Annotated[Literal["ftp", "ssh"] | None, Field(description="Switch ftp ↔ ssh.")] = None,
) -> Plan:
    """Rotate a database or FTP/SSH user's password, set a database user's rights on one database, or switch an
    FTP user between ftp (SFTP) and ssh. A rotation cannot be undone."""
    _only_for(kind, database_user={"database": database, "rights": rights},
              ftp_user={"connection_type": connection_type})
    if rights is not None and database is None:
        raise InvalidArgumentError.for_field("database", "required with rights (the database the rights apply to)")
    if not rotate_password and database is None and rights is None and connection_type is None:
        raise _no_change_requested(kind)
    hosting = await writable_hosting(ctx, hosting_id)
    h, full = hosting.id, _full(hosting, name, kind)
    changes: list[str] = []
    if kind == "database_user":
        async with looking_up(ctx.api, h, "database_user", full, field="name"):
            user = await ctx.api.hosting.get_database_user(h, full)
        before: dict[str, Any] = database_user_value(user)
        grants = user_grants_of(user)
        if database is not None:
            databases = {d.name for d in (await ctx.api.hosting.list_databases(h)).items}
            if database not in databases:
                raise InvalidArgumentError.for_field("database", f"no database {database}", sorted(databases))
            level = _need(rights, "rights", "database_user with database")
            if grants.get(database, "none") != level:
                changes.append(f"{database}: {grants.get(database, 'none')} → {level}")
            grants = {**grants, database: level}
            grants = {d: r for d, r in grants.items() if r != "none"}
        params: dict[str, Any] = {"hosting_id": h, "name": full, "grants": grants, "rotate_password": rotate_password}
        operation, resource = "hosting.update_database_user", database_user_resource(h, full)
        after: dict[str, Any] = {**before, "rights": grants}
    else:
        users = {u.login: u for u in (await ctx.api.hosting.list_ftp_users(h)).items}
        if full not in users:
            raise await not_found_on(ctx.api, h, "ftp_user", full, field="name")
        before = ftp_user_value(users[full])
        target = connection_type or before["connection_type"]
        if target != before["connection_type"]:
            changes.append(f"{before['connection_type']} → {target}")
        params = {"hosting_id": h, "login": full, "short_login": short_login(hosting, full),
                  "connection_type": target, "rotate_password": rotate_password}
        operation, resource = "hosting.update_ftp_user", ftp_user_resource(h, full)
        after = {**before, "connection_type": target}
    if rotate_password:
        changes.append("new password (generated, shown once)")
    if not changes:
        raise InvalidArgumentError(
            code="nothing_to_change", description=f"{full} already has these settings",
            hint="Give rotate_password: true, database and rights, or connection_type.",
        )
    summary = f"Change {kind.replace('_', ' ')} {full}: {'; '.join(changes)}"
    diff = [DiffEntry(resource=resource, before=before, after=after)]
    if rotate_password:
        diff.append(DiffEntry(resource=resource, field="password", before="(current)", after="(new, shown once)"))
    return Plan(
        summary=summary,
        steps=[_one(operation, params, resource, summary, before)],
        diff=diff,
        risk="high" if rotate_password else "low",
        target_name=full if rotate_password else "",
        fingerprint=plan_state(hosting, user=before),
        reversible=not rotate_password,
    )


def _no_change_requested(kind: str) -> InvalidArgumentError:
    """hosting_update_user called with nothing to do: a mistake (unlike settings already as asked)."""
    fields = ["rotate_password", "database", "rights"] if kind == "database_user" else ["rotate_password",
                                                                                         "connection_type"]
    what = "rotate_password true, or database and rights" if kind == "database_user" else (
        "rotate_password true, or connection_type")
    problem = f"no change requested for the {kind.replace('_', ' ')}: give {what}"
    return InvalidArgumentError(
        description=problem,
        details=[ErrorDetail(code="invalid", description=problem, attribute=f) for f in fields],
    )


# ---- delete ------------------------------------------------------------------------------------
@tool(toolset="hosting", read_only=False, destructive=True, title="Delete hosting resource")
async def hosting_delete_resource(
    ctx: ToolContext,
    hosting_id: HostingId,
    kind: Annotated[
        Literal["site", "database", "database_user", "ftp_user", "certificate", "alias"],
        Field(description="What to delete."),
    ],
    site_id: SiteIdArg = None,
    name: Annotated[str | None, Field(description="Database, user, FTP login or alias.")] = None,
) -> Plan:
    """Delete a site (the plan lists files, databases, aliases affected), database, database or FTP/SSH user
    (files kept), certificate or alias (not the main name)."""
    hosting = await writable_hosting(ctx, hosting_id)
    h = hosting.id
    risk: Risk = "high"
    reversible = True
    extra = ""
    if kind == "site":
        sid = _need(site_id, "site_id", kind)
        async with looking_up(ctx.api, h, "site_id", sid):
            site = await ctx.api.hosting.get_site(h, sid, with_=("applications",))
        aliases = await manager_client(ctx.api).list_aliases(h, sid)
        impact = site_impact(
            site,
            aliases=aliases,
            databases=(await ctx.api.hosting.list_databases(h)).items,
            ftp_users=(await ctx.api.hosting.list_ftp_users(h)).items,
            has_certificate=await get_certificate(ctx.api, h, sid) is not None,
        )
        before: Any = site_value(site)
        params: dict[str, Any] = {"hosting_id": h, "site_id": sid}
        operation, resource, label = "hosting.delete_site", site_resource(h, sid), f"the site {site.main_fqdn or sid}"
        target, risk, reversible = site.main_fqdn or str(sid), "irreversible", False
        extra = " — " + "; ".join(impact.lines())
        state: Any = {"site": before, "impact": impact.lines()}
    elif kind == "database":
        full = _full(hosting, name, kind)
        async with looking_up(ctx.api, h, "database", full, field="name"):
            db = await ctx.api.hosting.get_database(h, full)
        before = database_value(db)
        params = {"hosting_id": h, "name": full}
        operation, resource, label = "hosting.delete_database", database_resource(h, full), f"the database {full}"
        target, risk, reversible = full, "irreversible", False
        size = f"{(db.disk_used or 0) / 1048576:.0f} MB"
        holders = ", ".join(before["users"]) or "no user"
        used_by = db.application and f"{db.application.type or 'an application'} {db.application.name or ''}".rstrip()
        app = f"; used by {used_by}" if used_by else ""
        extra = f" — {size}, all its data is lost; users with rights: {holders}{app}"
        state = before
    elif kind == "database_user":
        full = _full(hosting, name, kind)
        async with looking_up(ctx.api, h, "database_user", full, field="name"):
            user = await ctx.api.hosting.get_database_user(h, full)
        before = database_user_value(user)
        params = {"hosting_id": h, "name": full}
        operation, resource = "hosting.delete_database_user", database_user_resource(h, full)
        label, target, state = f"the database user {full}", full, before
        if user.protected:
            extra = " — WARNING: managed by an application, which will lose its database access"
    elif kind == "ftp_user":
        full = _full(hosting, name, kind)
        users = {u.login: u for u in (await ctx.api.hosting.list_ftp_users(h)).items}
        if full not in users:
            raise await not_found_on(ctx.api, h, "ftp_user", full, field="name")
        before = ftp_user_value(users[full])
        params = {"hosting_id": h, "login": full, "short_login": short_login(hosting, full)}
        operation, resource = "hosting.delete_ftp_user", ftp_user_resource(h, full)
        label, target, state = f"the {before['connection_type']} user {full}", full, before
        extra = " — its files are kept"
    elif kind == "certificate":
        sid = _need(site_id, "site_id", kind)
        cert = await get_certificate(ctx.api, h, sid)
        if cert is None:
            async with looking_up(ctx.api, h, "site_id", sid):
                await ctx.api.hosting.get_site(h, sid, with_=())
            raise unknown("site_id", f"site {sid} has no certificate",
                          f"Call hosting_list_sites hosting_id={h} certificates=true to see which sites have one.")
        before = certificate_value(cert)
        params = {"hosting_id": h, "site_id": sid}
        operation, resource = "hosting.delete_certificate", certificate_resource(h, sid)
        target, state = cert.main_fqdn or str(sid), before
        label = f"the {cert.type or 'current'} certificate of {target}"
        reversible = cert.type == "free"
        extra = " — the site is served over plain HTTP until a new one is installed"
    else:
        sid = _need(site_id, "site_id", kind)
        try:
            alias_name = normalise_fqdn(_need(name, "name", kind))
        except NameRefused as exc:
            raise argument_error("name", exc) from None
        async with looking_up(ctx.api, h, "site_id", sid):
            aliases = await manager_client(ctx.api).list_aliases(h, sid)
        match = next((a for a in aliases if a.name == alias_name), None)
        if match is None:
            raise unknown("name", f"{alias_name} is not an alias of site {sid}",
                          f"Call hosting_get_site hosting_id={h} site_id={sid} for its names.")
        if match.is_main:
            raise InvalidArgumentError(
                code="main_domain",
                description=f"{alias_name} is the MAIN domain of site {sid}, not a removable alias",
                hint="Infomaniak refuses to remove a site's main name: delete the site (kind=site) or keep it.",
            )
        before = {"name": match.name, "is_main": False}
        params = {"hosting_id": h, "site_id": sid, "alias": alias_name}
        operation, resource = "hosting.remove_alias", alias_resource(h, sid, alias_name)
        label, target, state = f"the alias {alias_name}", alias_name, [a.name for a in aliases]
        risk = "high" if match.is_protected else "low"
        if match.is_protected:
            extra = " — WARNING: protected name (used by the Manager, e.g. a preview or mail name)"
    summary = f"Delete {label} on hosting {h}{extra}"
    return Plan(
        summary=summary,
        steps=[_one(operation, params, resource, f"Delete {label}", before)],
        diff=[DiffEntry(resource=resource, before=before, after=None)],
        risk=risk,
        target_name=target if risk != "low" else "",
        fingerprint=plan_state(hosting, target=state),
        reversible=reversible,
    )
