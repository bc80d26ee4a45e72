"""Core routes: accounts, products, profile, async tasks (facts §5.1, §5.3, §2; spec core file)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok
from infomaniak_mcp.sandbox.pagination import (
    check_in,
    field_getter,
    order,
    paged,
    q_filters,
    q_int,
    q_str,
)
from infomaniak_mcp.sandbox.routing import RouteTable, path_int, state_of
from infomaniak_mcp.sandbox.state import SandboxState, public

JSON = dict[str, Any]
routes = RouteTable()

PRODUCT_ORDER = {
    name: field_getter(name)
    for name in (
        "id",
        "account_id",
        "service_id",
        "service_name",
        "customer_name",
        "internal_name",
        "fqdn",
        "created_at",
        "expired_at",
    )
}
SERVICE_NAMES = (
    "ai_tools",
    "backup",
    "certificate",
    "cloud",
    "cloud_hd",
    "custom_url",
    "dedicated_server",
    "domain",
    "drive",
    "e_ticketing",
    "email_hosting",
    "hosting",
    "housing",
    "invitation",
    "jelastic",
    "ksuite",
    "mailing",
    "nas",
    "public_cloud",
    "radio",
    "swiss_backup",
    "video",
    "vod",
    "web_hosting",
    "website_builder",
)


def visible_account_ids(request: Request) -> list[int]:
    """Accounts the caller belongs to (the token/session user is a member of both seeds)."""
    state = state_of(request)
    user_id = state.profile.get("id")
    return [
        account_id
        for account_id, rows in state.account_users.items()
        if any(r.get("user_id") == user_id for r in rows)
    ]


def get_account(request: Request, name: str = "account_id") -> JSON:
    account_id = path_int(request, name, "Account")
    state = state_of(request)
    if account_id not in state.accounts or account_id not in visible_account_ids(request):
        raise ApiError(404, "object_not_found", "Account not found")
    return state.accounts[account_id]


# ---- accounts ----------------------------------------------------------------------------------
@routes.get("/1/accounts", scope="accounts")  # spec GET /1/accounts; facts §5.1, §7.1
async def list_accounts(request: Request) -> Response:
    state = state_of(request)
    items = [public(state.accounts[a]) for a in visible_account_ids(request)]
    return ok(order(items, request, {"name": field_getter("name")}))


@routes.get("/1/accounts/{account_id}", scope="accounts")  # spec; facts §7.1
async def show_account(request: Request) -> Response:
    return ok(public(get_account(request)))


# ---- products ----------------------------------------------------------------------------------
def _filter_products(
    state: SandboxState, allowed_accounts: list[int], criteria: dict[str, str]
) -> list[JSON]:
    items = [p for p in state.products.values() if p["account_id"] in allowed_accounts]
    for key, value in criteria.items():
        if key in ("account_id", "product_id", "service_id"):
            field = "id" if key == "product_id" else key
            items = [p for p in items if str(p[field]) == value]
        elif key in ("customer_name", "internal_name", "fqdn"):
            items = [p for p in items if (p.get(key) or "").lower() == value.lower()]
        elif key == "service_name":
            items = [p for p in items if p["service_name"] == value]
    return sorted(items, key=lambda p: p["id"])


@routes.get("/1/products", scope="accounts")  # spec GET /1/products (page + limit/skip); facts §5.1, §7.2
async def list_products(request: Request) -> Response:
    state = state_of(request)
    criteria: dict[str, str] = {}
    for key in ("account_id", "product_id", "service_id"):
        value = q_int(request, key)
        if value is not None:
            criteria[key] = str(value)
    for key in ("customer_name", "internal_name", "fqdn", "service_name"):
        text = q_str(request, key)
        if text is not None:
            if key == "service_name":
                check_in("service_name", text, (*SERVICE_NAMES, "hosting_3"))
            criteria[key] = text
    items = _filter_products(state, visible_account_ids(request), criteria)
    items = order([public(p) for p in items], request, PRODUCT_ORDER)
    return paged(request, items, limit_skip=True)


@routes.get("/1/accounts/{account_id}/products", scope="accounts")  # spec (data typed "string"); facts §5.1
async def list_account_products(request: Request) -> Response:
    account = get_account(request)
    filters = q_filters(request)
    criteria = {
        k: v[-1] for k, v in filters.items() if k in ("customer_name", "internal_name", "service_id") and v
    }
    items = _filter_products(state_of(request), [account["id"]], criteria)
    if filters.get("service_ids"):
        items = [p for p in items if str(p["service_id"]) in filters["service_ids"]]
    if filters.get("excluded_service_ids"):
        items = [p for p in items if str(p["service_id"]) not in filters["excluded_service_ids"]]
    if filters.get("service_names"):
        items = [p for p in items if p["service_name"] in filters["service_names"]]
    if filters.get("tags"):
        items = [p for p in items if any(str(t["id"]) in filters["tags"] for t in p["tags"])]
    return ok([public(p) for p in items])


# ---- profile -----------------------------------------------------------------------------------
@routes.get("/2/profile", scope="user_info")  # spec GET /2/profile (UserProfile); facts §5.3, §7.13
async def show_profile(request: Request) -> Response:
    return ok(public(state_of(request).profile))


# ---- async tasks -------------------------------------------------------------------------------
@routes.get("/1/async/tasks/{task_uuid}", scope=None)  # spec (AsyncTask); facts §2 long operations
async def show_task(request: Request) -> Response:
    """Progress ids of web-hosting writes resolve here (any valid token, or the manager session)."""
    task = state_of(request).tasks.get(str(request.path_params["task_uuid"]))
    if task is None:
        raise ApiError(404, "object_not_found", "Task not found")
    return ok(public(task))
