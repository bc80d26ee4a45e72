"""End-to-end fixtures (helpers live in `e2e_support.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import ERAS, TRANSPORTS, ServerFactory, install_fake_toolsets, make_fake_server

from infomaniak_mcp.server.registry import ToolsetInfo


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_toolsets(monkeypatch: pytest.MonkeyPatch) -> dict[str, ToolsetInfo]:
    return install_fake_toolsets(monkeypatch)


@pytest.fixture
def make_server(fake_toolsets: dict[str, ToolsetInfo]) -> ServerFactory:
    return make_fake_server


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory and no INFOMANIAK_* variables: no developer .env leaks in."""
    for key in list(os.environ):
        if key.startswith("INFOMANIAK_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path
