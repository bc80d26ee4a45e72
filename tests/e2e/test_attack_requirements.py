"""Attack suite, the safe-writes requirements proven end to end (each fails if its behaviour broke):

- a plan can always be confirmed when nothing relevant changed (volatile fields moved meanwhile);
- otherwise the STORED steps run, never re-derived ones (a tool whose steps vary per build);
- audit entries are flushed and fsynced before the call returns.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any

import pytest
from e2e_writes_support import WRITE_TOOLSETS, ZONE, WriteBench, connect_writes, plan, structured
from pydantic import Field

from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
from infomaniak_mcp.server import registry
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import Selection, load_toolsets, tool

pytestmark = pytest.mark.anyio


# -- a plan can always be confirmed when nothing relevant changed --------------------------------


@pytest.mark.parametrize("tool_name", ["dns_update_record", "dns_delete_record"])
async def test_volatile_fields_moving_between_plan_and_confirmation_do_not_make_it_stale(
    tmp_path: Path, transport: str, era: str, tool_name: str
) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find("api", "A")
    arguments: dict[str, Any] = {"zone": ZONE, "record_id": record["id"]}
    if tool_name == "dns_update_record":
        arguments["ttl"] = 600
    assert "updated_at" in record, "the sandbox must serve the volatile field this test moves"
    async with connect_writes(bench.server(), transport, era) as client:
        token = await plan(client, tool_name, arguments)
        record["updated_at"] += 86_400  # touched by someone, nothing relevant changed
        result = structured(await client.call_tool(tool_name, {**arguments, "confirmation_token": token}))
    assert result["status"] == "applied", result
    if tool_name == "dns_update_record":
        assert record["ttl"] == 600
    else:
        assert record["id"] not in bench.records()


# -- otherwise the STORED steps run ----------------------------------------------------------------


async def dns_test_stored_label(ctx: ToolContext, zone: Annotated[str, Field(description="Zone.")]) -> Plan:
    """Create a TXT record whose value is drawn at random each time the plan is built (test only)."""
    label = "label-" + secrets.token_hex(8)
    step = Step(
        operation="dns.create_record",
        params={"zone": zone, "type": "TXT", "source": "stored", "target": label, "ttl": 3600},
        resource=f"dns:{zone}",
        description=f"Create stored.{zone} TXT {label}",
    )
    return Plan(summary=f"Create stored.{zone} TXT {label}", steps=[step], risk="low",
                fingerprint=fingerprint({"zone": zone}), reversible=True)


@pytest.fixture
def stored_label_tool(monkeypatch: pytest.MonkeyPatch) -> Selection:
    load_toolsets(WRITE_TOOLSETS)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    tool(toolset="dns", read_only=False, destructive=False, title="Test: random label")(dns_test_stored_label)
    return Selection(toolsets=("dns",), names=("dns_test_stored_label",), read_only=False)


async def test_the_stored_steps_run_not_rebuilt_ones(
    tmp_path: Path, transport: str, era: str, stored_label_tool: Selection
) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(selection=stored_label_tool), transport, era) as client:
        planned = structured(await client.call_tool("dns_test_stored_label", {"zone": ZONE}))
        assert planned["status"] == "confirmation_required", planned
        promised = planned["plan"]["steps"][0]["params"]["target"]
        result = structured(await client.call_tool(
            "dns_test_stored_label", {"zone": ZONE, "confirmation_token": planned["confirmation_token"]}
        ))
    assert result["status"] == "applied", result
    assert bench.find("stored", "TXT")["target"] == promised, "the applied value must be the one the plan showed"


# -- flushed and fsynced before the call returns -----------------------------------------------------


async def test_audit_entries_are_fsynced_before_the_result_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = WriteBench(tmp_path)
    audit_path = bench.engine.audit.path
    synced: list[tuple[str, int]] = []  # (file, audit lines on disk at that moment)
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        target = os.readlink(f"/proc/self/fd/{fd}")
        lines = len(audit_path.read_bytes().splitlines()) if audit_path.exists() else 0
        synced.append((target, lines))

    monkeypatch.setattr(os, "fsync", recording_fsync)
    arguments = {"zone": ZONE, "type": "TXT", "name": "synced", "target": "v=1"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("dns_create_record", arguments))
        assert (str(audit_path), 1) in synced, "the plan entry was fsynced before confirmation_required arrived"
        result = structured(await client.call_tool(
            "dns_create_record", {**arguments, "confirmation_token": planned["confirmation_token"]}
        ))
        assert result["status"] == "applied"
        on_disk = len(audit_path.read_bytes().splitlines())
        assert on_disk == 3  # plan, apply_attempt, applied
        assert (str(audit_path), 3) in synced, "the applied entry was fsynced before the result arrived"
        assert (str(audit_path), 2) in synced, "the apply_attempt entry was fsynced before anything ran"
