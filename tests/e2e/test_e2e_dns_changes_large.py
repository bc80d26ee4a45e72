"""Large change sets: the plan and the report stay small; the whole plan is a resource; the duration is told."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, connect_writes, structured
from mcp import Client

from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
ZONE = "alpage-shop.ch"
MANY = 200


def server(bench: WriteBench) -> Any:
    return build_server(bench.settings, select_tools(["dns", "history"]), api=bench.api(), safety=bench.engine)


def creates(count: int) -> list[dict[str, Any]]:
    return [{"action": "create", "name": f"h{i}", "type": "A", "target": f"198.51.100.{i % 250 + 1}"}
            for i in range(count)]


def size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured(result), text_of(result)


async def test_a_200_change_plan_and_its_report_stay_small(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    arguments = {"zone": ZONE, "changes": creates(MANY)}
    async with connect_writes(server(bench), "memory", "legacy") as client:
        planned, planned_text = await call(client, "dns_apply_changes", arguments)
        plan = planned["plan"]
        print(f"plan: structured {size(planned)} chars, text {len(planned_text)}")
        assert size(planned) < 8_000, size(planned)
        assert len(planned_text) < 4_000
        assert plan["step_count"] == MANY
        assert len(plan["steps"]) < MANY
        assert "params" not in plan["steps"][0]
        assert plan["duration"] == "about 3 min at 60 requests/min"  # 200 requests at the API's rate
        assert "Applying it takes about 3 min" in planned["message"]
        uri = plan["uri"]
        assert uri.startswith("infomaniak://plans/")
        assert uri in plan["note"]
        whole = await client.read_resource(uri)
        full = json.loads(whole.contents[0].text)  # type: ignore[union-attr]
        assert len(full["steps"]) == MANY
        assert full["steps"][0]["params"]["source"] == "h0"
        applied, applied_text = await call(client, "dns_apply_changes", {
            **arguments, "confirmation_token": planned["confirmation_token"]})
        print(f"applied: structured {size(applied)} chars, text {len(applied_text)}")
        assert applied["status"] == "applied"
        assert len(bench.records(ZONE)) >= MANY
        report = applied["report"]
        assert report["counts"] == {"applied": MANY}
        assert len(report["applied"]) < MANY
        assert "more" in applied_text
        assert size(applied) < 6_000
        assert len(applied_text) < 3_000


def test_the_plan_store_answers_only_its_principal_and_forgets() -> None:
    from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
    from infomaniak_mcp.server.resources import PlanStore

    now = [0.0]
    store = PlanStore(size=2, keep=10.0, clock=lambda: now[0])
    plan = Plan(summary="s", steps=[Step(operation="dns.delete_record", params={"password": "hunter22"},
                                         resource="dns:x", description="d")],
                risk="low", fingerprint=fingerprint({}), reversible=True)
    plan_id = store.put(plan, "alice").rsplit("/", 1)[1]
    text = store.read(plan_id, "alice")
    assert text is not None
    assert "hunter22" not in text
    assert store.read(plan_id, "bob") is None
    now[0] = 11.0
    assert store.read(plan_id, "alice") is None


async def test_a_zone_file_over_the_limit_names_zone_file_and_says_how_to_split(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(server(bench), "memory", "legacy") as client:
        exported, _ = await call(client, "dns_export_zone", {"zone": ZONE})
        lines = [f"h{i} 300 IN A 198.51.100.{i % 250 + 1}" for i in range(MANY + 1)]
        for delete_missing in (False, True):
            result = await client.call_tool("dns_apply_changes", {
                "zone": ZONE, "zone_file": exported["text"] + "\n".join(lines) + "\n",
                "delete_missing": delete_missing})
            assert result.is_error
            error = structured(result)
            assert error["error"] == "invalid_argument", error
            assert [d["attribute"] for d in error["details"]] == ["zone_file"]
            assert f"at most {MANY} per plan" in error["description"]
            assert "delete_missing false" in error["next_step"]
            assert ("delete_missing true" in error["next_step"]) is delete_missing


def test_the_duration_is_told_past_30_seconds() -> None:
    from infomaniak_mcp.server.outcome import estimated_duration

    assert estimated_duration(30, 60) is None
    assert estimated_duration(45, 60) == "about 45 s at 60 requests/min"
    assert estimated_duration(450, 60) == "about 8 min at 60 requests/min"
