"""Web hosting on the public API (facts §5.4, §7.3–7.5, §7.15; not in any spec — HM, MG, PY).

Reads work with a Bearer token (scope `web`). THE TRAP (MG, facts §5.4): `POST
/1/web_hostings/{id}/sites` and `POST /1/web_hostings/{id}/databases` answer success with a
`progress_id` but create nothing on the public host. The same paths under `/proxy` (manager
session) really create — sites only when `fqdn`, `directory`, `force_fqdn` and `environment` are
all present, otherwise they silently no-op exactly like the public call. Every progress id is an
async task resolvable at `GET /1/async/tasks/{uuid}` (or `/proxy/1/async/tasks/{uuid}`); tasks
finish at once, and a no-op task reports `executed` with an empty response (that is the trap).
FTP/SSH user create/delete and certificate request/delete do work on the public host (HM); the
manager mirrors them.

One operation at a time per hosting: a write on a hosting whose `has_operation_in_progress` is
set (or whose internal `_busy_until` is later than the clock) answers 409
`operation_in_progress` — a GUESS: the flag is observed (HM) but no source shows how a busy
hosting refuses a write; facts §2 only list 409 as `object_already_exists` / `conflict`. A locked
hosting refuses writes with 403 `product_locked` (not evidenced either; the Manager refuses
changes on locked products). `ensure_writable` is the check,
shared with the manager routes; with `_busy_after_write` a hosting stays busy for a while after
each accepted write (durations: the task itself finishes at once). Passwords are never stored:
users keep `_password_sha256` (internal, never rendered) so tests can check which password the
API received.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, required, rule, validation_failed
from infomaniak_mcp.sandbox.pagination import check_with, paged, q_int
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routes.domain import HOSTNAME_RE
from infomaniak_mcp.sandbox.routing import RouteTable, json_body, path_int, state_of, via_manager
from infomaniak_mcp.sandbox.state import SandboxState, public

JSON = dict[str, Any]
routes = RouteTable()
SITE_WITH = (
    "ips",
    "applications",
    "application_types",
    "environments",
    "advanced_params",
    "urls",
    "ssl_infos",
)
ENVIRONMENTS = ("apache_php", "nodejs")
PHP_VERSIONS = ("7.4", "8.1", "8.2", "8.3", "8.4")
CERTIFICATE_TYPES = ("free", "paid", "custom")
DAY = 86400


def hosting_of(request: Request) -> JSON:
    hosting_id = path_int(request, "hosting_id", "Hosting")
    hosting = state_of(request).hostings.get(hosting_id)
    if hosting is None or hosting["account_id"] not in visible_account_ids(request):
        raise ApiError(404, "object_not_found", "Hosting not found")
    return hosting


def site_of(request: Request, hosting: JSON) -> JSON:
    site_id = path_int(request, "site_id", "Site")
    site = state_of(request).sites.get(site_id)
    if site is None or site["parent_id"] != hosting["id"]:
        raise ApiError(404, "object_not_found", "Site not found")
    return site


def is_busy(state: SandboxState, hosting: JSON) -> bool:
    return bool(hosting["has_operation_in_progress"]) or hosting.get("_busy_until", 0) > state.clock.now()


def ensure_writable(request: Request, hosting: JSON) -> None:
    """Refuse a write on a locked hosting (403) or one with an operation in progress (409).

    Both codes are sandbox guesses (module docstring): 409 `operation_in_progress` is not in the
    facts, whose 409 codes are `object_already_exists` / `conflict`.

    Handlers call it once the request is valid, just before changing the state: the write is then
    accepted, and when the hosting has `_busy_after_write` (seconds; internal, set by tests) it
    stays busy that long, the way a real hosting is while a change propagates.
    """
    if hosting["is_locked"]:
        raise ApiError(403, "product_locked", "This product is locked; no change is possible")
    state = state_of(request)
    if is_busy(state, hosting):
        # guessed code (not in facts §2); the client's retry_when_busy keys on it
        raise ApiError(409, "operation_in_progress", "An operation is already in progress on this hosting")
    if hosting.get("_busy_after_write"):
        hosting["_busy_until"] = state.clock.now() + int(hosting["_busy_after_write"])


def render_hosting(state: SandboxState, hosting: JSON) -> JSON:
    out: JSON = public(hosting)
    out["has_operation_in_progress"] = is_busy(state, hosting)
    return out


def password_digest(value: Any) -> str:
    return hashlib.sha256(str(value).encode()).hexdigest()


def check_password(body: JSON, field: str = "password") -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise validation_failed(required(field))
    if len(value) < 8:
        raise validation_failed(
            rule("validation_rule_min", field, f"The {field} must be at least 8 characters.", [8])
        )
    return value


def render_site(state: SandboxState, site: JSON, withs: set[str]) -> JSON:
    out: JSON = public(site)
    node_app = next((a for a in state.nodejs_apps.values() if a["_site_id"] == site["id"]), None)
    if node_app is not None:  # Node.js sites name the app the manager's Node.js routes take (peer MG)
        out["vhost_route_id"] = node_app["id"]
    if "applications" in withs:
        out["applications"] = [dict(a) for a in site["_applications"]]
    if "application_types" in withs:
        out["application_types"] = sorted({a["type"] for a in site["_applications"]})
    if "ips" in withs:
        out["ips"] = public(state.hostings[site["parent_id"]]["_ips"])
    if "urls" in withs:
        out["urls"] = [f"https://{site['main_fqdn']}"]
    if "environments" in withs:  # `version`: guess (PHP version endpoints were not found, facts §5.4)
        out["environments"] = [
            {"name": site["hosting_type"], "version": site.get("_php_version"), "is_current": True}
        ]
    if "advanced_params" in withs:
        out["advanced_params"] = {"force_https": site["ssl_status"] == "ok", "hsts": False}
    if "ssl_infos" in withs:
        cert = state.certificates.get(site["id"])
        out["ssl_infos"] = (
            {"status": cert["status"], "type": cert["type"], "expired_at": cert["expired_at"]}
            if cert
            else None
        )
    return out


def _progress(request: Request, response: JSON) -> Response:
    return ok({"progress_id": state_of(request).add_task(response)})


# ---- hostings ----------------------------------------------------------------------------------
@routes.get("/1/web_hostings", scope="web")  # facts §5.4 (PY probe; ?account_id)
async def list_hostings(request: Request) -> Response:
    allowed = visible_account_ids(request)
    account_id = q_int(request, "account_id")
    state = state_of(request)
    items = [
        render_hosting(state, h)
        for h in state.hostings.values()
        if h["account_id"] in allowed and (account_id is None or h["account_id"] == account_id)
    ]
    return paged(request, items)


@routes.get("/1/web_hostings/{hosting_id}", scope="web")  # facts §5.4, §7.3 (MG)
async def show_hosting(request: Request) -> Response:
    return ok(render_hosting(state_of(request), hosting_of(request)))


# ---- sites -------------------------------------------------------------------------------------
@routes.get("/1/web_hostings/{hosting_id}/sites", scope="web")  # facts §5.4, §7.4 (HM, MG)
async def list_sites(request: Request) -> Response:
    withs = check_with(request, SITE_WITH)
    hosting = hosting_of(request)
    state = state_of(request)
    sites = [render_site(state, s, withs) for s in state.sites.values() if s["parent_id"] == hosting["id"]]
    return paged(request, sites)


@routes.get("/1/web_hostings/{hosting_id}/sites/{site_id}", scope="web")  # facts §5.4 (HM, MG)
async def show_site(request: Request) -> Response:
    withs = check_with(request, SITE_WITH)
    hosting = hosting_of(request)
    return ok(render_site(state_of(request), site_of(request, hosting), withs))


@routes.post("/1/web_hostings/{hosting_id}/sites", scope="web")  # facts §5.4: public no-op / manager creates
async def create_site(request: Request) -> Response:
    hosting = hosting_of(request)
    body = await json_body(request)
    if not via_manager(request) or not all(
        k in body for k in ("fqdn", "directory", "force_fqdn", "environment")
    ):
        return _progress(request, {})  # success, progress id, nothing created (MG)
    environment = body["environment"]
    if environment not in ENVIRONMENTS:
        raise validation_failed(
            rule(
                "validation_rule_in",
                "environment",
                "The selected environment is invalid.",
                list(ENVIRONMENTS),
            )
        )
    fqdn = str(body["fqdn"]).strip().rstrip(".").lower()
    if not HOSTNAME_RE.match(fqdn):
        raise validation_failed(rule("validation_rule_fqdn", "fqdn", "The fqdn must be a valid host name."))
    php_version = body.get("php_version") or (PHP_VERSIONS[-2] if environment == "apache_php" else None)
    if php_version is not None and php_version not in PHP_VERSIONS:  # guess: not evidenced
        raise validation_failed(
            rule("validation_rule_in", "php_version", "The selected php version is invalid.", list(PHP_VERSIONS))
        )
    state = state_of(request)
    used = {s["main_fqdn"] for s in state.sites.values()}
    used |= {a["name"] for aliases in state.site_aliases.values() for a in aliases}
    if fqdn in used:
        raise ApiError(409, "object_already_exists", "A site already uses this fqdn")
    ensure_writable(request, hosting)
    site_id = state.new_id("site", 1250901)
    state.sites[site_id] = {
        "id": site_id,
        "account_id": hosting["account_id"],
        "customer_name": fqdn,
        "hosting_type": environment,
        "main_fqdn": fqdn,
        "directory": str(body["directory"]),
        "ssl_status": "none",
        "ssl_issuer": None,
        "has_wordpress": False,
        "has_website_builder": False,
        "parent_id": hosting["id"],
        "parent_hosting_name": hosting["customer_name"],
        "created_at": state.clock.now(),
        "_applications": [],
        "_php_version": php_version,
    }
    state.site_aliases[site_id] = [
        {
            "name": fqdn,
            "fqdn_idn": fqdn,
            "can_update_dns": True,
            "is_synonym": False,
            "is_main": True,
            "is_protected": True,
        }
    ]
    return _progress(request, {"site_id": site_id, "fqdn": fqdn})


# ---- databases ---------------------------------------------------------------------------------
@routes.get("/1/web_hostings/{hosting_id}/databases", scope="web")  # facts §5.4, §7.5 (HM)
async def list_databases(request: Request) -> Response:
    hosting = hosting_of(request)
    return paged(request, [public(d) for d in state_of(request).databases[hosting["id"]].values()])


@routes.get("/1/web_hostings/{hosting_id}/databases/{database_name}", scope="web")  # facts §5.4 (HM)
async def show_database(request: Request) -> Response:
    hosting = hosting_of(request)
    database = state_of(request).databases[hosting["id"]].get(str(request.path_params["database_name"]))
    if database is None:
        raise ApiError(404, "object_not_found", "Database not found")
    return ok(public(database))


def prefixed(hosting: JSON, name: str) -> str:
    prefix = hosting["prefix"] + "_"
    return name if name.startswith(prefix) else prefix + name


@routes.post(
    "/1/web_hostings/{hosting_id}/databases", scope="web"
)  # facts §5.4: public no-op / manager creates
async def create_database(request: Request) -> Response:
    hosting = hosting_of(request)
    body = await json_body(request)
    if not via_manager(request):
        return _progress(request, {})  # reportedly success and nothing (HM, MG)
    raw = body.get("database_name")
    if not isinstance(raw, str) or not raw:
        raise validation_failed(required("database_name"))
    state = state_of(request)
    name = prefixed(hosting, raw)
    if name in state.databases[hosting["id"]]:
        raise ApiError(409, "object_already_exists", "This database already exists")
    ensure_writable(request, hosting)
    state.databases[hosting["id"]][name] = {
        "name": name,
        "description": str(body.get("description") or ""),
        "application": None,
        "disk_used": 0,
        "permissions": [],
        "backups": [],
        "operation_in_progress": False,
    }
    return _progress(request, {"database_name": name})


@routes.get("/1/web_hostings/{hosting_id}/database_users", scope="web")  # facts §5.4, §7.5 (HM)
async def list_database_users(request: Request) -> Response:
    hosting = hosting_of(request)
    return paged(request, [public(u) for u in state_of(request).database_users[hosting["id"]].values()])


@routes.get("/1/web_hostings/{hosting_id}/database_users/{user_name}", scope="web")  # facts §5.4 (HM)
async def show_database_user(request: Request) -> Response:
    hosting = hosting_of(request)
    user = state_of(request).database_users[hosting["id"]].get(str(request.path_params["user_name"]))
    if user is None:
        raise ApiError(404, "object_not_found", "Database user not found")
    return ok(public(user))


# ---- FTP/SSH users -----------------------------------------------------------------------------
@routes.get("/1/web_hostings/{hosting_id}/users", scope="web")  # facts §5.4, §7.5 (HM)
async def list_ftp_users(request: Request) -> Response:
    hosting = hosting_of(request)
    return paged(request, [public(u) for u in state_of(request).ftp_users[hosting["id"]].values()])


@routes.post("/1/web_hostings/{hosting_id}/users", scope="web")  # facts §5.4 (HM, MG 422 validation_rule_in)
async def create_ftp_user(request: Request) -> Response:
    hosting = hosting_of(request)
    body = await json_body(request)
    missing = [required(f) for f in ("connection_type", "login", "password") if not body.get(f)]
    if missing:
        raise validation_failed(*missing)
    if body["connection_type"] not in ("ftp", "ssh"):
        raise validation_failed(
            rule(
                "validation_rule_in",
                "connection_type",
                "The selected connection type is invalid.",
                ["ftp", "ssh"],
            )
        )
    if not isinstance(body["password"], str) or len(body["password"]) < 8:
        raise validation_failed(
            rule("validation_rule_min", "password", "The password must be at least 8 characters.", [8])
        )
    state = state_of(request)
    login = prefixed(hosting, str(body["login"]))
    if login in state.ftp_users[hosting["id"]]:
        raise ApiError(409, "object_already_exists", "This login already exists")
    ensure_writable(request, hosting)
    user: JSON = {
        "login": login,
        "environment": "nodejs" if hosting["service_name"] == "hosting_3" else "apache_php",
        "is_active": True,
        "has_ssh": body["connection_type"] == "ssh",
        "is_temporary": False,
        "home_directory": str(body.get("home_directory") or "/"),
        "_password_sha256": password_digest(body["password"]),
    }
    state.ftp_users[hosting["id"]][login] = user
    return ok(public(user))


@routes.delete("/1/web_hostings/{hosting_id}/users/{login}", scope="web")  # facts §5.4 (HM)
async def delete_ftp_user(request: Request) -> Response:
    hosting = hosting_of(request)
    users = state_of(request).ftp_users[hosting["id"]]
    login = str(request.path_params["login"])
    if login not in users:
        raise ApiError(404, "object_not_found", "User not found")
    ensure_writable(request, hosting)
    del users[login]
    return ok(True)


# ---- certificates ------------------------------------------------------------------------------
@routes.get("/1/web_hostings/{hosting_id}/certificates/{site_id}", scope="web")  # facts §5.4, §7.15 (HM)
async def show_certificate(request: Request) -> Response:
    hosting = hosting_of(request)
    site = site_of(request, hosting)
    cert = state_of(request).certificates.get(site["id"])
    if cert is None:
        raise ApiError(404, "object_not_found", "This site has no certificate")
    return ok(public(cert))


def _name_of(name: x509.Name) -> str:
    parts = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME) or name.get_attributes_for_oid(
        x509.NameOID.ORGANIZATION_NAME
    )
    return str(parts[0].value) if parts else name.rfc4514_string()


def _covers(cert: x509.Certificate, fqdn: str) -> bool:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    except x509.ExtensionNotFound:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    for name in (n.lower().rstrip(".") for n in names):
        if name == fqdn or (name.startswith("*.") and fqdn.partition(".")[2] == name[2:]):
            return True
    return False


def _custom_certificate(body: JSON, site: JSON, now: int) -> JSON:
    """Parse the PEM material of a `custom` request; 422 when it is not a certificate and its key."""
    missing = [required(f) for f in ("certificate", "private_key") if not body.get(f)]
    if missing:
        raise validation_failed(*missing)
    try:
        cert = x509.load_pem_x509_certificate(str(body["certificate"]).encode())
    except ValueError:
        raise validation_failed(
            rule("validation_rule_certificate", "certificate", "The certificate is not a valid PEM certificate.")
        ) from None
    try:
        key = serialization.load_pem_private_key(str(body["private_key"]).encode(), password=None)
    except (ValueError, TypeError):
        raise validation_failed(
            rule("validation_rule_private_key", "private_key", "The private key is not a valid PEM key.")
        ) from None
    der = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, der) != cert.public_key().public_bytes(
        serialization.Encoding.DER, der
    ):
        raise validation_failed(
            rule("validation_rule_key_mismatch", "private_key", "The private key does not match the certificate.")
        )
    if not _covers(cert, site["main_fqdn"]):
        raise validation_failed(
            rule("validation_rule_certificate_domain", "certificate", "The certificate does not cover the site's fqdn.")
        )
    expires = int(cert.not_valid_after_utc.timestamp())
    organization = cert.issuer.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return {
        "type": "custom",
        "sub_type": "custom",
        "issuer": _name_of(cert.issuer),
        "organization": str(organization[0].value) if organization else None,
        "emitted_at": int(cert.not_valid_before_utc.timestamp()),
        "expired_at": expires,
        "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        "is_selfsigned": cert.issuer == cert.subject,
        "is_valid": expires > now,
        "is_expired": expires <= now,
    }


@routes.post("/1/web_hostings/{hosting_id}/certificates", scope="web")  # facts §5.4, §7.15 (HM ssl.ts)
async def request_certificate(request: Request) -> Response:
    """`{site_id, type: free|paid|custom, certificate_id?, certificate?, private_key?, …}` → `{uuid}`."""
    hosting = hosting_of(request)
    body = await json_body(request)
    state = state_of(request)
    raw_site = body.get("site_id")
    site = state.sites.get(raw_site) if isinstance(raw_site, int) else None
    if site is None or site["parent_id"] != hosting["id"]:
        raise validation_failed(rule("validation_rule_exists", "site_id", "The selected site id is invalid."))
    kind = body.get("type")
    if kind not in CERTIFICATE_TYPES:
        raise validation_failed(
            rule("validation_rule_in", "type", "The selected type is invalid.", list(CERTIFICATE_TYPES))
        )
    ensure_writable(request, hosting)
    now = state.clock.now()
    fqdn = site["main_fqdn"]
    if kind == "custom":
        details = _custom_certificate(body, site, now)
    elif kind == "paid":
        if not body.get("certificate_id"):
            raise validation_failed(required("certificate_id"))
        details = {"type": "paid", "sub_type": "sectigo_dv", "issuer": "Sectigo RSA Domain Validation Secure Server CA",
                   "organization": "Sectigo Limited", "emitted_at": now, "expired_at": now + 365 * DAY,
                   "is_selfsigned": False, "is_valid": True, "is_expired": False}
    else:  # free: Let's Encrypt, issued at once on the business clock (status would pass by `updating`)
        details = {"type": "free", "sub_type": "lets_encrypt", "issuer": "R11", "organization": "Let's Encrypt",
                   "emitted_at": now, "expired_at": now + 90 * DAY, "is_selfsigned": False, "is_valid": True,
                   "is_expired": False}
    details.setdefault(
        "fingerprint_sha256",
        ":".join(password_digest(f"{fqdn}{now}")[i : i + 2].upper() for i in range(0, 64, 2)),
    )
    state.certificates[site["id"]] = {
        "site_id": site["id"],
        "status": "ok",
        **details,
        "main_fqdn": fqdn,
        "main_fqdn_idn": fqdn,
        "ignored_identifiers": [],
        "error_identifiers": [],
        "error_on_certificate": None,
        "last_attempt_at": now,
    }
    site["ssl_status"] = "ok"
    site["ssl_issuer"] = details["organization"] or details["issuer"]
    return ok({"uuid": state.add_task({"site_id": site["id"], "type": kind})})


@routes.delete("/1/web_hostings/{hosting_id}/certificates/{site_id}", scope="web")  # facts §5.4 (HM)
async def delete_certificate(request: Request) -> Response:
    hosting = hosting_of(request)
    site = site_of(request, hosting)
    state = state_of(request)
    if site["id"] not in state.certificates:
        raise ApiError(404, "object_not_found", "This site has no certificate")
    ensure_writable(request, hosting)
    del state.certificates[site["id"]]
    site["ssl_status"] = "none"
    site["ssl_issuer"] = None
    return ok(True)
