"""The manager-private surface: `https://manager.infomaniak.com/proxy/...` with a browser session.

Some operations (web-hosting writes, Node.js, VPS) only work through the manager's own proxy,
which is authenticated like the web app: cookie `SASESSION` plus header `X-XSRF-TOKEN` carrying
the (URL-decoded) value of cookie `MANAGER-XSRF-TOKEN`. Bearer tokens are not accepted there.

* Every response may rotate the cookies (`Set-Cookie`); `ManagerSession` takes them in place, so
  the next request sends the current values.
* A 419 `token_mismatch` (CSRF failure) is retried once, after taking the cookies the 419 set
  (and, in `auto` mode, re-reading the browser); a second 419 raises `TokenMismatchError` whose
  next step says how to refresh the session.
* A 401, a redirect to a login page or an HTML login page means the session expired:
  `ManagerSessionError`.

Session sources (`INFOMANIAK_AUTH_MODE`): `manual` (cookies from `INFOMANIAK_SASESSION` and
`INFOMANIAK_XSRF_TOKEN`), `auto` (read from the local Chrome/Firefox profile through the optional
`rookiepy` extra, lazily, on the first manager call), `none` (every call raises
`ManagerSessionError`). Deadline, rate limit, retries and error mapping are `HttpCore`'s.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Unpack
from urllib.parse import unquote

import anyio
import anyio.to_thread

from infomaniak_mcp.api._http import HttpCore, HttpOptions
from infomaniak_mcp.api.errors import (
    BadResponseError,
    InfomaniakError,
    ManagerSessionError,
    TokenMismatchError,
    UnauthorizedError,
)
from infomaniak_mcp.config import AuthMode, Secret
from infomaniak_mcp.safety.redact import register_secret

if TYPE_CHECKING:
    import httpx2

SESSION_COOKIE = "SASESSION"
XSRF_COOKIE = "MANAGER-XSRF-TOKEN"
XSRF_HEADER = "X-XSRF-TOKEN"
MANAGER_LOGIN_URL = "https://manager.infomaniak.com"
_DELETED_VALUES = frozenset({"", "deleted"})

log = logging.getLogger(__name__)

CookieLoader = Callable[[], Mapping[str, str]]

BROWSER_EXTRA_HINT = (
    "Install the browser extra: pip install 'infomaniak-mcp[browser]' (or uv sync --extra browser), "
    "or set INFOMANIAK_AUTH_MODE=manual with INFOMANIAK_SASESSION and INFOMANIAK_XSRF_TOKEN."
)
BROWSER_LOGIN_HINT = (
    f"Log in to {MANAGER_LOGIN_URL} in Chrome or Firefox on this machine first, then retry "
    "(or set INFOMANIAK_AUTH_MODE=manual with INFOMANIAK_SASESSION and INFOMANIAK_XSRF_TOKEN)."
)
MANUAL_REFRESH_HINT = (
    f"The manager session is no longer accepted. Log in to {MANAGER_LOGIN_URL} in your browser, copy "
    "the SASESSION cookie into INFOMANIAK_SASESSION and the MANAGER-XSRF-TOKEN cookie into "
    "INFOMANIAK_XSRF_TOKEN, and restart the server (or use INFOMANIAK_AUTH_MODE=auto)."
)
AUTO_REFRESH_HINT = (
    f"The browser's manager session is no longer accepted. Open {MANAGER_LOGIN_URL} in Chrome or "
    "Firefox, log in again (or reload the page), then retry."
)


def parse_set_cookie(header: str, now: float) -> tuple[str, str | None] | None:
    """One `Set-Cookie` header as `(name, value)`; value None when the cookie is being deleted."""
    first, _, attributes = header.partition(";")
    name, sep, value = first.partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    deleted = value in _DELETED_VALUES
    for attribute in attributes.split(";"):
        key, _, raw = attribute.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                deleted = deleted or int(raw.strip()) <= 0
            except ValueError:
                continue
        elif key == "expires":
            try:
                when = parsedate_to_datetime(raw.strip())
            except (TypeError, ValueError, IndexError):
                continue
            if when.tzinfo is not None and when.timestamp() <= now:
                deleted = True
    return name, None if deleted else value


class ManagerSession:
    """The manager's cookies, updated in place from every response. Never shows the values."""

    def __init__(self, cookies: Mapping[str, str] | None = None) -> None:
        self._cookies: dict[str, str] = {}
        self.replace(cookies or {})

    @classmethod
    def from_secrets(cls, sasession: Secret | None, xsrf_token: Secret | None) -> ManagerSession:
        cookies: dict[str, str] = {}
        if sasession is not None:
            cookies[SESSION_COOKIE] = sasession.reveal()
        if xsrf_token is not None:
            cookies[XSRF_COOKIE] = xsrf_token.reveal()
        return cls(cookies)

    @property
    def ready(self) -> bool:
        return bool(self._cookies.get(SESSION_COOKIE)) and bool(self._cookies.get(XSRF_COOKIE))

    @property
    def names(self) -> list[str]:
        return sorted(self._cookies)

    def value(self, name: str) -> str | None:
        return self._cookies.get(name)

    def replace(self, cookies: Mapping[str, str]) -> None:
        self._cookies = {}
        for name, value in cookies.items():
            self.set(name, value)

    def set(self, name: str, value: str | None) -> None:
        if value is None:
            self._cookies.pop(name, None)
            return
        self._cookies[name] = value
        # every cookie the manager sets may carry a session (laravel_session, …), not only these two
        register_secret(value)
        register_secret(unquote(value))

    def update_from(self, set_cookie_headers: Iterable[str], now: float) -> list[str]:
        """Apply `Set-Cookie` headers; return the names that changed."""
        changed: list[str] = []
        for header in set_cookie_headers:
            parsed = parse_set_cookie(header, now)
            if parsed is None:
                continue
            name, value = parsed
            if self._cookies.get(name) != value:
                self.set(name, value)
                changed.append(name)
        return changed

    def headers(self) -> dict[str, str]:
        """`Cookie` and `X-XSRF-TOKEN` for the next request."""
        cookie = "; ".join(f"{name}={value}" for name, value in self._cookies.items())
        return {"Cookie": cookie, XSRF_HEADER: unquote(self._cookies.get(XSRF_COOKIE, ""))}

    def __repr__(self) -> str:
        return f"ManagerSession(cookies={self.names})"


