"""Toolset `domain` end to end on the sandbox: list with expiry, detail, delegation changes with undo.

The live nameserver look-ups go to the sandbox's DNS responder on 127.0.0.1 (started through
`/_sandbox/dns`, stopped at teardown); nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured
from mcp import Client

from infomaniak_mcp.sandbox.seed_dns import INFOMANIAK_NS
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
TOOLSETS = ["domain", "dns", "history"]


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[WriteBench]:
    bench = WriteBench(tmp_path)
    yield bench
    responder = getattr(bench.transport.app.state, "dns_responder", None)  # type: ignore[attr-defined]
    if responder is not None:
        responder.close()


def server(bench: WriteBench) -> Any:
    """The bench's server with the sandbox's business clock (so 'days left' do not depend on today)."""
    return build_server(
        bench.settings, select_tools(TOOLSETS), api=bench.api(), safety=bench.engine,
        clock=lambda: float(bench.state.clock.now()),
    )


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured(result)


async def confirm(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    planned = await call(client, tool, arguments)
    assert planned["status"] == "confirmation_required", planned
    return await call(client, tool, {**arguments, "confirmation_token": planned["confirmation_token"]})


async def test_list_domains_sorted_by_expiry_with_flags(bench: WriteBench, transport: str, era: str) -> None:
    async with connect_writes(server(bench), transport, era) as client:
        everything = await call(client, "domain_list_domains", {})
        soon = await call(client, "domain_list_domains", {"expiring_within_days": 30})
        cut = await client.call_tool("domain_list_domains", {"account_id": 412377, "limit": 2})
    rows = everything["domains"]
    assert everything["count"] == len(rows) == 8
    assert not everything["truncated"]
    days = [r["days_left"] for r in rows]
    assert days == sorted(days)
    by = {r["name"]: r for r in rows}
    assert by["alpage-shop.ch"]["days_left"] == 12
    assert by["alpage-shop.ch"]["created_on"] < by["alpage-shop.ch"]["expires_on"]
    assert by["atelier-rive-neuve.com"]["dns_here"] is False
    assert by["alpage-digital.ch"]["dnssec"] is True
    assert {r["account_id"] for r in rows} == {412301, 412377}
    assert [r["name"] for r in soon["domains"]] == ["alpage-shop.ch", "cafe-du-lac.ch"]
    short = structured(cut)
    assert [r["name"] for r in short["domains"]] == ["cafe-du-lac.ch", "atelier-rive-neuve.com"]
    assert short["truncated"] is True
    assert short["count"] == 3
    assert "Showing 2 of 3; filter by account_id" in text_of(cut)


async def test_get_domain_detail(bench: WriteBench) -> None:
    async with connect_writes(server(bench), "memory", "legacy") as client:
        healthy = await call(client, "domain_get_domain", {"domain": "Alpage-Digital.CH."})
        elsewhere = await call(client, "domain_get_domain", {"domain": "atelier-rive-neuve.com"})
        missing = await client.call_tool("domain_get_domain", {"domain": "nowhere-at-all.ch"})
    assert healthy["name"] == "alpage-digital.ch"
    assert healthy["account_id"] == 412301
    assert healthy["dns_here"] is True
    assert healthy["nameservers"] == sorted(INFOMANIAK_NS)
    assert healthy["dnssec"] is True
    assert healthy["ds"]
    assert healthy["ds"][0].split()[1] == "13"
    assert healthy["zones"] == ["alpage-digital.ch (DNSSEC)"]
    assert "clientTransferProhibited" in healthy["status"]
    assert healthy["owner"] == "Alpage Digital SA"
    assert any("email_hosting" in p for p in healthy["products"])
    assert "alpage-vps-01 (cloud, id 712201)" in healthy["products"]  # matched by its fqdn vps01.…
    assert not any("(domain," in p for p in healthy["products"])
    assert elsewhere["dns_here"] is False
    assert elsewhere["nameservers"] == ["ns1.externe-dns.example", "ns2.externe-dns.example"]
    assert healthy.get("idn") is None
    assert healthy["has_error"] is False
    assert missing.is_error
    assert "domain_list_domains" in text_of(missing)


async def test_idn_and_registry_error_flags(bench: WriteBench) -> None:
    """An internationalised domain shows its Unicode name (lists and detail); the registry's error flag is a field."""
    import copy

    from infomaniak_mcp.sandbox.seed_dns import REGISTRY_ERROR_DOMAIN

    idn = copy.deepcopy(bench.state.domains["cafe-du-lac.ch"])
    idn.update(id=1938399, name="xn--caf-dma.ch")
    bench.state.domains["xn--caf-dma.ch"] = idn
    async with connect_writes(server(bench), "memory", "legacy") as client:
        listed = await client.call_tool("domain_list_domains", {"account_id": idn["_account_id"]})
        got = await client.call_tool("domain_get_domain", {"domain": "café.ch"})
        broken = await call(client, "domain_get_domain", {"domain": REGISTRY_ERROR_DOMAIN})
    rows = {r["name"]: r for r in structured(listed)["domains"]}
    assert rows["xn--caf-dma.ch"]["idn"] == "café.ch"
    assert "idn" not in rows["cafe-du-lac.ch"]
    assert "- xn--caf-dma.ch (café.ch) — org" in text_of(listed)
    detail = structured(got)
    assert detail["name"] == "xn--caf-dma.ch"
    assert detail["idn"] == "café.ch"
    assert detail["has_error"] is False
    assert text_of(got).startswith("xn--caf-dma.ch (café.ch) (org ")
    assert broken["has_error"] is True
    assert any("registry reports an error" in w for w in broken["warnings"])


