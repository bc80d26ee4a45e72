"""Route declaration shared by the route modules.

Each handler is declared once with its surface and scope:

    routes = RouteTable()

    @routes.get("/2/zones/{zone}", scope="dns:read")   # spec + facts §5.6
    async def show_zone(request: Request) -> Response: ...

Path templates of documented operations are written exactly as in the spec (same parameter
names), so `route.path` is the spec template and the contract test can derive the list of
implemented documented operations from the app's routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infomaniak_mcp.sandbox.auth import ManagerSession, has_scope
from infomaniak_mcp.sandbox.envelope import ApiError
from infomaniak_mcp.sandbox.state import SandboxState

Surface = Literal["public", "manager", "admin"]
Handler = Callable[[Request], Awaitable[Response]]
CTX_KEY = "infomaniak_sandbox.ctx"


@dataclass
class RequestContext:
    """What the front door learned about the caller (stored in the ASGI scope)."""

    surface: Surface
    request_id: str
    token: str | None = None
    scopes: frozenset[str] = frozenset()
    session: ManagerSession | None = None


@dataclass(frozen=True)
class RouteMeta:
    surface: Surface
    scope: str | None
    mirror_of: str | None = None


class ApiRoute(Route):
    """A Starlette route that knows its surface and required scope."""

    def __init__(self, path: str, handler: Handler, *, methods: list[str], meta: RouteMeta) -> None:
        self.meta = meta
        self.handler = handler

        async def endpoint(request: Request) -> Response:
            ctx = context_of(request)
            if meta.scope is not None and ctx.surface == "public" and not has_scope(ctx.scopes, meta.scope):
                raise ApiError(
                    403,
                    "access_denied",
                    f"This token does not have the required scope: {meta.scope}",
                )
            return await handler(request)

        super().__init__(path, endpoint, methods=methods)


@dataclass
class RouteTable:
    """Collects the routes of one module."""

    surface: Surface = "public"
    routes: list[ApiRoute] = field(default_factory=list)

    def add(self, method: str, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            meta = RouteMeta(surface=self.surface, scope=scope)
            self.routes.append(ApiRoute(path, handler, methods=[method], meta=meta))
            return handler

        return decorate

    def get(self, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        return self.add("GET", path, scope=scope)

    def post(self, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        return self.add("POST", path, scope=scope)

    def put(self, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        return self.add("PUT", path, scope=scope)

    def patch(self, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        return self.add("PATCH", path, scope=scope)

    def delete(self, path: str, *, scope: str | None) -> Callable[[Handler], Handler]:
        return self.add("DELETE", path, scope=scope)


def mirror_on_manager(route: ApiRoute) -> ApiRoute:
    """The same handler under `/proxy` (the manager proxies the whole API with the session)."""
    meta = RouteMeta(surface="manager", scope=None, mirror_of=route.path)
    return ApiRoute("/proxy" + route.path, route.handler, methods=sorted(route.methods or ()), meta=meta)


def context_of(request: Request) -> RequestContext:
    return cast(RequestContext, request.scope[CTX_KEY])


def state_of(request: Request) -> SandboxState:
    return cast(SandboxState, request.app.state.sandbox)


def via_manager(request: Request) -> bool:
    return context_of(request).surface == "manager"


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body ({} when empty); anything else → 400."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object")
    return body


def path_int(request: Request, name: str, what: str = "Object") -> int:
    """An integer path parameter; non-numeric → 404 like an unknown id."""
    raw = str(request.path_params[name])
    if not raw.isdigit():
        raise ApiError(404, "object_not_found", f"{what} not found")
    return int(raw)
