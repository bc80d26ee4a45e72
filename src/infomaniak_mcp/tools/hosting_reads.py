"""Hosting reads: hostings, site lookup, sites, databases and their users, FTP/SSH users, certificates.

All on the public API (no manager session needed), except the site aliases shown by
`hosting_get_site` and `hosting_find_site`, which only the manager serves: without a session
those tools still answer and say the aliases were not read.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.errors import InfomaniakError, ManagerSessionError, TokenMismatchError
from infomaniak_mcp.api.hosting.models import Certificate, Site, SiteAlias, WebHosting
from infomaniak_mcp.domain.hosting import (
    HostingNameError,
    SiteRef,
    find_site,
    linked_databases,
    normalise_fqdn,
    rights_level,
)
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.common import AccountId
from infomaniak_mcp.tools.hosting_common import (
    GB,
    HostingId,
    Row,
    SiteId,
    argument_error,
    days_left,
    get_certificate,
    get_hosting,
    iso_date,
    looking_up,
    manager_client,
    row,
    rows_of,
    shown,
    unknown,
)

MAX_ALIAS_READS = 10
_Row = ConfigDict(extra="forbid")


class HostingRow(BaseModel):
    model_config = _Row

    id: int
    name: str
    account_id: int | None
    kind: str
    expires: str | None = None
    locked: bool | None = None
    maintenance: bool | None = None
    busy: bool | None = None
    disk_gb: float | None = None
    quota_gb: float | None = None
    disk_percent: float | None = None


def hosting_row(h: WebHosting) -> HostingRow:
    row = HostingRow(
        id=h.id,
        name=h.customer_name or str(h.id),
        account_id=h.account_id,
        kind="nodejs" if h.is_nodejs else "web",
        expires=iso_date(h.expired_at),
        locked=h.is_locked or None,
        maintenance=h.has_maintenance or None,
        busy=h.has_operation_in_progress or None,
    )
    if h.disk_used is not None:
        row.disk_gb = round(h.disk_used / GB, 1)
    if h.disk_quota:
        row.quota_gb = round(h.disk_quota / GB, 1)
        if h.disk_used is not None:
            row.disk_percent = round(100 * h.disk_used / h.disk_quota, 1)
    return row


class HostingList(ToolOutput):
    hostings: list[Row] = Field(
        description="id, name, account_id, kind (web|nodejs), expires, locked, maintenance, busy (writes wait), "
        "disk_gb, quota_gb, disk_percent."
    )

    def to_text(self) -> str:
        lines = [f"{len(self.hostings)} hosting(s):"]
        for h in self.hostings:
            flags = [f for f in ("locked", "maintenance", "busy") if h.get(f)]
            disk = f", disk {h['disk_percent']} %" if "disk_percent" in h else ""
            extra = f" [{', '.join(flags)}]" if flags else ""
            lines.append(
                f"- {h['name']} (id {h['id']}, {h['kind']}, org {shown(h.get('account_id'))}, "
                f"expires {shown(h.get('expires'))}{disk}){extra}"
            )
        return "\n".join(lines)


@tool(toolset="hosting", read_only=True, title="List web hostings")
async def hosting_list_hostings(ctx: ToolContext, account_id: AccountId = None) -> HostingList:
    """List the web and Node.js hostings of one or all organisations: lock state, operations in progress,
    disk usage. Next: hosting_list_sites or hosting_find_site."""
    page = await ctx.api.hosting.list_hostings(account_id=account_id)
    rows = sorted((hosting_row(h) for h in page.items), key=lambda r: (r.account_id or 0, r.name.lower()))
    return HostingList(hostings=rows_of(rows))


# ---- find a site -------------------------------------------------------------------------------
class SiteRefRow(BaseModel):
    model_config = _Row

    account_id: int | None
    hosting_id: int
    hosting: str
    site_id: int
    fqdn: str
    via: str


def _ref_row(ref: SiteRef) -> SiteRefRow:
    return SiteRefRow(
        account_id=ref.account_id,
        hosting_id=ref.hosting_id,
        hosting=ref.hosting_name,
        site_id=ref.site_id,
        fqdn=ref.fqdn,
        via=ref.via,
    )


class SiteLookup(ToolOutput):
    query: str
    matches: list[Row] = Field(description="account_id, hosting_id, hosting, site_id, fqdn, via (main|alias).")
    closest: list[Row] = Field(description="Nearest names when nothing matched.")
    scanned_sites: int
    note: str | None = None

    def to_text(self) -> str:
        if self.matches:
            return "\n".join(
                f"{m['fqdn']}: site {m['site_id']} on hosting {m['hosting']} (id {m['hosting_id']}, "
                f"org {shown(m.get('account_id'))}), via {m['via']}"
                for m in self.matches
            )
        near = ", ".join(f"{c['fqdn']} (site {c['site_id']}, hosting {c['hosting_id']})" for c in self.closest)
        near = near or "none"
        return f"No site serves {self.query} ({self.scanned_sites} sites scanned). Closest: {near}. {self.note or ''}"


async def _alias_refs(ctx: ToolContext, name: str, refs: list[SiteRef]) -> tuple[list[SiteRef], str | None]:
    """Aliases of the sites sharing `name`'s parent domain (manager-only; a few reads at most)."""
    parent = name.split(".", 1)[1] if name.count(".") >= 2 else name
    candidates = [r for r in refs if r.fqdn == parent or r.fqdn.endswith("." + parent)][:MAX_ALIAS_READS]
    out: list[SiteRef] = []
    manager = manager_client(ctx.api)
    for ref in candidates:
        try:
            aliases = await manager.list_aliases(ref.hosting_id, ref.site_id)
        except (ManagerSessionError, TokenMismatchError):
            return out, "Aliases were not checked: no usable manager session (public reads only)."
        out.extend(
            SiteRef(ref.account_id, ref.hosting_id, ref.hosting_name, ref.site_id, a.name, "alias")
            for a in aliases
            if not a.is_main
        )
    return out, None