async def test_nameservers_out_and_back_with_undo(bench: WriteBench) -> None:
    domain = bench.state.domains["alpage-labs.dev"]
    arguments = {"domain": "alpage-labs.dev", "nameservers": ["NS1.Example.NET.", "ns2.example.net"]}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "domain_set_delegation", arguments)
        plan = planned["plan"]
        assert plan["risk"] == "high"
        assert plan["target_name"] == "alpage-labs.dev"
        assert plan["reversible"] is True
        assert plan["diff"] == [
            {"resource": "domain:alpage-labs.dev/nameservers", "field": "nameservers",
             "before": sorted(INFOMANIAK_NS), "after": ["ns1.example.net", "ns2.example.net"]}
        ]
        assert domain["_nameservers"] == INFOMANIAK_NS  # planning changed nothing
        applied = await call(client, "domain_set_delegation",
                             {**arguments, "confirmation_token": planned["confirmation_token"]})
        assert applied["status"] == "applied"
        assert domain["_nameservers"] == ["ns1.example.net", "ns2.example.net"]
        after = await call(client, "domain_get_domain", {"domain": "alpage-labs.dev"})
        assert after["dns_here"] is False
        assert after["nameservers"] == ["ns1.example.net", "ns2.example.net"]  # the DNS follows
        undone = await confirm(client, "history_undo", {"history_id": applied["history_id"]})
        assert undone["status"] == "applied"
    assert sorted(domain["_nameservers"]) == sorted(INFOMANIAK_NS)


async def test_dnssec_on_and_off_with_warnings(bench: WriteBench) -> None:
    shop = bench.state.domains["alpage-shop.ch"]
    async with connect_writes(server(bench), "memory", "2026-07-28") as client:
        planned = await call(client, "domain_set_delegation", {"domain": "alpage-shop.ch", "dnssec": True})
        step = planned["plan"]["steps"][0]
        assert step["operation"] == "domain.enable_dnssec"
        assert "DS record at the registry" in step["description"] or "publishes the DS" in step["description"]
        applied = await confirm(client, "domain_set_delegation", {"domain": "alpage-shop.ch", "dnssec": True})
        assert shop["options"]["dnssec"] is True
        assert bench.state.zones["alpage-shop.ch"]["dnssec"]["is_enabled"] is True
        await confirm(client, "history_undo", {"history_id": applied["history_id"]})
        assert shop["options"]["dnssec"] is False

        external = await client.call_tool("domain_set_delegation", {"domain": "atelier-rive-neuve.com", "dnssec": True})
        assert external.is_error
        assert "ds_records" in text_of(external)
        warned = await call(client, "domain_set_delegation",
                            {"domain": "atelier-rive-neuve.com", "dnssec": True, "ds_records": ["12345 13 2 ABCDEF"]})
        assert "not use Infomaniak's nameservers" in warned["plan"]["steps"][0]["description"]
        already = await client.call_tool("domain_set_delegation", {"domain": "alpage-digital.ch", "dnssec": True})
        assert already.is_error
        assert "already on" in text_of(already)


