"""Web hosting rules: names, pre-flight checks, deletion impact, rights, generated passwords, site lookup.

Pure functions over `api.hosting.models` / `api.domain.models` (no I/O). The tools read the
state, call these, and turn the answers into plans or errors.

Resource ids (what plans, locks and history name): `hosting:<hosting_id>` is the lock root, so
the engine runs one operation at a time per hosting (Infomaniak answers `operation_in_progress`
otherwise); below it `/sites/<id>`, `/sites/<id>/aliases/<fqdn>`, `/databases/<name>`,
`/database_users/<name>`, `/users/<login>`, `/certificates/<site_id>`, `/nodejs/<app_id>`.
"""

from __future__ import annotations

import difflib
import re
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from infomaniak_mcp.api.domain.models import DomainSummary
from infomaniak_mcp.api.hosting.models import Database, FtpUser, Rights, Site, SiteAlias, WebHosting

DAY = 86_400
PHP_VERSIONS = ("7.4", "8.1", "8.2", "8.3", "8.4")
DEFAULT_PHP = "8.3"
RightsLevel = Literal["none", "read", "read_write", "admin"]
RIGHTS_LEVELS: dict[str, Rights] = {
    "none": Rights(),
    "read": Rights(read=True),
    "read_write": Rights(read=True, write=True),
    "admin": Rights(read=True, write=True, admin=True),
}
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_FQDN_RE = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)+[a-z][a-z0-9-]{{1,62}}$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,47}$")
_DIR_RE = re.compile(r"^/sites/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
PASSWORD_SYMBOLS = "-_.+!"


# ---- resource ids ------------------------------------------------------------------------------
def hosting_resource(hosting_id: int) -> str:
    return f"hosting:{hosting_id}"


def site_resource(hosting_id: int, site_id: int | str) -> str:
    return f"hosting:{hosting_id}/sites/{site_id}"


def alias_resource(hosting_id: int, site_id: int, alias: str) -> str:
    return f"hosting:{hosting_id}/sites/{site_id}/aliases/{alias}"


def database_resource(hosting_id: int, name: str) -> str:
    return f"hosting:{hosting_id}/databases/{name}"


def database_user_resource(hosting_id: int, name: str) -> str:
    return f"hosting:{hosting_id}/database_users/{name}"


def ftp_user_resource(hosting_id: int, login: str) -> str:
    return f"hosting:{hosting_id}/users/{login}"


def certificate_resource(hosting_id: int, site_id: int) -> str:
    return f"hosting:{hosting_id}/certificates/{site_id}"


def nodejs_resource(hosting_id: int, app_id: int) -> str:
    return f"hosting:{hosting_id}/nodejs/{app_id}"


# ---- names -------------------------------------------------------------------------------------
class HostingNameError(ValueError):
    """A name was refused; the message says why (the tool maps it to an invalid-argument error)."""


def normalise_fqdn(raw: str) -> str:
    """`https://WWW.Example.ch./path` → `www.example.ch` (IDN-encoded); `HostingNameError` when not a host name."""
    value = raw.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise HostingNameError(f"{raw!r} is not a valid host name") from None
    if not _FQDN_RE.match(value):
        raise HostingNameError(f"{raw!r} is not a host name like www.example.ch")
    return value


def site_directory(fqdn: str, directory: str | None) -> str:
    """The site's document root: `directory` (must be under `/sites/`) or `/sites/<fqdn>`."""
    value = (directory or f"/sites/{fqdn}").strip().rstrip("/")
    if not value.startswith("/"):
        value = "/sites/" + value
    if ".." in value.split("/") or not _DIR_RE.match(value):
        raise HostingNameError(f"directory {directory!r} must be a path under /sites/, e.g. /sites/{fqdn}")
    return value


def prefixed(hosting: WebHosting, name: str) -> str:
    """Database, database user and FTP logins get the hosting prefix (`v33dqc_…`, facts §5.4)."""
    value = name.strip().lower()
    prefix = f"{hosting.prefix}_" if hosting.prefix else ""
    short = value.removeprefix(prefix)
    if not _NAME_RE.match(short):
        raise HostingNameError(f"{name!r}: use lower-case letters, digits and _ (at most 48 characters)")
    return prefix + short


def short_login(hosting: WebHosting, login: str) -> str:
    prefix = f"{hosting.prefix}_" if hosting.prefix else ""
    return login.removeprefix(prefix)


def registrable_domain(fqdn: str, account_domains: Iterable[str]) -> str | None:
    """The longest account domain that is `fqdn` or one of its parents (None: not on the account)."""
    best: str | None = None
    for domain in account_domains:
        name = domain.lower().rstrip(".")
        if (fqdn == name or fqdn.endswith("." + name)) and (best is None or len(name) > len(best)):
            best = name
    return best


def closest_names(fqdn: str, account_domains: Iterable[str], *, limit: int = 3) -> list[str]:
    """`fqdn` rewritten on the account domains it nearly ends with (a typo: `blog.alpage-digitl.ch` →
    `blog.alpage-digital.ch`), closest first; empty when no domain is close."""
    labels = fqdn.split(".")
    scored: list[tuple[float, str]] = []
    for domain in {d.lower().rstrip(".") for d in account_domains}:
        size = domain.count(".") + 1
        if size > len(labels):
            continue
        tail = ".".join(labels[-size:])
        ratio = difflib.SequenceMatcher(None, tail, domain).ratio()
        if ratio >= 0.8 and tail != domain:
            scored.append((ratio, ".".join([*labels[:-size], domain])))
    return [name for _, name in sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]]


