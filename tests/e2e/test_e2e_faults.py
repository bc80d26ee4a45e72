"""Every injected sandbox fault, through the whole stack, becomes a typed error — and nothing hangs.

SDK `Client` → server → `dns_list_records` → API client → in-process sandbox with one fault rule.
Back-off waits go through a fake sleep (recorded, never slept); the only real waiting is the short
per-attempt deadline for `latency`/`silent`. Each case runs under an outer `anyio.fail_after`.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest
from fault_support import SETTINGS, faulty_api
from mcp import Client

from infomaniak_mcp.sandbox import FaultRule
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio

RECORDS = "/2/zones/*/records"


def _server(rule: FaultRule | None, waits: list[float]) -> Any:
    return build_server(SETTINGS, select_tools(["dns"]), api=faulty_api([rule] if rule else [], waits))


async def _list(rule: FaultRule | None) -> tuple[Any, list[float]]:
    waits: list[float] = []
    with anyio.fail_after(10):
        async with Client(_server(rule, waits)) as client:
            result = await client.call_tool("dns_list_records", {"zone": "alpage-digital.ch"})
    return result, waits


@pytest.mark.parametrize(
    ("rule", "code", "kind"),
    [
        (FaultRule("server_error", path=RECORDS, status=503), "service_unavailable", "ServerError"),
        (FaultRule("server_error", path=RECORDS, status=500), "unexpected_error", "ServerError"),
        (FaultRule("rate_limit_burst", path=RECORDS, count=10), "too_many_request", "RateLimitedError"),
        (FaultRule("malformed_json", path=RECORDS), "malformed_json", "BadResponseError"),
        (FaultRule("html_login", path=RECORDS), "html_response", "BadResponseError"),
        (FaultRule("latency", path=RECORDS, seconds=5.0), "timeout", "RequestTimeoutError"),
        (FaultRule("silent", path=RECORDS), "timeout", "RequestTimeoutError"),
    ],
    ids=["503", "500", "429-burst", "malformed-json", "html-login", "latency-over-deadline", "silent"],
)
async def test_fault_becomes_a_typed_error_with_a_next_step(rule: FaultRule, code: str, kind: str) -> None:
    result, _ = await _list(rule)
    assert result.is_error
    error = result.structured_content
    assert error["kind"] == kind
    assert error["error"] == code
    assert error["next_step"]
    assert "Next step:" in result.content[0].text


async def test_transient_faults_are_retried_to_success() -> None:
    result, waits = await _list(FaultRule("server_error", path=RECORDS, count=2))
    assert not result.is_error
    assert len(waits) == 2  # two backed-off retries of an idempotent GET
    result, waits = await _list(FaultRule("rate_limit_burst", path=RECORDS, count=1))
    assert not result.is_error
    assert waits
    assert waits[0] >= 1  # honoured the sandbox's Retry-After


async def test_short_latency_is_just_slow() -> None:
    result, _ = await _list(FaultRule("latency", path=RECORDS, seconds=0.01))
    assert not result.is_error
    assert result.structured_content["count"] > 0