@tool(toolset="hosting", read_only=True, title="Find a site by domain")
async def hosting_find_site(
    ctx: ToolContext,
    domain: Annotated[str, Field(description="Public name, e.g. www.example.ch or an URL.")],
    account_id: AccountId = None,
) -> SiteLookup:
    """Find the organisation, hosting and site serving a domain name (every hosting and page scanned, aliases
    too with a manager session), or the closest names."""
    try:
        name = normalise_fqdn(domain)
    except HostingNameError as exc:
        raise argument_error("domain", exc) from None
    hostings = await ctx.api.hosting.list_hostings(account_id=account_id)
    refs: list[SiteRef] = []
    for hosting in hostings.items:
        sites = await ctx.api.hosting.list_sites(hosting.id, with_=())
        refs.extend(
            SiteRef(hosting.account_id, hosting.id, hosting.customer_name, s.id, (s.main_fqdn or "").lower())
            for s in sites.items
            if s.main_fqdn
        )
    matches, closest = find_site(name, refs)
    note = None
    if not matches:
        alias_refs, note = await _alias_refs(ctx, name, refs)
        matches, closest = find_site(name, [*refs, *alias_refs])
    return SiteLookup(
        query=name,
        matches=rows_of(_ref_row(r) for r in matches),
        closest=rows_of(_ref_row(r) for r in closest),
        scanned_sites=len(refs),
        note=note,
    )


# ---- sites -------------------------------------------------------------------------------------
class SiteRow(BaseModel):
    model_config = _Row

    id: int
    fqdn: str | None
    type: str | None = None
    directory: str | None = None
    php: str | None = None
    ssl: str | None = None
    apps: list[str] | None = None
    app_id: int | None = None


def site_row(site: Site) -> SiteRow:
    return SiteRow(
        id=site.id,
        fqdn=site.main_fqdn,
        type=site.hosting_type,
        directory=site.directory,
        php=site.php_version,
        ssl=site.ssl_status,
        apps=[f"{a.type} {a.version or ''}".strip() for a in site.applications if a.type] or None,
        app_id=site.vhost_route_id,
    )


class CertRow(BaseModel):
    model_config = _Row

    site_id: int
    fqdn: str | None = None
    status: str | None = None
    type: str | None = None
    issuer: str | None = None
    expires: str | None = None
    days_left: int | None = None
    error: str | None = None


def cert_row(site_id: int, fqdn: str | None, cert: Certificate | None, now: float) -> CertRow:
    if cert is None:
        return CertRow(site_id=site_id, fqdn=fqdn, status="none")
    error = cert.error_on_certificate
    if cert.error_identifiers:
        error = f"{error or 'error'} ({', '.join(cert.error_identifiers)})"
    return CertRow(
        site_id=site_id,
        fqdn=fqdn or cert.main_fqdn,
        status=cert.status,
        type=cert.type,
        issuer=" / ".join(x for x in (cert.organization, cert.issuer) if x) or None,
        expires=iso_date(cert.expired_at),
        days_left=days_left(cert.expired_at, now),
        error=error,
    )


CERT_KEYS = "status (ok|updating|error|none), type (free|paid|custom), issuer, expires, days_left, error"


def cert_text(c: Row) -> str:
    left = f", {c['days_left']} d left" if "days_left" in c else ""
    err = f" — {c['error']}" if c.get("error") else ""
    what = " ".join(str(c[k]) for k in ("status", "type", "issuer", "expires") if c.get(k))
    name = f" {c['fqdn']}" if c.get("fqdn") else ""
    return f"site {c['site_id']}{name}: {what}{left}{err}"


