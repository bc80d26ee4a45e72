"""A refused confirmation is audited with what it tried: tool, arguments, the plan's summary and resources."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import ALICE_TOKEN
from e2e_writes_support import ZONE, WriteBench, connect_writes, plan, refused

pytestmark = pytest.mark.anyio
ARGS = {"zone": ZONE, "type": "TXT", "name": "bob-tried", "target": "planted-by-the-test"}


async def test_a_foreign_token_is_audited_with_what_was_tried(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "http", "legacy", token=ALICE_TOKEN) as alice:
        token = await plan(alice, "dns_create_record", ARGS)
    before = bench.state_dump()
    async with connect_writes(bench.server(), "http", "legacy") as other:
        result = await other.call_tool("dns_create_record", {**ARGS, "confirmation_token": token})
    refused(result, "foreign_principal")
    assert bench.state_dump() == before
    entry = bench.engine.audit.search(tool="dns_create_record", phase="rejected", limit=1)[0]
    assert entry.outcome == "token_foreign_principal"
    assert entry.principal == "http"
    assert entry.arguments["name"] == "bob-tried"
    assert "bob-tried" in entry.summary
    assert entry.resources == [f"dns:{ZONE}"]
    assert entry.plan_fingerprint
    assert "imc_" not in entry.model_dump_json()
