"""The write wrapper's refusals: each leaves the account unchanged and one `rejected` audit entry.

- the plan cannot be rebuilt at confirmation time (the record was deleted meanwhile): nothing is
  sent, no `apply_attempt`, one `rejected / stale_rebuild_failed` entry, and the model is told the
  state changed;
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, Elicitor, WriteBench, connect_writes, plan, structured

pytestmark = pytest.mark.anyio

STALE = "the state changed since the plan; nothing was changed"


def _tool_phases(bench: WriteBench, tool: str) -> list[tuple[str, str]]:
    return [(phase, outcome) for name, phase, outcome in bench.audit_phases() if name == tool]


async def test_a_plan_that_cannot_be_rebuilt_is_rejected_not_attempted(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.99"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_update_record", arguments)
        del bench.records()[record["id"]]  # someone deletes the record before the confirmation
        before = bench.state_dump()
        result = await client.call_tool("dns_update_record", {**arguments, "confirmation_token": token})
    assert result.is_error
    error = structured(result)
    assert error["description"].startswith(STALE + ": "), error
    assert STALE in text_of(result)
    assert bench.state_dump() == before
    assert _tool_phases(bench, "dns_update_record") == [
        ("plan", "confirmation_required"),
        ("rejected", "stale_rebuild_failed"),
    ]


async def test_a_plan_that_cannot_be_rebuilt_after_elicitation_is_rejected(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.98"}
    records = bench.records()

    class DeleteThenAccept(Elicitor):
        async def __call__(self, context: object, params: object) -> object:  # type: ignore[override]
            records.pop(record["id"], None)  # deleted while the human reads the plan
            return await super().__call__(context, params)  # type: ignore[arg-type]

    elicitor = DeleteThenAccept("accept", {"confirm": True})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=elicitor) as client:
        result = await client.call_tool("dns_update_record", arguments)
    assert result.is_error
    assert structured(result)["description"].startswith(STALE)
    phases = _tool_phases(bench, "dns_update_record")
    assert phases[-1] == ("rejected", "stale_rebuild_failed")
    assert all(phase != "apply_attempt" for phase, _ in phases)