def _pick_cookies(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """From browser cookie rows, the session cookies for the manager (most specific domain wins)."""
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        name, value = str(row.get("name", "")), str(row.get("value", ""))
        domain = str(row.get("domain", "")).lstrip(".").lower()
        if name not in (SESSION_COOKIE, XSRF_COOKIE) or not value:
            continue
        if domain == "manager.infomaniak.com":
            rank = 2
        elif domain == "infomaniak.com":
            rank = 1
        else:
            continue
        if name not in best or rank > best[name][0]:
            best[name] = (rank, value)
    return {name: value for name, (_, value) in best.items()}


def browser_cookie_loader() -> dict[str, str]:
    """Read the manager session cookies from the local Chrome, then Firefox, profile.

    Needs the optional `rookiepy` package (`infomaniak-mcp[browser]`); imported only here.
    Returns `{}` when no browser holds a session.
    """
    try:
        rookiepy = importlib.import_module("rookiepy")
    except ImportError:
        raise ManagerSessionError(
            code="browser_extra_missing",
            description=(
                "INFOMANIAK_AUTH_MODE=auto reads the manager cookies from your browser with the optional "
                "'rookiepy' package, which is not installed."
            ),
            hint=BROWSER_EXTRA_HINT,
        ) from None
    for browser in ("chrome", "firefox"):
        reader = getattr(rookiepy, browser, None)
        if reader is None:
            continue
        try:
            rows = reader(["infomaniak.com"])
        except Exception as exc:  # browser not installed, profile locked, keyring refused…
            log.debug("no %s cookies: %s", browser, type(exc).__name__)
            continue
        picked = _pick_cookies(rows)
        if SESSION_COOKIE in picked and XSRF_COOKIE in picked:
            return picked
    return {}


class ManagerHttp(HttpCore):
    """Client of `<manager_url>/proxy`: paths are given relative to `/proxy` (e.g. `/1/vps`)."""

    def __init__(
        self,
        manager_url: str,
        *,
        mode: AuthMode = "manual",
        session: ManagerSession | None = None,
        cookie_loader: CookieLoader | None = None,
        **options: Unpack[HttpOptions],
    ) -> None:
        super().__init__(manager_url.rstrip("/") + "/proxy", **options)
        self.mode: AuthMode = mode
        self.session = session if session is not None else ManagerSession()
        self._cookie_loader = cookie_loader if cookie_loader is not None else browser_cookie_loader
        self._loaded = mode != "auto" or self.session.ready

    def __repr__(self) -> str:
        return f"ManagerHttp({self.base_url!r}, mode={self.mode!r}, {self.session!r})"

    async def _load_from_browser(self) -> None:
        cookies = dict(await anyio.to_thread.run_sync(self._cookie_loader))
        if not (cookies.get(SESSION_COOKIE) and cookies.get(XSRF_COOKIE)):
            raise ManagerSessionError(
                code="browser_session_not_found",
                description=(
                    "no Infomaniak manager session cookies were found in the local Chrome/Firefox profiles"
                ),
                hint=BROWSER_LOGIN_HINT,
            )
        self.session.replace(cookies)
        self._loaded = True

    async def _preflight(self) -> None:
        if self.mode == "none":
            raise ManagerSessionError(
                code="manager_disabled",
                description="the manager-private surface is disabled (INFOMANIAK_AUTH_MODE=none)",
                hint=(
                    "Set INFOMANIAK_AUTH_MODE=manual with INFOMANIAK_SASESSION and INFOMANIAK_XSRF_TOKEN, "
                    "or INFOMANIAK_AUTH_MODE=auto, and restart the server."
                ),
            )
        if self.mode == "auto" and not self._loaded:
            await self._load_from_browser()
        if not self.session.ready:
            raise ManagerSessionError(
                description=(
                    "no manager session is configured "
                    "(INFOMANIAK_SASESSION and INFOMANIAK_XSRF_TOKEN are not set)"
                    if self.mode == "manual"
                    else "the manager session cookies are gone (the manager deleted them)"
                ),
                hint=BROWSER_LOGIN_HINT if self.mode == "auto" else None,
            )

    def _auth_headers(self) -> dict[str, str]:
        return self.session.headers()

    def _observe(self, response: httpx2.Response) -> None:
        self.session.update_from(response.headers.get_list("set-cookie"), self._wall_clock())

    async def _surface_retry(self, error: InfomaniakError, used: int) -> bool:
        if not isinstance(error, TokenMismatchError) or used >= 1:
            return False
        if self.mode == "auto":
            with contextlib.suppress(ManagerSessionError):  # keep the cookies the 419 itself rotated
                await self._load_from_browser()
        return self.session.ready

    def _convert(self, error: InfomaniakError) -> InfomaniakError:
        hint = AUTO_REFRESH_HINT if self.mode == "auto" else MANUAL_REFRESH_HINT
        if isinstance(error, TokenMismatchError):
            error.hint = hint
            return error
        expired = isinstance(error, UnauthorizedError) or (
            isinstance(error, BadResponseError) and error.code in ("html_response", "redirected")
        )
        if expired:
            return ManagerSessionError(
                code="manager_session_expired",
                description=f"the manager session has expired ({error.code}: {error.description})",
                status=error.status,
                request_id=error.request_id,
                method=error.method,
                path=error.path,
                hint=hint,
            )
        return error
