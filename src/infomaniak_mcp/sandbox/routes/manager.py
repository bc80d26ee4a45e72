"""Manager-private routes under `/proxy/...` (facts §1 manager-private, §5.4 — HM, MG).

Cookie `SASESSION` + header `X-XSRF-TOKEN` (see auth.py); Bearer is not accepted. Besides the
routes below, every public route is also served under `/proxy` with the session (the manager
proxies the API), which is how the manager creates sites and databases for real (hosting.py).

Writes on a hosting follow `hosting.ensure_writable` (403 locked, 409 `operation_in_progress`: both guesses).
Database-user create/delete are not evidenced anywhere (shaped on the databases routes); their
PATCH and the FTP-user PATCH are not in the facts either: they follow MG's tool inventory
(`shared/reference/peer-tools-infomaniak-mcp-agent.json`, from `src/tools/databases.ts` and
`src/tools/ftp-users.ts` of Mogacode-ma/infomaniak-mcp-agent): the PATCH `permissions` object lists
EVERY database the user keeps (a database left out loses the user's access).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, required, rule, validation_failed
from infomaniak_mcp.sandbox.pagination import check_with, paged, q_int
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routes.domain import HOSTNAME_RE
from infomaniak_mcp.sandbox.routes.hosting import (
    check_password,
    ensure_writable,
    hosting_of,
    password_digest,
    prefixed,
    site_of,
)
from infomaniak_mcp.sandbox.routing import RouteTable, json_body, path_int, state_of
from infomaniak_mcp.sandbox.state import SandboxState, public

JSON = dict[str, Any]
routes = RouteTable(surface="manager")
NODE_ACTIONS = {"start": "Running", "stop": "Stopped", "restart": "Running", "build": "Running"}


@routes.get("/proxy/1/hostings/{hosting_id}", scope=None)  # facts §5.4 (HM, with[]=hosting_features)
async def show_hosting_features(request: Request) -> Response:
    withs = check_with(request, ("hosting_features",))
    hosting = hosting_of(request)
    out = public(hosting)
    if "hosting_features" in withs:
        out["hosting_features"] = list(hosting["_features"])
    return ok(out)


@routes.delete("/proxy/1/web_hostings/{hosting_id}/sites/{site_id}", scope=None)  # facts §5.4 (HM)
async def delete_site(request: Request) -> Response:
    hosting = hosting_of(request)
    site = site_of(request, hosting)
    ensure_writable(request, hosting)
    state = state_of(request)
    del state.sites[site["id"]]
    state.site_aliases.pop(site["id"], None)
    state.certificates.pop(site["id"], None)
    for app_id in [a for a, app in state.nodejs_apps.items() if app["_site_id"] == site["id"]]:
        del state.nodejs_apps[app_id]
    return ok(True)


@routes.delete("/proxy/1/web_hostings/{hosting_id}/databases/{database_name}", scope=None)  # facts §5.4 (HM)
async def delete_database(request: Request) -> Response:
    hosting = hosting_of(request)
    state = state_of(request)
    name = str(request.path_params["database_name"])
    if name not in state.databases[hosting["id"]]:
        raise ApiError(404, "object_not_found", "Database not found")
    ensure_writable(request, hosting)
    del state.databases[hosting["id"]][name]
    for user in state.database_users[hosting["id"]].values():
        user["permissions"] = [p for p in user["permissions"] if p["database"] != name]
    return ok(True)


# ---- site aliases ------------------------------------------------------------------------------
@routes.get("/proxy/1/web_hostings/{hosting_id}/sites/{site_id}/aliases", scope=None)  # facts §5.4 (HM)
async def list_aliases(request: Request) -> Response:
    site = site_of(request, hosting_of(request))
    return ok([dict(a) for a in state_of(request).site_aliases.get(site["id"], [])])


@routes.post(
    "/proxy/1/web_hostings/{hosting_id}/sites/{site_id}/aliases", scope=None
)  # {aliases:[…]} → progress
async def add_aliases(request: Request) -> Response:
    hosting = hosting_of(request)
    site = site_of(request, hosting)
    body = await json_body(request)
    aliases = body.get("aliases")
    if not isinstance(aliases, list) or not aliases:
        raise validation_failed(required("aliases"))
    state = state_of(request)
    current = state.site_aliases.setdefault(site["id"], [])
    added: list[str] = []
    for raw in aliases:
        name = str(raw).strip().rstrip(".").lower()
        if not HOSTNAME_RE.match(name):
            raise validation_failed(
                rule("validation_rule_fqdn", "aliases", f"{raw!r} is not a valid host name.")
            )
        if any(a["name"] == name for a in current) or name in added:
            continue
        if any(s["main_fqdn"] == name for s in state.sites.values()) or any(
            a["name"] == name for other in state.site_aliases.values() for a in other
        ):
            raise ApiError(409, "object_already_exists", f"{name} is already used by another site")
        added.append(name)
    ensure_writable(request, hosting)
    current.extend(
        {
            "name": name,
            "fqdn_idn": name,
            "can_update_dns": True,
            "is_synonym": True,
            "is_main": False,
            "is_protected": False,
        }
        for name in added
    )
    return ok(
        {"progress_id": state.add_task({"site_id": site["id"], "aliases": [a["name"] for a in current]})}
    )


# facts §5.4 (HM)
@routes.delete("/proxy/1/web_hostings/{hosting_id}/sites/{site_id}/aliases/{alias}", scope=None)
async def delete_alias(request: Request) -> Response:
    hosting = hosting_of(request)
    site = site_of(request, hosting)
    name = str(request.path_params["alias"]).lower()
    aliases = state_of(request).site_aliases.get(site["id"], [])
    match = next((a for a in aliases if a["name"] == name), None)
    if match is None:
        raise ApiError(404, "object_not_found", "Alias not found")
    if match["is_main"]:
        raise ApiError(400, "cannot_delete_main_fqdn", "The main fqdn of a site cannot be removed")
    ensure_writable(request, hosting)
    aliases.remove(match)
    return ok(True)


# ---- Node.js -----------------------------------------------------------------------------------
def _node_app(request: Request) -> JSON:
    hosting = hosting_of(request)
    app_id = path_int(request, "vhost_route_id", "Application")
    app = state_of(request).nodejs_apps.get(app_id)
    if app is None or app["_hosting_id"] != hosting["id"]:
        raise ApiError(404, "object_not_found", "Application not found")
    return app


@routes.get("/proxy/1/hostings/{hosting_id}/nodejs/{vhost_route_id}", scope=None)  # facts §5.4 (HM)
async def show_node_app(request: Request) -> Response:
    withs = check_with(request, ("ips", "ssl", "environments", "storage"))
    app = _node_app(request)
    out = {k: v for k, v in public(app).items() if k not in ("ips", "storage", "environments")}
    for key in ("ips", "environments", "storage"):
        if key in withs:
            out[key] = public(app[key])
    if "ssl" in withs:
        out["ssl"] = {"status": app["ssl_status"]}
    return ok(out)


@routes.get("/proxy/1/hostings/{hosting_id}/nodejs/{vhost_route_id}/actions/status", scope=None)  # HM
async def node_status(request: Request) -> Response:
    return ok({"status": _node_app(request)["_status"]})


@routes.post("/proxy/1/hostings/{hosting_id}/nodejs/{vhost_route_id}/actions/{action}", scope=None)  # HM
async def node_action(request: Request) -> Response:
    app = _node_app(request)
    action = str(request.path_params["action"])
    if action not in NODE_ACTIONS:
        raise ApiError(404, "method_not_found", "Method not found")
    ensure_writable(request, hosting_of(request))
    app["_status"] = NODE_ACTIONS[action]
    job = _new_job(state_of(request), app, action)
    if action == "build":  # a build answers its job and log stream (HM nodejs.ts)
        return ok({"resource_id": job["resource_id"], "log_stream": dict(job["log_stream"])})
    return ok(True)


def _stream_token(state: SandboxState, subject: str) -> str:
    """A JWT-looking short-lived token (not a real JWT: the sandbox signs nothing)."""
    body = password_digest(f"{subject}:{state.clock.now()}")
    return f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{body[:24]}In0.{body[24:56]}"


def _new_job(state: SandboxState, app: JSON, action: str) -> JSON:
    jobs: list[JSON] = app.setdefault("_jobs", [])
    resource_id = f"job-{app['id']}-{len(jobs) + 1:04d}"
    now = state.clock.now()
    job = {
        "resource_id": resource_id,
        "status": "success",
        "action": action,
        "created_at": now,
        "finished_at": now,
        "log_stream": {
            "endpoint": f"https://manager-logs-01.hosting-ik.com/jobs/{resource_id}",
            "jwt_token": _stream_token(state, resource_id),
        },
    }
    jobs.append(job)
    return job


@routes.get("/proxy/1/hostings/{hosting_id}/nodejs/{vhost_route_id}/jobs", scope=None)  # facts §5.4 (HM)
async def node_jobs(request: Request) -> Response:
    jobs = _node_app(request).get("_jobs", [])
    return ok([dict(j) for j in reversed(jobs)])  # newest first


@routes.get("/proxy/1/hostings/{hosting_id}/webapp/{vhost_route_id}/stream", scope=None)  # facts §5.4 (HM)
async def node_log_stream(request: Request) -> Response:
    app = _node_app(request)
    state = state_of(request)
    return ok(
        {
            "endpoint": f"https://manager-logs-01.hosting-ik.com/apps/{app['id']}/stream",
            "jwt_token": _stream_token(state, f"app-{app['id']}"),
        }
    )


@routes.get("/proxy/1/hostings/{hosting_id}/vhost_route/{vhost_route_id}/aliases", scope=None)  # facts §5.4
async def node_aliases(request: Request) -> Response:
    app = _node_app(request)
    main = {"name": app["main_fqdn"], "fqdn_idn": app["main_fqdn"], "can_update_dns": True, "is_main": True,
            "is_protected": True, "is_preview": False}
    preview = str(app["preview_url"]).removeprefix("https://")
    return ok([main, {"name": preview, "fqdn_idn": preview, "can_update_dns": False, "is_main": False,
                      "is_protected": True, "is_preview": True}])


# ---- database users (create/delete: not evidenced; PATCH: MG inventory, not in facts) -------------
def _rights(raw: Any, attribute: str) -> JSON:
    if not isinstance(raw, dict):
        raise validation_failed(rule("validation_rule_array", attribute, f"The {attribute} must be an object."))
    return {k: bool(raw.get(k)) for k in ("read", "write", "admin")}


def _grant(state: SandboxState, hosting: JSON, user: JSON, permissions: Any, *, check_only: bool = False) -> None:
    """Replace `user`'s grants by `permissions` ({database: rights}); databases keep the mirror list."""
    if not isinstance(permissions, dict):
        raise validation_failed(rule("validation_rule_array", "permissions", "The permissions must be an object."))
    databases = state.databases[hosting["id"]]
    unknown = [db for db in permissions if db not in databases]
    if unknown:
        raise validation_failed(
            rule("validation_rule_exists", "permissions", f"Unknown database(s): {', '.join(sorted(unknown))}.")
        )
    grants = {db: _rights(r, f"permissions.{db}") for db, r in permissions.items()}
    if check_only:
        return
    user["permissions"] = [{"database": db, "rights": r} for db, r in grants.items() if any(r.values())]
    for name, database in databases.items():
        others = [p for p in database["permissions"] if p["user"] != user["name"]]
        if name in grants and any(grants[name].values()):
            others.append({"user": user["name"], "rights": grants[name]})
        database["permissions"] = others


