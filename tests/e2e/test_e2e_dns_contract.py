"""Contract: every request the domain and DNS tools send (reads and confirmed writes) matches the spec.

The tools run through the whole server against a recording sandbox; each recorded exchange on a
documented operation has its query/body and its answer validated with `tests/contract/spec.py`.
Undocumented routes the tools use (facts §5.5: `/1/domain/...`, `/2/domains/domains`) are listed
and pinned, so a new one cannot slip in unnoticed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from e2e_support import text_of
from e2e_writes_support import structured
from mcp import Client

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.sandbox import FaultConfig, RecordedExchange, create_app
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import select_tools

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))
from spec import documented_operations, validate_request, validate_response

pytestmark = pytest.mark.anyio

UNDOCUMENTED = {
    ("GET", "/1/domain/account/{account_id}"),
    ("GET", "/1/domain/{domain}"),
    ("GET", "/2/domains/domains"),
    ("GET", "/2/domains/domains/{domain}"),
}


async def confirm(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    planned = structured(await client.call_tool(tool, arguments))
    assert planned["status"] == "confirmation_required", planned
    done = await client.call_tool(tool, {**arguments, "confirmation_token": planned["confirmation_token"]})
    assert not done.is_error, text_of(done)


async def test_domain_and_dns_tools_send_what_the_spec_documents(tmp_path: Path) -> None:
    exchanges: list[RecordedExchange] = []
    app = create_app(faults=FaultConfig([]), recorder=exchanges, rate_limit=None)
    settings = sandbox_settings(Settings())
    api = InfomaniakApi.from_settings(
        settings, transport=httpx2.ASGITransport(app=app), limiter=RateLimiter(100_000, 60.0)
    )
    engine = SafetyEngine.in_directory(tmp_path / "engine")
    server = build_server(settings, select_tools(["dns", "domain", "history"]), api=api, safety=engine)
    shop = "alpage-shop.ch"
    try:
        async with Client(server) as client:
            for tool, arguments in [
                ("domain_list_domains", {"expiring_within_days": 60}),
                ("domain_get_domain", {"domain": shop}),
                ("dns_get_record", {"zone": shop, "record_id": 25919320}),
                ("dns_export_zone", {"zone": shop}),
                ("dns_audit_zones", {}),
                ("dns_audit_zones", {"zone": shop}),
                ("dns_verify_record", {"zone": shop, "name": "@", "type": "MX"}),
            ]:
                result = await client.call_tool(tool, arguments)
                assert not result.is_error, f"{tool}: {text_of(result)}"
            await confirm(client, "domain_set_delegation", {"domain": shop, "dnssec": True})
            await confirm(client, "domain_set_delegation", {"domain": shop, "dnssec": False,
                                                            "nameservers": ["ns1.example.net", "ns2.example.net"]})
            await confirm(client, "domain_set_delegation", {"domain": shop, "use_infomaniak": True})
            await confirm(client, "dns_apply_changes", {"zone": shop, "changes": [
                {"action": "create", "name": "contract", "type": "TXT", "target": "v=contract"},
                {"action": "update", "record_id": 25919320, "ttl": 7200},
            ]})
    finally:
        responder = getattr(app.state, "dns_responder", None)
        if responder is not None:
            responder.close()
    documented = {(m.upper(), p) for m, p in documented_operations()}
    used = {(e.method, e.route) for e in exchanges if e.route is not None}
    assert used - documented == UNDOCUMENTED
    problems = []
    for exchange in exchanges:
        if exchange.route is None or (exchange.method, exchange.route) not in documented:
            continue
        try:
            validate_request(exchange.method, exchange.route, exchange.query, exchange.body)
            validate_response(exchange.method, exchange.route, exchange.status, exchange.response)
        except AssertionError as exc:
            problems.append(f"{exchange.method} {exchange.path}: {exc}")
    assert not problems, "\n".join(problems)
    assert {
        ("GET", "/2/domains/{domain}/zones"),
        ("GET", "/2/domains/{domain}/dnssec/check"),
        ("POST", "/2/domains/{domain}/dnssec/enable"),
        ("POST", "/2/domains/{domain}/dnssec/disable"),
        ("PUT", "/2/domains/{domain}/nameservers"),
        ("GET", "/2/zones/{zone}"),
        ("GET", "/2/zones/{zone}/records"),
        ("GET", "/2/zones/{zone}/records/{record}"),
        ("POST", "/2/zones/{zone}/records"),
        ("PUT", "/2/zones/{zone}/records/{record}"),
    } <= used