async def test_moving_away_switches_dnssec_off_first(bench: WriteBench) -> None:
    arguments = {"domain": "alpage-digital.ch", "nameservers": ["ns1.example.net", "ns2.example.net"], "dnssec": False}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "domain_set_delegation", arguments)
        operations = [s["operation"] for s in planned["plan"]["steps"]]
        assert operations == ["domain.disable_dnssec", "domain.set_nameservers"]
        applied = await confirm(client, "domain_set_delegation", arguments)
        assert applied["status"] == "applied"
        assert bench.state.domains["alpage-digital.ch"]["options"]["dnssec"] is False
        await confirm(client, "history_undo", {"history_id": applied["history_id"]})
    restored = bench.state.domains["alpage-digital.ch"]
    assert sorted(restored["_nameservers"]) == sorted(INFOMANIAK_NS)
    assert restored["options"]["dnssec"] is True


async def test_moving_a_signed_domain_away_removes_the_ds_first_unasked(bench: WriteBench) -> None:
    """Nameservers only, DNSSEC on at Infomaniak: the DS would point at keys the new servers lack."""
    arguments = {"domain": "alpage-digital.ch", "nameservers": ["ns1.example.net", "ns2.example.net"]}
    signed = bench.state.domains["alpage-digital.ch"]
    ds_before = list(signed["_dnssec_data"])
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "domain_set_delegation", arguments)
        plan = planned["plan"]
        assert [s["operation"] for s in plan["steps"]] == ["domain.disable_dnssec", "domain.set_nameservers"]
        assert "DNSSEC is switched off before the move: the DS at the registry matches Infomaniak's keys" in (
            plan["summary"])
        assert "dnssec=true, ds_records" in plan["summary"]
        assert "DS TTL" in plan["steps"][0]["description"]
        ds = next(d for d in plan["diff"] if d["field"] == "ds")
        assert ds["resource"] == "domain:alpage-digital.ch/dnssec"
        assert ds["before"]
        assert ds["after"] == []
        applied = await confirm(client, "domain_set_delegation", arguments)
        assert signed["options"]["dnssec"] is False
        assert signed["_nameservers"] == ["ns1.example.net", "ns2.example.net"]
        await confirm(client, "history_undo", {"history_id": applied["history_id"]})
    assert sorted(signed["_nameservers"]) == sorted(INFOMANIAK_NS)
    assert signed["options"]["dnssec"] is True
    assert signed["_dnssec_data"] == ds_before


async def test_moving_away_with_the_new_ds_replaces_it_and_undoes(bench: WriteBench) -> None:
    arguments: dict[str, Any] = {"domain": "alpage-digital.ch", "nameservers": ["ns1.example.net", "ns2.example.net"],
                                 "dnssec": True}
    signed = bench.state.domains["alpage-digital.ch"]
    async with connect_writes(server(bench), "memory", "legacy") as client:
        missing = await client.call_tool("domain_set_delegation", arguments)
        assert missing.is_error
        assert "ds_records: DNSSEC is on and the new nameservers sign with their own keys" in text_of(missing)
        arguments["ds_records"] = ["12345 13 2 ABCDEF"]
        planned = await call(client, "domain_set_delegation", arguments)
        assert [s["operation"] for s in planned["plan"]["steps"]] == [
            "domain.disable_dnssec", "domain.set_nameservers", "domain.enable_dnssec"]
        assert next(d for d in planned["plan"]["diff"] if d["field"] == "ds")["after"] == ["12345 13 2 ABCDEF"]
        applied = await confirm(client, "domain_set_delegation", arguments)
        assert signed["options"]["dnssec"] is True
        undone = await confirm(client, "history_undo", {"history_id": applied["history_id"]})
        assert undone["status"] == "applied"
    assert sorted(signed["_nameservers"]) == sorted(INFOMANIAK_NS)
    assert signed["options"]["dnssec"] is True


