"""Tool schema snapshots: what clients see of every tool, compared exactly.

Each tool has `snapshots/<tool>.json` (name, title, description, annotations, inputSchema,
outputSchema). A change to a tool's public surface fails here until the snapshot is regenerated
on purpose:

    UPDATE_SNAPSHOTS=1 uv run pytest tests/registry

A missing snapshot fails too (a new tool must be reviewed once), and so does a snapshot left over
from a removed tool.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from infomaniak_mcp.server.registry import all_specs

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
HINT = "regenerate with: UPDATE_SNAPSHOTS=1 uv run pytest tests/registry (then review the diff)"
KEYS = ("name", "title", "description", "annotations", "inputSchema", "outputSchema")
TOOL_NAMES = sorted(spec.name for spec in all_specs(None))


def render(tool: dict[str, Any]) -> str:
    snapshot = {key: tool[key] for key in KEYS if key in tool}
    return json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_tool_schema_matches_snapshot(name: str, listed_tools: dict[str, dict[str, Any]]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    current = render(listed_tools[name])
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(current, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot for tool {name} ({path.name}); {HINT}"
    assert path.read_text(encoding="utf-8") == current, f"tool {name} changed its public schema; {HINT}"


def test_no_snapshot_without_a_tool() -> None:
    stale = sorted(p.name for p in SNAPSHOTS.glob("*.json") if p.stem not in TOOL_NAMES)
    if UPDATE:
        for name in stale:
            (SNAPSHOTS / name).unlink()
        return
    assert not stale, f"snapshots of tools that no longer exist: {stale}; {HINT}"
