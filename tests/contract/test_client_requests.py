"""Contract: the requests OUR client sends validate against the official spec.

The typed client runs against the in-process sandbox with a recorder; every recorded exchange
that matched a documented operation has its query parameters and JSON body validated with
`spec.validate_request`, and its response with `spec.validate_response`. A second test makes
sure every documented operation the client can call was actually exercised here, so a new
client method cannot slip past the contract.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import pytest
from spec import documented_operations, validate_request, validate_response

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.sandbox import (
    SANDBOX_SASESSION,
    SANDBOX_TOKEN,
    SANDBOX_XSRF_TOKEN,
    FaultConfig,
    RecordedExchange,
    create_app,
)

pytestmark = pytest.mark.anyio

URL = "http://sandbox.localhost"
ZONE = "alpage-digital.ch"

Call = Callable[[InfomaniakApi], Awaitable[Any]]


async def _dns_round_trip(api: InfomaniakApi) -> None:
    created = await api.dns.create_record(ZONE, type="TXT", source="contract", target="v=contract1", ttl=3600)
    await api.dns.get_record(ZONE, created.id)
    await api.dns.update_record(ZONE, created.id, target="v=contract2", ttl=600)
    await api.dns.delete_record(ZONE, created.id)


async def _first_account(api: InfomaniakApi) -> int:
    return (await api.core.list_accounts())[0].id


async def _products(api: InfomaniakApi) -> None:
    account = await _first_account(api)
    await api.core.get_account(account)
    await api.core.list_products(account_id=account)
    await api.core.list_products(service_name="domain")


async def _drives(api: InfomaniakApi) -> None:
    await api.drive.list_drives(account_id=await _first_account(api))


async def _domains(api: InfomaniakApi) -> None:
    await api.domain.list_zones(ZONE)
    await api.domain.check_dnssec(ZONE)


async def _domain_writes(api: InfomaniakApi) -> None:
    await api.domain.enable_dnssec("alpage-shop.ch")
    await api.domain.disable_dnssec(ZONE)
    await api.domain.update_nameservers(
        "alpage-shop.ch", nameservers=["ns1.example.net", "ns2.example.net"], verify_ns_availability=False
    )


async def _record_with_description(api: InfomaniakApi) -> None:
    records = await api.dns.list_records(ZONE)
    await api.dns.get_record(ZONE, records.items[0].id, with_description=True)


async def _mailboxes(api: InfomaniakApi) -> None:
    hosting = (await api.mail.list_mail_hostings()).items[0].id
    await api.mail.list_mailboxes(hosting, search="i")


CALLS: dict[str, Call] = {
    "accounts and products": _products,
    "profile": lambda api: api.core.get_profile(),
    "zone": lambda api: api.dns.get_zone(ZONE),
    "zone exists": lambda api: api.dns.zone_exists(ZONE),
    "records (paged, filtered)": lambda api: api.dns.list_records("alpage-cloud.com", types=["A"]),
    "records with description": lambda api: api.dns.list_records(ZONE, with_description=True),
    "record round trip": _dns_round_trip,
    "domain zones and dnssec": _domains,
    "dnssec and nameservers": _domain_writes,
    "record with description": _record_with_description,
    "mailboxes": _mailboxes,
    "drives": _drives,
    "mail hostings": lambda api: api.mail.list_mail_hostings(),
}


@pytest.fixture
async def recorded() -> list[RecordedExchange]:
    exchanges: list[RecordedExchange] = []
    app = create_app(faults=FaultConfig([]), recorder=exchanges, rate_limit=None)
    transport = httpx2.ASGITransport(app=app)
    settings = Settings(
        api_token=Secret(SANDBOX_TOKEN),
        api_url=URL,
        manager_url=URL,
        sasession=Secret(SANDBOX_SASESSION),
        xsrf_token=Secret(SANDBOX_XSRF_TOKEN),
    )
    # Pacing is off on both sides: this test is about request shapes, not the rate limit.
    unpaced = RateLimiter(rate=10_000, per=60.0)
    async with InfomaniakApi.from_settings(settings, transport=transport, limiter=unpaced) as api:
        for call in CALLS.values():
            await call(api)
    return exchanges


async def test_every_request_the_client_sends_matches_the_spec(recorded: list[RecordedExchange]) -> None:
    documented = [e for e in recorded if e.route is not None and (e.method, e.route) in _documented()]
    assert len(documented) >= len(CALLS)
    problems = []
    for exchange in documented:
        assert exchange.route is not None
        try:
            validate_request(exchange.method, exchange.route, exchange.query, exchange.body)
            validate_response(exchange.method, exchange.route, exchange.status, exchange.response)
        except AssertionError as exc:
            problems.append(f"{exchange.method} {exchange.path}: {exc}")
    assert not problems, "\n".join(problems)


async def test_the_calls_cover_every_documented_operation_the_client_uses(
    recorded: list[RecordedExchange],
) -> None:
    used = {(e.method, e.route) for e in recorded if e.route is not None}
    documented_used = used & _documented()
    expected = {
        ("GET", "/1/accounts"),
        ("GET", "/1/accounts/{account_id}"),
        ("GET", "/1/products"),
        ("GET", "/2/profile"),
        ("GET", "/2/zones/{zone}"),
        ("GET", "/2/zones/{zone}/exists"),
        ("GET", "/2/zones/{zone}/records"),
        ("POST", "/2/zones/{zone}/records"),
        ("GET", "/2/zones/{zone}/records/{record}"),
        ("PUT", "/2/zones/{zone}/records/{record}"),
        ("DELETE", "/2/zones/{zone}/records/{record}"),
        ("GET", "/2/domains/{domain}/zones"),
        ("GET", "/2/domains/{domain}/dnssec/check"),
        ("POST", "/2/domains/{domain}/dnssec/enable"),
        ("POST", "/2/domains/{domain}/dnssec/disable"),
        ("PUT", "/2/domains/{domain}/nameservers"),
        ("GET", "/1/mail_hostings/{mail_hosting_id}/mailboxes"),
        ("GET", "/2/drive"),
    }
    assert expected <= documented_used, sorted(expected - documented_used)


def _documented() -> set[tuple[str, str]]:
    return {(method.upper(), path) for method, path in documented_operations()}


async def test_v2_domain_list_pages_with_items_not_per_page() -> None:
    """`/2/domains/domains` names its page size `items` (facts §3, XL): the client must not send per_page."""
    exchanges: list[RecordedExchange] = []
    app = create_app(faults=FaultConfig([]), recorder=exchanges, rate_limit=None)
    settings = Settings(api_token=Secret(SANDBOX_TOKEN), api_url=URL, manager_url=URL)
    async with InfomaniakApi.from_settings(
        settings, transport=httpx2.ASGITransport(app=app), limiter=RateLimiter(rate=10_000, per=60.0)
    ) as api:
        domains = await api.domain.list_domains_v2(account_id=412301)
    assert domains.items
    assert not domains.truncated
    [sent] = [e for e in exchanges if e.path == "/2/domains/domains"]
    assert sent.query["items"] == ["100"]
    assert sent.query["page"] == ["1"]
    assert "per_page" not in sent.query
