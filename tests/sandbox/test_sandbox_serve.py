"""`serve()` really serves the sandbox on loopback (one subprocess, port chosen by the OS)."""

from __future__ import annotations

import re
import sys

import anyio
import httpx2
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from infomaniak_mcp.sandbox import SANDBOX_TOKEN

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SCRIPT = """
import logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
from infomaniak_mcp.sandbox import serve
serve(host="127.0.0.1", port=0)
"""


async def _wait_for_port(process: Process) -> int:
    assert process.stderr is not None
    seen = ""
    async for chunk in TextReceiveStream(process.stderr):
        seen += chunk
        match = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", seen)
        if match:
            return int(match.group(1))
    raise AssertionError(f"the sandbox did not start:\n{seen}")


async def test_serve_answers_on_loopback() -> None:
    process = await anyio.open_process([sys.executable, "-c", SCRIPT])
    try:
        with anyio.fail_after(30):
            port = await _wait_for_port(process)
            async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                response = await client.get(
                    "/1/accounts", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
                )
                assert response.status_code == 200
                assert len(response.json()["data"]) == 2
                assert response.headers["x-request-id"].startswith("sbx-")
                clock = await client.get(
                    "/_sandbox/clock", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
                )
                assert clock.json()["data"]["now"] % 86400 == 0  # the demo server runs on today's date
    finally:
        process.terminate()
        with anyio.move_on_after(10):
            await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
        for stream in (process.stdout, process.stderr, process.stdin):
            if stream is not None:
                await stream.aclose()
