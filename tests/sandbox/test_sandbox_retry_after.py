"""429 without `Retry-After` (facts §4: no real 429 seen carries it): the `rate_limit_burst` fault
with `retry_after: null`, and our client's header-less back-off against it, on a fake clock."""

from __future__ import annotations

import httpx2
import pytest
from sandbox_support import harness

from fake_clock import FakeClock
from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.core.client import CoreClient
from infomaniak_mcp.api.errors import RateLimitedError
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret
from infomaniak_mcp.sandbox import SANDBOX_TOKEN, FaultConfig, FaultRule, RecordedExchange, create_app
from infomaniak_mcp.sandbox.faults import FaultConfigError, parse_rules

pytestmark = pytest.mark.anyio


def test_retry_after_null_is_parsed_and_round_trips() -> None:
    [rule] = parse_rules('[{"kind": "rate_limit_burst", "retry_after": null, "count": 2}]')
    assert rule.retry_after is None
    assert rule.to_dict()["retry_after"] is None
    assert parse_rules('[{"kind": "rate_limit_burst"}]')[0].retry_after == 1  # default kept (a guess)
    with pytest.raises(FaultConfigError, match="retry_after"):
        parse_rules('[{"kind": "rate_limit_burst", "retry_after": -1}]')


async def test_burst_without_retry_after_sends_no_header() -> None:
    faults = FaultConfig([FaultRule(kind="rate_limit_burst", path="/1/accounts", retry_after=None, count=1)])
    async with harness(rate_limit=None, faults=faults) as h:
        response = await h.get("/1/accounts")
        assert response.status_code == 429
        assert "retry-after" not in response.headers
        assert response.json()["error"]["code"] == "too_many_request"
        assert (await h.get("/1/accounts")).status_code == 200
    with_header = FaultConfig([FaultRule(kind="rate_limit_burst", path="/1/accounts", retry_after=7, count=1)])
    async with harness(rate_limit=None, faults=with_header) as h:
        assert (await h.get("/1/accounts")).headers["retry-after"] == "7"


def _core(count: int | None, clock: FakeClock, recorder: list[RecordedExchange]) -> tuple[ApiHttp, CoreClient]:
    rule = FaultRule(kind="rate_limit_burst", path="/1/accounts", retry_after=None, count=count)
    app = create_app(faults=FaultConfig([rule]), rate_limit=None, recorder=recorder)
    http = ApiHttp(
        "http://sandbox.test",
        Secret(SANDBOX_TOKEN),
        transport=httpx2.ASGITransport(app=app),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 1.0,
        limiter=RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep),
        max_retries=3,
    )
    return http, CoreClient(http)


async def test_client_backs_off_without_retry_after_then_succeeds() -> None:
    clock, recorder = FakeClock(), []
    http, core = _core(2, clock, recorder)
    async with http:
        start = clock.now
        accounts = await core.list_accounts()
    assert {a.id for a in accounts} == {412301, 412377}
    assert [x.status for x in recorder] == [429, 429, 200]
    assert clock.now - start == pytest.approx(1.0 + 2.0), "exponential back-off (1 s, 2 s) with no header"


async def test_client_gives_up_typed_after_backing_off() -> None:
    clock, recorder = FakeClock(), []
    http, core = _core(None, clock, recorder)
    async with http:
        start = clock.now
        with pytest.raises(RateLimitedError) as info:
            await core.list_accounts()
    assert [x.status for x in recorder] == [429] * 4, "first try + max_retries"
    assert clock.now - start == pytest.approx(1.0 + 2.0 + 4.0)
    assert info.value.code == "too_many_request"
    assert info.value.retry_after is not None, "the error says how long to wait even without a header"
