"""One overall deadline per logical request (limiter queueing + attempts + backoff + Retry-After), and
5xx answers that are not transient (a kDrive in maintenance) are not retried. Fake clocks, no real sleeping."""

from __future__ import annotations

import time

import anyio
import httpx2
import pytest
from api_test_support import FakeClock, HarnessFactory, ManualClock, envelope, error_body, reply

from infomaniak_mcp.api._http import ApiHttp, HttpCore
from infomaniak_mcp.api.errors import RateLimitedError, RequestTimeoutError, ServerError
from infomaniak_mcp.api.ratelimit import LimiterDeadline, RateLimiter
from infomaniak_mcp.config import DEFAULT_REQUEST_DEADLINE, Secret

pytestmark = pytest.mark.anyio

LIMITED_60 = reply(429, error_body("too_many_request"), headers={"Retry-After": "60"})


async def test_retry_after_waits_stop_at_the_overall_deadline(make_http: HarnessFactory) -> None:
    """Three 60 s Retry-After waits used to make one GET last 3 minutes; now it ends within 90 s."""
    harness = make_http(LIMITED_60, LIMITED_60, reply(200, envelope("late")), max_retries=3)
    start = harness.clock.now
    with pytest.raises(RateLimitedError) as info:
        await harness.http.get("/x")
    elapsed = harness.clock.now - start
    assert elapsed <= DEFAULT_REQUEST_DEADLINE
    assert elapsed == pytest.approx(60.0)  # waited once; the second wait would have ended after 90 s
    assert len(harness.script.requests) == 2
    assert info.value.retry_after == 60.0  # the model still learns when to try again


async def test_limiter_queueing_counts_against_the_deadline(make_http: HarnessFactory) -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()  # the window is full for the next 60 s
    harness = make_http(reply(200, envelope(1)), clock=clock, limiter=limiter, request_deadline=30.0)
    start = clock.now
    with pytest.raises(RequestTimeoutError) as info:
        await harness.http.get("/x")
    error = info.value
    assert error.code == "request_deadline"
    assert "30 s" in error.description
    assert "Retry in a minute" in error.next_step
    assert harness.script.requests == [], "nothing is sent after the deadline"
    assert error.sent is False  # a write refused here certainly did not happen
    assert clock.now == start, "it gives up at once instead of sleeping towards a wait it cannot finish"
    assert limiter.waiting == 0
    assert limiter.delay() == pytest.approx(60.0), "the refused caller took no grant"


async def test_limiter_wait_plus_429_plus_backoff_never_exceed_the_deadline(make_http: HarnessFactory) -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    harness = make_http(
        reply(503, error_body("unavailable")), LIMITED_60, reply(200, envelope(1)),
        clock=clock, limiter=limiter, rng=lambda: 1.0,
    )
    start = clock.now
    with pytest.raises(RequestTimeoutError) as info:
        await harness.http.get("/x")
    # 60 s for the window, the 503, 1 s backoff, then the next slot (t+120) is past the deadline (t+90)
    assert info.value.code == "request_deadline"
    assert clock.now - start == pytest.approx(61.0)
    assert len(harness.script.requests) == 1


async def test_backoff_that_would_end_after_the_deadline_raises_the_last_failure(
    make_http: HarnessFactory,
) -> None:
    harness = make_http(
        reply(503, error_body("unavailable")), reply(503, error_body("unavailable")), reply(200, envelope(1)),
        rng=lambda: 1.0, backoff_base=40.0, backoff_cap=200.0, max_retries=3,
    )
    start = harness.clock.now
    with pytest.raises(ServerError) as info:
        await harness.http.get("/x")
    assert info.value.status == 503
    assert harness.clock.sleeps == [40.0], "the 80 s backoff would have ended after the 90 s deadline"
    assert harness.clock.now - start == pytest.approx(40.0)
    assert len(harness.script.requests) == 2


async def test_an_attempt_only_gets_the_time_left(make_http: HarnessFactory) -> None:
    async def silent(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    harness = make_http(silent, timeout=30.0, request_deadline=0.05, max_retries=3)
    with anyio.fail_after(5), pytest.raises(RequestTimeoutError) as info:
        await harness.http.get("/x")
    assert info.value.code == "request_deadline"
    assert info.value.sent is True  # sent, no answer: its effect is unknown
    assert len(harness.script.requests) == 1, "the deadline is not retried"


async def test_a_caller_queued_behind_others_gives_up_at_its_deadline() -> None:
    clock = ManualClock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)  # head of the queue: waits 60 s on the manual clock
        await anyio.wait_all_tasks_blocked()
        with anyio.fail_after(5), pytest.raises(LimiterDeadline):
            await limiter.acquire(deadline=clock.now + 0.05)
        assert limiter.waiting == 1
        clock.advance(60)
    assert limiter.waiting == 0


async def test_a_drive_in_maintenance_is_not_retried(make_http: HarnessFactory) -> None:
    maintenance = reply(503, error_body("drive_is_in_maintenance_error", "The drive is in maintenance"))
    harness = make_http(maintenance, reply(200, envelope("never")), max_retries=3)
    with pytest.raises(ServerError) as info:
        await harness.http.get("/2/drive/7/files")
    error = info.value
    assert (error.status, error.code) == (503, "drive_is_in_maintenance_error")
    assert "maintenance" in error.next_step
    assert "retrying now will not help" in error.next_step
    assert len(harness.script.requests) == 1
    assert harness.clock.sleeps == []
    transient = make_http(reply(503, error_body("unavailable")), reply(200, envelope("ok")))
    assert await transient.http.get("/2/drive/7/files") == "ok", "other 503s are still retried"


def test_deadline_defaults_and_validation() -> None:
    assert HttpCore("https://api.test").request_deadline == DEFAULT_REQUEST_DEADLINE
    assert HttpCore("https://api.test", timeout=120.0).request_deadline == 120.0, "never shorter than one attempt"
    assert HttpCore("https://api.test", request_deadline=10.0).request_deadline == 10.0
    with pytest.raises(ValueError, match="request_deadline"):
        HttpCore("https://api.test", request_deadline=0)
    api = ApiHttp("https://api.test", Secret("t" * 20), request_deadline=42.0)
    assert api.derive(ApiHttp, "https://team.test").request_deadline == 42.0


async def test_real_clock_bound_on_a_busy_limiter() -> None:
    """With the real clock too: a full window and a short deadline fail fast, they do not wait the window."""
    limiter = RateLimiter(1, 60.0)
    await limiter.acquire()
    http = ApiHttp(
        "https://api.test", Secret("t" * 20), limiter=limiter, request_deadline=0.2,
        transport=httpx2.MockTransport(lambda request: reply(200, envelope(1))),
    )
    started = time.monotonic()
    with anyio.fail_after(5), pytest.raises(RequestTimeoutError):
        await http.get("/x")
    assert time.monotonic() - started < 1.0
    await http.aclose()
