"""Request shape, retry policy (fake clock, no real sleeping) and the hard deadline."""

from __future__ import annotations

import anyio
import httpx2
import pytest
from api_test_support import TOKEN, FakeClock, HarnessFactory, envelope, error_body, reply

from infomaniak_mcp import __version__
from infomaniak_mcp.api._http import path_segment
from infomaniak_mcp.api.errors import (
    ConnectionFailedError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    ValidationFailedError,
)
from infomaniak_mcp.api.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio


async def test_request_carries_bearer_user_agent_json_and_query(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope({"id": 1})))
    params = {"with": "a,b", "skip": None, "flag": True}
    data = await harness.http.post("/1/things", {"name": "x"}, params=params)
    assert data == {"id": 1}
    request = harness.script.last
    assert request.method == "POST"
    assert str(request.url) == "https://api.test/1/things?with=a%2Cb&flag=1"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["user-agent"] == f"infomaniak-mcp/{__version__}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert harness.script.body() == {"name": "x"}


async def test_writes_without_a_body_send_an_empty_json_object(make_http: HarnessFactory) -> None:
    harness = make_http(reply())
    await harness.http.post("/2/domains/example.ch/dnssec/disable")
    assert harness.script.body() == {}
    await harness.http.get("/1/accounts")
    assert harness.script.last.content == b""


async def test_delete_with_and_without_a_body(make_http: HarnessFactory) -> None:
    harness = make_http(reply())
    assert await harness.http.delete("/1/accounts/1/teams/2/users", {"user_ids": [5, 6]}) is True
    assert harness.script.last.method == "DELETE"
    assert harness.script.body() == {"user_ids": [5, 6]}
    await harness.http.delete("/2/zones/example.ch/records/9")
    assert harness.script.last.content == b""


async def test_list_params_repeat_the_key(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope([])))
    await harness.http.get("/2/zones/z/records", {"filter[types][]": ["A", "MX"], "empty": []})
    assert harness.script.query() == [("filter[types][]", "A"), ("filter[types][]", "MX")]


async def test_pagination_metadata_is_kept(make_http: HarnessFactory) -> None:
    body = envelope([1], total=107, page=2, pages=54, items_per_page=2, response_at=5)
    harness = make_http(reply(200, body))
    response = await harness.http.request("GET", "/1/products")
    assert (response.total, response.page, response.pages, response.items_per_page) == (107, 2, 54, 2)
    assert response.response_at == 5
    assert response.cursor is None
    assert response.has_more is None
    harness = make_http(reply(200, envelope([1], cursor="abc", has_more=True)))
    response = await harness.http.request("GET", "/3/drive/1/files/1/files")
    assert (response.cursor, response.has_more) == ("abc", True)


async def test_asynchronous_result_is_returned_as_a_task(make_http: HarnessFactory) -> None:
    harness = make_http(reply(202, {"result": "asynchronous", "data": {"uuid": "t-1"}}))
    response = await harness.http.request("POST", "/1/something")
    assert response.is_async
    assert response.data == {"uuid": "t-1"}


async def test_204_no_content_is_none(make_http: HarnessFactory) -> None:
    harness = make_http(httpx2.Response(204))
    assert await harness.http.delete("/x") is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_get_is_retried_on_5xx_with_jittered_backoff(make_http: HarnessFactory, status: int) -> None:
    harness = make_http(
        reply(status, error_body("unexpected_error")),
        reply(status, error_body("unexpected_error")),
        reply(200, envelope("ok")),
    )
    assert await harness.http.get("/1/accounts") == "ok"
    assert len(harness.script.requests) == 3
    assert harness.clock.sleeps == [0.5, 1.0]  # rng 0.5 * 1, 0.5 * 2


async def test_get_gives_up_after_max_retries(make_http: HarnessFactory) -> None:
    harness = make_http(reply(503, error_body("maintenance")), max_retries=3, backoff_cap=3.0)
    with pytest.raises(ServerError) as info:
        await harness.http.get("/2/drive")
    assert info.value.status == 503
    assert len(harness.script.requests) == 4
    assert harness.clock.sleeps == [0.5, 1.0, 1.5]  # 0.5 * min(3, 1, 2, 4)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_post_and_patch_are_never_retried_on_5xx(make_http: HarnessFactory, method: str) -> None:
    harness = make_http(reply(500, error_body("cannot_create_object")), reply(200, envelope(1)))
    with pytest.raises(ServerError):
        await harness.http.request(method, "/2/zones/example.ch/records", json={"type": "A"})
    assert len(harness.script.requests) == 1
    assert harness.clock.sleeps == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_put_and_delete_are_retried_on_5xx(make_http: HarnessFactory, method: str) -> None:
    harness = make_http(reply(502, error_body("bad_gateway")), reply(200, envelope(True)))
    response = await harness.http.request(method, "/2/zones/example.ch/records/1", json={"ttl": 60})
    assert response.data is True
    assert len(harness.script.requests) == 2
    assert harness.script.body(0) == harness.script.body(1) == {"ttl": 60}


async def test_501_and_4xx_are_not_retried(make_http: HarnessFactory) -> None:
    harness = make_http(reply(501, error_body("not_implemented")))
    with pytest.raises(ServerError):
        await harness.http.get("/x")
    assert len(harness.script.requests) == 1
    harness = make_http(reply(422, error_body("validation_failed", errors=[{"code": "x"}])))
    with pytest.raises(ValidationFailedError):
        await harness.http.get("/x")
    assert len(harness.script.requests) == 1


