"""The sandbox ASGI app: one Starlette app serving both surfaces, plus `serve()`.

Path families:
- `/1/...`, `/2/...`, `/3/...`: the public API (Bearer token, scopes, 60/min) — auth.py;
- `/proxy/...`: the manager-private surface (SASESSION cookie + X-XSRF-TOKEN), which also
  mirrors every public route;
- `/_sandbox/...`: admin (faults, clock, reset, recorded requests), full sandbox token;
- `/login`: the HTML login page (target of the `html_login` fault's 302).

The front door (`FrontDoor`, pure ASGI) runs for every request, in this order: request id,
`X-HTTP-METHOD-OVERRIDE` / `_method` (facts §1, DEV), faults, authentication (401/419),
rate limit (429), routing (unknown route or method → 404 `method_not_found`), scope check
(403), handler; then XSRF rotation cookies, `X-Request-Id` on every response, and recording.

kChat paths (`/api/v4/...`) answer plain Mattermost JSON, so every error there — whoever raises
it: front door (401, 429, faults), scope check (403), unknown route (404), handlers — is a
Mattermost `AppError` `{status_code, id, message, request_id}` without the envelope (facts §2;
`error_response` is the one place that decides).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infomaniak_mcp.sandbox.auth import SANDBOX_TOKEN, RateLimiter
from infomaniak_mcp.sandbox.clock import SandboxClock
from infomaniak_mcp.sandbox.envelope import ApiError, login_page, method_not_found
from infomaniak_mcp.sandbox.faults import FaultConfig, FaultRule
from infomaniak_mcp.sandbox.generated import with_generated
from infomaniak_mcp.sandbox.routes import all_routes
from infomaniak_mcp.sandbox.routing import CTX_KEY, RequestContext
from infomaniak_mcp.sandbox.runtime import SECRET_HEADERS, RecordedExchange, SandboxRuntime, parse_json
from infomaniak_mcp.sandbox.state import SandboxState

logger = logging.getLogger(__name__)
XSRF_COOKIE = "MANAGER-XSRF-TOKEN"
MALFORMED_BODY = b'{"result":"success","data":[{"id":1,"name":"sandbox'
_SERVER_ERROR_CODES = {502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout"}
KCHAT_PREFIX = "/api/v4/"
# Mattermost AppError ids by status (401/403/404 are Mattermost's own generic ids; the 429 one is
# a guess: stock Mattermost answers "limit exceeded" in plain text, the spec says AppError).
_APP_ERROR_IDS = {
    400: "api.context.invalid_param.app_error",
    401: "api.context.session_expired.app_error",
    403: "api.context.permissions.app_error",
    404: "api.context.404.app_error",
    429: "api.context.rate_limit.app_error",
}


def is_kchat(path: str) -> bool:
    return path.startswith(KCHAT_PREFIX) or path == KCHAT_PREFIX.rstrip("/")


def error_response(exc: ApiError, path: str, request_id: str | None) -> Response:
    """`exc` as the surface answers it: the error envelope, or a Mattermost AppError on kChat paths."""
    if not is_kchat(path):
        return exc.response()
    body = {
        "status_code": exc.status,
        "id": _APP_ERROR_IDS.get(exc.status, f"api.context.{exc.code}.app_error"),
        "message": exc.description,
        "request_id": request_id or "",
    }
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


def _xsrf_cookie(value: str) -> str:
    return f"{XSRF_COOKIE}={value}; Path=/; SameSite=Lax"


def _fault_response(rule: FaultRule, path: str, request_id: str) -> Response:
    if rule.kind == "server_error":
        status = rule.status or 500
        code = _SERVER_ERROR_CODES.get(status, "unexpected_error")
        return error_response(ApiError(status, code, "An unexpected error occurred"), path, request_id)
    if rule.kind == "rate_limit_burst":
        # Retry-After is a guess (facts §4); `retry_after: null` leaves it out (faults.py)
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
        return error_response(ApiError(429, "too_many_request", "Too many request", headers=headers), path, request_id)
    if rule.kind == "malformed_json":
        return Response(MALFORMED_BODY, status_code=200, media_type="application/json")
    if rule.status == 302:  # html_login
        return RedirectResponse("/login?redirect=manager", status_code=302)
    return login_page(200)


class FrontDoor:
    """Pure ASGI middleware in front of the router (see module docstring)."""

    def __init__(self, app: ASGIApp, runtime: SandboxRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime = self.runtime
        request_id = runtime.next_request_id()
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        headers = Headers(scope=scope)
        scope = dict(scope)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        override = headers.get("x-http-method-override") or dict(query).get("_method")
        if scope["method"] == "POST" and override:
            scope["method"] = override.upper()
        method, path = scope["method"], scope["path"]

        if path == "/login":
            await self._finish(login_page(200), scope, replay, send, request_id, None)
            return
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            if headers.get("authorization", "") != f"Bearer {SANDBOX_TOKEN}":
                response = ApiError(401, "not_authorized", "Authorization required").response()
                await self._finish(response, scope, replay, send, request_id, None)
                return
            scope[CTX_KEY] = RequestContext(surface="admin", request_id=request_id, token=SANDBOX_TOKEN)
            await self._route(scope, replay, send, request_id, [])
            return

        surface = "manager" if path == "/proxy" or path.startswith("/proxy/") else "public"
        delay, rule = runtime.faults.select(method, path)
        if delay > 0:
            await runtime.faults.sleep(delay)
        if rule is not None and rule.kind == "silent":
            await self._hang(receive)
            return
        if rule is not None:
            exchange = self._exchange(scope, query, headers, body, surface)
            await self._finish(_fault_response(rule, path, request_id), scope, replay, send, request_id, exchange)
            return

        extra_cookies: list[str] = []
        try:
            ctx = self._authenticate(surface, headers, request_id, extra_cookies)
        except ApiError as exc:
            response = error_response(exc, path, request_id)
            for cookie in extra_cookies:
                response.headers.append("set-cookie", cookie)
            exchange = self._exchange(scope, query, headers, body, surface)
            await self._finish(response, scope, replay, send, request_id, exchange)
            return
        scope[CTX_KEY] = ctx
        captured = await self._route(scope, replay, send, request_id, extra_cookies)
        route = scope.get("route")
        exchange = self._exchange(scope, query, headers, body, surface, route=getattr(route, "path", None))
        runtime.record(
            RecordedExchange(
                **{**exchange, "status": captured["status"], "response": parse_json(captured["body"])}
            )
        )

    # ---- steps -------------------------------------------------------------------------------
    def _authenticate(
        self, surface: str, headers: Headers, request_id: str, extra_cookies: list[str]
    ) -> RequestContext:
        state = self.runtime.state
        if surface == "public":
            auth = headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
            if not token or token not in state.tokens or token in state.revoked_tokens:
                raise ApiError(401, "not_authorized", "Authorization required")
            limiter = self.runtime.limiter
            if limiter is not None:
                retry_after = limiter.acquire(token)
                if retry_after is not None:  # the Retry-After header is a guess (facts §4, auth.py)
                    raise ApiError(
                        429, "too_many_request", "Too many request", headers={"Retry-After": str(retry_after)}
                    )
            return RequestContext(
                surface="public", request_id=request_id, token=token, scopes=state.tokens[token]
            )
        cookies = cookie_parser(headers.get("cookie", ""))
        session = state.manager_sessions.get(cookies.get("SASESSION", ""))
        if session is None:
            raise ApiError(
                401, "not_authorized", "Authorization required: the manager session is missing or expired"
            )
        sent = headers.get("x-xsrf-token")
        cookie_value = unquote(cookies.get(XSRF_COOKIE, ""))
        if not sent or sent != cookie_value or sent != session.xsrf:
            extra_cookies.append(_xsrf_cookie(session.xsrf))
            raise ApiError(419, "token_mismatch", "CSRF token mismatch.")
        rotated = session.count_accepted()
        if rotated is not None:
            extra_cookies.append(_xsrf_cookie(rotated))
        return RequestContext(surface="manager", request_id=request_id, session=session)

    async def _route(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, extra_cookies: list[str]
    ) -> dict[str, Any]:
        captured: dict[str, Any] = {"status": 0, "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                out = MutableHeaders(scope=message)
                out["x-request-id"] = request_id
                for cookie in extra_cookies:
                    out.append("set-cookie", cookie)
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, capture)
        return captured

    async def _finish(
        self,
        response: Response,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: str,
        exchange: dict[str, Any] | None,
    ) -> None:
        response.headers["x-request-id"] = request_id
        await response(scope, receive, send)
        if exchange is not None:
            body = getattr(response, "body", b"")
            self.runtime.record(
                RecordedExchange(**{**exchange, "status": response.status_code, "response": parse_json(body)})
            )

    @staticmethod
    async def _hang(receive: Receive) -> None:
        """The `silent` fault: answer nothing until the client goes away (or we are cancelled)."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    @staticmethod
    def _exchange(
        scope: Scope,
        query: list[tuple[str, str]],
        headers: Headers,
        body: bytes,
        surface: str,
        route: str | None = None,
    ) -> dict[str, Any]:
        multi: dict[str, list[str]] = {}
        for key, value in query:
            multi.setdefault(key, []).append(value)
        return {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "surface": surface,
            "query": multi,
            "headers": {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS},
            "body": parse_json(body),
        }


