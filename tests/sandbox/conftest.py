"""Fixtures for the sandbox behaviour tests (helpers live in `sandbox_support.py`)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_support import Harness, harness

from infomaniak_mcp.sandbox import FaultConfig


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sbx() -> AsyncIterator[Harness]:
    """A fresh seeded sandbox (no rate limit, no faults) with an authorized client."""
    async with harness(rate_limit=None, faults=FaultConfig()) as h:
        yield h
