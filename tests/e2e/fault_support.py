"""An API client on an in-process sandbox with fault rules, a fake clock and a short per-attempt deadline.

Back-off and limiter waits go through a fake sleep (recorded in `waits`, never slept); the only real
waiting is the per-attempt deadline (`DEADLINE`) for `latency`/`silent` faults.
"""

from __future__ import annotations

import anyio.lowlevel
import httpx2

from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.manager import ManagerHttp
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.sandbox import SANDBOX_TOKEN, FaultConfig, FaultRule, SandboxClock, create_app

URL = "http://sandbox.localhost"
DEADLINE = 0.3
SETTINGS = Settings(api_token=Secret(SANDBOX_TOKEN), api_url=URL, manager_url=URL)


def faulty_api(rules: list[FaultRule], waits: list[float] | None = None) -> InfomaniakApi:
    """The client, on a fresh sandbox that applies `rules`; fake sleeps are appended to `waits`."""
    now = [0.0]  # fake monotonic clock shared by the back-off and the rate limiter

    async def fake_sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)
        now[0] += seconds
        await anyio.lowlevel.checkpoint()

    def clock() -> float:
        return now[0]

    transport = httpx2.ASGITransport(app=create_app(clock=SandboxClock(), faults=FaultConfig(rules)))
    http = ApiHttp(
        URL,
        Secret(SANDBOX_TOKEN),
        transport=transport,
        limiter=RateLimiter(rate=1000, per=60.0, clock=clock, sleep=fake_sleep),
        timeout=DEADLINE,
        clock=clock,
        sleep=fake_sleep,
    )
    manager = ManagerHttp(URL, mode="none", transport=transport, limiter=RateLimiter(rate=1000, per=60.0))
    return InfomaniakApi(http, manager)