async def test_429_is_retried_for_post_honouring_retry_after(make_http: HarnessFactory) -> None:
    harness = make_http(
        reply(429, error_body("too_many_request"), headers={"Retry-After": "12"}),
        reply(201, envelope({"id": 9})),
    )
    start = harness.clock.now
    assert await harness.http.post("/2/zones/example.ch/records", {"type": "A"}) == {"id": 9}
    assert len(harness.script.requests) == 2
    assert harness.clock.now - start == 12.0
    assert harness.clock.sleeps == [12.0], "the wait happened in the limiter (whole token)"


async def test_429_with_http_date_retry_after(make_http: HarnessFactory) -> None:
    harness = make_http(
        reply(429, error_body("too_many_request"), headers={"Retry-After": "Thu, 01 Jan 2026 00:00:30 GMT"}),
        reply(200, envelope(1)),
    )
    start = harness.clock.now
    await harness.http.get("/1/accounts")
    assert harness.clock.now - start == 30.0


async def test_429_without_retry_after_uses_full_jitter_backoff(make_http: HarnessFactory) -> None:
    draws = iter([0.9, 0.1])
    harness = make_http(
        reply(429, error_body("too_many_request")),
        reply(429, error_body("too_many_request")),
        reply(200, envelope(1)),
        rng=lambda: next(draws),
    )
    start = harness.clock.now
    await harness.http.post("/x", {})
    assert harness.clock.now - start == pytest.approx(0.9 * 1 + 0.1 * 2)
    assert len(harness.script.requests) == 3


async def test_429_penalty_makes_other_callers_of_the_token_wait(make_http: HarnessFactory) -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    harness = make_http(
        reply(429, error_body("too_many_request"), headers={"Retry-After": "20"}),
        max_retries=0,
        clock=clock,
        limiter=limiter,
    )
    with pytest.raises(RateLimitedError):
        await harness.http.get("/x")
    assert limiter.delay() == 20.0


async def test_retry_after_longer_than_the_limit_fails_at_once(make_http: HarnessFactory) -> None:
    harness = make_http(reply(429, error_body("too_many_request"), headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitedError) as info:
        await harness.http.post("/x", {})
    assert info.value.retry_after == 3600.0
    assert len(harness.script.requests) == 1


async def test_429_gives_up_after_max_retries(make_http: HarnessFactory) -> None:
    limited = reply(429, error_body("too_many_request"), headers={"Retry-After": "1"})
    harness = make_http(limited, max_retries=2)
    with pytest.raises(RateLimitedError):
        await harness.http.get("/x")
    assert len(harness.script.requests) == 3


async def test_connection_errors_retry_get_but_not_post(make_http: HarnessFactory) -> None:
    harness = make_http(httpx2.ConnectError("refused"), reply(200, envelope(1)))
    assert await harness.http.get("/x") == 1
    assert len(harness.script.requests) == 2
    harness = make_http(httpx2.ConnectError("refused"), reply(200, envelope(1)))
    with pytest.raises(ConnectionFailedError):
        await harness.http.post("/x", {})
    assert len(harness.script.requests) == 1


async def test_silent_endpoint_hits_the_deadline_on_every_attempt_and_nothing_hangs(
    make_http: HarnessFactory,
) -> None:
    async def silent(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    harness = make_http(silent, reply(200, envelope("late")), timeout=0.05, max_retries=1)
    with anyio.fail_after(5):
        assert await harness.http.get("/x") == "late", "a GET is retried after a timeout"
    harness = make_http(silent, timeout=0.05, max_retries=2)
    with anyio.fail_after(5), pytest.raises(RequestTimeoutError):
        await harness.http.get("/x")
    assert len(harness.script.requests) == 3
    harness = make_http(silent, reply(200, envelope("late")), timeout=0.05, max_retries=3)
    with anyio.fail_after(5), pytest.raises(RequestTimeoutError):
        await harness.http.post("/x", {})
    assert len(harness.script.requests) == 1, "a POST that timed out is not retried"


async def test_slow_body_counts_against_the_deadline(make_http: HarnessFactory) -> None:
    class SlowStream(httpx2.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield b'{"result": "success", '
            await anyio.sleep_forever()

    harness = make_http(httpx2.Response(200, stream=SlowStream()), timeout=0.05, max_retries=0)
    with anyio.fail_after(5), pytest.raises(RequestTimeoutError):
        await harness.http.get("/x")


async def test_every_attempt_goes_through_the_limiter(make_http: HarnessFactory) -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 60.0, clock=clock, sleep=clock.sleep)
    harness = make_http(
        reply(503, error_body("x")), reply(503, error_body("x")), reply(200, envelope(1)),
        clock=clock, limiter=limiter, rng=lambda: 0.0,
    )
    start = clock.now
    await harness.http.get("/x")
    assert clock.now - start == 60.0, "the third attempt waited for the 2-per-minute window"


async def test_context_manager_closes_the_client(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope(1)))
    async with harness.http as http:
        assert await http.get("/x") == 1
    with pytest.raises(RuntimeError):
        await harness.http.get("/x")


def test_repr_never_shows_the_token(make_http: HarnessFactory) -> None:
    harness = make_http()
    assert TOKEN not in repr(harness.http)


def test_path_segment_quotes_and_refuses_traversal() -> None:
    assert path_segment("example.ch") == "example.ch"
    assert path_segment(42) == "42"
    assert path_segment("a/b?c") == "a%2Fb%3Fc"
    for bad in ("", ".", "..", "  "):
        with pytest.raises(ValueError, match="invalid path segment"):
            path_segment(bad)


def test_html_error_excerpt_is_short() -> None:
    from infomaniak_mcp.api._envelope import excerpt

    assert len(excerpt("x" * 500)) <= 61
    assert excerpt("<html><title>Sign in</title>secret</html>") == "title: Sign in"
