"""Applying plans: several steps, a failure half-way (partial report + compensation through undo),
asynchronous upstream operations polled with progress, per-zone serialisation, authoring errors.

A fake toolset `fakeplan` plans several `dns.create_record` steps (the real operations, against
the sandbox) and, on demand, a step that waits for a simulated asynchronous task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, WriteBench, connect_writes, structured
from pydantic import Field

from infomaniak_mcp import tools as tools_package
from infomaniak_mcp.safety import operations
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.inverse import dns_zone_resource
from infomaniak_mcp.safety.operations import OperationContext, OperationSpec, lock_by_resource_root
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
from infomaniak_mcp.server import registry
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolsetInfo, all_specs, select_tools, tool

pytestmark = pytest.mark.anyio


async def fakeplan_create_records(
    ctx: ToolContext,
    names: Annotated[list[str], Field(description="TXT record names to create, in order.")],
    bad_at: Annotated[int | None, Field(description="Make the step at this index invalid (A 'not-an-ip').")] = None,
    wait_checks: Annotated[int, Field(description="Add a step waiting for an async task done after N checks.")] = 0,
) -> Plan:
    """Plan several record creations (test tool)."""
    page = await ctx.api.dns.list_records(ZONE)
    steps = []
    for index, name in enumerate(names):
        params = {"zone": ZONE, "type": "TXT", "source": name, "target": f"step-{index}", "ttl": 3600}
        if index == bad_at:
            params |= {"type": "A", "target": "not-an-ip"}
        steps.append(Step(operation="dns.create_record", params=params, resource=dns_zone_resource(ZONE),
                          description=f"Create {name}"))
    if wait_checks:
        steps.append(Step(operation="fakeplan.wait_task", params={"checks": wait_checks},
                          resource=dns_zone_resource(ZONE), description="Wait for the task"))
    state = sorted((r.source, r.type, r.target) for r in page.items if r.source in names)
    return Plan(summary=f"Create {len(names)} records", steps=steps, risk="low", fingerprint=fingerprint(state),
                reversible=True)


async def fakeplan_get_wrong(ctx: ToolContext) -> Plan:
    """A write tool whose body forgets to return a plan (test tool)."""
    return "done"  # type: ignore[return-value]


async def fakeplan_set_unknown(ctx: ToolContext) -> Plan:
    """A plan naming an operation nobody registered (test tool)."""
    step = Step(operation="fakeplan.teleport", resource="fakeplan:x", description="Teleport")
    return Plan(summary="Teleport", steps=[step], risk="low", fingerprint=fingerprint(1), reversible=False)


async def _wait_task(op: OperationContext, params: dict[str, Any]) -> StepResult:
    calls = {"n": 0}

    async def fetch() -> dict[str, Any]:
        calls["n"] += 1
        return {"status": "done" if calls["n"] >= params["checks"] else "running", "n": calls["n"]}

    final = await op.poll(fetch, lambda task: task["status"] == "done", interval=5.0,
                          describe=lambda task: f"check {task['n']}: {task['status']}")
    return StepResult(resource="fakeplan:task", after=final)


@pytest.fixture
def fakeplan(monkeypatch: pytest.MonkeyPatch) -> None:
    all_specs(None)  # load every real toolset first: the copy below keeps them
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    fake = ToolsetInfo("fakeplan", "Fake plans", "Test.", "infomaniak_mcp.tools")
    catalog = {**tools_package.TOOLSETS, "fakeplan": fake}
    monkeypatch.setattr(tools_package, "TOOLSETS", catalog)
    for fn in (fakeplan_create_records, fakeplan_get_wrong, fakeplan_set_unknown):
        tool(toolset="fakeplan", read_only=False, destructive=False, title=fn.__name__)(fn)
    wait = OperationSpec("fakeplan.wait_task", _wait_task, lock_by_resource_root)
    monkeypatch.setitem(operations._OPERATIONS, "fakeplan.wait_task", wait)


def bench_server(bench: WriteBench) -> Any:
    return bench.server(selection=select_tools(["fakeplan", "history", "dns"]))


async def apply(client: Any, tool_name: str, arguments: dict[str, Any], **kwargs: Any) -> Any:
    token = structured(await client.call_tool(tool_name, arguments))["confirmation_token"]
    return await client.call_tool(tool_name, {**arguments, "confirmation_token": token}, **kwargs)


@pytest.mark.usefixtures("fakeplan")
async def test_partial_failure_reports_each_step_and_undo_compensates(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    arguments = {"names": ["one", "two", "three", "four"], "bad_at": 2}
    async with connect_writes(bench_server(bench), "memory", "legacy") as client:
        result = await apply(client, "fakeplan_create_records", arguments)
        assert result.is_error
        content = structured(result)
        assert content["status"] == "partial"
        report = content["report"]
        assert [s["index"] for s in report["applied"]] == [0, 1]
        assert [s["index"] for s in report["failed"]] == [2]
        assert report["failed"][0]["error"]["error"] == "invalid_dns_record"
        assert [s["index"] for s in report["not_attempted"]] == [3]
        assert [s["operation"] for s in report["compensation"]["steps"]] == ["dns.delete_record"] * 2
        assert "history_undo" in content["message"]
        created = {r["source"] for r in bench.records().values()}
        assert {"one", "two"} <= created
        assert not {"three", "four"} & created
        undo = await apply(client, "history_undo", {"history_id": content["history_id"]})
        assert structured(undo)["status"] == "applied"
    assert not {"one", "two"} & {r["source"] for r in bench.records().values()}
    assert ("fakeplan_create_records", "failed", "partial") in bench.audit_phases()


@pytest.mark.usefixtures("fakeplan")
async def test_first_step_failing_changes_nothing(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench_server(bench), "memory", "legacy") as client:
        before = bench.state_dump()
        result = await apply(client, "fakeplan_create_records", {"names": ["x", "y"], "bad_at": 0})
    content = structured(result)
    assert result.is_error
    assert content["status"] == "failed"
    assert "nothing was changed" in content["message"]
    assert "history_id" not in content
    assert bench.state_dump() == before


@pytest.mark.usefixtures("fakeplan")
async def test_async_operations_are_polled_with_progress(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    clock = {"now": 0.0}

    async def sleep(seconds: float) -> None:
        clock["now"] += seconds

    bench.engine.poll_clock = lambda: clock["now"]
    bench.engine.poll_sleep = sleep
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with connect_writes(bench_server(bench), "memory", "legacy") as client:
        result = await apply(client, "fakeplan_create_records", {"names": ["p"], "wait_checks": 3},
                             progress_callback=on_progress)
    assert structured(result)["status"] == "applied"
    messages = [m for _, _, m in progress]
    assert messages[:2] == ["Create p", "Wait for the task"]
    assert "check 1: running" in messages
    assert "check 2: running" in messages
    assert messages[-1] == "done"


@pytest.mark.usefixtures("fakeplan")
async def test_async_operation_past_the_deadline_is_unknown(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    clock = {"now": 0.0}

    async def sleep(seconds: float) -> None:
        clock["now"] += seconds

    bench.engine.poll_clock = lambda: clock["now"]
    bench.engine.poll_sleep = sleep
    bench.engine.poll_deadline = 30.0
    async with connect_writes(bench_server(bench), "memory", "legacy") as client:
        result = await apply(client, "fakeplan_create_records", {"names": ["q"], "wait_checks": 1000})
    content = structured(result)
    assert content["status"] == "partial"
    report = content["report"]
    assert "failed" not in report  # accepted upstream and still running: the outcome is unknown, not a failure
    unknown = report["uncertain"][0]
    assert (unknown["index"], unknown["error"]["error"]) == (1, "operation_timeout")
    assert "it may still finish upstream" in unknown["error"]["description"]
    assert "not_attempted" not in report  # nothing after it attempted (it is the last step)
    assert "was accepted but still running at the deadline" in content["message"]
    assert "got no answer in time" not in content["message"]


@pytest.mark.usefixtures("fakeplan")
async def test_authoring_errors_are_masked_and_change_nothing(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    async with connect_writes(bench_server(bench), "memory", "legacy") as client:
        wrong = await client.call_tool("fakeplan_get_wrong", {})
        unknown = await apply(client, "fakeplan_set_unknown", {})
    for result in (wrong, unknown):
        assert result.is_error
        assert text_of(result).startswith("internal_error")
    assert bench.state_dump() == before
    phases = bench.audit_phases()
    assert ("fakeplan_get_wrong", "rejected", "internal_error") in phases
    assert ("fakeplan_set_unknown", "rejected", "internal_error") in phases
    assert not any(p[1] == "apply_attempt" and p[0] == "fakeplan_set_unknown" for p in phases)


async def test_writes_to_one_zone_are_serialised(tmp_path: Path) -> None:
    """Two confirmed plans built on the same state: the second to get the zone lock finds it changed."""
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    first = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.1"}
    second = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.2"}
    results: dict[str, Any] = {}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        tokens = {
            "first": structured(await client.call_tool("dns_update_record", first))["confirmation_token"],
            "second": structured(await client.call_tool("dns_update_record", second))["confirmation_token"],
        }

        async def run(name: str, arguments: dict[str, Any]) -> None:
            result = await client.call_tool("dns_update_record", {**arguments, "confirmation_token": tokens[name]})
            results[name] = structured(result)["status"]

        async with anyio.create_task_group() as tg:
            tg.start_soon(run, "first", first)
            tg.start_soon(run, "second", second)
    assert sorted(results.values()) == ["applied", "stale"]
    winner = next(name for name, status in results.items() if status == "applied")
    assert record["target"] == {"first": "198.51.100.1", "second": "198.51.100.2"}[winner]