async def test_back_to_infomaniak_with_external_dnssec_removes_the_foreign_ds(bench: WriteBench) -> None:
    from infomaniak_mcp.sandbox.routes.domain import set_dnssec

    external = bench.state.domains["atelier-rive-neuve.com"]
    set_dnssec(bench.state, external, True)  # DNSSEC signed by the external provider
    arguments: dict[str, Any] = {"domain": "atelier-rive-neuve.com", "use_infomaniak": True}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "domain_set_delegation", arguments)
        plan = planned["plan"]
        assert [s["operation"] for s in plan["steps"]] == ["domain.disable_dnssec", "domain.set_nameservers"]
        assert "matches the keys of the current nameservers" in plan["summary"]
        assert "Give dnssec=true to have Infomaniak sign it" in plan["summary"]
        signed = await call(client, "domain_set_delegation", {**arguments, "dnssec": True})
        assert [s["operation"] for s in signed["plan"]["steps"]] == [
            "domain.disable_dnssec", "domain.set_nameservers", "domain.enable_dnssec"]
        other = {"domain": "atelier-rive-neuve.com", "nameservers": ["ns1.other.example", "ns2.other.example"]}
        undecided = await client.call_tool("domain_set_delegation", other)
        assert undecided.is_error
        assert "dnssec: DNSSEC is on" in text_of(undecided)
        kept = await call(client, "domain_set_delegation", {**other, "dnssec": True})
        assert [s["operation"] for s in kept["plan"]["steps"]] == ["domain.set_nameservers"]
        assert "DNSSEC stays on with the current DS" in kept["plan"]["summary"]


async def test_undo_notices_another_external_set_and_ignores_dns_caches(bench: WriteBench) -> None:
    labs = bench.state.domains["alpage-labs.dev"]
    out = {"domain": "alpage-labs.dev", "nameservers": ["ns1.example.net", "ns2.example.net"]}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        first = await confirm(client, "domain_set_delegation", out)
        again = {**out, "nameservers": ["a.ns.example", "b.ns.example"]}
        second = await confirm(client, "domain_set_delegation", again)
        # the registry changed again by hand (the flag stays "elsewhere"): undoing `second` is refused...
        labs["_nameservers"] = ["x.dns.example", "y.dns.example"]
        refused = await client.call_tool("history_undo", {"history_id": second["history_id"]})
        assert refused.is_error
        assert "the DNS now shows x.dns.example, y.dns.example" in text_of(refused)
        # ...while a DNS that still shows the pre-change set (caches) is not a change
        labs["_nameservers"] = ["ns1.example.net", "ns2.example.net"]
        planned = await call(client, "history_undo", {"history_id": second["history_id"]})
        assert planned["status"] == "confirmation_required"
        assert first["status"] == "applied"


async def test_the_delegation_plan_is_not_bound_to_live_dns_answers(bench: WriteBench) -> None:
    labs = bench.state.domains["atelier-rive-neuve.com"]
    arguments = {"domain": "atelier-rive-neuve.com", "use_infomaniak": True}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "domain_set_delegation", arguments)
        labs["_nameservers"] = ["ns3.externe-dns.example", "ns4.externe-dns.example"]  # what DNS shows moves
        applied = await call(client, "domain_set_delegation",
                             {**arguments, "confirmation_token": planned["confirmation_token"]})
    assert applied["status"] == "applied"
    assert sorted(labs["_nameservers"]) == sorted(INFOMANIAK_NS)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"nameservers": ["ns1.example.net"]}, "nameservers"),
        ({"nameservers": ["ns1.example.net", "ns1.example.net"]}, "nameservers"),
        ({"nameservers": ["ns1.example.net", "192.0.2.1"]}, "nameservers"),
        ({"nameservers": ["ns1.example.net", "ns2.example.net"], "use_infomaniak": True}, "nameservers"),
        ({}, "nameservers"),
        ({"use_infomaniak": True}, "nameservers"),  # already on Infomaniak's
    ],
)
async def test_bad_delegation_requests_change_nothing(bench: WriteBench, arguments: dict[str, Any], field: str) -> None:
    before = bench.state_dump()
    async with connect_writes(server(bench), "memory", "legacy") as client:
        result = await client.call_tool("domain_set_delegation", {"domain": "alpage-labs.dev", **arguments})
    assert result.is_error
    assert field in text_of(result)
    assert bench.state_dump() == before
