"""The HTTP core every product client (and the manager surface) is built on.

`HttpCore` owns one `httpx2.AsyncClient` with an injectable transport (the real network, a
`MockTransport` in unit tests, an `ASGITransport` to the in-process sandbox) and does, for every
request: authentication headers, the rate limiter, a hard deadline, retries, envelope unwrap and
the mapping of failures onto `infomaniak_mcp.api.errors`, all within one overall deadline per
logical request. `ApiHttp` is the public API
(`https://api.infomaniak.com`, bearer token); `ManagerHttp` (in `manager.py`) is the
cookie-authenticated manager surface.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, Self, TypedDict, TypeVar, Unpack, overload
from urllib.parse import quote

import anyio
from pydantic import BaseModel

from infomaniak_mcp import __version__
from infomaniak_mcp.api._envelope import (
    ApiResponse,
    Paged,
    body_request_id,
    decode_json_body,
    parse_retry_after,
    unwrap,
)
from infomaniak_mcp.api._models import parse_model
from infomaniak_mcp.api.errors import (
    BadResponseError,
    ConnectionFailedError,
    InfomaniakError,
    NotConfiguredError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    error_from_response,
)
from infomaniak_mcp.api.ratelimit import Clock, LimiterDeadline, RateLimiter, Sleep, report_wait
from infomaniak_mcp.config import DEFAULT_REQUEST_DEADLINE, TOKEN_HELP, Secret
from infomaniak_mcp.safety.redact import redact_text, register_secret

if TYPE_CHECKING:  # httpx2 itself is imported on first use: stdio start-up does not pay for it
    import httpx2

M = TypeVar("M", bound=BaseModel)

USER_AGENT = f"infomaniak-mcp/{__version__}"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
DEADLINE_CODE = "request_deadline"  # RequestTimeoutError.code when the overall deadline (not one attempt's) passed
# 5xx answers that are not transient: retrying cannot help, so they are raised at once with this next step.
PERMANENT_SERVER_ERRORS: dict[str, str] = {
    "drive_is_in_maintenance_error": (
        "This kDrive is locked or in maintenance (e.g. an unpaid invoice, or being moved); every operation "
        "on it fails until that ends, so retrying now will not help. List the drives (in_maintenance, "
        "maintenance_reason) or check it in the Manager."
    ),
}
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")
PageStyle = Literal["page", "offset", "cursor", "mattermost"]
Params = Mapping[str, Any]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

log = logging.getLogger(__name__)


SANDBOX_GENERATED_HEADER = "x-sandbox-generated"
"""Set by the sandbox on answers it generated from the spec (operations it does not simulate statefully)."""
SANDBOX_NOTE = "sandbox: example data generated from the spec; this operation is not simulated statefully"
_generated: ContextVar[list[str] | None] = ContextVar("infomaniak_mcp_generated", default=None)


@contextlib.contextmanager
def watch_generated() -> Iterator[list[str]]:
    """Collect `METHOD path` of every answer inside this block (and the tasks it starts) that the sandbox
    generated from the spec (`X-Sandbox-Generated`); an enclosing block sees them too."""
    outer = _generated.get()
    seen: list[str] = []
    token = _generated.set(seen)
    try:
        yield seen
    finally:
        _generated.reset(token)
        if outer is not None:
            outer.extend(seen)


def path_segment(value: str | int) -> str:
    """Quote one path segment (`/` and friends escaped); refuse empty, `.` and `..`."""
    text = str(value).strip()
    if text in ("", ".", ".."):
        raise ValueError(f"invalid path segment {text!r}")
    return quote(text, safe="@:")


def _clean_params(params: Params | None) -> dict[str, Any]:
    if not params:
        return {}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):  # Laravel's `boolean` rule accepts 1/0, not the strings true/false
            out[key] = "1" if value else "0"
        elif isinstance(value, list | tuple):
            if value:
                out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out


class HttpOptions(TypedDict, total=False):
    """`HttpCore`'s keyword options, forwarded unchanged by `ApiHttp` and `ManagerHttp`."""

    transport: httpx2.AsyncBaseTransport | None
    limiter: RateLimiter | None
    timeout: float
    max_retries: int
    clock: Clock
    sleep: Sleep
    rng: Callable[[], float]
    wall_clock: Clock
    backoff_base: float
    backoff_cap: float
    max_retry_after: float
    request_deadline: float | None


