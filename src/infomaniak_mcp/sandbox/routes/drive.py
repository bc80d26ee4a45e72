"""kDrive: drives, drive users (v2, page 10/1000), folder listing (v3, cursor) (facts §5.8, §3, §7.11).

A drive in maintenance (the locked "Rive-Neuve Partage") answers 503
`drive_is_in_maintenance_error` on its own routes, as every kDrive operation documents (S25).
An unknown or foreign drive answers 403 `access_denied` (the documented kDrive error).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, required, validation_failed
from infomaniak_mcp.sandbox.pagination import (
    check_in,
    cursored,
    field_getter,
    order,
    paged,
    q_bool,
    q_int,
    q_list,
    q_str,
    search,
)
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routing import RouteTable, path_int, state_of
from infomaniak_mcp.sandbox.state import public

JSON = dict[str, Any]
routes = RouteTable()
USER_ORDER = {name: field_getter(name) for name in ("display_name", "first_name", "last_name")}
FILE_ORDER = {
    name: field_getter(name)
    for name in (
        "added_at",
        "last_modified_at",
        "mime_type",
        "name",
        "revised_at",
        "size",
        "type",
        "updated_at",
    )
}
ROOT_ID = 1


def kdrive_paged(request: Request, items: list[JSON]) -> Response:
    """kDrive v2 lists: per_page default 10, max 1000, metadata always present (facts §3)."""
    return paged(request, items, default_per_page=10, max_per_page=1000, always_paged=True)


def drive_of(request: Request) -> JSON:
    drive_id = path_int(request, "drive_id", "Drive")
    drive = state_of(request).drives.get(drive_id)
    if drive is None or drive["account_id"] not in visible_account_ids(request):
        raise ApiError(403, "access_denied", "You do not have access to this drive")
    if drive["in_maintenance"]:
        raise ApiError(503, "drive_is_in_maintenance_error", "The drive is in maintenance")
    return drive


@routes.get("/2/drive", scope="drive")  # spec (Drive, page default 10 max 1000; account_id required)
async def list_drives(request: Request) -> Response:
    account_id = q_int(request, "account_id")
    if account_id is None:
        raise validation_failed(required("account_id"))
    in_maintenance = q_bool(request, "in_maintenance")
    drives = [
        public(d)
        for d in state_of(request).drives.values()
        if d["account_id"] == account_id and d["account_id"] in visible_account_ids(request)
    ]
    if in_maintenance is not None:
        drives = [d for d in drives if d["in_maintenance"] == in_maintenance]
    reasons = q_list(request, "maintenance_reasons")
    for reason in reasons:
        check_in("maintenance_reasons", reason, ("demo_end", "invoice_overdue", "not_renew", "technical"))
    if reasons:
        drives = [d for d in drives if d.get("maintenance_reason") in reasons]
    tags = {int(t) for t in q_list(request, "tags") if t.isdigit()}
    if tags:
        drives = [d for d in drives if any(t["id"] in tags for t in d["tags"])]
    return kdrive_paged(request, drives)


@routes.get("/2/drive/{drive_id}/users", scope="drive")  # spec (DriveUser, page default 10 max 1000)
async def list_drive_users(request: Request) -> Response:
    drive = drive_of(request)
    users = [public(u) for u in state_of(request).drive_users[drive["id"]]]
    statuses = q_list(request, "status")
    if statuses:
        users = [u for u in users if u["status"] in statuses]
    types = q_list(request, "types")
    if types:
        users = [u for u in users if u["role"] in types]
    ids = {int(v) for v in q_list(request, "user_ids") if v.isdigit()}
    if ids:
        users = [u for u in users if u["id"] in ids]
    users = search(users, q_str(request, "search"), ("first_name", "last_name", "email", "display_name"))
    return kdrive_paged(request, order(users, request, USER_ORDER))


@routes.get("/3/drive/{drive_id}/files/{file_id}/files", scope="drive")  # spec (cursor); facts §3, §5.8
async def list_folder(request: Request) -> Response:
    drive = drive_of(request)
    state = state_of(request)
    files = state.drive_files[drive["id"]]
    folder_id = path_int(request, "file_id", "File")
    if folder_id != ROOT_ID and folder_id not in files:
        raise ApiError(404, "object_not_found", "File not found")
    children = [public(f) for f in files.values() if f["_parent"] == folder_id]
    kinds = q_list(request, "type")
    for kind in kinds:
        check_in("type", kind, ("dir", "file", "vault"))
    if kinds:
        children = [c for c in children if c["type"] in kinds]
    children.sort(key=lambda c: (c["type"] != "dir", c["name"].lower()))
    direction = q_str(request, "order")
    if direction is not None:
        check_in("order", direction, ("asc", "desc"))
    children = order(children, request, FILE_ORDER)
    return cursored(request, children, now=state.clock.now())
