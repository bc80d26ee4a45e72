"""Web hosting on the public API (facts §5.4, §7.3–7.5, §7.15; not in any spec — HM, MG, PY).

Reads work with a Bearer token (scope `web`). THE TRAP (MG, facts §5.4): `POST
/1/web_hostings/{id}/sites` and `POST /1/web_hostings/{id}/databases` answer success with a
`progress_id` but create nothing on the public host. The same paths under `/proxy` (manager
session) really create — sites only when `fqdn`, `directory`, `force_fqdn` and `environment` are
all present, otherwise they silently no-op exactly like the public call. Every progress id is an
async task resolvable at `GET /1/async/tasks/{uuid}` (or `/proxy/1/async/tasks/{uuid}`); tasks
finish at once, and a no-op task reports `executed` with an empty response (that is the trap).
FTP/SSH user create/delete do work on the public host (HM).
"""

from __future__ import annotations

from typing import Any

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


def render_site(state: SandboxState, site: JSON, withs: set[str]) -> JSON:
    out: JSON = public(site)
    if "applications" in withs:
        out["applications"] = [dict(a) for a in site["_applications"]]
    if "application_types" in withs:
        out["application_types"] = sorted({a["type"] for a in site["_applications"]})
    if "ips" in withs:
        out["ips"] = [{"host": f"203.0.113.{10 + site['id'] % 50}", "type": "ipv4"}]
    if "urls" in withs:
        out["urls"] = [f"https://{site['main_fqdn']}"]
    if "environments" in withs:
        out["environments"] = [{"name": site["hosting_type"], "is_current": True}]
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
    items = [
        public(h)
        for h in state_of(request).hostings.values()
        if h["account_id"] in allowed and (account_id is None or h["account_id"] == account_id)
    ]
    return paged(request, items)


@routes.get("/1/web_hostings/{hosting_id}", scope="web")  # facts §5.4, §7.3 (MG)
async def show_hosting(request: Request) -> Response:
    return ok(public(hosting_of(request)))


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
    state = state_of(request)
    if any(s["main_fqdn"] == fqdn for s in state.sites.values()):
        raise ApiError(409, "object_already_exists", "A site already uses this fqdn")
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
    user = {
        "login": login,
        "environment": "nodejs" if hosting["service_name"] == "hosting_3" else "apache_php",
        "is_active": True,
        "has_ssh": body["connection_type"] == "ssh",
        "is_temporary": False,
        "home_directory": str(body.get("home_directory") or "/"),
    }
    state.ftp_users[hosting["id"]][login] = user
    return ok(dict(user))


@routes.delete("/1/web_hostings/{hosting_id}/users/{login}", scope="web")  # facts §5.4 (HM)
async def delete_ftp_user(request: Request) -> Response:
    hosting = hosting_of(request)
    users = state_of(request).ftp_users[hosting["id"]]
    if users.pop(str(request.path_params["login"]), None) is None:
        raise ApiError(404, "object_not_found", "User not found")
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
