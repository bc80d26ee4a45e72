"""The rate limiter: exact sliding window, FIFO order, cancellation, penalty, per-token sharing."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest
from api_test_support import FakeClock, ManualClock

from infomaniak_mcp.api.ratelimit import RateLimiter, limiter_for, token_fingerprint

pytestmark = pytest.mark.anyio


def _max_in_any_window(times: list[float], per: float) -> int:
    """The largest number of grants inside any half-open window [t, t + per)."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        count = sum(1 for t in ordered[i:] if t < start + per)
        best = max(best, count)
    return best


async def test_200_concurrent_acquires_never_exceed_60_per_minute_fifo_and_all_complete() -> None:
    clock = FakeClock(start=5000.0)
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    arrivals: list[int] = []
    grants: list[tuple[int, float]] = []

    async def caller(index: int) -> None:
        await anyio.lowlevel.checkpoint()  # let every task start, so arrivals interleave with grants
        arrivals.append(index)
        await limiter.acquire()
        grants.append((index, clock.now))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for index in range(200):
                tg.start_soon(caller, index)

    assert len(grants) == 200, "every caller completed"
    assert [index for index, _ in grants] == arrivals, "served strictly in arrival order"
    times = [t for _, t in grants]
    assert _max_in_any_window(times, 60.0) == 60
    for i in range(len(times) - 60):
        assert times[i + 60] - times[i] >= 60.0
    # the first 60 go at once, then one window per 60: 200 grants need 3 more windows
    assert times[59] == 5000.0
    assert times[60] == 5060.0
    assert times[-1] == 5180.0
    assert limiter.waiting == 0


async def test_grants_spread_over_time_still_respect_the_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    times = []
    for step in (0, 1, 2, 9, 9.5, 11, 30):
        clock.now = 1000.0 + max(step, clock.now - 1000.0)
        await limiter.acquire()
        times.append(clock.now - 1000.0)
    # 3 grants at 0,1,2; the 4th must wait until 10 (0 + 10), the 5th until 11, the 6th until 12
    assert times == [0, 1, 2, 10, 11, 12, 30]
    assert _max_in_any_window(times, 10.0) == 3


