"""DNS writes refuse what the zone audit would rate high, and say everything that is wrong at once.

SPF/DMARC syntax and a second SPF record (create, update, change set, zone file import); every bad
change of a change set in one error. Nothing is planned, nothing changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured

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
