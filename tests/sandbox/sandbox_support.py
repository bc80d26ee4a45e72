"""Helpers for the sandbox tests: an in-process client and a manager-session client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx2
from starlette.applications import Starlette

from infomaniak_mcp.sandbox import (
    SANDBOX_SASESSION,
    SANDBOX_TOKEN,
    SANDBOX_XSRF_TOKEN,
    SandboxState,
    create_app,
)

BASE_URL = "http://sandbox.localhost"


def bearer(token: str = SANDBOX_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Harness:
    app: Starlette
    client: httpx2.AsyncClient  # carries the full token
    anon: httpx2.AsyncClient  # no credentials

    @property
    def state(self) -> SandboxState:
        state: SandboxState = self.app.state.sandbox
        return state

    async def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.client.get(path, **kwargs)

    async def data(self, path: str, **kwargs: Any) -> Any:
        response = await self.client.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["data"]


@asynccontextmanager
async def harness(state: SandboxState | None = None, **create_app_kwargs: Any) -> AsyncIterator[Harness]:
    app = create_app(state, **create_app_kwargs)
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=BASE_URL, headers=bearer()) as client,
        httpx2.AsyncClient(transport=transport, base_url=BASE_URL) as anon,
    ):
        yield Harness(app=app, client=client, anon=anon)


@dataclass
class ManagerSession:
    """A manager client that keeps its cookies by hand (optionally ignoring rotations)."""

    client: httpx2.AsyncClient
    sasession: str = SANDBOX_SASESSION
    xsrf: str = SANDBOX_XSRF_TOKEN
    take_rotations: bool = True
    seen_cookies: list[str] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {
            "Cookie": f"SASESSION={self.sasession}; MANAGER-XSRF-TOKEN={self.xsrf}",
            "X-XSRF-TOKEN": self.xsrf,
        }

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        response = await self.client.request(method, path, headers=self.headers(), **kwargs)
        for raw in response.headers.get_list("set-cookie"):
            self.seen_cookies.append(raw)
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(raw)
            if "MANAGER-XSRF-TOKEN" in cookie and self.take_rotations:
                self.xsrf = cookie["MANAGER-XSRF-TOKEN"].value
        return response
