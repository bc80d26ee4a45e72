"""Bearer auth, scopes, the 60/min window, envelopes, request ids, unknown routes, admin auth."""

from __future__ import annotations

import pytest
from sandbox_support import Harness, bearer, harness

from infomaniak_mcp.sandbox import (
    SANDBOX_TOKEN,
    SANDBOX_TOKEN_DNS_READ,
    SANDBOX_TOKEN_REVOKED,
    SANDBOX_TOKENS,
    FaultConfig,
)
from infomaniak_mcp.sandbox.auth import RateLimiter

pytestmark = pytest.mark.anyio


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_tokens_catalogue() -> None:
    assert SANDBOX_TOKENS[SANDBOX_TOKEN] >= {"accounts", "dns:read", "dns:write", "web", "mail", "drive"}
    assert SANDBOX_TOKENS[SANDBOX_TOKEN_DNS_READ] == frozenset({"dns:read"})
    assert SANDBOX_TOKEN_REVOKED in SANDBOX_TOKENS


@pytest.mark.parametrize(
    "headers", [{}, bearer("nope"), bearer(SANDBOX_TOKEN_REVOKED), {"Authorization": "Basic x"}]
)
async def test_missing_unknown_or_revoked_token_is_401(sbx: Harness, headers: dict[str, str]) -> None:
    response = await sbx.anon.get("/1/accounts", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "result": "error",
        "error": {"code": "not_authorized", "description": "Authorization required"},
    }


async def test_success_envelope_and_request_id(sbx: Harness) -> None:
    first = await sbx.get("/1/accounts")
    second = await sbx.anon.get("/1/accounts")
    assert first.json()["result"] == "success"
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert second.headers["x-request-id"].startswith("sbx-")


async def test_missing_scope_is_403_naming_the_scope(sbx: Harness) -> None:
    headers = bearer(SANDBOX_TOKEN_DNS_READ)
    ok = await sbx.anon.get("/2/zones/alpage-digital.ch/records", headers=headers)
    assert ok.status_code == 200
    write = await sbx.anon.post(
        "/2/zones/alpage-digital.ch/records",
        headers=headers,
        json={"type": "A", "source": "x", "ttl": 300, "target": "203.0.113.1"},
    )
    assert write.status_code == 403
    assert write.json()["error"]["code"] == "access_denied"
    assert "dns:write" in write.json()["error"]["description"]
    for path, scope in (
        ("/1/accounts", "accounts"),
        ("/1/web_hostings", "web"),
        ("/2/drive?account_id=1", "drive"),
        ("/1/mail_hostings", "mail"),
        ("/2/domains/domains", "domain:read"),
    ):
        denied = await sbx.anon.get(path, headers=headers)
        assert denied.status_code == 403, path
        assert scope in denied.json()["error"]["description"]


async def test_write_scope_implies_read(sbx: Harness) -> None:
    sbx.state.tokens["dns-writer"] = frozenset({"dns:write"})
    response = await sbx.anon.get("/2/zones/alpage-digital.ch", headers=bearer("dns-writer"))
    assert response.status_code == 200


async def test_unknown_route_and_wrong_method_are_method_not_found(sbx: Harness) -> None:
    for response in (await sbx.get("/9/nothing/here"), await sbx.client.patch("/1/accounts")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "method_not_found"
        assert "x-request-id" in response.headers


async def test_method_override_header_turns_post_into_delete(sbx: Harness) -> None:
    record = next(iter(sbx.state.records["alpage-shop.ch"].values()))
    path = f"/2/zones/alpage-shop.ch/records/{record['id']}"
    response = await sbx.client.post(path, headers={"X-HTTP-METHOD-OVERRIDE": "DELETE"}, json={})
    assert response.json() == {"result": "success", "data": True}
    assert record["id"] not in sbx.state.records["alpage-shop.ch"]
    again = await sbx.client.post(path, params={"_method": "DELETE"}, json={})
    assert again.status_code == 404


async def test_sixty_requests_per_sliding_minute_then_429() -> None:
    fake = FakeTime()
    async with harness(rate_clock=fake, faults=FaultConfig()) as h:
        for i in range(60):
            fake.now += 0.5  # 60 requests spread over 30 s
            assert (await h.get("/1/accounts")).status_code == 200, i
        limited = await h.get("/1/accounts")
        assert limited.status_code == 429
        assert limited.json()["error"] == {"code": "too_many_request", "description": "Too many request"}
        # the oldest request was at t=1000.5: it leaves the window at 1060.5, now is 1030
        assert limited.headers["retry-after"] == "31"
        # another token has its own window; the admin routes are never limited
        assert (
            await h.anon.get("/2/zones/alpage-digital.ch", headers=bearer(SANDBOX_TOKEN_DNS_READ))
        ).is_success
        assert (await h.get("/_sandbox/clock")).status_code == 200
        fake.now = 1060.4
        assert (await h.get("/1/accounts")).status_code == 429
        fake.now = 1060.6  # one slot freed
        assert (await h.get("/1/accounts")).status_code == 200
        assert (await h.get("/1/accounts")).status_code == 429


async def test_rate_limit_can_be_disabled(sbx: Harness) -> None:
    for _ in range(70):
        assert (await sbx.get("/2/profile")).status_code == 200


def test_rate_limiter_never_allows_more_than_the_limit_in_any_window() -> None:
    fake = FakeTime()
    limiter = RateLimiter(limit=60, clock=fake)
    accepted: list[float] = []
    for step in range(1000):
        fake.now = 1000 + step * 0.37
        if limiter.acquire("t") is None:
            accepted.append(fake.now)
    assert len(accepted) > 60
    for i in range(len(accepted) - 60):
        assert accepted[i + 60] - accepted[i] >= 60


async def test_admin_routes_need_the_full_token(sbx: Harness) -> None:
    for headers in ({}, bearer(SANDBOX_TOKEN_DNS_READ)):
        response = await sbx.anon.post("/_sandbox/reset", headers=headers)
        assert response.status_code == 401
    assert (await sbx.client.post("/_sandbox/reset")).status_code == 200


async def test_revoking_a_token_at_runtime(sbx: Harness) -> None:
    sbx.state.revoked_tokens.add(SANDBOX_TOKEN_DNS_READ)
    response = await sbx.anon.get("/2/zones/alpage-digital.ch", headers=bearer(SANDBOX_TOKEN_DNS_READ))
    assert response.status_code == 401
