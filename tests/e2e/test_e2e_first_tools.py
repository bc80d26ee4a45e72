"""The first read tools against the seeded demo account: exact answers, filters, refusals.

SDK `Client` in memory → server → tools → API client → in-process sandbox on a pinned clock, so
"expiring within 30 days" is the seed's planted set exactly (`sandbox.seed.PLANTED`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.sandbox import (
    SANDBOX_EPOCH,
    SANDBOX_TOKEN_DNS_READ,
    FaultConfig,
    RecordedExchange,
    SandboxClock,
    create_app,
)
from infomaniak_mcp.sandbox.seed import PLANTED
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio


def make_server(
    *, token: str | None = None, recorder: list[RecordedExchange] | None = None
) -> MCPServer[Any]:
    app = create_app(clock=SandboxClock(SANDBOX_EPOCH), faults=FaultConfig([]), recorder=recorder)
    settings = sandbox_settings(Settings())
    if token is not None:
        settings = replace(settings, api_token=Secret(token))
    transport = httpx2.ASGITransport(app=app)
    api = InfomaniakApi.from_settings(
        settings, transport=transport, limiter=RateLimiter(rate=1000, per=60.0)
    )
    return build_server(settings, select_tools(), api=api, sandbox=True, clock=lambda: float(SANDBOX_EPOCH))


async def call(name: str, args: dict[str, Any], **server_kwargs: Any) -> Any:
    async with Client(make_server(**server_kwargs)) as client:
        return await client.call_tool(name, args)


async def test_overview_finds_exactly_the_planted_expiring_and_locked_products() -> None:
    result = await call("account_overview", {})
    assert not result.is_error
    data = result.structured_content
    assert {r["name"] for r in data["expiring"]} == set(PLANTED["product_expiring_within_30_days"])
    assert {r["name"] for r in data["locked"]} == set(PLANTED["product_locked"])
    days = [r["days_left"] for r in data["expiring"]]
    assert days == sorted(days), "soonest first"
    assert len(data["organisations"]) == 2
    total = sum(o["products"] for o in data["organisations"])
    assert total == sum(sum(o["by_kind"].values()) for o in data["organisations"])
    assert "alpage-shop.ch" in result.content[0].text


async def test_overview_horizon_is_an_argument() -> None:
    wide = (await call("account_overview", {"within_days": 60})).structured_content
    assert "montagne-verte.ch" in {r["name"] for r in wide["expiring"]}  # now+45 d in the seed


async def test_list_products_filters_by_kind_name_and_lock() -> None:
    domains = (await call("account_list_products", {"kind": "domain"})).structured_content
    assert domains["count"] == 8
    assert all(p["kind"] == "domain" for p in domains["products"])
    shop = (await call("account_list_products", {"name": "ALPAGE-SHOP"})).structured_content
    assert shop["products"]
    assert all("alpage-shop" in p["name"].lower() or "alpage-shop" in (p.get("fqdn") or "") for p in shop["products"])
    locked = (await call("account_list_products", {"locked_only": True})).structured_content
    assert [p["name"] for p in locked["products"]] == list(PLANTED["product_locked"])


async def test_list_products_limit_says_it_was_cut() -> None:
    data = (await call("account_list_products", {"limit": 2})).structured_content
    assert len(data["products"]) == 2
    assert data["truncated"] is True
    assert data["count"] > 2
    assert "filters" in data["note"]


async def test_bad_kind_is_refused_before_any_request_with_the_allowed_values() -> None:
    recorder: list[RecordedExchange] = []
    result = await call("account_list_products", {"kind": "website"}, recorder=recorder)
    assert result.is_error
    assert result.structured_content["error"] == "invalid_argument"
    assert "email_hosting" in result.content[0].text
    assert recorder == []


async def test_unknown_organisation_names_the_valid_ones() -> None:
    result = await call("account_list_products", {"account_id": 999})
    assert result.is_error
    assert result.structured_content["details"][0]["attribute"] == "account_id"


async def test_dns_records_are_complete_across_pages() -> None:
    recorder: list[RecordedExchange] = []
    data = (await call("dns_list_records", {"zone": "alpage-cloud.com"}, recorder=recorder)).structured_content
    assert data["count"] == 121  # more than the API's implicit 100-item page
    assert data["truncated"] is False
    assert len({r["id"] for r in data["records"]}) == 121
    assert sum(1 for e in recorder if e.path.endswith("/records")) >= 2


async def test_dns_records_filter_by_type_and_name() -> None:
    txt = (await call("dns_list_records", {"zone": "alpage-digital.ch", "type": "TXT"})).structured_content
    assert txt["records"]
    assert {r["type"] for r in txt["records"]} == {"TXT"}
    apex = (
        await call("dns_list_records", {"zone": "ALPAGE-DIGITAL.CH.", "name": "@", "type": "MX"})
    ).structured_content
    assert apex["zone"] == "alpage-digital.ch"
    assert apex["records"]
    assert {r["name"] for r in apex["records"]} == {"."}
    www = (await call("dns_list_records", {"zone": "alpage-digital.ch", "name": "www.alpage-digital.ch"}))
    assert {r["name"] for r in www.structured_content["records"]} == {"www"}


async def test_dns_bad_zone_and_unknown_zone() -> None:
    bad = await call("dns_list_records", {"zone": "not a domain"})
    assert bad.is_error
    assert bad.structured_content["error"] == "invalid_argument"
    unknown = await call("dns_list_records", {"zone": "nowhere-on-this-account.ch"})
    assert unknown.is_error
    assert unknown.structured_content["kind"] == "NotFoundError"
    assert unknown.structured_content["next_step"]


async def test_a_token_without_the_scope_gets_the_scope_named() -> None:
    result = await call("account_overview", {}, token=SANDBOX_TOKEN_DNS_READ)
    assert result.is_error
    assert result.structured_content["kind"] == "MissingScopeError"
    assert "accounts" in result.content[0].text
    ok = await call("dns_list_records", {"zone": "alpage-digital.ch"}, token=SANDBOX_TOKEN_DNS_READ)
    assert not ok.is_error
