"""Fixtures for the API client tests (helpers live in `api_test_support.py`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from api_test_support import HarnessFactory, make_harness

from infomaniak_mcp.api.ratelimit import reset_limiters


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    reset_limiters()
    yield
    reset_limiters()


@pytest.fixture
def make_http() -> HarnessFactory:
    return make_harness
