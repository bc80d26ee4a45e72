"""Helpers for the API client tests: fake clocks, scripted MockTransport replies, an ApiHttp harness.

Imported by `conftest.py` and the test modules (the directory is put on `sys.path` by conftest).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import httpx2

from fake_clock import FakeClock
from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.config import Secret

TOKEN = "tok-unit-0123456789abcdef"
BASE_URL = "https://api.test"
WALL_NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class ManualClock:
    """A clock the test moves by hand; `sleep` blocks until `advance` passes its deadline."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._waiters: list[tuple[float, anyio.Event]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        event = anyio.Event()
        self._waiters.append((self.now + seconds, event))
        await event.wait()

    @property
    def sleepers(self) -> int:
        return sum(1 for _, event in self._waiters if not event.is_set())

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, event in self._waiters:
            if deadline <= self.now:
                event.set()
        self._waiters = [(d, e) for d, e in self._waiters if not e.is_set()]


Reply = httpx2.Response | Callable[[httpx2.Request], Awaitable[httpx2.Response]] | Exception


def envelope(data: Any, **meta: Any) -> dict[str, Any]:
    return {"result": "success", "data": data, **meta}


def error_body(code: str, description: str = "", **extra: Any) -> dict[str, Any]:
    return {"result": "error", "error": {"code": code, "description": description, **extra}}


def reply(status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None) -> httpx2.Response:
    """A JSON response (`body` None → `{"result": "success", "data": true}`)."""
    payload = envelope(True) if body is None else body
    return httpx2.Response(status, json=payload, headers=headers)


def raw(
    status: int, content: bytes | str, content_type: str = "text/plain", **headers: str
) -> httpx2.Response:
    data = content.encode() if isinstance(content, str) else content
    return httpx2.Response(status, content=data, headers={"content-type": content_type, **headers})


@dataclass
class Script:
    """Replies handed out in order (the last one repeats); every request is recorded."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[httpx2.Request] = field(default_factory=list)

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        item = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(item, Exception):
            raise item
        if isinstance(item, httpx2.Response):
            return item
        return await item(request)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        content = self.requests[index].content
        return json.loads(content) if content else None

    def query(self, index: int = -1) -> list[tuple[str, str]]:
        return list(self.requests[index].url.params.multi_items())


@dataclass
class Harness:
    http: ApiHttp
    script: Script
    clock: FakeClock


HarnessFactory = Callable[..., Harness]


def make_harness(*replies: Reply, **kwargs: Any) -> Harness:
    """An `ApiHttp` over a `Script` of replies, with a fake clock and a fixed jitter of 0.5."""
    clock = kwargs.pop("clock", None) or FakeClock()
    script = Script(list(replies) or [reply()])
    token = kwargs.pop("token", TOKEN)
    http = ApiHttp(
        kwargs.pop("base_url", BASE_URL),
        Secret(token) if token else None,
        transport=httpx2.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        rng=kwargs.pop("rng", lambda: 0.5),
        wall_clock=kwargs.pop("wall_clock", lambda: WALL_NOW),
        **kwargs,
    )
    return Harness(http, script, clock)
