"""Fixtures for the safe-writes engine tests: anyio backend, a fake clock, a private state dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_fakes import FakeClock


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    return directory
