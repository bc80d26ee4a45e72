"""Undoing DNS record deletions end to end: refused before any confirmation when the name is taken again.

A deleted record re-created by hand (identical values) or a CNAME put at its name since: history_undo
answers with the reason at once, instead of offering a plan that fails at apply with
`dns_record_already_exists`. When the name is still free, the undo is offered and applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, WriteBench, connect_writes, plan_and_apply, structured

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("source", "rtype", "by_hand", "reason"),
    [
        (".", "TXT", None, "an identical record . TXT"),  # None: the same values again
        ("api", "A", {"type": "CNAME", "name": "api", "target": "cdn.example.net"}, "a CNAME now stands at 'api'"),
        ("old", "CNAME", {"type": "TXT", "name": "old", "target": "parked"}, "'old' now has other records (TXT)"),
    ],
)
async def test_undo_of_a_deletion_refuses_when_the_name_is_taken(
    tmp_path: Path, source: str, rtype: str, by_hand: dict[str, Any] | None, reason: str
) -> None:
    bench = WriteBench(tmp_path)
    record = dict(bench.find(source, rtype))
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        deleted = await plan_and_apply(client, "dns_delete_record", {"zone": ZONE, "record_id": record["id"]})
        again = by_hand or {"type": rtype, "name": source, "target": record["target"], "ttl": record["ttl"]}
        await plan_and_apply(client, "dns_create_record", {"zone": ZONE, **again})
        before = bench.state_dump()
        undo = await client.call_tool("history_undo", {"history_id": deleted["history_id"]})
    assert undo.is_error
    text = text_of(undo)
    assert f"DNS record dns:{ZONE}/records/{record['id']} cannot be re-created: {reason}" in text
    assert "confirmation_token" not in structured(undo)
    assert bench.state_dump() == before


async def test_undo_of_a_deletion_applies_when_the_name_is_free(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = dict(bench.find("api", "A"))
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        deleted = await plan_and_apply(client, "dns_delete_record", {"zone": ZONE, "record_id": record["id"]})
        # another record at the same name, of another type, does not block the A
        await plan_and_apply(client, "dns_create_record", {"zone": ZONE, "type": "TXT", "name": "api", "target": "t"})
        undone = await plan_and_apply(client, "history_undo", {"history_id": deleted["history_id"]})
    assert undone["status"] == "applied"
    restored = [r for r in bench.records().values() if r["source"] == "api" and r["type"] == "A"]
    assert [(r["target"], r["ttl"]) for r in restored] == [(record["target"], record["ttl"])]
