"""`/_sandbox/requests` and the recorder keep no secret: request bodies AND responses are redacted."""

from __future__ import annotations

import pytest
from sandbox_support import Harness, ManagerSession

pytestmark = pytest.mark.anyio

STREAM = "/proxy/1/hostings/693802/webapp/880401/stream"


async def test_response_secrets_are_not_recorded(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    live = await manager.request("GET", STREAM)
    token = live.json()["data"]["jwt_token"]
    assert token.startswith("eyJ"), "the caller still gets the real token"
    history = await sbx.get("/_sandbox/requests")
    assert token not in history.text
    [recorded] = [e for e in history.json()["data"] if e["path"] == STREAM]
    assert recorded["response"]["data"]["jwt_token"] == "[redacted]"
    assert recorded["response"]["data"]["endpoint"].startswith("https://"), "other fields stay"