class HttpCore:
    """One HTTP exchange policy for every Infomaniak surface.

    Retry policy (each *attempt* first waits for the rate limiter, then runs under a hard
    deadline of `timeout` seconds, enforced with `anyio.fail_after` around the whole exchange —
    connect, send, read the complete body — because transport-level timeouts are not honoured by
    every transport):

    * **429 Too Many Requests** — retried for *every* method (a 429 means nothing was done), up
      to `max_retries` times. The wait is `Retry-After` (seconds or HTTP date) when the server
      sends one, else full-jitter exponential backoff `rng() * min(backoff_cap, backoff_base *
      2**n)`. The wait is applied to the token's limiter (`penalize`), so every caller sharing
      the token waits, not just this one. A `Retry-After` longer than `max_retry_after`, or
      retries exhausted, raises `RateLimitedError` with `retry_after`.
    * **500/502/503/504, deadline exceeded, connection errors** — retried *only* for idempotent
      methods (GET, HEAD, PUT, DELETE, OPTIONS), up to `max_retries` times, after a capped
      full-jitter exponential backoff (same formula). POST and PATCH are never retried: the first
      attempt may have taken effect. The last failure is raised (`ServerError`,
      `RequestTimeoutError`, `ConnectionFailedError`).
    * **Anything else** (4xx, a 200 whose `result` is not `success`, a body that is not the
      envelope) is raised at once as the matching error; never retried. Subclasses may add one
      surface-specific retry (the manager retries a 419 once after taking rotated cookies).

    * **Permanent 5xx** (`PERMANENT_SERVER_ERRORS`, e.g. 503 `drive_is_in_maintenance_error`: the
      kDrive is locked) — raised at once, never retried, with a next step saying why.

    **Overall deadline**: one logical request — limiter queueing, every attempt, backoff sleeps and
    `Retry-After` waits — ends within `request_deadline` seconds (default `max(90, timeout)`),
    measured on `clock`. Each attempt runs under `min(timeout, time left)`; a limiter wait that
    would end after the deadline gives up at once (`RequestTimeoutError`); a retry whose wait
    would end after it is not made (the last failure is raised: a `RateLimitedError` keeps its
    `retry_after`).

    So a call makes at most `max_retries + 1` attempts (+1 for a surface retry), each bounded by
    `timeout`, with bounded sleeps in between, all within `request_deadline`: nothing can hang.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
        rng: Callable[[], float] = random.random,
        wall_clock: Clock = time.time,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        request_deadline: float | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if request_deadline is not None and request_deadline <= 0:
            raise ValueError("request_deadline must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.request_deadline = (
            request_deadline if request_deadline is not None else max(DEFAULT_REQUEST_DEADLINE, timeout)
        )
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._wall_clock = wall_clock
        self.limiter = limiter if limiter is not None else RateLimiter(60, 60.0, clock=clock, sleep=sleep)
        self._transport = transport
        self._http_client: httpx2.AsyncClient | None = None
        self._closed = False

    @property
    def _client(self) -> httpx2.AsyncClient:
        """The underlying client, created on first use (building TLS contexts costs start-up time)."""
        import httpx2

        if self._http_client is None:
            if self._closed:
                raise RuntimeError(f"{type(self).__name__} is closed")
            self._http_client = httpx2.AsyncClient(
                base_url=self.base_url,
                transport=self._transport,
                timeout=httpx2.Timeout(self.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http_client

    # ----------------------------------------------------------------- hooks for subclasses
    async def _preflight(self) -> None:
        """Raise a configuration error before queueing for the limiter (no token, no session…)."""

    def _auth_headers(self) -> dict[str, str]:
        """Headers that authenticate one attempt, computed right before it is sent."""
        return {}

    def _observe(self, response: httpx2.Response) -> None:
        """Called with every response before it is interpreted (cookie rotation…)."""

    async def _surface_retry(self, error: InfomaniakError, used: int) -> bool:
        """Return True to retry once more after `error` (e.g. the manager's 419); `used` so far."""
        return False

    def _convert(self, error: InfomaniakError) -> InfomaniakError:
        """Last chance to re-type an error for this surface."""
        return error

    # ----------------------------------------------------------------- lifecycle
    async def aclose(self) -> None:
        self._closed = True
        if self._http_client is not None:
            await self._http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ----------------------------------------------------------------- requests
    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number `attempt` (0-based)."""
        return float(self._rng() * min(self.backoff_cap, self.backoff_base * 2.0**attempt))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """Send one logical request (with the retry policy) and return the unwrapped envelope."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        query = _clean_params(params)
        body = json if json is not None or method not in _BODY_METHODS else {}
        deadline = self._clock() + self.request_deadline
        retries = 0
        surface_retries = 0
        while True:
            try:
                return await self._attempt(method, path, query, body, headers, deadline)
            except RateLimitedError as err:
                wait = err.retry_after if err.retry_after is not None else self.backoff(retries)
                self.limiter.penalize(self._clock() + min(wait, self.max_retry_after))
                err.retry_after = wait
                if retries >= self.max_retries or wait > self.max_retry_after or self._clock() + wait > deadline:
                    raise self._convert(err) from None
                retries += 1
                log.info("429 on %s %s: retry %d after %.1f s", method, err.path, retries, wait)
            except (ServerError, RequestTimeoutError, ConnectionFailedError) as err:
                if err.code == DEADLINE_CODE:
                    raise self._convert(err) from None
                permanent = isinstance(err, ServerError) and err.code in PERMANENT_SERVER_ERRORS
                if permanent:
                    err.hint = err.hint or PERMANENT_SERVER_ERRORS[err.code]
                retryable = not permanent and (not isinstance(err, ServerError) or err.status in RETRYABLE_STATUSES)
                if not (idempotent and retryable and retries < self.max_retries):
                    raise self._convert(err) from None
                delay = self.backoff(retries)
                if self._clock() + delay >= deadline:
                    raise self._convert(err) from None
                retries += 1
                log.info("%s on %s %s: retry %d after %.1f s", err.code, method, err.path, retries, delay)
                await report_wait(delay, f"a retry after {err.code} on {method} {err.path}")
                await self._sleep(delay)
            except InfomaniakError as err:
                if await self._surface_retry(err, surface_retries):
                    surface_retries += 1
                    continue
                raise self._convert(err) from None

    async def _attempt(
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        body: Any,
        headers: Mapping[str, str] | None,
        deadline: float,
    ) -> ApiResponse:
        await self._preflight()
        where: dict[str, Any] = {"method": method, "path": path}
        try:
            await self.limiter.acquire(deadline)
        except LimiterDeadline as exc:
            raise self._deadline_error(f"{exc}; nothing was sent", where, sent=False) from None
        left = deadline - self._clock()
        if left <= 0:
            raise self._deadline_error("no time was left to send it", where, sent=False)
        limit = min(self.timeout, left)
        auth = self._auth_headers()
        request = self._client.build_request(
            method, path, params=query or None, json=body, headers={**auth, **(headers or {})}
        )
        import httpx2

        where["path"] = request.url.path
        try:
            with anyio.fail_after(limit):
                response = await self._client.send(request)
        except TimeoutError:
            if limit < self.timeout:
                raise self._deadline_error(f"no complete answer in the {limit:.1f} s left", where) from None
            raise RequestTimeoutError(
                description=f"no complete answer within the {self.timeout:g} s deadline", **where
            ) from None
        except httpx2.TimeoutException as exc:
            raise RequestTimeoutError(
                description=f"{type(exc).__name__} after at most {self.timeout:g} s", **where
            ) from None
        except httpx2.TransportError as exc:
            reason = redact_text(str(exc))[:120] or "no detail"
            raise ConnectionFailedError(description=f"{type(exc).__name__}: {reason}", **where) from None
        self._observe(response)
        if response.headers.get(SANDBOX_GENERATED_HEADER) and (seen := _generated.get()) is not None:
            seen.append(f"{method} {request.url.path}")
        return self._interpret(response, method, request.url.path)

    def _deadline_error(self, why: str, where: dict[str, Any], *, sent: bool = True) -> RequestTimeoutError:
        return RequestTimeoutError(
            code=DEADLINE_CODE,
            sent=sent,
            description=f"the request's overall deadline of {self.request_deadline:g} s passed: {why}",
            hint=(
                "The API is busy or rate-limited (queueing, retries and waits all count against the deadline); "
                "nothing more will be sent for this call. Retry in a minute, or make fewer calls at once."
            ),
            **where,
        )

    def _interpret(self, response: httpx2.Response, method: str, path: str) -> ApiResponse:
        status = response.status_code
        request_id = next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)
        ctype = response.headers.get("content-type", "")
        where: dict[str, Any] = {"status": status, "method": method, "path": path, "request_id": request_id}
        if 300 <= status < 400:
            import httpx2

            location = httpx2.URL(response.headers.get("location", ""))
            target = f"{location.host}{location.path}" if location.host else location.path or "elsewhere"
            raise BadResponseError(
                code="redirected",
                description=f"HTTP {status} redirect to {target} (a login page?) instead of a JSON answer",
                **where,
            )
        if status >= 400:
            try:
                body: Any = decode_json_body(response.content, ctype, **where)
            except BadResponseError as bad:
                body, note = {}, f"HTTP {status} with a body that is not JSON ({bad.code})"
            else:
                note = ""
            retry_after = None
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall_clock())
            err = error_from_response(
                status,
                body,
                method=method,
                path=path,
                request_id=request_id or body_request_id(body),
                retry_after=retry_after,
            )
            if note:
                err.description = note
            raise err
        if status == 204 or (not response.content.strip() and method in ("DELETE", "HEAD")):
            return ApiResponse(data=None, status=status, request_id=request_id)
        decoded = decode_json_body(response.content, ctype, **where)
        if isinstance(decoded, dict) and decoded.get("result") == "error":
            raise error_from_response(
                status, decoded, method=method, path=path, request_id=request_id or body_request_id(decoded)
            )
        envelope = unwrap(decoded, status=status, method=method, path=path, request_id=request_id)
        if envelope.result not in ("success", "asynchronous"):
            raise BadResponseError(
                code="unexpected_result",
                description=f"the envelope's result is {envelope.result[:30]!r}, not 'success'",
                **where,
            )
        return envelope

    # ----------------------------------------------------------------- verbs (return `data`)
    async def get(self, path: str, params: Params | None = None) -> Any:
        return (await self.request("GET", path, params=params)).data

    async def post(self, path: str, json: Any = None, *, params: Params | None = None) -> Any:
        return (await self.request("POST", path, params=params, json=json)).data

    async def put(self, path: str, json: Any = None, *, params: Params | None = None) -> Any:
        return (await self.request("PUT", path, params=params, json=json)).data

    async def patch(self, path: str, json: Any = None, *, params: Params | None = None) -> Any:
        return (await self.request("PATCH", path, params=params, json=json)).data

    async def delete(self, path: str, json: Any = None, *, params: Params | None = None) -> Any:
        """DELETE, with a JSON body when one is given (some routes take the ids in the body)."""
        return (await self.request("DELETE", path, params=params, json=json)).data

    async def get_model(self, model: type[M], path: str, params: Params | None = None) -> M:
        """GET and validate `data` as `model` (a mismatch is a `BadResponseError`)."""
        return parse_model(model, await self.get(path, params), method="GET", path=path)

    # ----------------------------------------------------------------- pagination
    @overload
    async def paginate(
        self,
        path: str,
        params: Params | None = None,
        *,
        model: type[M],
        style: PageStyle = "page",
        page_size: int = 100,
        size_param: str = "per_page",
        max_items: int = 5000,
        max_requests: int = 100,
    ) -> Paged[M]: ...

    @overload
    async def paginate(
        self,
        path: str,
        params: Params | None = None,
        *,
        model: None = None,
        style: PageStyle = "page",
        page_size: int = 100,
        size_param: str = "per_page",
        max_items: int = 5000,
        max_requests: int = 100,
    ) -> Paged[Any]: ...

    async def paginate(
        self,
        path: str,
        params: Params | None = None,
        *,
        model: type[M] | None = None,
        style: PageStyle = "page",
        page_size: int = 100,
        size_param: str = "per_page",
        max_items: int = 5000,
        max_requests: int = 100,
    ) -> Paged[M] | Paged[Any]:
        """Fetch every item of a list route, up to `max_items` items and `max_requests` requests.

        Styles: `page` sends `page` (from 1) and `size_param` (`per_page`) and reads `pages`/`total`;
        `offset` sends `limit`/`skip`; `cursor` sends `limit` and re-sends `cursor` while `has_more`;
        `mattermost` (kChat: a plain JSON list, no envelope) sends `page` from 0 and `size_param`
        (`per_page`, `pageSize` on a few routes) and stops on a short page. The walk stops on an
        empty page, on a page identical to the previous one (a route that ignores paging), on a
        repeated cursor, and at the caps; `truncated` says a cap (or a paging fault) left items
        unfetched.
        """
        if page_size < 1 or max_items < 1 or max_requests < 1:
            raise ValueError("page_size, max_items and max_requests must be positive")
        base = dict(params or {})
        items: list[Any] = []
        total: int | None = None
        truncated = False
        requests = 0
        page, skip, cursor = (0 if style == "mattermost" else 1), 0, None
        previous: list[Any] | None = None
        while True:
            if requests >= max_requests:
                truncated = True
                break
            if style in ("page", "mattermost"):
                query = {**base, "page": page, size_param: page_size}
            elif style == "offset":
                query = {**base, "limit": page_size, "skip": skip}
            else:
                query = {**base, "limit": page_size, **({"cursor": cursor} if cursor else {})}
            response = await self.request("GET", path, params=query)
            requests += 1
            batch = response.data
            if not isinstance(batch, list):
                raise BadResponseError(
                    code="unexpected_shape",
                    description=f"expected a list in 'data', got {type(batch).__name__}",
                    method="GET",
                    path=path,
                    request_id=response.request_id,
                )
            if response.total is not None:
                total = response.total
            if not batch:
                break
            if style != "cursor" and batch == previous:
                truncated = total is None or len(items) < total
                break
            previous = batch
            items.extend(batch)
            more = self._has_more(style, response, batch, page_size, len(items), total, page)
            if len(items) >= max_items:
                truncated = len(items) > max_items or more
                del items[max_items:]
                break
            if not more:
                break
            if style in ("page", "mattermost"):
                page += 1
            elif style == "offset":
                skip += len(batch)
            else:
                if response.cursor is None or response.cursor == cursor:
                    truncated = True
                    break
                cursor = response.cursor
        if total is None and not truncated:
            total = len(items)
        paged: Paged[Any] = Paged(items, total, truncated, requests)
        if model is None:
            return paged
        return paged.map(lambda item: parse_model(model, item, method="GET", path=path))

    @staticmethod
    def _has_more(
        style: PageStyle,
        response: ApiResponse,
        batch: list[Any],
        page_size: int,
        fetched: int,
        total: int | None,
        page: int,
    ) -> bool:
        if style == "cursor":
            return bool(response.has_more)
        if style == "mattermost":  # no total, no page count: a short page is the last
            return len(batch) >= page_size
        if style == "page" and response.pages is not None:
            return page < response.pages
        if total is not None:
            return fetched < total
        return len(batch) >= page_size


