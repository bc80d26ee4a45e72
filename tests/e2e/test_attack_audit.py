"""Attack suite, audit log: tampering is detected by `infomaniak-mcp audit verify`, a broken log stops
writes, and the audit tools show who did what.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_writes_support import ZONE, WriteBench, connect_writes, structured

from infomaniak_mcp.cli import main
from infomaniak_mcp.safety.audit import head_path_for

pytestmark = pytest.mark.anyio

CREATE = {"zone": ZONE, "type": "TXT", "name": "audited", "target": "v=1"}


async def write_some(bench: WriteBench) -> Path:
    """A few entries: a plan, an apply (attempt + applied), a refused token."""
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = structured(await client.call_tool("dns_create_record", CREATE))["confirmation_token"]
        await client.call_tool("dns_create_record", {**CREATE, "confirmation_token": token})
        await client.call_tool("dns_create_record", {**CREATE, "confirmation_token": token})
    return bench.engine.audit.path


def verify_cli(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str]:
    code = main(["audit", "verify", "--log", str(path)])
    return code, capsys.readouterr().out


def _edit(lines: list[str]) -> list[str]:
    entry = json.loads(lines[1])
    entry["principal"] = "someone-else"
    return [lines[0], json.dumps(entry, sort_keys=True, separators=(",", ":")), *lines[2:]]


def _reorder(lines: list[str]) -> list[str]:
    return [lines[0], lines[2], lines[1], *lines[3:]]


TAMPERING: dict[str, tuple[Callable[[list[str]], list[str]], int | None]] = {
    "edited entry": (_edit, 2),
    "deleted entry": (lambda lines: [lines[0], *lines[2:]], 2),
    "reordered entries": (_reorder, 2),
    "garbage line": (lambda lines: [*lines[:2], "not json", *lines[2:]], 3),
    "truncated tail": (lambda lines: lines[:-1], 4),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_tampered_audit_log_is_detected_by_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    bench = WriteBench(tmp_path)
    path = await write_some(bench)
    code, out = verify_cli(capsys, path)
    assert code == 0, out
    assert "OK, 4 entries" in out
    tamper, line = TAMPERING[kind]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(tamper(lines)) + "\n", encoding="utf-8")
    code, out = verify_cli(capsys, path)
    assert code == 1
    assert "BROKEN" in out
    assert f"at line {line}:" in out


async def test_verify_uses_the_configured_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = WriteBench(tmp_path)
    path = await write_some(bench)
    monkeypatch.setenv("INFOMANIAK_MCP_AUDIT_LOG", str(path))
    assert main(["audit", "verify"]) == 0
    head_path_for(path).unlink()
    assert main(["audit", "verify"]) == 1
    assert "head file" in capsys.readouterr().out


async def test_a_broken_log_stops_writes(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    path = await write_some(bench)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"half an entry": \n')
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_create_record", {**CREATE, "name": "blocked"})
    assert result.is_error
    assert structured(result)["error"] == "audit_unavailable"
    assert "confirmation_token" not in structured(result)
    assert bench.state_dump() == before


async def test_a_cut_log_without_its_head_is_not_resealed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cut the last two entries and delete the head: writes stop, and `verify` keeps saying BROKEN."""
    bench = WriteBench(tmp_path)
    path = await write_some(bench)
    confirm = {**CREATE, "name": "confirmed-after-the-cut"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        pending = structured(await client.call_tool("dns_create_record", confirm))["confirmation_token"]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    head_path_for(path).unlink()
    assert verify_cli(capsys, path)[0] == 1
    kept, before = path.read_bytes(), bench.state_dump()
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        planned = await client.call_tool("dns_create_record", {**CREATE, "name": "after-the-cut"})
        applied = await client.call_tool("dns_create_record", {**confirm, "confirmation_token": pending})
    for result in (planned, applied):
        assert result.is_error
        assert structured(result)["error"] == "audit_unavailable", structured(result)
        assert "aside" in structured(result)["description"]
    assert bench.state_dump() == before
    assert path.read_bytes() == kept
    assert not head_path_for(path).exists(), "the server must not write a fresh head at the cut point"
    code, out = verify_cli(capsys, path)
    assert code == 1
    assert "head file" in out


async def test_audit_tools_show_and_filter_entries(tmp_path: Path, transport: str) -> None:
    bench = WriteBench(tmp_path)
    await write_some(bench)
    async with connect_writes(bench.server(), transport, "legacy") as client:
        tail = structured(await client.call_tool("audit_tail", {"n": 2}))
        rejected = structured(await client.call_tool("audit_search", {"phase": "rejected", "detail": "full"}))
        text = structured(await client.call_tool("audit_search", {"text": "audited.alpage-shop.ch"}))
        empty = structured(await client.call_tool("audit_search", {"since": "2099-01-01T00:00:00Z"}))
        bad = await client.call_tool("audit_search", {"since": "yesterday"})
    assert [(e["phase"], e["outcome"]) for e in tail["entries"]] == [("applied", "applied"),
                                                                    ("rejected", "token_already_used")]
    assert rejected["count"] == 1
    entry = rejected["entries"][0]
    assert entry["error"]["reason"] == "already_used"
    assert "confirmation_token" not in entry["arguments"]
    assert entry["hash"]
    assert text["count"] == 3  # plan, apply_attempt, applied carry the summary
    assert empty == {"entries": [], "count": 0}
    assert bad.is_error
    assert "since" in bad.content[0].text  # type: ignore[union-attr]


async def test_reads_are_audited_only_when_asked(tmp_path: Path) -> None:
    quiet = WriteBench(tmp_path / "quiet")
    async with connect_writes(quiet.server(), "memory", "legacy") as client:
        await client.call_tool("dns_list_records", {"zone": ZONE})
    assert quiet.audit_phases() == []
    loud = WriteBench(tmp_path / "loud", audit_reads=True)
    async with connect_writes(loud.server(), "memory", "legacy") as client:
        await client.call_tool("dns_list_records", {"zone": ZONE})
        await client.call_tool("dns_list_records", {"zone": "not-a-zone-of-ours.ch"})
    assert loud.audit_phases() == [("dns_list_records", "read", "ok"), ("dns_list_records", "read", "object_not_found")]
