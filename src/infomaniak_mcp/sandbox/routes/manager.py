"""Manager-private routes under `/proxy/...` (facts §1 manager-private, §5.4 — HM, MG).

Cookie `SASESSION` + header `X-XSRF-TOKEN` (see auth.py); Bearer is not accepted. Besides the
routes below, every public route is also served under `/proxy` with the session (the manager
proxies the API), which is how the manager creates sites and databases for real (hosting.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, required, rule, validation_failed
from infomaniak_mcp.sandbox.pagination import check_with, paged, q_int
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routes.domain import HOSTNAME_RE
from infomaniak_mcp.sandbox.routes.hosting import hosting_of, site_of
from infomaniak_mcp.sandbox.routing import RouteTable, json_body, path_int, state_of
from infomaniak_mcp.sandbox.state import public

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
    if (
        state_of(request).databases[hosting["id"]].pop(str(request.path_params["database_name"]), None)
        is None
    ):
        raise ApiError(404, "object_not_found", "Database not found")
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
    site = site_of(request, hosting_of(request))
    body = await json_body(request)
    aliases = body.get("aliases")
    if not isinstance(aliases, list) or not aliases:
        raise validation_failed(required("aliases"))
    state = state_of(request)
    current = state.site_aliases.setdefault(site["id"], [])
    for raw in aliases:
        name = str(raw).strip().rstrip(".").lower()
        if not HOSTNAME_RE.match(name):
            raise validation_failed(
                rule("validation_rule_fqdn", "aliases", f"{raw!r} is not a valid host name.")
            )
        if any(a["name"] == name for a in current):
            continue
        current.append(
            {
                "name": name,
                "fqdn_idn": name,
                "can_update_dns": True,
                "is_synonym": True,
                "is_main": False,
                "is_protected": False,
            }
        )
    return ok(
        {"progress_id": state.add_task({"site_id": site["id"], "aliases": [a["name"] for a in current]})}
    )


# facts §5.4 (HM)
@routes.delete("/proxy/1/web_hostings/{hosting_id}/sites/{site_id}/aliases/{alias}", scope=None)
async def delete_alias(request: Request) -> Response:
    site = site_of(request, hosting_of(request))
    name = str(request.path_params["alias"]).lower()
    aliases = state_of(request).site_aliases.get(site["id"], [])
    match = next((a for a in aliases if a["name"] == name), None)
    if match is None:
        raise ApiError(404, "object_not_found", "Alias not found")
    if match["is_main"]:
        raise ApiError(400, "cannot_delete_main_fqdn", "The main fqdn of a site cannot be removed")
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
    app["_status"] = NODE_ACTIONS[action]
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
