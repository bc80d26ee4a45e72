"""Account governance: users, teams, tags (facts §5.2, §7.13, §7.14; spec core file)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok
from infomaniak_mcp.sandbox.pagination import (
    field_getter,
    order,
    paged,
    q_filters,
    q_str,
    search,
)
from infomaniak_mcp.sandbox.routes.core import get_account
from infomaniak_mcp.sandbox.routing import RouteTable, path_int, state_of
from infomaniak_mcp.sandbox.state import public

JSON = dict[str, Any]
routes = RouteTable()

USER_ORDER = {
    name: field_getter(name)
    for name in ("email", "first_name", "last_name", "role_type", "state_in_account", "last_login_at")
}
TEAM_ORDER = {name: field_getter(name) for name in ("name", "created_at", "user_count", "product_count")}
TEAM_USER_ORDER = {name: field_getter(name) for name in ("display_name", "last_login_at")}
TAG_ORDER = {
    "id": field_getter("id"),
    "name": field_getter("name"),
    "products": field_getter("product_count"),
}


def _bool_filter(values: list[str]) -> bool:
    return values[-1].lower() in ("1", "true")


@routes.get("/2/accounts/{account}/users", scope="accounts")  # spec (Userorpendinguser, page); facts §5.2
async def list_account_users(request: Request) -> Response:
    account = get_account(request, "account")
    rows = [public(r) for r in state_of(request).account_users.get(account["id"], [])]
    filters = q_filters(request)
    state = state_of(request)
    for key in ("has_billing_access", "is_workspace_only", "has_no_manager_access", "is_sso"):
        if key in filters:
            wanted = _bool_filter(filters[key])
            rows = [r for r in rows if bool(r.get(key)) == wanted]
    if "has_otp" in filters:
        wanted = _bool_filter(filters["has_otp"])
        rows = [
            r for r in rows if r["user_id"] is not None and state.users[r["user_id"]]["_has_2fa"] == wanted
        ]
    if "role_type" in filters:
        rows = [r for r in rows if r["role_type"] in set(filters["role_type"])]
    if "state_in_account" in filters:
        wanted_state = {"valid": "active"}.get(
            filters["state_in_account"][-1], filters["state_in_account"][-1]
        )
        rows = [r for r in rows if r["state_in_account"] == wanted_state]
    if "user_ids" in filters:
        ids = {int(v) for v in filters["user_ids"] if v.isdigit()}
        rows = [r for r in rows if r["user_id"] in ids]
    if "team_ids" in filters:
        members = {
            u for t in state.teams.values() if str(t["id"]) in filters["team_ids"] for u in t["_user_ids"]
        }
        rows = [r for r in rows if r["user_id"] in members]
    rows = search(rows, q_str(request, "search"), ("display_name", "email", "first_name", "last_name"))
    return paged(request, order(rows, request, USER_ORDER))


def _team(request: Request, account_id: int) -> JSON:
    team_id = path_int(request, "team", "Team")
    team = state_of(request).teams.get(team_id)
    if team is None or team["_account_id"] != account_id:
        raise ApiError(404, "object_not_found", "Team not found")
    return team


@routes.get("/1/accounts/{account}/teams", scope="accounts")  # spec (Team, page); facts §7.14
async def list_teams(request: Request) -> Response:
    account = get_account(request, "account")
    teams = [public(t) for t in state_of(request).teams.values() if t["_account_id"] == account["id"]]
    filters = q_filters(request)
    if "user_ids" in filters:
        ids = {int(v) for v in filters["user_ids"] if v.isdigit()}
        keep = {t["id"] for t in state_of(request).teams.values() if ids & set(t["_user_ids"])}
        teams = [t for t in teams if t["id"] in keep]
    for key, field in (
        ("owned_by_ids", "owned_by_id"),
        ("created_by_ids", "created_by_id"),
        ("team_ids", "id"),
    ):
        if key in filters:
            wanted = {int(v) for v in filters[key] if v.isdigit()}
            teams = [t for t in teams if t[field] in wanted]
    teams = search(teams, q_str(request, "search"), ("name",))
    return paged(request, order(teams, request, TEAM_ORDER))


@routes.get("/1/accounts/{account}/teams/{team}", scope="accounts")  # spec (Team)
async def show_team(request: Request) -> Response:
    account = get_account(request, "account")
    return ok(public(_team(request, account["id"])))


@routes.get("/1/accounts/{account}/teams/{team}/users", scope="accounts")  # spec (TeamUser, page)
async def list_team_users(request: Request) -> Response:
    account = get_account(request, "account")
    team = _team(request, account["id"])
    state = state_of(request)
    rows: list[JSON] = []
    for user_id in team["_user_ids"]:
        user = state.users[user_id]
        teams = [
            {
                "id": t["id"],
                "name": t["name"],
                "color_id": t["color_id"],
                "created_at": t["created_at"],
                "updated_at": t["updated_at"],
                "user_count": t["user_count"],
            }
            for t in state.teams.values()
            if t["_account_id"] == account["id"] and user_id in t["_user_ids"]
        ]
        rows.append(
            {
                "id": user_id,
                "display_name": user["display_name"],
                "first_name": user["first_name"],
                "last_name": user["last_name"],
                "email": user["email"],
                "is_sso": user["is_sso"],
                "last_login_at": user["last_login_at"],
                "teams": teams,
            }
        )
    rows = search(rows, q_str(request, "search"), ("display_name", "email"))
    return paged(request, order(rows, request, TEAM_USER_ORDER))


@routes.get("/1/accounts/{account_id}/tags", scope="accounts")  # spec (data typed "string"); facts §7.14 Tag
async def list_tags(request: Request) -> Response:
    account = get_account(request)
    tags = [public(t) for t in state_of(request).tags.values() if t["_account_id"] == account["id"]]
    return ok(order(tags, request, TAG_ORDER))