# ---- exception handlers ------------------------------------------------------------------------
def _request_id(request: Request) -> str | None:
    ctx = request.scope.get(CTX_KEY)
    return ctx.request_id if isinstance(ctx, RequestContext) else None


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc, request.url.path, _request_id(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    # unknown path or method on a known path: the API says method_not_found (facts §2)
    return error_response(method_not_found(), request.url.path, _request_id(request))


async def _crash(request: Request, exc: Exception) -> Response:
    logger.error("sandbox handler crashed: %s", type(exc).__name__)
    error = ApiError(500, "unexpected_error", "An unexpected error occurred")
    return error_response(error, request.url.path, _request_id(request))


def create_app(
    state: SandboxState | None = None,
    *,
    faults: FaultConfig | None = None,
    clock: SandboxClock | None = None,
    rate_limit: int | None = 60,
    rate_clock: Callable[[], float] | None = None,
    recorder: list[RecordedExchange] | None = None,
) -> Starlette:
    """Build a sandbox app.

    - `state`: the data (default: `SandboxState.seeded(clock)`); `clock`: the business clock
      (default: the state's clock, or `SandboxClock()` at `SANDBOX_EPOCH`).
    - `faults`: fault rules (default: from `INFOMANIAK_SANDBOX_FAULTS`, else none).
    - `rate_limit`: requests per sliding 60 s per token (None disables); `rate_clock`: the
      window's time source (default `time.monotonic`).
    - `recorder`: when given, every exchange (except admin ones) is appended to it.
    """
    if state is None:
        state = SandboxState.seeded(clock or SandboxClock())

        def fresh() -> SandboxState:
            return SandboxState.seeded(state.clock)

    else:
        if clock is not None:
            state.clock = clock
        pristine = state.snapshot()

        def fresh() -> SandboxState:
            copy_ = pristine.snapshot()
            copy_.clock = state.clock
            return copy_

    limiter = RateLimiter(rate_limit, rate_clock or time.monotonic) if rate_limit is not None else None
    runtime = SandboxRuntime(
        state=state,
        faults=faults if faults is not None else FaultConfig.from_env(),
        limiter=limiter,
        recorder=recorder,
        fresh_state=fresh,
    )
    app = Starlette(
        routes=with_generated(all_routes()),  # + documented operations without state: generated.py
        middleware=[Middleware(FrontDoor, runtime=runtime)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _crash},
    )
    app.state.sandbox = state
    app.state.runtime = runtime
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8765, **create_app_kwargs: Any) -> None:
    """Serve the sandbox with uvicorn on a loopback address only (blocks until stopped)."""
    if not _is_loopback(host):
        raise ValueError(
            f"The sandbox only listens on loopback addresses (127.0.0.1, ::1, localhost), not {host!r}: "
            "it accepts a well-known token and must not be reachable from the network."
        )
    import uvicorn

    if "state" not in create_app_kwargs and "clock" not in create_app_kwargs:
        create_app_kwargs["clock"] = SandboxClock.today()
    app = create_app(**create_app_kwargs)
    logger.info(
        "Infomaniak sandbox listening on http://%s:%d (both surfaces; demo credentials: README, 'Sandbox for other "
        "clients')",
        host,
        port,
    )
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
