"""Root conftest: intentionally minimal; fixtures live in each test directory's conftest.

One exception, a guard for every test: the server's private state (confirmation secret, audit
log, history) goes to a per-test temporary directory, never to the developer's home.
"""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("INFOMANIAK_MCP_STATE_DIR", str(directory))
    monkeypatch.setenv("XDG_STATE_HOME", str(directory))  # still private if a test clears INFOMANIAK_*
    monkeypatch.delenv("INFOMANIAK_MCP_AUDIT_LOG", raising=False)
    return directory
