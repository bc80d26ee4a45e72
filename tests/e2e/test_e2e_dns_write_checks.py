"""DNS writes refuse what the zone audit would rate high, and say everything that is wrong at once.

SPF/DMARC syntax and a second SPF record (create, update, change set, zone file import); every bad
change of a change set in one error. Nothing is planned, nothing changes.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured

from infomaniak_mcp.config import Secret
from infomaniak_mcp.sandbox import SANDBOX_TOKEN_DNS_READ
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
ZONE = "alpage-shop.ch"
SPF_ID = 25919322  # alpage-shop.ch apex SPF (seeded)


async def refused(bench: WriteBench, tool: str, arguments: dict[str, Any]) -> str:
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error, text_of(result)
    assert bench.state_dump() == before
    return text_of(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("dns_create_record", {"type": "TXT", "name": "_dmarc", "target": "v=DMARC1; p=quarantaine"},
         ["target: invalid DMARC record", "p=quarantaine"]),
        ("dns_create_record", {"type": "TXT", "name": "mail", "target": "v=spf1 ip4:1.2.3.400 -all"},
         ["target: invalid SPF record", "1.2.3.400"]),
        ("dns_create_record", {"type": "TXT", "name": "@", "target": "v=spf1 ip4:203.0.113.9 -all"},
         ["target:", "2 SPF records", f"[{SPF_ID}]", "update the existing record"]),
        ("dns_update_record", {"record_id": SPF_ID, "target": "v=spf1 include:spf.infomaniak.ch ~al"},
         ["target: invalid SPF record", "~al"]),
        ("dns_apply_changes", {"changes": [{"action": "create", "name": "x", "type": "A", "target": "192.0.2.1"},
                                           {"action": "create", "name": "_dmarc", "type": "TXT",
                                            "target": "v=DMARC1; p=quarantaine"}]},
         ["changes[1].target: invalid DMARC record"]),
        ("dns_apply_changes", {"zone_file": '@ 3600 IN TXT "v=spf1 include:spf.infomaniak.ch ~all"\n'
                                            '@ 3600 IN TXT "v=spf1 a -all"\n'},
         ["zone_file[. TXT].target", "2 SPF records"]),
    ],
)
async def test_spf_and_dmarc_the_audit_would_flag_are_refused(
    tmp_path: Path, tool: str, arguments: dict[str, Any], expected: list[str]
) -> None:
    text = await refused(WriteBench(tmp_path), tool, {"zone": ZONE, **arguments})
    for part in expected:
        assert part in text


async def test_sound_mail_records_and_untouched_planted_ones_still_plan(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        for tool, arguments in [
            ("dns_create_record", {"type": "TXT", "name": "_dmarc", "target": "v=DMARC1; p=quarantine"}),
            ("dns_update_record", {"record_id": SPF_ID, "target": "v=spf1 include:spf.infomaniak.ch -all"}),
            # the zone's seeded invalid SPF/DMARC (newsletter) are not touched: the change set plans
            ("dns_apply_changes", {"changes": [{"action": "create", "name": "y", "type": "A", "target": "192.0.2.2"}]}),
        ]:
            result = await client.call_tool(tool, {"zone": ZONE, **arguments})
            assert not result.is_error, text_of(result)
            assert structured(result)["status"] == "confirmation_required"


async def test_a_change_set_reports_every_bad_change(tmp_path: Path) -> None:
    changes = [
        {"action": "create", "name": "a", "type": "A", "target": "203.0.113.5"},
        {"action": "create", "name": "b", "type": "MX", "target": "mx.example.com"},
        {"action": "update", "record_id": 12345, "target": "203.0.113.6"},
        {"action": "delete"},
    ]
    text = await refused(WriteBench(tmp_path), "dns_apply_changes", {"zone": ZONE, "changes": changes})
    assert "3 problems" in text
    for field in ("changes[1].target", "changes[2].record_id: 12345", "changes[3].record_id"):
        assert field in text
    assert "changes[0]" not in text


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("dns_create_record", {"type": "A", "name": "x.other-domain.ch", "target": "192.0.2.1"}, "name"),
        ("dns_create_record", {"type": "A", "name": "x.alpage-labs.dev", "target": "192.0.2.1"}, "name"),
        ("dns_apply_changes", {"changes": [{"action": "create", "name": "x.alpage-labs.dev", "type": "A",
                                            "target": "192.0.2.1"}]}, "changes[0].name"),
    ],
)
async def test_a_relative_name_naming_another_domain_is_refused(
    tmp_path: Path, tool: str, arguments: dict[str, Any], field: str
) -> None:
    text = await refused(WriteBench(tmp_path), tool, {"zone": ZONE, **arguments})
    assert f"{field}: " in text
    assert "a name without a final dot is relative" in text
    assert f".{ZONE}" in text


async def test_a_name_under_the_zone_is_accepted_with_or_without_the_final_dot(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        for name in (f"x.{ZONE}", f"x.{ZONE}.", "x.dev"):
            result = await client.call_tool("dns_create_record", {"zone": ZONE, "type": "A", "name": name,
                                                                  "target": "192.0.2.1"})
            assert not result.is_error, text_of(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("dns_list_records", {"zone": "alpage-digtal.ch"}, "zone"),
        ("dns_create_record", {"zone": "alpage-digtal.ch", "type": "A", "name": "x", "target": "192.0.2.1"}, "zone"),
        ("dns_delete_record", {"zone": "alpage-digtal.ch", "record_id": SPF_ID}, "zone"),
        ("dns_apply_changes", {"zone": "alpage-digtal.ch", "changes": [{"action": "delete", "record_id": 1}]}, "zone"),
        ("dns_export_zone", {"zone": "alpage-digtal.ch"}, "zone"),
        ("dns_audit_zones", {"zone": "alpage-digtal.ch"}, "zone"),
        ("domain_get_domain", {"domain": "alpage-digtal.ch"}, "domain"),
    ],
)
async def test_an_unknown_zone_names_the_field_and_the_closest_zones(
    tmp_path: Path, tool: str, arguments: dict[str, Any], field: str
) -> None:
    bench = WriteBench(tmp_path)
    selection = select_tools(["dns", "domain", "history"])
    async with connect_writes(bench.server(selection=selection), "memory", "legacy") as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    text = text_of(result)
    assert f"{field}: no zone or domain alpage-digtal.ch on this account; closest: alpage-digital.ch" in text
    assert "Did you mean alpage-digital.ch?" in text
    assert "domain_list_domains" in text
    error = structured(result) if result.structured_content else {}
    if error.get("details"):
        assert error["details"][0]["attribute"] == field


async def test_a_missing_record_of_a_known_zone_still_says_so(tmp_path: Path) -> None:
    text = await refused(WriteBench(tmp_path), "dns_delete_record", {"zone": ZONE, "record_id": 1})
    assert f"No record 1 in {ZONE}" in text
    assert "no zone or domain" not in text


async def test_a_missing_record_under_a_dns_only_token_is_no_wrong_zone(tmp_path: Path) -> None:
    """A DNS-read token cannot list the account's domains: no one can say the zone is not there, so the
    record's own 404 stays (with its hint), and a mistyped zone keeps the API's 404."""
    bench = WriteBench(tmp_path)
    bench.settings = replace(bench.settings, api_token=Secret(SANDBOX_TOKEN_DNS_READ))
    async with connect_writes(bench.server(selection=select_tools(["dns"])), "memory", "legacy") as client:
        record = await client.call_tool("dns_get_record", {"zone": ZONE, "record_id": 1})
        typo = await client.call_tool("dns_get_record", {"zone": "alpage-shp.ch", "record_id": SPF_ID})
    assert record.is_error
    assert typo.is_error
    assert f"No record 1 in {ZONE}" in text_of(record)
    for result in (record, typo):
        assert "on this account" not in text_of(result)


async def test_a_zone_that_is_no_domain_of_the_account_is_not_called_unknown(tmp_path: Path) -> None:
    """A delegated sub-zone is absent from the domain listing, yet exists: a wrong record id there is
    a wrong record id."""
    bench = WriteBench(tmp_path)
    sub = "shop.alpage-shop.ch"
    bench.state.zones[sub] = {**copy.deepcopy(bench.state.zones[ZONE]), "id": 999001, "fqdn": sub}
    bench.state.records[sub] = {}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        for tool in ("dns_get_record", "dns_delete_record"):
            result = await client.call_tool(tool, {"zone": sub, "record_id": 1})
            assert result.is_error
            assert f"No record 1 in {sub}" in text_of(result), tool
            assert "no zone or domain" not in text_of(result)


async def test_a_write_that_changes_nothing_says_so_without_asking_for_a_fix(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        exported = structured(await client.call_tool("dns_export_zone", {"zone": ZONE}))
        same = await client.call_tool("dns_apply_changes", {"zone": ZONE, "zone_file": exported["text"],
                                                            "delete_missing": True})
        spf = bench.find(".", "TXT")
        unchanged = await client.call_tool("dns_update_record", {"zone": ZONE, "record_id": spf["id"],
                                                                 "target": spf["target"]})
    for result, what in ((same, f"{ZONE} already matches the zone file"), (unchanged, "already has this target")):
        text = text_of(result)
        assert not result.is_error, text
        assert structured(result)["status"] == "unchanged"
        assert text.startswith("unchanged: Nothing was changed: "), text
        assert what in text
        assert "Nothing to do" in text
        assert "Fix " not in text
    assert bench.state_dump() == before
