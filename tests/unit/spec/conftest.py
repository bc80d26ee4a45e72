"""Fixtures for the bundled-spec tests: the loaded spec, and the contract validators on `sys.path`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infomaniak_mcp.spec.model import ApiSpec, load_spec

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contract"
if str(CONTRACT_DIR) not in sys.path:
    sys.path.append(str(CONTRACT_DIR))  # `import spec` → tests/contract/spec.py (validate_response…)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def api_spec() -> ApiSpec:
    return load_spec()
