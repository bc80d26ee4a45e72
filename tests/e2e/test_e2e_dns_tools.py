"""DNS read tools end to end on the sandbox: one record, zone file export (tool and resource), live checks.

Live checks only ever ask the sandbox's DNS responder on 127.0.0.1 (the tool refuses any other
server in sandbox mode, which a test below pins down).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured
from mcp import Client
from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.domain.dns_zonefile import parse_zone_file
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
TOOLSETS = ["dns", "history"]


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[WriteBench]:
    bench = WriteBench(tmp_path)
    yield bench
    responder = getattr(bench.transport.app.state, "dns_responder", None)  # type: ignore[attr-defined]
    if responder is not None:
        responder.close()


def server(bench: WriteBench, *, extra: dict[str, str] | None = None) -> MCPServer[Any]:
    settings = replace(bench.settings, extra=extra or {})
    api = bench.api()
    built = build_server(
        settings, select_tools(TOOLSETS), api=api, safety=bench.engine, clock=lambda: float(bench.state.clock.now())
    )
    return built


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured(result)


async def test_get_record_shows_parts_and_joined_txt(bench: WriteBench, transport: str, era: str) -> None:
    mx = bench.find(".", "MX", "alpage-cloud.com")
    srv = bench.find("_sip._tcp", "SRV", "alpage-cloud.com")
    long_txt = {"id": 990001, "source": "long", "source_idn": "long.alpage-cloud.com", "type": "TXT", "ttl": 3600,
                "target": '"' + "a" * 255 + '" "' + "b" * 45 + '"', "updated_at": 1_795_000_000}
    bench.records("alpage-cloud.com")[990001] = long_txt
    async with connect_writes(server(bench), transport, era) as client:
        got_mx = await call(client, "dns_get_record", {"zone": "alpage-cloud.com", "record_id": mx["id"]})
        got_srv = await call(client, "dns_get_record", {"zone": "alpage-cloud.com", "record_id": srv["id"]})
        got_txt = await call(client, "dns_get_record", {"zone": "alpage-cloud.com", "record_id": 990001})
        missing = await client.call_tool("dns_get_record", {"zone": "alpage-cloud.com", "record_id": 1})
    assert got_mx["fqdn"] == "alpage-cloud.com"
    assert "zone" not in got_mx
    assert got_mx["name"] == "."
    assert got_mx["parts"] == "priority 10"
    assert got_srv["parts"] == "priority 10, weight 60, port 5060"
    assert got_txt["value"] == "a" * 255 + "b" * 45
    assert got_mx["updated_on"].startswith("20")
    assert missing.is_error
    assert "dns_list_records" in text_of(missing)


async def test_export_small_zone_inline_and_big_zone_as_resource(bench: WriteBench, transport: str, era: str) -> None:
    async with connect_writes(server(bench), transport, era) as client:
        small = await call(client, "dns_export_zone", {"zone": "cafe-du-lac.ch"})
        big = await call(client, "dns_export_zone", {"zone": "alpage-cloud.com"})
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource(big["uri"])
    assert small["truncated"] is False
    assert small["records"] == 7
    parsed = parse_zone_file(small["text"], "cafe-du-lac.ch")
    assert len(parsed.records) == 5  # 7 records minus the two apex NS, which Infomaniak manages
    assert any(r.type == "TXT" and r.target == "v=spf1 +all" for r in parsed.records)
    assert "IN SOA ns41.infomaniak.com. hostmaster.cafe-du-lac.ch." in small["text"]
    assert big["truncated"] is True
    assert big["uri"] == "infomaniak://dns/zones/alpage-cloud.com/zonefile"
    assert big["records"] == 121
    assert len(big["text"].splitlines()) == 40
    assert [t.uri_template for t in templates] == ["infomaniak://dns/zones/{zone}/zonefile", "infomaniak://plans/{plan_id}"]
    whole = read.contents[0].text  # type: ignore[union-attr]
    assert whole.count("\n") == big["lines"]
    assert len(parse_zone_file(whole, "alpage-cloud.com").records) == 119


async def test_verify_record_on_authoritative_and_public(bench: WriteBench) -> None:
    async with connect_writes(server(bench), "memory", "legacy") as client:
        mx = await call(client, "dns_verify_record", {"zone": "alpage-digital.ch", "name": "@", "type": "MX"})
        wrong = await call(client, "dns_verify_record",
                           {"zone": "alpage-digital.ch", "name": "www", "type": "CNAME", "expected": ["other.example"]})
        absent = await call(client, "dns_verify_record",
                            {"zone": "alpage-digital.ch", "name": "nope", "type": "A", "expected": []})
        typo = await client.call_tool("dns_verify_record", {"zone": "alpage-shop.ch", "name": "typo", "type": "TXT"})
        elsewhere = await call(client, "dns_verify_record",
                               {"zone": "atelier-rive-neuve.com", "name": "@", "type": "MX"})
        bad_type = await client.call_tool("dns_verify_record", {"zone": "alpage-digital.ch", "name": "@", "type": "X"})
    assert mx["expected"] == ["5 mta-gw.infomaniak.ch."]
    assert mx["authoritative_ok"] is True
    assert mx["public_ok"] is True
    authoritative, public = mx["servers"]
    assert authoritative.startswith("authoritative ns41.infomaniak.com (sandbox 127.0.0.1:")
    assert authoritative.endswith(": match [5 mta-gw.infomaniak.ch.] TTL 3600")
    assert public.startswith("public 127.0.0.1:")
    assert public.endswith(": match [5 mta-gw.infomaniak.ch.] TTL 3600")
    assert wrong["authoritative_ok"] is False
    assert all(": mismatch [alpage-digital.ch.]" in s for s in wrong["servers"])
    assert absent["expected"] == []
    assert absent["authoritative_ok"] is True  # nothing expected, nothing published
    assert absent["public_ok"] is True
    assert typo.is_error  # no such record and no `expected`: never "resolves as expected everywhere"
    assert "name: no TXT record 'typo' in the zone alpage-shop.ch" in text_of(typo)
    assert "expected" in text_of(typo)
    assert elsewhere["authoritative_ok"] is True  # Infomaniak serves the zone...
    assert elsewhere["public_ok"] is False  # ...but the world asks other nameservers
    assert [s.split(": ")[1] for s in elsewhere["servers"] if s.startswith("public")] == ["servfail (no answer)"]
    assert bad_type.is_error


async def test_verify_sees_a_change_at_once(bench: WriteBench) -> None:
    async with connect_writes(server(bench), "memory", "legacy") as client:
        arguments = {"zone": "alpage-shop.ch", "type": "TXT", "name": "verify-me", "target": "hello=world"}
        planned = await call(client, "dns_create_record", arguments)
        await call(client, "dns_create_record", {**arguments, "confirmation_token": planned["confirmation_token"]})
        check = await call(client, "dns_verify_record", {"zone": "alpage-shop.ch", "name": "verify-me", "type": "TXT"})
    assert check["expected"] == ["hello=world"]
    assert check["authoritative_ok"] is True
    assert check["public_ok"] is True


@pytest.mark.parametrize("resolvers", ["1.1.1.1", "127.0.0.1:5353,9.9.9.9", "resolver.example"])
async def test_sandbox_never_asks_outside_servers(bench: WriteBench, resolvers: str) -> None:
    extra = {"INFOMANIAK_MCP_DNS_RESOLVERS": resolvers}
    async with connect_writes(server(bench, extra=extra), "memory", "legacy") as client:
        result = await client.call_tool("dns_verify_record", {"zone": "alpage-digital.ch", "name": "@", "type": "A"})
    assert result.is_error
    assert "INFOMANIAK_MCP_DNS_RESOLVERS" in text_of(result)
    assert getattr(bench.transport.app.state, "dns_responder", None) is None  # type: ignore[attr-defined]


async def test_loopback_resolvers_may_be_configured(bench: WriteBench) -> None:
    from infomaniak_mcp.sandbox.dns_server import DnsResponder

    with DnsResponder(bench.state) as responder:
        host, port = responder.address
        extra = {"INFOMANIAK_MCP_DNS_RESOLVERS": f"{host}:{port}"}
        async with connect_writes(server(bench, extra=extra), "memory", "legacy") as client:
            check = await call(client, "dns_verify_record", {"zone": "rive-neuve.ch", "name": "@", "type": "CAA"})
        assert responder.queries == 2
    assert check["expected"] == ['0 issue "letsencrypt.org"']
    assert check["public_ok"] is True


async def test_demo_mode_checks_live_against_its_own_responder() -> None:
    """`--sandbox` (create_api): the live check starts the sandbox's responder on loopback by itself."""
    from infomaniak_mcp.config import Settings
    from infomaniak_mcp.server.app import create_api

    setup = create_api(Settings(), sandbox=True)
    assert setup.api is not None
    built = build_server(setup.settings, select_tools(TOOLSETS), api=setup.api, sandbox=True, clock=setup.clock)
    async with Client(built) as client:
        try:
            check = await call(client, "dns_verify_record", {"zone": "rive-neuve.ch", "name": "@", "type": "MX"})
        finally:
            assert await setup.api.http.delete("/_sandbox/dns") is True
    assert check["authoritative_ok"] is True
    assert check["public_ok"] is True
