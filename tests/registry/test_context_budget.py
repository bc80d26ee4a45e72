"""Context budget of the default selection: `tools/list` stays under 8,000 estimated tokens.

Estimated tokens = characters of the compact JSON the client receives ÷ 4 (as in
`bench/tools_list.py`, which prints the per-toolset figures). A size check, not a timing.
"""

from __future__ import annotations

import json

import pytest
from mcp import Client

from infomaniak_mcp.config import Settings
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio

DEFAULT_BUDGET = 8_000


async def test_default_tools_list_fits_the_budget() -> None:
    async with Client(build_server(Settings(), select_tools(), api=None)) as client:
        tools = (await client.list_tools()).tools
    payload = json.dumps(
        [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools], separators=(",", ":")
    )
    assert len(payload) // 4 <= DEFAULT_BUDGET, f"default tools/list is ~{len(payload) // 4} tokens"
    names = {t.name for t in tools}
    assert {"account_overview", "dns_create_record", "hosting_create_site", "api_call", "tools_search"} <= names


DOMAIN_DNS_BUDGET = 5_000


async def test_domain_and_dns_toolsets_fit_their_budget() -> None:
    """Issue 5: `domain` + `dns` together (every tool of both, core or not) under 5,000 estimated tokens."""
    async with Client(build_server(Settings(), select_tools(["domain", "dns"]), api=None)) as client:
        tools = (await client.list_tools()).tools
    payload = json.dumps(
        [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools], separators=(",", ":")
    )
    names = {t.name for t in tools}
    assert {"domain_set_delegation", "dns_audit_zones", "dns_verify_record", "dns_export_zone"} <= names
    assert all(n.startswith(("domain_", "dns_")) for n in names)
    assert len(payload) // 4 < DOMAIN_DNS_BUDGET, f"domain + dns tools/list is ~{len(payload) // 4} tokens"
