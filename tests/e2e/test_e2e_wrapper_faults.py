"""Faults inside concurrent fetches (anyio task groups) come back typed, from read and write tools alike.

Tools that fetch several things at once (`account_overview`, `account_list_products`,
`domain_list_domains`, the plan of `domain_set_delegation`) run them in a task group: a failed
request arrives wrapped in an `ExceptionGroup`. The wrappers (`run_tool`, the write wrapper) flatten
the group and map its first `InfomaniakError`, so the model gets the code and the next step instead
of a masked `internal_error`; a refused write is audited as `rejected`. Back-off waits go through a
fake sleep; the per-attempt deadline is short; each call runs under an outer `anyio.fail_after`.
The same server (no fault firing) checks that `account_list_products kind="hosting"` lists every web
hosting, the Node.js one included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from fault_support import SETTINGS, faulty_api
from mcp import Client

from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.sandbox import FaultRule
from infomaniak_mcp.sandbox.seed import ACCOUNT_ALPAGE
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio


FAULTS = [
    (dict(kind="server_error", status=503), "service_unavailable"),
    (dict(kind="server_error", status=500), "unexpected_error"),
    (dict(kind="rate_limit_burst", count=40), "too_many_request"),
    (dict(kind="malformed_json"), "malformed_json"),
    (dict(kind="html_login"), "html_response"),
    (dict(kind="latency", seconds=5.0), "timeout"),
    (dict(kind="silent"), "timeout"),
]
FAULT_IDS = ["503", "500", "429-burst", "malformed-json", "html-login", "latency", "silent"]

CALLS = [
    ("account_overview", {}, "/1/products"),
    ("account_list_products", {}, "/1/products"),
    ("account_list_products", {"account_id": ACCOUNT_ALPAGE}, "/1/products"),
    ("domain_list_domains", {}, "/1/domain/account/*"),
    ("domain_set_delegation", {"domain": "alpage-shop.ch", "dnssec": False}, "/2/domains/*/dnssec/check"),
]
CALL_IDS = ["overview", "products", "products-one-org", "domains", "write-plan"]


def _server(rule: FaultRule, engine: SafetyEngine) -> Any:
    selection = select_tools(["account", "domain"], ["domain_set_delegation"])
    return build_server(SETTINGS, selection, api=faulty_api([rule]), safety=engine)


@pytest.mark.parametrize(("fault", "code"), FAULTS, ids=FAULT_IDS)
@pytest.mark.parametrize(("tool", "arguments", "path"), CALLS, ids=CALL_IDS)
async def test_a_fault_in_a_concurrent_fetch_is_a_typed_error(
    tmp_path: Path, tool: str, arguments: dict[str, Any], path: str, fault: dict[str, Any], code: str
) -> None:
    engine = SafetyEngine.in_directory(tmp_path)
    with anyio.fail_after(10):
        async with Client(_server(FaultRule(path=path, **fault), engine)) as client:
            result = await client.call_tool(tool, arguments)
    assert result.is_error
    error = result.structured_content or {}
    assert error.get("error") == code, error
    assert error.get("next_step")
    assert "internal_error" not in result.content[0].text
    if tool == "domain_set_delegation":
        entries = [(e.phase, e.outcome) for e in engine.audit.search(limit=10)]
        assert entries == [("rejected", code)]


async def test_kind_hosting_lists_every_web_hosting_node_js_included(tmp_path: Path) -> None:
    """`kind="hosting"` means what a user means: the 3 web hostings of the sandbox, Node.js (`hosting_3`) too."""
    engine = SafetyEngine.in_directory(tmp_path)
    async with Client(_server(FaultRule("latency", path="/none", seconds=0.0), engine)) as client:
        hostings = (await client.call_tool("account_list_products", {"kind": "hosting"})).structured_content or {}
        node = (await client.call_tool("account_list_products", {"kind": "hosting_3"})).structured_content or {}
        one_org = await client.call_tool("account_list_products", {"kind": "hosting", "account_id": ACCOUNT_ALPAGE})
    assert hostings["count"] == 3
    assert sorted(p["kind"] for p in hostings["products"]) == ["hosting", "hosting", "hosting_3"]
    assert [p["kind"] for p in node["products"]] == ["hosting_3"]
    assert (one_org.structured_content or {})["count"] == 2