SITE_KEYS = "id, fqdn, type (apache_php|nodejs), directory, php, ssl, apps, app_id (Node.js)"


def site_text(s: Row) -> str:
    apps = f", {', '.join(s['apps'])}" if s.get("apps") else ""
    app = f", Node.js app {s['app_id']}" if s.get("app_id") else ""
    return (
        f"[{s['id']}] {shown(s.get('fqdn'))} ({shown(s.get('type'))}, {shown(s.get('directory'))}, "
        f"PHP {shown(s.get('php'))}, SSL {shown(s.get('ssl'))}{apps}{app})"
    )


class SiteList(ToolOutput):
    hosting_id: int
    sites: list[Row] = Field(description=SITE_KEYS + "; certificate (" + CERT_KEYS + ") when asked.")

    def to_text(self) -> str:
        lines = [f"{len(self.sites)} site(s) on hosting {self.hosting_id}:"]
        for s in self.sites:
            lines.append(f"- {site_text(s)}")
            if "certificate" in s:
                lines.append(f"  SSL {cert_text(s['certificate'])}")
        return "\n".join(lines)


@tool(toolset="hosting", read_only=True, title="List sites")
async def hosting_list_sites(
    ctx: ToolContext,
    hosting_id: HostingId,
    certificates: Annotated[bool, Field(description="Add each site's SSL certificate state.")] = False,
) -> SiteList:
    """List the sites of a hosting: name, type, document root, PHP, SSL, applications, Node.js app_id; optionally
    each certificate's state. Next: hosting_get_site, hosting_get_nodejs_app."""
    await get_hosting(ctx.api, hosting_id)
    page = await ctx.api.hosting.list_sites(hosting_id, with_=("applications", "environments"))
    now = ctx.clock()
    rows = []
    for site in page.items:
        out = row(site_row(site))
        if certificates:
            try:
                cert = row(cert_row(site.id, None, await get_certificate(ctx.api, hosting_id, site.id), now))
            except InfomaniakError as exc:
                cert = {"site_id": site.id, "status": "unknown", "error": exc.code}
            cert.pop("fqdn", None)
            out["certificate"] = cert
        rows.append(out)
    return SiteList(hosting_id=hosting_id, sites=rows)


class AliasRow(BaseModel):
    model_config = _Row

    name: str
    main: bool | None = None
    protected: bool | None = None


def alias_row(alias: SiteAlias) -> AliasRow:
    return AliasRow(name=alias.name, main=alias.is_main or None, protected=alias.is_protected or None)