# ---- rights ------------------------------------------------------------------------------------
def rights_level(rights: Rights | None) -> RightsLevel:
    if rights is None or not rights.read:
        return "none"
    if rights.admin:
        return "admin"
    return "read_write" if rights.write else "read"


def user_grants(permissions: Iterable[tuple[str | None, Rights]]) -> dict[str, Rights]:
    return {db: rights for db, rights in permissions if db and rights.read}


# ---- passwords ---------------------------------------------------------------------------------
def generate_password(length: int = 24) -> str:
    """A strong random password (`secrets`): letters, digits and `-_.+!`, at least one of each class."""
    if length < 12:
        raise ValueError("passwords are at least 12 characters")
    alphabet = string.ascii_letters + string.digits + PASSWORD_SYMBOLS
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, PASSWORD_SYMBOLS)
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in value) for cls in classes) and value[0] not in PASSWORD_SYMBOLS:
            return value


# ---- pre-flight checks -------------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """Why a write must not be attempted; `code` is stable, `next_step` says what to do."""

    code: str
    message: str
    next_step: str
    field: str | None = None


def hosting_refusals(hosting: WebHosting) -> list[Refusal]:
    """Locked, in maintenance or busy: no write can go through now."""
    out: list[Refusal] = []
    name = f"hosting {hosting.customer_name or hosting.id} ({hosting.id})"
    if hosting.is_locked:
        out.append(
            Refusal(
                "hosting_locked",
                f"{name} is locked (unpaid or blocked product)",
                "Unlock it in the Manager (Billing / product status), then retry.",
            )
        )
    if hosting.has_maintenance:
        out.append(Refusal("hosting_in_maintenance", f"{name} is in maintenance", "Retry when the maintenance ends."))
    if hosting.has_operation_in_progress:
        out.append(
            Refusal(
                "operation_in_progress",
                f"{name} has an operation in progress",
                "Wait until it finishes (hosting_list_hostings shows it), then retry.",
            )
        )
    return out


def site_refusals(
    fqdn: str,
    hosting: WebHosting,
    *,
    used: Mapping[str, str],
    account_domains: Sequence[DomainSummary],
    now: float,
) -> list[Refusal]:
    """Pre-flight of a site creation: hosting state, FQDN already used, domain on the account and not expired.

    `used` maps every FQDN already served (main FQDNs and aliases, on every hosting read) to
    where it is used.
    """
    out = hosting_refusals(hosting)
    if hosting.is_nodejs:
        out.append(
            Refusal(
                "nodejs_hosting",
                f"hosting {hosting.id} is a Node.js hosting; sites are created on classic web hostings",
                "Pick a classic hosting from hosting_list_hostings.",
                "hosting_id",
            )
        )
    out.extend(name_refusals(fqdn, used=used, account_domains=account_domains, now=now, field="fqdn"))
    return out


