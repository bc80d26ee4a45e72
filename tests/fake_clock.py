"""A monotonic clock whose `sleep` advances time instantly (and yields once): for limiter, back-off and
deadline tests anywhere under tests/ (`from fake_clock import FakeClock`)."""

from __future__ import annotations

import anyio.lowlevel


class FakeClock:
    """A monotonic clock whose `sleep` advances time instantly (and yields once); `sleeps` records them."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()