_ApiHttpT = TypeVar("_ApiHttpT", bound="ApiHttp")


class ApiHttp(HttpCore):
    """The public API (`https://api.infomaniak.com`): `Authorization: Bearer <token>`.

    Without a token every request raises `NotConfiguredError` explaining how to create one.
    The retry policy is `HttpCore`'s (see there).
    """

    def __init__(self, base_url: str, token: Secret | None, **options: Unpack[HttpOptions]) -> None:
        super().__init__(base_url, **options)
        self._token = token
        if token is not None:
            register_secret(token.reveal())

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def __repr__(self) -> str:
        return f"ApiHttp({self.base_url!r}, token={'set' if self._token else 'missing'})"

    def derive(self, cls: type[_ApiHttpT], base_url: str) -> _ApiHttpT:
        """A sibling client (`cls`, an `ApiHttp` subclass) for another host — e.g. a kChat team's —
        sharing this one's token, transport, rate limiter, deadline and retry budget."""
        return cls(
            base_url, self._token, transport=self._transport, limiter=self.limiter,
            timeout=self.timeout, max_retries=self.max_retries, request_deadline=self.request_deadline,
        )

    async def _preflight(self) -> None:
        if self._token is None:
            raise NotConfiguredError(description=TOKEN_HELP)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"} if self._token is not None else {}