def _db_user(request: Request, hosting: JSON) -> JSON:
    user = state_of(request).database_users[hosting["id"]].get(str(request.path_params["user_name"]))
    if user is None:
        raise ApiError(404, "object_not_found", "Database user not found")
    return user


@routes.post("/proxy/1/web_hostings/{hosting_id}/database_users", scope=None)  # not evidenced (see docstring)
async def create_database_user(request: Request) -> Response:
    hosting = hosting_of(request)
    body = await json_body(request)
    raw = body.get("name")
    if not isinstance(raw, str) or not raw:
        raise validation_failed(required("name"))
    password = check_password(body)
    state = state_of(request)
    name = prefixed(hosting, raw)
    users = state.database_users[hosting["id"]]
    if name in users:
        raise ApiError(409, "object_already_exists", "This database user already exists")
    user: JSON = {
        "name": name,
        "applications": [],
        "permissions": [],
        "is_temporary": False,
        "operation_in_progress": False,
        "is_unlocked": True,
        "protected": False,
        "link": "https://phpmyadmin.hosting.example/",
        "_password_sha256": password_digest(password),
    }
    _grant(state, hosting, user, body.get("permissions") or {}, check_only=True)
    ensure_writable(request, hosting)
    _grant(state, hosting, user, body.get("permissions") or {})
    users[name] = user
    return ok(public(user))


