"""Change sets end to end: one plan for many record changes, zone file import, failure mid-way.

plan → confirm (token) → applied → history_undo; an injected sandbox failure in the middle of a
change set gives `partial` with the compensating plan, which history_undo confirms and applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured
from mcp import Client

from infomaniak_mcp.sandbox import FaultRule
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
ZONE = "alpage-shop.ch"
API = -1  # stands for the id of api.alpage-shop.ch (A), known once the bench exists


def server(bench: WriteBench) -> Any:
    return build_server(bench.settings, select_tools(["dns", "history"]), api=bench.api(), safety=bench.engine)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured(result)


async def confirm(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    planned = await call(client, tool, arguments)
    assert planned["status"] == "confirmation_required", planned
    return await call(client, tool, {**arguments, "confirmation_token": planned["confirmation_token"]})


def zone_view(bench: WriteBench) -> set[tuple[str, str, str, int]]:
    return {(r["source"], r["type"], r["target"], r["ttl"]) for r in bench.records(ZONE).values()}


async def test_change_set_plan_apply_undo(tmp_path: Path, transport: str, era: str) -> None:
    bench = WriteBench(tmp_path)
    www = bench.find("www", "CNAME")
    api = bench.find("api", "A")
    old = bench.find("old", "CNAME")
    original = zone_view(bench)
    changes = [
        {"action": "create", "name": "www", "type": "A", "target": "203.0.113.30", "ttl": 600},  # CNAME → A:
        {"action": "delete", "record_id": www["id"]},  # the delete runs first
        {"action": "update", "record_id": api["id"], "target": "203.0.113.32"},
        {"action": "delete", "record_id": old["id"]},
        {"action": "create", "name": "@", "type": "MX", "target": "20 mx2.alpage-shop.ch"},
    ]
    arguments = {"zone": ZONE, "changes": changes}
    async with connect_writes(server(bench), transport, era) as client:
        planned = await call(client, "dns_apply_changes", arguments)
        plan = planned["plan"]
        assert zone_view(bench) == original, "planning changes nothing"
        assert [s["operation"] for s in plan["steps"]] == [
            "dns.delete_record", "dns.delete_record", "dns.update_record", "dns.create_record", "dns.create_record",
        ]
        assert plan["risk"] == "high"
        assert plan["target_name"] == ZONE
        assert plan["reversible"] is True
        assert "2 create, 1 update, 2 delete" in plan["summary"]
        assert {"resource": f"dns:{ZONE}/records/{api['id']}", "field": "target", "before": "203.0.113.31",
                "after": "203.0.113.32"} in plan["diff"]
        applied = await call(client, "dns_apply_changes", {**arguments, "confirmation_token":
                                                           planned["confirmation_token"]})
        assert applied["status"] == "applied"
        assert len(applied["report"]["applied"]) == 5
        view = zone_view(bench)
        assert ("www", "A", "203.0.113.30", 600) in view
        assert ("www", "CNAME", "alpage-shop.ch", 3600) not in view
        assert (".", "MX", "20 mx2.alpage-shop.ch", 3600) in view
        assert ("old", "CNAME", "legacy.alpage-digital.ch", 3600) not in view
        undone = await confirm(client, "history_undo", {"history_id": applied["history_id"]})
        assert undone["status"] == "applied"
    assert zone_view(bench) == original


async def test_a_failure_mid_way_reports_and_offers_compensation(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    api = bench.find("api", "A")
    old = bench.find("old", "CNAME")
    original = zone_view(bench)
    arguments = {
        "zone": ZONE,
        "changes": [
            {"action": "delete", "record_id": old["id"]},
            {"action": "update", "record_id": api["id"], "ttl": 3600},
            {"action": "create", "name": "new", "type": "A", "target": "203.0.113.33"},
        ],
    }
    runtime = bench.transport.app.state.runtime  # type: ignore[attr-defined]
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "dns_apply_changes", arguments)
        runtime.faults.add(FaultRule(kind="server_error", method="POST", path=f"/2/zones/{ZONE}/records", count=1))
        result = await client.call_tool("dns_apply_changes", {**arguments, "confirmation_token":
                                                              planned["confirmation_token"]})
        assert result.is_error  # a partial apply is an error result, with the whole outcome
        outcome = structured(result)
        assert outcome["status"] == "partial"
        report = outcome["report"]
        assert [s["index"] for s in report["applied"]] == [0, 1]
        assert [s["index"] for s in report["failed"]] == [2]
        assert report["failed"][0]["error"]["status"] == 500
        compensation = report["compensation"]
        assert [s["operation"] for s in compensation["steps"]] == ["dns.update_record", "dns.create_record"]
        assert "history_undo" in outcome["message"]
        assert zone_view(bench) != original
        undone = await confirm(client, "history_undo", {"history_id": outcome["history_id"]})
        assert undone["status"] == "applied"
    assert zone_view(bench) == original


async def test_zone_file_import_shows_the_diff_and_keeps_or_deletes(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), "memory", "2026-07-28") as client:
        exported = await call(client, "dns_export_zone", {"zone": ZONE})
        assert exported["truncated"] is False
        lines = exported["text"].splitlines()
        edited = [line.replace("203.0.113.31", "203.0.113.39") for line in lines if not line.startswith("old ")]
        edited.append("shop 300 IN CNAME www.alpage-shop.ch.")
        zone_file = "\n".join(edited) + "\n"
        same = await client.call_tool("dns_apply_changes", {"zone": ZONE, "zone_file": exported["text"]})
        assert not same.is_error  # nothing to do is an answer, not a mistake
        assert structured(same)["status"] == "unchanged"
        assert "already matches" in text_of(same)
        kept = await call(client, "dns_apply_changes", {"zone": ZONE, "zone_file": zone_file})
        plan = kept["plan"]
        assert [s["operation"] for s in plan["steps"]] == ["dns.update_record", "dns.create_record"]
        assert "1 record(s) not in the file kept" in plan["summary"]
        pruned = await confirm(client, "dns_apply_changes", {"zone": ZONE, "zone_file": zone_file,
                                                             "delete_missing": True})
        assert [s["operation"] for s in pruned["report"]["applied"]] == [
            "dns.delete_record", "dns.update_record", "dns.create_record",
        ]
    view = zone_view(bench)
    assert ("api", "A", "203.0.113.39", 300) in view
    assert ("shop", "CNAME", "www.alpage-shop.ch", 300) in view
    assert not any(r[0] == "old" for r in view)


async def test_zone_file_import_lists_what_it_skips_adjusts_and_keeps(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    zone_file = "\n".join([
        f"$ORIGIN {ZONE}.",
        "@ 3600 IN SOA ns1.example.net. hostmaster.example.net. 1 7200 900 1209600 300",
        "@ 3600 IN NS ns1.example.net.",
        "@ 3600 IN NS ns2.example.net.",
        "fast 30 IN TXT \"hello\"",
        "box 3600 IN HINFO \"PC\" \"Linux\"",
        "x.example.org. 3600 IN A 192.0.2.1",
    ]) + "\n"
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned = await call(client, "dns_apply_changes", {"zone": ZONE, "zone_file": zone_file})
    plan = planned["plan"]
    assert [s["operation"] for s in plan["steps"]] == ["dns.create_record"]
    kept_count = len([r for r in bench.records(ZONE).values() if not (r["source"] == "." and r["type"] == "NS")])
    summary = plan["summary"]
    assert f"1 create; {kept_count} record(s) not in the file kept; 4 line(s) skipped; 1 TTL(s) adjusted" in summary
    notes = {d["field"]: d for d in plan["diff"][:3]}
    assert list(notes) == ["skipped", "adjusted", "kept"]
    skipped = notes["skipped"]["before"]
    assert any(f"{ZONE} NS ns1.example.net, ns2.example.net: apex nameservers" in s for s in skipped)
    assert any("SOA" in s for s in skipped)
    assert any("HINFO" in s for s in skipped)
    assert any("outside" in s for s in skipped)
    assert notes["skipped"]["after"] == "not imported"
    assert notes["adjusted"]["before"] == [f"fast.{ZONE} TXT: TTL 30 → 60 (API bounds 60–86400)"]
    kept = notes["kept"]["before"]
    assert len(kept) == min(kept_count, 30) + (1 if kept_count > 30 else 0)
    assert any(k.startswith("old CNAME legacy.alpage-digital.ch (id ") for k in kept)
    assert plan["diff"][3]["after"]["ttl"] == 60


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"changes": [{"action": "create", "name": "x", "type": "A", "target": "192.0.2.1"},
                      {"action": "create", "name": "y", "type": "A", "target": "2001:db8::1"}]}, "changes[1].target"),
        ({"changes": [{"action": "delete", "record_id": 1}]}, "changes[0].record_id"),
        ({"changes": [{"action": "create", "name": "api", "type": "CNAME", "target": "x.example.net"}]},
         "changes[0].name"),
        ({"changes": [{"action": "update", "record_id": API, "ttl": 30}]}, "changes[0].ttl"),
        ({"zone_file": "$INCLUDE /etc/passwd\n"}, "zone_file"),
        ({"zone_file": "x IN A 192.0.2.1\n", "changes": []}, "changes"),
        ({}, "changes"),
    ],
)
async def test_bad_change_sets_change_nothing(tmp_path: Path, arguments: dict[str, Any], field: str) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    for change in arguments.get("changes") or []:
        if change.get("record_id") == API:
            change["record_id"] = bench.find("api", "A")["id"]
    async with connect_writes(server(bench), "memory", "legacy") as client:
        result = await client.call_tool("dns_apply_changes", {"zone": ZONE, **arguments})
    assert result.is_error, text_of(result)
    assert field in text_of(result)
    assert bench.state_dump() == before
