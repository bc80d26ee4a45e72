"""Answers the sandbox generates from the spec (operations it does not simulate statefully) are marked
(`X-Sandbox-Generated: 1`) and every tool whose requests got one says so: a share link of "url" is
example data, never something to report as real."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from e2e_support import connect, text_of
from e2e_writes_support import structured
from test_e2e_api import ApiBench

from infomaniak_mcp.api._http import SANDBOX_NOTE
from infomaniak_mcp.sandbox import SANDBOX_TOKEN, SandboxClock, SandboxState, create_app

pytestmark = pytest.mark.anyio
LINK = {"method": "POST", "path": "/2/drive/{drive_id}/files/{file_id}/link",
        "path_params": {"drive_id": 140901, "file_id": 3},
        "body": {"right": "public", "can_download": True, "valid_until": 1800000000}}


async def test_generated_answers_carry_the_header_stateful_ones_do_not() -> None:
    app = create_app(SandboxState.seeded(SandboxClock()), rate_limit=None)
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.localhost",
                                  headers=headers) as http:
        generated = await http.get("/2/drive/140901/files/3/link")
        stateful = await http.get("/2/zones/alpage-digital.ch/records")
    assert generated.status_code == 200
    assert generated.headers.get("x-sandbox-generated") == "1"
    assert stateful.status_code == 200
    assert "x-sandbox-generated" not in stateful.headers


async def test_api_call_says_when_the_answer_is_example_data(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        generated = await client.call_tool("api_call", {"path": "/2/drive/140901/files/3/link"})
        stateful = await client.call_tool("api_call", {"path": "/2/zones/alpage-digital.ch/records"})
    assert not generated.is_error
    assert SANDBOX_NOTE in structured(generated)["note"]
    assert structured(generated)["note"].count(SANDBOX_NOTE) == 1
    assert text_of(generated).count(SANDBOX_NOTE) == 1  # one mechanism (the server's): said once
    assert f"Note: {SANDBOX_NOTE} (GET /2/drive/140901/files/3/link)." in text_of(generated)
    assert SANDBOX_NOTE not in text_of(stateful)
    assert SANDBOX_NOTE not in (structured(stateful).get("note") or "")


async def test_an_applied_generated_write_says_its_answer_is_example_data(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("api_call_write", LINK))
        token = planned["confirmation_token"]
        applied = await client.call_tool("api_call_write", {**LINK, "confirmation_token": token})
        stateful = await client.call_tool("dns_list_records", {"zone": "alpage-digital.ch"})
    assert structured(applied)["status"] == "applied"
    text = text_of(applied)
    assert f"Note: {SANDBOX_NOTE} (" in text
    assert "POST /2/drive/140901/files/3/link)." in text  # the request whose answer was made up

    assert SANDBOX_NOTE not in text_of(stateful)
