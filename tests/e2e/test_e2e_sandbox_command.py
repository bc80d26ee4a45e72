"""`infomaniak-mcp sandbox --port N` serves the demo account to other clients, exactly as the README says.

The README's "Sandbox for other clients" block is parsed (so it cannot drift from the code), the
sandbox command runs as a real subprocess on a free loopback port, and `infomaniak-mcp call` runs
as another process configured only by the README's variables: a public-API read and a write plan
that needs the manager session both work.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infomaniak_mcp.sandbox.auth import SANDBOX_SASESSION, SANDBOX_TOKEN, SANDBOX_XSRF_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "infomaniak_mcp"]


def readme_environment(port: int) -> dict[str, str]:
    """The variables the README's "Sandbox for other clients" block exports, for `port`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Sandbox for other clients", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in block.splitlines():
        words = shlex.split(line)
        if words[:1] == ["export"]:
            env.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
    return {key: value.replace(":8765", f":{port}") for key, value in env.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def sandbox_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603  # our own command
        [*CLI, "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "sandbox exited"
                time.sleep(0.1)
        else:
            pytest.fail("the sandbox did not start listening within 30 s")
        yield port
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert b"demo credentials" in err  # the start-up log points to the README section


def test_readme_credentials_are_the_sandbox_ones() -> None:
    env = readme_environment(8765)
    assert env["INFOMANIAK_API_TOKEN"] == SANDBOX_TOKEN
    assert env["INFOMANIAK_SASESSION"] == SANDBOX_SASESSION
    assert env["INFOMANIAK_XSRF_TOKEN"] == SANDBOX_XSRF_TOKEN
    assert env["INFOMANIAK_API_URL"] == env["INFOMANIAK_MANAGER_URL"] == "http://127.0.0.1:8765"


def call(port: int, cwd: Path, tool: str, arguments: dict[str, object], *, code: int = 0) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("INFOMANIAK_")}
    env = {**base, **readme_environment(port), "INFOMANIAK_MCP_STATE_DIR": str(cwd / "state")}
    done = subprocess.run(  # noqa: S603  # our own command
        [*CLI, "call", tool, "--args", json.dumps(arguments)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == code, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_another_process_uses_the_served_sandbox(sandbox_port: int, tmp_path: Path) -> None:
    hostings = call(sandbox_port, tmp_path, "hosting_list_hostings", {})
    assert isinstance(hostings["hostings"], list)
    assert len(hostings["hostings"]) == 3
    plan = call(sandbox_port, tmp_path, "hosting_create_resource",
                {"kind": "database", "hosting_id": 693801, "name": "readme_demo"}, code=3)  # only planned
    assert plan["status"] == "confirmation_required"
    assert re.search(r"readme_demo", json.dumps(plan["plan"]))
