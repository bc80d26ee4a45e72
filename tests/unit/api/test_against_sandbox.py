"""Smoke test: the typed client against the in-process sandbox (an independent oracle).

No network: `httpx2.ASGITransport` into `create_app()`. Clocks are fake wherever the client
would wait (retries, the rate limiter), so nothing sleeps for real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from api_test_support import FakeClock

from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.errors import (
    BadResponseError,
    MissingScopeError,
    NotFoundError,
    RequestTimeoutError,
    UnauthorizedError,
)
from infomaniak_mcp.api.manager import XSRF_COOKIE, ManagerHttp, ManagerSession
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.sandbox import (
    SANDBOX_SASESSION,
    SANDBOX_TOKEN,
    SANDBOX_TOKEN_DNS_READ,
    SANDBOX_TOKEN_REVOKED,
    SANDBOX_XSRF_TOKEN,
    FaultConfig,
    FaultRule,
    RecordedExchange,
    create_app,
)

pytestmark = pytest.mark.anyio

API_URL = "http://sandbox.test"


def _settings(token: str = SANDBOX_TOKEN) -> Settings:
    return Settings(
        api_token=Secret(token),
        api_url=API_URL,
        manager_url=API_URL,
        auth_mode="manual",
        sasession=Secret(SANDBOX_SASESSION),
        xsrf_token=Secret(SANDBOX_XSRF_TOKEN),
    )


@pytest.fixture
async def api() -> AsyncIterator[InfomaniakApi]:
    transport = httpx2.ASGITransport(app=create_app(faults=FaultConfig([])))
    async with InfomaniakApi.from_settings(_settings(), transport=transport) as client:
        yield client


async def test_accounts_products_and_profile(api: InfomaniakApi) -> None:
    accounts = await api.core.list_accounts()
    assert {a.id for a in accounts} == {412301, 412377}
    products = await api.core.list_products(account_id=412301)
    assert products.items
    assert {p.account_id for p in products} == {412301}
    assert products.total == len(products.items)
    assert not products.truncated
    domains = await api.core.list_products(service_name="domain")
    assert {p.service_name for p in domains} == {"domain"}
    assert (await api.core.get_account(412377)).id == 412377
    assert (await api.core.get_profile()).id == 2001


async def test_dns_records_over_several_pages_and_filters(api: InfomaniakApi) -> None:
    records = await api.dns.list_records("alpage-cloud.com")
    assert len(records) > 100, "the zone exceeds one page of 100"
    assert records.requests == 2
    assert records.total == len(records.items)
    assert len({r.id for r in records}) == len(records.items)
    txt = await api.dns.list_records("alpage-cloud.com", types=["TXT"])
    assert txt.items
    assert {r.type for r in txt} == {"TXT"}
    zone = await api.dns.get_zone("alpage-digital.ch")
    assert zone.dnssec.is_enabled is True
    assert await api.dns.zone_exists("alpage-digital.ch") is True


async def test_dns_record_write_round_trip(api: InfomaniakApi) -> None:
    created = await api.dns.create_record(
        "montagne-verte.ch", type="TXT", source="smoke", target="hello", ttl=300
    )
    assert created.type == "TXT"
    assert (await api.dns.get_record("montagne-verte.ch", created.id)).target.strip('"') == "hello"
    updated = await api.dns.update_record("montagne-verte.ch", created.id, ttl=600)
    assert updated.ttl == 600
    assert await api.dns.delete_record("montagne-verte.ch", created.id) is True
    with pytest.raises(NotFoundError):
        await api.dns.get_record("montagne-verte.ch", created.id)


async def test_domains_hostings_mail_drive(api: InfomaniakApi) -> None:
    domains = await api.domain.list_domains(412301)
    assert "alpage-digital.ch" in {d.customer_name for d in domains}
    detail = await api.domain.get_domain("alpage-digital.ch")
    assert detail.name == "alpage-digital.ch"
    zones = await api.domain.list_zones("alpage-digital.ch")
    assert [z.fqdn for z in zones] == ["alpage-digital.ch"]
    assert (await api.domain.check_dnssec("alpage-digital.ch")).has_dnssec is True
    hostings = await api.hosting.list_hostings(account_id=412301)
    assert {h.id for h in hostings} >= {693801, 693802}
    sites = await api.hosting.list_sites(693801)
    assert sites.items
    assert (await api.hosting.get_site(693801, sites.items[0].id)).id == sites.items[0].id
    mail_hostings = await api.mail.list_mail_hostings(account_id=412301)
    assert [m.id for m in mail_hostings] == [762401]
    mailboxes = await api.mail.list_mailboxes(762401)
    assert len(mailboxes) == 10
    drives = await api.drive.list_drives(account_id=412301)
    assert [d.id for d in drives] == [140901]


async def test_typed_errors_from_the_sandbox() -> None:
    app = create_app(faults=FaultConfig([]))
    transport = httpx2.ASGITransport(app=app)
    async with InfomaniakApi.from_settings(_settings(SANDBOX_TOKEN_DNS_READ), transport=transport) as api:
        with pytest.raises(MissingScopeError) as info:
            await api.core.list_accounts()
        assert info.value.status == 403
        assert "accounts" in info.value.scopes
        with pytest.raises(NotFoundError):
            await api.dns.get_zone("no-such-zone.ch")
    async with InfomaniakApi.from_settings(_settings(SANDBOX_TOKEN_REVOKED), transport=transport) as api:
        with pytest.raises(UnauthorizedError):
            await api.core.list_accounts()


def _http_over(app: Any, clock: FakeClock, **kwargs: Any) -> ApiHttp:
    return ApiHttp(
        API_URL,
        Secret(SANDBOX_TOKEN),
        transport=httpx2.ASGITransport(app=app),
        clock=clock,
        sleep=clock.sleep,
        limiter=RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep),
        **kwargs,
    )


async def test_faults_become_typed_errors_or_are_retried() -> None:
    clock = FakeClock()
    faults = FaultConfig(
        [
            FaultRule(kind="rate_limit_burst", method="GET", path="/1/accounts", count=2, retry_after=5),
            FaultRule(kind="server_error", method="GET", path="/2/profile", count=1, status=503),
            FaultRule(kind="malformed_json", path="/1/products"),
            FaultRule(kind="silent", path="/2/drive"),
        ]
    )
    async with _http_over(create_app(faults=faults), clock, timeout=0.2, max_retries=3) as http:
        start = clock.now
        assert len(await http.get("/1/accounts")) == 2, "a 429 burst is waited out and retried"
        assert clock.now - start >= 10.0
        assert (await http.get("/2/profile"))["id"] == 2001, "a 503 on a GET is retried"
        with pytest.raises(BadResponseError) as info:
            await http.get("/1/products")
        assert info.value.code in ("truncated_json", "malformed_json")
        with anyio.fail_after(10), pytest.raises(RequestTimeoutError):
            await http.get("/2/drive", {"account_id": 412301})


async def test_client_limiter_keeps_the_sandbox_window_happy() -> None:
    """70 requests on one token: the client paces itself; the sandbox's own 60/min never says 429."""
    clock = FakeClock()
    recorder: list[RecordedExchange] = []
    app = create_app(faults=FaultConfig([]), rate_clock=clock, recorder=recorder)
    async with _http_over(app, clock) as http:
        start = clock.now
        async with anyio.create_task_group() as tg:
            for _ in range(70):
                tg.start_soon(http.get, "/1/accounts")
    statuses = [x.status for x in recorder]
    assert len(statuses) == 70
    assert set(statuses) == {200}
    assert clock.now - start == 60.0


async def test_manager_cookies_rotation_and_419_recovery() -> None:
    recorder: list[RecordedExchange] = []
    app = create_app(faults=FaultConfig([]), recorder=recorder)
    session = ManagerSession({"SASESSION": SANDBOX_SASESSION, XSRF_COOKIE: SANDBOX_XSRF_TOKEN})
    clock = FakeClock()
    manager = ManagerHttp(
        API_URL, session=session, transport=httpx2.ASGITransport(app=app), clock=clock, sleep=clock.sleep
    )
    async with manager:
        for _ in range(12):  # the sandbox rotates the XSRF token every few requests
            assert isinstance(await manager.get("/1/vps", {"account_id": 412301}), list)
        assert session.value(XSRF_COOKIE) != SANDBOX_XSRF_TOKEN, "rotated cookies were taken"
        session.set(XSRF_COOKIE, "stale-xsrf-value")  # as if a rotation was missed
        recovered = await manager.get("/1/vps", {"account_id": 412301})
        assert isinstance(recovered, list), "recovered after one 419"
    assert [x.status for x in recorder] == [200] * 12 + [419, 200]
