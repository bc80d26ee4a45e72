"""kChat (`/api/v4/...`) errors are Mattermost AppErrors, not the Infomaniak envelope (facts §2).

Checked on the wire (401, 403, 404, 429 from the limiter and from a fault) and through our HTTP
client, which must still raise the typed error for each status.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sandbox_support import Harness, bearer, harness

from fake_clock import FakeClock
from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.errors import (
    ApiError,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
)
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret
from infomaniak_mcp.sandbox import SANDBOX_TOKEN, SANDBOX_TOKEN_DNS_READ, FaultConfig, FaultRule, create_app

pytestmark = pytest.mark.anyio

APP_ERROR_KEYS = {"status_code", "id", "message", "request_id"}


def _app_error(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, dict)
    assert set(body) == APP_ERROR_KEYS, body
    assert body["status_code"] == status
    assert body["id"].endswith(".app_error")
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_kchat_auth_scope_and_route_errors_are_app_errors(sbx: Harness) -> None:
    _app_error(await sbx.anon.get("/api/v4/users/me"), 401)
    _app_error(await sbx.anon.get("/api/v4/users/me", headers=bearer("nope")), 401)
    forbidden = _app_error(await sbx.anon.get("/api/v4/users/me", headers=bearer(SANDBOX_TOKEN_DNS_READ)), 403)
    assert "kchat" in forbidden["message"]
    _app_error(await sbx.get("/api/v4/no/such/route"), 404)
    _app_error(await sbx.client.delete("/api/v4/users/me/top/channels"), 404)  # known path, unknown method


async def test_the_envelope_stays_on_the_public_api(sbx: Harness) -> None:
    response = await sbx.anon.get("/1/accounts")
    assert response.json() == {
        "result": "error",
        "error": {"code": "not_authorized", "description": "Authorization required"},
    }
    assert (await sbx.get("/1/no/such/route")).json()["error"]["code"] == "method_not_found"


async def test_kchat_429_from_the_window_and_from_a_fault_are_app_errors() -> None:
    async with harness(rate_limit=1, faults=FaultConfig()) as h:
        assert (await h.get("/api/v4/users/me")).status_code == 200
        _app_error(await h.get("/api/v4/users/me"), 429)
    burst = FaultConfig([FaultRule(kind="rate_limit_burst", path="/api/v4/*", count=1)])
    async with harness(rate_limit=None, faults=burst) as h:
        _app_error(await h.get("/api/v4/users/me"), 429)
    errors = FaultConfig([FaultRule(kind="server_error", path="/api/v4/*", count=1, status=503)])
    async with harness(rate_limit=None, faults=errors) as h:
        _app_error(await h.get("/api/v4/users/me"), 503)


@pytest.mark.parametrize(
    ("token", "path", "faults", "expected", "code"),
    [
        ("nope", "/api/v4/users/me", [], UnauthorizedError, "not_authorized"),
        # the AppError's message names the missing scope: typed as such (the id stays in the description)
        (SANDBOX_TOKEN_DNS_READ, "/api/v4/users/me", [], MissingScopeError, "missing_scope"),
        (SANDBOX_TOKEN, "/api/v4/no/such/route", [], NotFoundError, "object_not_found"),
        (SANDBOX_TOKEN, "/api/v4/users/me", [FaultRule("rate_limit_burst", path="/api/v4/*")], RateLimitedError, None),
    ],
)
async def test_our_client_types_kchat_app_errors(
    token: str, path: str, faults: list[FaultRule], expected: type[ApiError], code: str | None
) -> None:
    clock = FakeClock()
    http = ApiHttp(
        "http://sandbox.test",
        Secret(token),
        transport=httpx2.ASGITransport(app=create_app(faults=FaultConfig(faults), rate_limit=None)),
        clock=clock,
        sleep=clock.sleep,
        limiter=RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep),
        max_retries=1,
    )
    async with http:
        with pytest.raises(expected) as info:
            await http.request("GET", path)
    assert info.value.code == (code or "too_many_request")
    assert str(info.value.request_id).startswith("sbx-")
