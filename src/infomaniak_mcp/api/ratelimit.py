"""Client-side rate limiting: never more than `rate` requests in any window of `per` seconds.

Infomaniak allows 60 requests per minute per API token. `RateLimiter` keeps a sliding log of
the last `rate` grant times: a request may go when the grant `rate` places back is at least
`per` seconds old. That is exact (no burst at window edges, unlike a fixed window), and it is
what the server's own sliding window checks.

Waiters are served strictly in arrival order (FIFO, no barging): each `acquire()` joins a queue
and only the head of the queue may be granted; when the head leaves (granted, or cancelled) the
next one is woken. A cancelled waiter just leaves the queue.

A 429 from the server means our view of the window was wrong (another client using the same
token, or a tighter per-route limit): `penalize(until)` makes every waiter of the token wait
until that time.

`acquire(deadline=t)` gives up with `LimiterDeadline` (leaving the queue, no grant) rather than
be granted after `t` (a time on the limiter's clock): as soon as it is the head and its wait
would end after `t`, or when `t` passes while it is still queued behind others.

`limiter_for(fingerprint, rate)` hands out one shared limiter per API token; the key is a hash
of the token (`token_fingerprint`), never the token itself.

Long waits are reported, not silent: `report_waits(reporter)` sets, for the calls made inside it
(a context variable, so every task the caller starts inherits it), an async `reporter(seconds,
reason)` that the limiter calls before a wait longer than `REPORT_AFTER` seconds (as the head of
the queue, and once when it joins a queue whose head must wait that long). The server sets one
per tool call (an MCP progress or log notification); this module knows nothing of MCP. A
reporter that fails is logged and ignored, and one slower than `REPORT_TIMEOUT` is abandoned: the
head of the queue reports, so a slow client stream must never stall the limiter shared by everyone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

import anyio

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
WaitReporter = Callable[[float, str], Awaitable[None]]
"""`reporter(seconds, reason)`: told before a caller waits `seconds` (reason: 'the API rate limit (60/min)')."""

REPORT_AFTER = 1.0
"""Waits longer than this (seconds) are reported to the current `WaitReporter`."""

REPORT_TIMEOUT = 0.2
"""Seconds (event-loop time) a report may take before it is abandoned (the wait goes on regardless)."""

log = logging.getLogger("infomaniak_mcp.api")
_reporter: ContextVar[WaitReporter | None] = ContextVar("infomaniak_mcp_wait_reporter", default=None)


@contextlib.contextmanager
def report_waits(reporter: WaitReporter | None) -> Iterator[None]:
    """Report the long waits of every request made inside this block (and the tasks it starts) to `reporter`."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


async def report_wait(seconds: float, reason: str) -> None:
    """Tell the current reporter (if any) that the caller is about to wait `seconds` (> `REPORT_AFTER`)."""
    reporter = _reporter.get()
    if reporter is None or seconds <= REPORT_AFTER:
        return
    try:
        with anyio.move_on_after(REPORT_TIMEOUT) as scope:
            await reporter(seconds, reason)
        if scope.cancelled_caught:
            log.debug("the wait report took longer than %.1f s; abandoned", REPORT_TIMEOUT)
    except Exception as exc:  # a notification that cannot be sent never breaks the request
        log.debug("the wait report could not be delivered: %s", exc)


class LimiterDeadline(TimeoutError):
    """`acquire(deadline=…)` could not be granted before its deadline; `wait` is what it still needed."""

    def __init__(self, wait: float | None = None) -> None:
        more = f" (it needed {wait:.1f} s more)" if wait is not None else " (still queued behind other requests)"
        super().__init__(f"the rate limiter could not grant the request before its deadline{more}")
        self.wait = wait


class RateLimiter:
    """A sliding-log limiter: at most `rate` grants in any `per`-second window, FIFO order."""

    def __init__(
        self,
        rate: int = 60,
        per: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        if per <= 0:
            raise ValueError("per must be positive")
        self._rate = rate
        self.per = per
        self._clock = clock
        self._sleep = sleep
        self._grants: deque[float] = deque()
        self._queue: deque[anyio.Event] = deque()
        self._penalty_until = float("-inf")

    @property
    def rate(self) -> int:
        return self._rate

    def tighten(self, rate: int) -> None:
        """Lower the rate (never raise it): used when one token is configured twice."""
        if 1 <= rate < self._rate:
            self._rate = rate

    @property
    def waiting(self) -> int:
        """How many callers are queued (including the one about to be granted)."""
        return len(self._queue)

    def penalize(self, until: float) -> None:
        """Hold every grant until `until` (a time on this limiter's clock), e.g. after a 429."""
        self._penalty_until = max(self._penalty_until, until)

    @property
    def reason(self) -> str:
        """What a wait for this limiter is for, in words."""
        per = "min" if self.per == 60 else f"{self.per:g} s"
        return f"the API rate limit ({self._rate}/{per})"

    def delay(self) -> float:
        """Seconds the head of the queue would have to wait now (0 when it may go)."""
        now = self._clock()
        wait = self._penalty_until - now
        if len(self._grants) >= self._rate:
            oldest_in_window = self._grants[-self._rate]
            wait = max(wait, oldest_in_window + self.per - now)
        return max(wait, 0.0)

    async def acquire(self, deadline: float | None = None) -> None:
        """Wait for this caller's turn, then record a grant (`LimiterDeadline` if not by `deadline`)."""
        ticket = anyio.Event()
        self._queue.append(ticket)
        try:
            if self._queue[0] is not ticket:
                await report_wait(self.delay(), self.reason + ", queued behind other requests")
                if deadline is None:
                    await ticket.wait()
                else:
                    try:
                        # the clock that moves while queued is the event loop's (the waits ahead are real)
                        with anyio.fail_after(max(deadline - self._clock(), 0.0)):
                            await ticket.wait()
                    except TimeoutError:
                        raise LimiterDeadline() from None
            while True:
                wait = self.delay()
                if wait <= 0:
                    break
                if deadline is not None and self._clock() + wait > deadline:
                    raise LimiterDeadline(wait)
                await report_wait(wait, self.reason)
                await self._sleep(wait)
            self._grants.append(self._clock())
            while len(self._grants) > self._rate:
                self._grants.popleft()
        finally:
            was_head = bool(self._queue) and self._queue[0] is ticket
            self._queue.remove(ticket)
            if was_head and self._queue:
                self._queue[0].set()


def token_fingerprint(token: str) -> str:
    """A stable, non-reversible key for a token (what `limiter_for` is keyed by)."""
    return hashlib.sha256(("infomaniak-mcp:" + token).encode()).hexdigest()[:24]


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(token_fingerprint: str, rate: int) -> RateLimiter:
    """The process-wide limiter of one API token (pass `token_fingerprint(token)`, not the token).

    The first call creates it; a later call with a lower rate tightens it, never loosens it.
    """
    with _limiters_lock:
        limiter = _limiters.get(token_fingerprint)
        if limiter is None:
            limiter = _limiters[token_fingerprint] = RateLimiter(rate, 60.0)
        else:
            limiter.tighten(rate)
        return limiter


def reset_limiters() -> None:
    """Forget every shared limiter (tests, or a process that swaps tokens)."""
    with _limiters_lock:
        _limiters.clear()