async def test_a_cancelled_head_waiter_hands_the_turn_to_the_next() -> None:
    clock = ManualClock()
    limiter = RateLimiter(1, 10.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()  # t=0, window full until t=10
    granted: list[str] = []

    async def named(name: str) -> None:
        await limiter.acquire()
        granted.append(name)

    async with anyio.create_task_group() as tg:
        b_scope = anyio.CancelScope()

        async def b() -> None:
            with b_scope:
                await named("b")

        tg.start_soon(b)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(named, "c")
        await anyio.wait_all_tasks_blocked()
        assert limiter.waiting == 2
        assert clock.sleepers == 1
        b_scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert limiter.waiting == 1
        clock.advance(10)
        await anyio.wait_all_tasks_blocked()
    assert granted == ["c"]
    assert limiter.waiting == 0


async def test_a_cancelled_middle_waiter_leaves_the_queue_without_breaking_it() -> None:
    clock = ManualClock()
    limiter = RateLimiter(1, 10.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    granted: list[tuple[str, float]] = []

    async def named(name: str) -> None:
        await limiter.acquire()
        granted.append((name, clock.now))

    async with anyio.create_task_group() as tg:
        c_scope = anyio.CancelScope()

        async def c() -> None:
            with c_scope:
                await named("c")

        tg.start_soon(named, "b")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(c)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(named, "d")
        await anyio.wait_all_tasks_blocked()
        assert limiter.waiting == 3
        c_scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert limiter.waiting == 2
        for _ in range(2):
            clock.advance(10)
            await anyio.wait_all_tasks_blocked()
    assert granted == [("b", 10.0), ("d", 20.0)]


async def test_new_callers_do_not_barge_past_a_woken_waiter() -> None:
    clock = ManualClock()
    limiter = RateLimiter(1, 10.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    order: list[str] = []

    async def named(name: str) -> None:
        await limiter.acquire()
        order.append(name)

    async with anyio.create_task_group() as tg:
        for name in ("b", "c"):
            tg.start_soon(named, name)
            await anyio.wait_all_tasks_blocked()
        clock.advance(10)  # b may go; c is next in line
        tg.start_soon(named, "late")  # arrives before b has even resumed
        await anyio.wait_all_tasks_blocked()
        for _ in range(2):
            clock.advance(10)
            await anyio.wait_all_tasks_blocked()
    assert order == ["b", "c", "late"]


async def test_penalize_holds_every_caller_until_the_given_time() -> None:
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    limiter.penalize(130.0)
    limiter.penalize(120.0)  # an earlier time never shortens the penalty
    await limiter.acquire()
    assert clock.now == 130.0
    await limiter.acquire()
    assert clock.now == 130.0


def test_limiter_for_shares_one_limiter_per_token_and_never_keys_by_the_token() -> None:
    token = "secret-token-value-123"
    fingerprint = token_fingerprint(token)
    assert token not in fingerprint
    assert fingerprint == token_fingerprint(token)
    assert fingerprint != token_fingerprint("another-token-456")
    first = limiter_for(fingerprint, 60)
    assert limiter_for(fingerprint, 60) is first
    assert limiter_for(token_fingerprint("another-token-456"), 60) is not first
    limiter_for(fingerprint, 30)
    assert first.rate == 30, "a lower rate tightens the shared limiter"
    limiter_for(fingerprint, 60)
    assert first.rate == 30, "never loosened"


def test_invalid_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)
    with pytest.raises(ValueError, match="per"):
        RateLimiter(1, 0)


async def test_long_waits_are_reported_to_the_current_reporter() -> None:
    from infomaniak_mcp.api.ratelimit import report_waits

    clock = FakeClock(start=100.0)
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    told: list[tuple[float, str]] = []

    async def reporter(seconds: float, reason: str) -> None:
        told.append((seconds, reason))

    await limiter.acquire()  # no reporter set: nothing to tell, nothing breaks
    with report_waits(reporter):
        clock.now += 59.5
        await limiter.acquire()  # waits 0.5 s: too short to report
        await limiter.acquire()  # waits 60 s
    await limiter.acquire()  # outside the block: not reported
    assert told == [(pytest.approx(60.0), "the API rate limit (1/min)")]


async def test_a_failing_reporter_never_breaks_the_request() -> None:
    from infomaniak_mcp.api.ratelimit import report_waits

    clock = FakeClock(start=0.0)
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)

    async def broken(seconds: float, reason: str) -> None:
        raise RuntimeError("the client went away")

    with report_waits(broken):
        await limiter.acquire()
        await limiter.acquire()
    assert clock.now == pytest.approx(60.0)


async def test_a_reporter_that_never_returns_does_not_stall_the_shared_limiter() -> None:
    """The head of the queue reports its wait: a stuck client stream is abandoned after REPORT_TIMEOUT (real
    time), so the callers queued behind it (other clients of the same token) are granted on schedule."""
    from infomaniak_mcp.api.ratelimit import REPORT_TIMEOUT, report_waits

    clock = FakeClock(start=0.0)
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    grants: list[tuple[str, float]] = []
    reported = anyio.Event()

    async def stuck(seconds: float, reason: str) -> None:
        reported.set()
        await anyio.sleep_forever()

    async def slow_client() -> None:
        with report_waits(stuck):
            await limiter.acquire()
        grants.append(("slow", clock.now))

    async def other_client() -> None:
        await reported.wait()  # queued behind the head while it reports
        await limiter.acquire()
        grants.append(("other", clock.now))

    await limiter.acquire()
    with anyio.fail_after(REPORT_TIMEOUT * 10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(slow_client)
            tg.start_soon(other_client)
    assert grants == [("slow", pytest.approx(60.0)), ("other", pytest.approx(120.0))]
    assert limiter.waiting == 0
