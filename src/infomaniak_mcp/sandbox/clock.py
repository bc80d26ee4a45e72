"""The sandbox business clock.

All timestamps the sandbox writes (created_at, updated_at, expired_at, response_at, task times…)
come from this clock, in Unix seconds like the real API (facts §2). It never moves by itself:
tests and the admin route `POST /_sandbox/clock` move it. The seed uses dates relative to it
(e.g. a domain expiring `now + 12 days`), so the same clock always gives the same data.

The 60 requests/minute window is NOT measured on this clock: it uses real monotonic time by
default (see `create_app(rate_clock=...)`), because clients pace themselves in real time.
"""

from __future__ import annotations

import time

SANDBOX_EPOCH = 1795219200
"""2026-11-21T00:00:00Z: the default business time of the sandbox (tests rely on it)."""

DAY = 86400


class SandboxClock:
    """A settable clock in whole Unix seconds."""

    __slots__ = ("_now",)

    def __init__(self, start: int = SANDBOX_EPOCH) -> None:
        self._now = int(start)

    @classmethod
    def today(cls) -> SandboxClock:
        """A clock at 00:00 UTC of the current real day (for the demo server)."""
        real = int(time.time())
        return cls(real - real % DAY)

    def now(self) -> int:
        return self._now

    def advance(self, seconds: int | float) -> int:
        """Move forward (or backward with a negative value); returns the new time."""
        self._now += int(seconds)
        return self._now

    def set(self, ts: int | float) -> int:
        self._now = int(ts)
        return self._now

    def __repr__(self) -> str:
        return f"SandboxClock({self._now})"
