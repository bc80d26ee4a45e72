"""Every documented operation the sandbox does not model statefully answers from the spec's schema.

`with_generated(routes)` puts one catch-all route (`GeneratedRoute`) after every stateful route,
so those keep priority (Starlette takes the first full match: a stateful route with the same path
and method always wins), and one guard (`LiteralFirstRoute`) before them, which takes only the
requests a stateful route would wrongly catch: a documented template more literal than the
stateful one (`GET /1/accounts/current/products` is not `/1/accounts/{account_id}/products`
with account "current"). For a request the generated routes take, in order:

1. only the public surface is generated (the manager surface and admin paths answer 404
   `method_not_found` as before);
2. the operation is found in the bundled spec (`infomaniak_mcp.spec`, loaded on the first such
   request) from the method and concrete path — none: 404 `method_not_found`;
3. the token must hold the operation's scope (`spec.scopes`, same rule as stateful routes: 403
   `access_denied` naming it); authentication, faults and the 60/min limit already ran in the
   front door;
4. an integer path parameter that is not a number is an unknown id: 404 `object_not_found`;
5. the query and JSON body are checked against the spec (undocumented extras ignored, as the
   API does): 422 `validation_failed` with Laravel-style items (kChat: a 400 Mattermost AppError);
6. the answer is the documented success status with a body generated from the schema
   (`spec.sample`): deterministic and valid against the spec. Lists are one item; paging members
   agree with it (`page` > 1 or `skip` > 0 → empty list); `return=total` answers the count.
   kChat (Mattermost) lists that take `page` are a collection of `KCHAT_LIST_SIZE` items (ids
   numbered) served page by page: `page` from 0, `per_page` default 60, at most 200; kChat
   timestamps are in milliseconds.
   Non-JSON answers (downloads) carry a small fixed body of the documented content type.

Nothing is stored: a generated `POST` creates nothing the stateful routes can see. Every
generated success answer carries `X-Sandbox-Generated: 1` (`GENERATED_HEADER`), so the client can
tell the model that its data is example data (`api._http.watch_generated`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from infomaniak_mcp.sandbox.auth import has_scope
from infomaniak_mcp.sandbox.envelope import ApiError, method_not_found, not_found, rule, validation_failed
from infomaniak_mcp.sandbox.routing import context_of
from infomaniak_mcp.spec.describe import mattermost_size_param
from infomaniak_mcp.spec.model import Operation, load_spec
from infomaniak_mcp.spec.sample import MATTERMOST_ID_LENGTH, sample_value
from infomaniak_mcp.spec.scopes import required_scope
from infomaniak_mcp.spec.validate import Problem, check_received

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
GENERATED_HEADER = "X-Sandbox-Generated"
BINARY_BODIES = {
    "text/csv": b"id,name\n1,sandbox\n",
    "application/csv": b"id,name\n1,sandbox\n",
    "text/plain": b"sandbox\n",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/*": b"\x89PNG\r\n\x1a\n",
    "application/zip": b"PK\x05\x06" + b"\x00" * 18,
}


KCHAT_LIST_SIZE = 130
"""Items of a generated kChat list: more than one default page (60), less than one full page (200)."""
KCHAT_PER_PAGE = 60
KCHAT_MAX_PER_PAGE = 200


class SpecTemplate:
    """Stands in for the matched route in the recorder: `path` is the spec template."""

    def __init__(self, path: str) -> None:
        self.path = path


def _rule_code(problem: Problem) -> str:
    if "required" in problem.message:
        return "validation_rule_required"
    if problem.allowed is not None:
        return "validation_rule_in"
    if problem.message.startswith("expected "):
        return "validation_rule_" + problem.message.removeprefix("expected ").split(",")[0].split(" or ")[0]
    return "validation_rule_invalid"


def _refuse(op: Operation, problems: list[Problem], request_id: str) -> Response:
    if op.is_kchat:
        message = "; ".join(p.text() for p in problems)
        body = {"id": "api.context.invalid_param.app_error", "message": message, "status_code": 400,
                "request_id": request_id}
        return JSONResponse(body, status_code=400)
    items = [
        rule(_rule_code(p), p.field.split(".", 1)[-1], p.message, list(p.allowed) if p.allowed else None)
        for p in problems
    ]
    return validation_failed(*items).response()


def _page_members(body: dict[str, Any], query: dict[str, str]) -> None:
    data = body.get("data")
    if not isinstance(data, list):
        return
    page = int(query["page"]) if query.get("page", "").isdigit() else 1
    skip = int(query["skip"]) if query.get("skip", "").isdigit() else 0
    if page > 1 or skip > 0:
        data.clear()
    count = len(data)
    members = {"total": count, "page": page, "pages": 1, "items_per_page": max(count, 1), "has_more": False}
    for key, value in members.items():
        if key in body and isinstance(body[key], type(value)):
            body[key] = value
    if "cursor" in body and isinstance(body["cursor"], str):
        body["cursor"] = ""


IDENTITY_FIELDS = ("id", "user_id", "channel_id", "name")


def _numbered(item: Any, index: int) -> Any:
    """The sample item made distinct: its identifying field numbered."""
    if isinstance(item, dict):
        key = next((k for k in IDENTITY_FIELDS if isinstance(item.get(k), str)), None)
        if key is not None:
            value = str(item[key])
            # a Mattermost id keeps its 26 characters: the number replaces its tail
            numbered = f"{value[:-3]}{index:03d}" if len(value) == MATTERMOST_ID_LENGTH else f"{value}{index:03d}"
            return {**item, key: numbered}
    return item


def _mattermost_page(op: Operation, items: list[Any], query: dict[str, str]) -> list[Any]:
    """One page of a `KCHAT_LIST_SIZE`-item collection built from the sample item (Mattermost paging)."""
    size_name = mattermost_size_param(op)
    if not items or op.param("page") is None or size_name is None:
        return items
    page = int(query["page"]) if query.get("page", "").isdigit() else 0
    asked = int(query[size_name]) if query.get(size_name, "").isdigit() else 0
    per_page = min(asked or KCHAT_PER_PAGE, KCHAT_MAX_PER_PAGE)
    start = page * per_page
    return [_numbered(items[0], n) for n in range(start, min(start + per_page, KCHAT_LIST_SIZE))]


def answer(op: Operation, query: dict[str, str]) -> Response:
    """The generated success answer of `op` (see the module docstring, step 6)."""
    spec = load_spec()
    entry = op.response
    status = op.success_status
    kind = entry.get("content_type")
    if status == 204:
        return Response(status_code=204)
    schema = entry.get("schema")
    if kind and kind != "application/json":
        return Response(BINARY_BODIES.get(kind, b"sandbox"), status_code=status, media_type=kind)
    if schema is None:
        if op.is_kchat:
            return Response(b"sandbox", status_code=status, media_type="application/octet-stream")
        return JSONResponse({"result": "success", "data": None}, status_code=status)
    body = sample_value(spec, schema, lenient=True, millis=op.is_kchat)
    if isinstance(body, list) and op.is_kchat:
        body = _mattermost_page(op, body, query)
    if isinstance(body, dict) and not op.is_kchat:
        _page_members(body, query)
        if query.get("return") == "total" and op.param("return") is not None:
            data = body.get("data")
            body["data"] = len(data) if isinstance(data, list) else 1
    return JSONResponse(body, status_code=status)


async def generated_endpoint(request: Request) -> Response:
    ctx = context_of(request)
    if ctx.surface != "public":
        raise method_not_found()
    spec = load_spec()
    found = spec.find(request.method, request.url.path)
    if found is None:
        raise method_not_found()
    op, values = found
    request.scope["route"] = SpecTemplate(op.path)
    scope = required_scope(op.method, op.path)
    if scope and not has_scope(ctx.scopes, scope):
        raise ApiError(403, "access_denied", f"This token does not have the required scope: {scope}")
    for name, raw in values.items():
        param = op.param(name, "path")
        if param is not None and param.schema.get("type") == "integer" and not unquote(raw).isdigit():
            raise not_found()
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    raw_body = await request.body()
    body: Any = None
    if raw_body.strip() and op.body_content_type == "application/json":
        try:
            body = json.loads(raw_body)
        except ValueError:
            raise ApiError(400, "invalid_json", "The request body is not valid JSON") from None
    problems = check_received(spec, op, pairs, body)
    if problems:
        return _refuse(op, problems, ctx.request_id)
    response = answer(op, dict(pairs))
    response.headers[GENERATED_HEADER] = "1"
    return response


class GeneratedRoute(Route):
    """The catch-all route (see the module docstring); add it after every other route."""

    def __init__(self) -> None:
        super().__init__("/{generated_path:path}", generated_endpoint, methods=METHODS)


def _literal_segments(template: str) -> int:
    return sum(1 for seg in template.split("/") if seg and "{" not in seg)


class LiteralFirstRoute(Route):
    """Placed before the stateful routes: takes a request only when a documented template more literal
    than the stateful route that would match it addresses it (the spec is read on the first such check)."""

    def __init__(self, stateful: Sequence[BaseRoute]) -> None:
        super().__init__("/{shadowed_path:path}", generated_endpoint, methods=METHODS)
        self.stateful = stateful

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL:
            return Match.NONE, {}
        catcher = next((r for r in self.stateful if r.matches(scope)[0] is Match.FULL), None)
        template = getattr(catcher, "path", "")
        if catcher is None or "{" not in template or template.startswith(("/proxy", "/_sandbox")):
            return Match.NONE, {}
        found = load_spec().find(scope["method"], scope["path"])
        if found is None or _literal_segments(found[0].path) <= _literal_segments(template):
            return Match.NONE, {}
        return Match.FULL, child


def with_generated(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The app's routes: the literal-first guard, the stateful `routes`, then the catch-all."""
    return [LiteralFirstRoute(routes), *routes, GeneratedRoute()]