class SiteDetail(ToolOutput):
    hosting_id: int
    site: Row = Field(description=SITE_KEYS + ".")
    ips: list[str]
    aliases: list[Row] | None = Field(
        default=None, description="name, main, protected (needs the manager session)."
    )
    certificate: Row = Field(description=CERT_KEYS + ".")
    databases: list[str] = Field(description="Databases of the site's applications.")
    note: str | None = None

    def to_text(self) -> str:
        lines = [f"Site {site_text(self.site)} on hosting {self.hosting_id}", f"IPs: {', '.join(self.ips) or '-'}"]
        if self.aliases is not None:
            lines.append("Names: " + ", ".join(a["name"] + (" (main)" if a.get("main") else "") for a in self.aliases))
        lines.append(f"SSL: {cert_text(self.certificate)}")
        lines.append(f"Databases: {', '.join(self.databases) or 'none'}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@tool(toolset="hosting", read_only=True, title="Get a site")
async def hosting_get_site(ctx: ToolContext, hosting_id: HostingId, site_id: SiteId) -> SiteDetail:
    """Show one site: document root, PHP version, IPs, applications, aliases (manager session), SSL
    certificate state and linked databases."""
    async with looking_up(ctx.api, hosting_id, "site_id", site_id):
        site = await ctx.api.hosting.get_site(hosting_id, site_id, with_=("applications", "ips", "environments"))
    cert = await get_certificate(ctx.api, hosting_id, site_id)
    databases = await ctx.api.hosting.list_databases(hosting_id)
    aliases: list[Row] | None = None
    note = None
    try:
        aliases = rows_of(alias_row(a) for a in await manager_client(ctx.api).list_aliases(hosting_id, site_id))
    except (ManagerSessionError, TokenMismatchError) as exc:
        note = f"Aliases not read: {exc.description}. {exc.next_step}"
    return SiteDetail(
        hosting_id=hosting_id,
        site=row(site_row(site)),
        ips=[ip.host for ip in site.ips],
        aliases=aliases,
        certificate=row(cert_row(site.id, site.main_fqdn, cert, ctx.clock())),
        databases=linked_databases(site, databases.items),
        note=note,
    )


# ---- databases and their users -----------------------------------------------------------------
class DatabaseRow(BaseModel):
    model_config = _Row

    name: str
    description: str | None = None
    size_mb: float | None = None
    application: str | None = None
    users: dict[str, str]
    busy: bool | None = None


class DatabaseUserRow(BaseModel):
    model_config = _Row

    name: str
    rights: dict[str, str]
    protected: bool | None = None
    temporary: bool | None = None


class DatabaseList(ToolOutput):
    hosting_id: int
    databases: list[Row] = Field(description="name, description, size_mb, application, users {user: rights}.")
    users: list[Row] = Field(description="name, rights {database: read|read_write|admin}, protected, temporary.")

    def to_text(self) -> str:
        lines = [f"{len(self.databases)} database(s), {len(self.users)} user(s) on hosting {self.hosting_id}:"]
        for d in self.databases:
            users = ", ".join(f"{u}:{r}" for u, r in d["users"].items()) or "no user"
            size, app = shown(d.get("size_mb"), "?"), d.get("application", "no application")
            lines.append(f"- db {d['name']} ({size} MB, {app}): {users}")
        for u in self.users:
            rights = ", ".join(f"{db}:{r}" for db, r in u["rights"].items()) or "no rights"
            lines.append(f"- user {u['name']}: {rights}")
        return "\n".join(lines)


@tool(toolset="hosting", read_only=True, title="List databases and users")
async def hosting_list_databases(
    ctx: ToolContext,
    hosting_id: HostingId,
    name: Annotated[
        str | None, Field(description="Only this database or user (full name).")
    ] = None,
) -> DatabaseList:
    """List a hosting's MariaDB databases (size, linked application, users and rights) and database users
    (rights per database); `name` narrows to one database or user."""
    async with looking_up(ctx.api, hosting_id, "hosting_id", hosting_id):
        databases = (await ctx.api.hosting.list_databases(hosting_id)).items
    users = (await ctx.api.hosting.list_database_users(hosting_id)).items
    if name is not None:
        known = sorted({d.name for d in databases} | {u.name for u in users})
        databases = [d for d in databases if d.name == name]
        users = [u for u in users if u.name == name]
        if not databases and not users:
            raise unknown("name", f"no database or database user {name!r} on hosting {hosting_id}",
                          f"Existing: {', '.join(known) or 'none'} (full names, with the hosting prefix).")
    return DatabaseList(
        hosting_id=hosting_id,
        databases=rows_of(
            DatabaseRow(
                name=d.name,
                description=d.description or None,
                size_mb=round(d.disk_used / 1048576, 1) if d.disk_used is not None else None,
                application=" ".join(x for x in (d.application.type, d.application.name) if x)
                if d.application
                else None,
                users={p.user: rights_level(p.rights) for p in d.permissions if p.user},
                busy=d.operation_in_progress or None,
            )
            for d in databases
        ),
        users=rows_of(
            DatabaseUserRow(
                name=u.name,
                rights={p.database: rights_level(p.rights) for p in u.permissions if p.database},
                protected=u.protected or None,
                temporary=u.is_temporary or None,
            )
            for u in users
        ),
    )


# ---- FTP/SSH users -----------------------------------------------------------------------------
class FtpUserRow(BaseModel):
    model_config = _Row

    login: str
    type: str
    home: str | None = None
    active: bool
    temporary: bool | None = None


class FtpUserList(ToolOutput):
    hosting_id: int
    users: list[Row] = Field(description="login, type (ftp|ssh), home, active, temporary.")

    def to_text(self) -> str:
        lines = [f"{len(self.users)} FTP/SSH user(s) on hosting {self.hosting_id}:"]
        lines += [
            f"- {u['login']} ({u['type']}, home {shown(u.get('home'))}{', inactive' if not u['active'] else ''}"
            f"{', temporary' if u.get('temporary') else ''})"
            for u in self.users
        ]
        return "\n".join(lines)


@tool(toolset="hosting", read_only=True, title="List FTP/SSH users")
async def hosting_list_ftp_users(ctx: ToolContext, hosting_id: HostingId) -> FtpUserList:
    """List the FTP/SSH users of a hosting: login, ftp or ssh, home directory, active, temporary."""
    async with looking_up(ctx.api, hosting_id, "hosting_id", hosting_id):
        users = (await ctx.api.hosting.list_ftp_users(hosting_id)).items
    return FtpUserList(
        hosting_id=hosting_id,
        users=rows_of(
            FtpUserRow(
                login=u.login,
                type=u.connection_type,
                home=u.home_directory,
                active=u.is_active,
                temporary=u.is_temporary or None,
            )
            for u in users
        ),
    )