@routes.patch("/proxy/1/web_hostings/{hosting_id}/database_users/{user_name}", scope=None)  # MG inventory
async def update_database_user(request: Request) -> Response:
    hosting = hosting_of(request)
    user = _db_user(request, hosting)
    body = await json_body(request)
    password = check_password(body) if "password" in body else None
    if "permissions" in body:
        _grant(state_of(request), hosting, user, body["permissions"], check_only=True)
    ensure_writable(request, hosting)
    if "permissions" in body:
        _grant(state_of(request), hosting, user, body["permissions"])
    if password is not None:
        user["_password_sha256"] = password_digest(password)
    return ok(True)


@routes.delete("/proxy/1/web_hostings/{hosting_id}/database_users/{user_name}", scope=None)  # not evidenced
async def delete_database_user(request: Request) -> Response:
    hosting = hosting_of(request)
    user = _db_user(request, hosting)
    ensure_writable(request, hosting)
    state = state_of(request)
    _grant(state, hosting, user, {})
    del state.database_users[hosting["id"]][user["name"]]
    return ok(True)


# ---- FTP/SSH users: PATCH (MG inventory, not in facts: full login in the path, short in the body) --
@routes.patch("/proxy/1/web_hostings/{hosting_id}/users/{login}", scope=None)
async def update_ftp_user(request: Request) -> Response:
    hosting = hosting_of(request)
    login = str(request.path_params["login"])
    user = state_of(request).ftp_users[hosting["id"]].get(login)
    if user is None:
        raise ApiError(404, "object_not_found", "User not found")
    body = await json_body(request)
    if prefixed(hosting, str(body.get("login") or "")) != login:
        raise validation_failed(rule("validation_rule_login", "login", "The login does not match this user."))
    connection_type = body.get("connection_type")
    if connection_type not in ("ftp", "ssh"):
        raise validation_failed(
            rule("validation_rule_in", "connection_type", "The selected connection type is invalid.", ["ftp", "ssh"])
        )
    password = check_password(body) if "password" in body else None
    ensure_writable(request, hosting)
    user["has_ssh"] = connection_type == "ssh"
    if password is not None:
        user["_password_sha256"] = password_digest(password)
    return ok(True)


# ---- VPS ---------------------------------------------------------------------------------------
@routes.get("/proxy/1/vps", scope=None)  # facts §5.4 (HM, ?account_id)
async def list_vps(request: Request) -> Response:
    allowed = visible_account_ids(request)
    account_id = q_int(request, "account_id")
    items = [
        public(v)
        for v in state_of(request).vps.values()
        if v["account_id"] in allowed and (account_id is None or v["account_id"] == account_id)
    ]
    return paged(request, items)


@routes.get("/proxy/1/vps/{vps_id}", scope=None)  # facts §5.4 (HM)
async def show_vps(request: Request) -> Response:
    vps = state_of(request).vps.get(path_int(request, "vps_id", "VPS"))
    if vps is None or vps["account_id"] not in visible_account_ids(request):
        raise ApiError(404, "object_not_found", "VPS not found")
    return ok(public(vps))
