"""`InfomaniakApi`: the one object tools talk to, one typed client per product.

```python
api = InfomaniakApi.from_settings(settings)          # or transport=ASGITransport(sandbox_app)
records = await api.dns.list_records("example.ch", types=["TXT"])
await api.aclose()
```

`.http` is the shared `ApiHttp` (bearer token, rate limit, retries, envelope); `.manager` is the
cookie-authenticated manager surface (`ManagerHttp`), whose calls raise `ManagerSessionError`
when no session is configured.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Self

from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.manager import CookieLoader, ManagerHttp, ManagerSession
from infomaniak_mcp.api.ratelimit import RateLimiter, limiter_for, token_fingerprint

if TYPE_CHECKING:
    import httpx2

    from infomaniak_mcp.api.core.client import CoreClient
    from infomaniak_mcp.api.dns.client import DnsClient
    from infomaniak_mcp.api.domain.client import DomainClient
    from infomaniak_mcp.api.drive.client import DriveClient
    from infomaniak_mcp.api.hosting.client import HostingClient
    from infomaniak_mcp.api.mail.client import MailClient
    from infomaniak_mcp.config import Settings


class InfomaniakApi:
    """Facade over one `ApiHttp` (+ one `ManagerHttp`) with a typed client per product.

    Product clients (and their models) are imported on first use: a server whose first calls
    touch DNS never pays for the hosting or mail models at start-up.
    """

    def __init__(self, http: ApiHttp, manager: ManagerHttp) -> None:
        self.http = http
        self.manager = manager

    @cached_property
    def core(self) -> CoreClient:
        from infomaniak_mcp.api.core.client import CoreClient

        return CoreClient(self.http)

    @cached_property
    def dns(self) -> DnsClient:
        from infomaniak_mcp.api.dns.client import DnsClient

        return DnsClient(self.http)

    @cached_property
    def domain(self) -> DomainClient:
        from infomaniak_mcp.api.domain.client import DomainClient

        return DomainClient(self.http)

    @cached_property
    def hosting(self) -> HostingClient:
        from infomaniak_mcp.api.hosting.client import HostingClient

        return HostingClient(self.http)

    @cached_property
    def mail(self) -> MailClient:
        from infomaniak_mcp.api.mail.client import MailClient

        return MailClient(self.http)

    @cached_property
    def drive(self) -> DriveClient:
        from infomaniak_mcp.api.drive.client import DriveClient

        return DriveClient(self.http)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        manager_transport: httpx2.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        cookie_loader: CookieLoader | None = None,
    ) -> InfomaniakApi:
        """Build the clients from settings (`api_url`, `manager_url`, token, rate, timeout, auth mode).

        Rate limit: on the real network (no `transport`) the token's process-wide limiter
        (`limiter_for`) is used, so every client of one token shares the 60/min budget. With an
        injected transport (the in-process sandbox, tests) the client gets a fresh limiter of the
        same rate unless `limiter` is given: that server is not the shared Infomaniak quota.
        The manager surface has its own limiter at the same rate, and uses `manager_transport`
        (default: `transport`, since the sandbox serves both surfaces). The token and the session
        cookies are registered with the redaction filter.
        """
        rate = settings.rate_limit_per_minute
        if limiter is None:
            if transport is None and settings.api_token is not None:
                limiter = limiter_for(token_fingerprint(settings.api_token.reveal()), rate)
            else:
                limiter = RateLimiter(rate, 60.0)
        deadline = max(settings.request_deadline, settings.request_timeout)  # never shorter than one attempt
        http = ApiHttp(
            settings.api_url,
            settings.api_token,
            transport=transport,
            limiter=limiter,
            timeout=settings.request_timeout,
            request_deadline=deadline,
        )
        session = (
            ManagerSession.from_secrets(settings.sasession, settings.xsrf_token)
            if settings.auth_mode == "manual"
            else ManagerSession()
        )
        manager = ManagerHttp(
            settings.manager_url,
            mode=settings.auth_mode,
            session=session,
            cookie_loader=cookie_loader,
            transport=manager_transport if manager_transport is not None else transport,
            limiter=RateLimiter(rate, 60.0),
            timeout=settings.request_timeout,
            request_deadline=deadline,
        )
        return cls(http, manager)

    async def aclose(self) -> None:
        try:
            await self.http.aclose()
        finally:
            await self.manager.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"InfomaniakApi({self.http!r}, {self.manager!r})"
