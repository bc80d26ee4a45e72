"""Fixtures of the hosting unit tests (helpers live in `hosting_support.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hosting_support import Sbx, sandbox_api


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sbx() -> AsyncIterator[Sbx]:
    async with sandbox_api() as harness:
        yield harness