def name_refusals(
    fqdn: str,
    *,
    used: Mapping[str, str],
    account_domains: Sequence[DomainSummary],
    now: float,
    field: str,
) -> list[Refusal]:
    """A host name a site or an alias is about to serve: already used, domain not on the account, expired.

    `field` is the argument the refusals name (`fqdn` for a site, `name` for aliases).
    """
    out: list[Refusal] = []
    if fqdn in used:
        out.append(
            Refusal(
                "fqdn_in_use",
                f"{fqdn} is already used by {used[fqdn]}",
                "Choose another name, or remove it there first (hosting_delete_resource kind=alias or kind=site).",
                field,
            )
        )
    by_name = {d.customer_name.lower(): d for d in account_domains}
    domain = registrable_domain(fqdn, by_name)
    if domain is None:
        near = closest_names(fqdn, by_name)
        guess = f" (did you mean {' or '.join(near)}?)" if near else ""
        again = f"Call again with {field}={near[0]} if that is the name, or use" if near else "Use"
        out.append(
            Refusal(
                "domain_not_on_account",
                f"no domain of this organisation covers {fqdn}{guess}",
                f"{again} a domain listed by account_list_products kind=domain, or add the domain to the organisation.",
                field,
            )
        )
    else:
        expires = by_name[domain].expired_at
        if expires is not None and expires <= now:
            out.append(
                Refusal(
                    "domain_expired",
                    f"the domain {domain} expired",
                    f"Renew {domain} in the Manager first; the name would not answer until then.",
                    field,
                )
            )
    return out


# ---- deletion impact ---------------------------------------------------------------------------
@dataclass
class SiteImpact:
    """What deleting a site touches."""

    directory: str | None
    aliases: list[str] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    ftp_users: list[str] = field(default_factory=list)
    certificate: bool = False
    applications: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"files under {self.directory} are deleted with the site" if self.directory else "site files"]
        if self.applications:
            out.append(f"applications removed: {', '.join(self.applications)}")
        if self.aliases:
            out.append(f"aliases detached: {', '.join(self.aliases)}")
        if self.certificate:
            out.append("its SSL certificate is removed")
        if self.databases:
            out.append(f"linked databases are KEPT (delete them separately if unused): {', '.join(self.databases)}")
        if self.ftp_users:
            out.append(f"FTP/SSH users homed there are kept but lose their files: {', '.join(self.ftp_users)}")
        return out


def linked_databases(site: Site, databases: Iterable[Database]) -> list[str]:
    """Databases of the site's applications (same application id, or located in its directory)."""
    app_ids = {str(a.id) for a in site.applications if a.id is not None}
    out = []
    for db in databases:
        app = db.application
        if app is None:
            continue
        located = bool(site.directory) and (app.location or "").rstrip("/") == (site.directory or "").rstrip("/")
        if located or (app.id is not None and str(app.id) in app_ids):
            out.append(db.name)
    return sorted(out)


def site_impact(
    site: Site,
    *,
    aliases: Sequence[SiteAlias],
    databases: Iterable[Database],
    ftp_users: Iterable[FtpUser],
    has_certificate: bool,
) -> SiteImpact:
    directory = (site.directory or "").rstrip("/")
    homed = [
        u.login
        for u in ftp_users
        if directory and ((u.home_directory or "").rstrip("/") + "/").startswith(directory + "/")
    ]
    return SiteImpact(
        directory=site.directory,
        aliases=[a.name for a in aliases if not a.is_main],
        databases=linked_databases(site, databases),
        ftp_users=sorted(homed),
        certificate=has_certificate,
        applications=[f"{a.type} {a.name or ''}".strip() for a in site.applications if a.type],
    )


# ---- finding a site ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteRef:
    account_id: int | None
    hosting_id: int
    hosting_name: str
    site_id: int
    fqdn: str
    via: str = "main"  # main | alias


def www_variants(fqdn: str) -> list[str]:
    return [fqdn.removeprefix("www.")] if fqdn.startswith("www.") else [f"www.{fqdn}"]


def find_site(
    name: str, refs: Sequence[SiteRef], *, limit: int = 5
) -> tuple[list[SiteRef], list[SiteRef]]:
    """(exact matches, closest matches) of `name` among `refs` (main FQDNs and known aliases).

    Exact: the FQDN itself; else its www / bare variant. Closest: the names similar enough
    (`difflib`) and every name of the same parent domain, ranked by similarity of the whole name
    (ties: same domain first, then alphabetical), the best `limit`.
    """
    exact = [r for r in refs if r.fqdn == name]
    if not exact:
        variants = set(www_variants(name))
        exact = [r for r in refs if r.fqdn in variants]
    if exact:
        return exact, []
    names = sorted({r.fqdn for r in refs})
    close = difflib.get_close_matches(name, names, n=limit * 2, cutoff=0.55)
    parent = name.split(".", 1)[1] if name.count(".") >= 2 else name
    same_domain = {n for n in names if n == parent or n.endswith("." + parent)}

    def rank(candidate: str) -> tuple[float, bool, str]:
        return -difflib.SequenceMatcher(None, name, candidate).ratio(), candidate not in same_domain, candidate

    ranked = sorted(same_domain | set(close), key=rank)[:limit]
    return [], [next(r for r in refs if r.fqdn == n) for n in ranked]
