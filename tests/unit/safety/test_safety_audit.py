"""Audit log: hash chain, redaction, durability, tamper detection, tail and search."""

from __future__ import annotations

import itertools
import json
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.config import ConfigError
from infomaniak_mcp.safety.audit import (
    GENESIS_HASH,
    AuditError,
    AuditLog,
    default_audit_path,
    entry_hash,
    verify,
)
from infomaniak_mcp.safety.plan import canonical_json

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


@pytest.fixture
def log_path(state: Path) -> Path:
    return state / "audit.jsonl"


@pytest.fixture
def audit(log_path: Path, clock: FakeClock) -> AuditLog:
    return AuditLog(log_path, clock=clock)


def fill(audit: AuditLog, clock: FakeClock, count: int = 5) -> None:
    phases = ["plan", "apply_attempt", "applied", "rejected", "failed"]
    for i in range(count):
        audit.append(
            principal="alice" if i % 2 == 0 else "bob",
            tool="dns_create_record" if i < 3 else "dns_delete_record",
            phase=phases[i % len(phases)],  # type: ignore[arg-type]
            outcome="ok" if i != 4 else "error",
            arguments={"zone": "example.ch", "n": i},
            summary=f"entry number {i}",
            resources=[f"dns:example.ch/records/{i}"],
        )
        clock.advance(60)


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(path: Path, content: list[str]) -> None:
    path.write_text("".join(content), encoding="utf-8")


# -- writing -----------------------------------------------------------------------------------


def test_entries_are_chained_from_genesis(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock, 3)
    entries = [json.loads(line) for line in lines(log_path)]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == GENESIS_HASH
    for previous, entry in itertools.pairwise(entries):
        assert entry["prev_hash"] == previous["hash"]
    for entry in entries:
        assert entry["hash"] == entry_hash(entry)
    assert entries[0]["ts"] == "2026-01-01T00:00:00.000Z"
    assert entries[1]["ts"] == "2026-01-01T00:01:00.000Z"


def test_hash_formula(audit: AuditLog, log_path: Path) -> None:
    import hashlib

    entry = audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    body = json.loads(lines(log_path)[0])
    del body["hash"]
    assert entry.hash == hashlib.sha256((GENESIS_HASH + canonical_json(body)).encode()).hexdigest()


def test_lines_are_canonical_json_and_entry_shape(audit: AuditLog, log_path: Path) -> None:
    audit.append(
        principal="alice", tool="dns_update_record", phase="failed", outcome="error",
        arguments={"ttl": 300.0}, summary="s", resources=["r"], error={"error": "not_found"},
        plan_fingerprint="ab" * 32,
    )
    raw = lines(log_path)[0]
    data = json.loads(raw)
    assert raw == canonical_json(data) + "\n"
    assert set(data) == {
        "seq", "ts", "principal", "tool", "phase", "outcome", "arguments", "summary", "resources",
        "error", "plan_fingerprint", "prev_hash", "hash",
    }
    assert data["arguments"] == {"ttl": 300}
    other = AuditLog(log_path.with_name("other.jsonl"))
    bare = other.append(principal="p", tool="t", phase="read", outcome="ok")
    assert bare.error is None
    assert bare.plan_fingerprint is None
    assert "error" not in json.loads(lines(log_path.with_name("other.jsonl"))[0])


def test_files_are_private_and_head_is_kept(audit: AuditLog, log_path: Path) -> None:
    entry = audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    head = log_path.with_name("audit.jsonl.head")
    assert stat.S_IMODE(head.stat().st_mode) == 0o600
    assert json.loads(head.read_text()) == {"seq": 1, "hash": entry.hash}


def test_append_creates_missing_directories(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "deep" / "dir" / "audit.jsonl")
    log.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert verify(log.path).ok


def test_secrets_never_reach_the_file(audit: AuditLog, log_path: Path) -> None:
    secrets = {
        "password": "Tr0ub4dor&3-horse",
        "confirmation_token": "imc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "api_key": "ak-123456789012",
        "cookie": "SASESSION=abcdef123456",
    }
    audit.append(
        principal="alice",
        tool="mail_create_mailbox",
        phase="apply_attempt",
        outcome="ok",
        arguments={**secrets, "nested": {"certificate": PEM, "keep": "visible-value"}},
        summary="sent with Bearer abcdefghijklmnop and imc_BBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        error={"description": f"upstream said {PEM}", "token": "tok-999999999"},
    )
    text = log_path.read_text()
    for value in [*secrets.values(), "abcdefghijklmnop", "imc_BBBB", "MIIEvQIBADAN", "tok-999999999"]:
        assert value not in text
    assert "visible-value" in text
    assert verify(log_path).ok


def test_unserialisable_arguments_do_not_break_the_log(audit: AuditLog, log_path: Path) -> None:
    entry = audit.append(
        principal="p", tool="t", phase="plan", outcome="ok",
        arguments={"obj": object(), "nan": float("nan"), "tuple": (1, 2)},
    )
    assert entry.arguments["nan"] == "nan"
    assert entry.arguments["tuple"] == [1, 2]
    assert verify(log_path).ok


def test_concurrent_appends_from_threads_keep_the_chain(log_path: Path) -> None:
    writers = [AuditLog(log_path) for _ in range(4)]  # separate objects, same file

    def write(log: AuditLog, who: int) -> None:
        for i in range(15):
            log.append(principal=f"w{who}", tool="t", phase="plan", outcome="ok", arguments={"i": i})

    threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify(log_path)
    assert report.ok, report.reason
    assert report.entries == 60


@pytest.mark.anyio
async def test_append_async(audit: AuditLog, log_path: Path) -> None:
    entry = await audit.append_async(principal="p", tool="t", phase="applied", outcome="ok")
    assert entry.seq == 1
    assert verify(log_path).ok


def test_reads_are_audited_only_when_enabled(log_path: Path, clock: FakeClock) -> None:
    quiet = AuditLog(log_path, clock=clock)
    assert quiet.record_read(principal="p", tool="dns_list_zones", outcome="ok") is None
    assert not log_path.exists()
    entry = AuditLog(log_path, clock=clock, audit_reads=True).record_read(
        principal="p", tool="dns_list_zones", outcome="ok"
    )
    assert entry is not None
    assert entry.phase == "read"


def test_from_env(state: Path) -> None:
    env = {"INFOMANIAK_MCP_STATE_DIR": str(state)}
    assert default_audit_path(env) == state / "audit.jsonl"
    log = AuditLog.from_env({**env, "INFOMANIAK_MCP_AUDIT_READS": "1"})
    assert log.path == state / "audit.jsonl"
    assert log.audit_reads
    custom = AuditLog.from_env({**env, "INFOMANIAK_MCP_AUDIT_LOG": str(state / "x.jsonl")})
    assert custom.path == state / "x.jsonl"
    assert not custom.audit_reads
    with pytest.raises(ConfigError) as info:
        AuditLog.from_env({**env, "INFOMANIAK_MCP_AUDIT_READS": "maybe"})
    assert info.value.variable == "INFOMANIAK_MCP_AUDIT_READS"


# -- verify: tamper cases ----------------------------------------------------------------------


def test_verify_clean_log(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    report = verify(log_path)
    assert report.ok
    assert report.entries == 5
    assert report.first_broken_line is None
    assert audit.verify() == report


def test_verify_missing_log_is_empty_and_ok(log_path: Path) -> None:
    expected = {"ok": True, "entries": 0, "first_broken_line": None, "reason": None}
    assert verify(log_path).model_dump() == expected


def test_edited_field_is_reported_at_its_line(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    content = lines(log_path)
    content[2] = content[2].replace("entry number 2", "entry number X")
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line, report.entries) == (False, 3, 2)
    assert "modified" in (report.reason or "")


def test_edit_with_recomputed_hash_breaks_the_next_link(
    audit: AuditLog, clock: FakeClock, log_path: Path
) -> None:
    fill(audit, clock)
    content = lines(log_path)
    data = json.loads(content[1])
    data["outcome"] = "forged"
    data["hash"] = entry_hash(data)
    content[1] = canonical_json(data) + "\n"
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 3)
    assert "prev_hash" in (report.reason or "")


def test_deleted_middle_line(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    content = lines(log_path)
    del content[2]
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 3)
    assert "seq 4 where seq 3" in (report.reason or "")


def test_swapped_lines(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    content = lines(log_path)
    content[1], content[2] = content[2], content[1]
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 2)


def test_renumbered_swap_is_still_caught(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    content = lines(log_path)
    a, b = json.loads(content[1]), json.loads(content[2])
    a["seq"], b["seq"] = 3, 2
    content[1], content[2] = canonical_json(b) + "\n", canonical_json(a) + "\n"
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 2)


def test_truncated_tail(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    write_lines(log_path, lines(log_path)[:3])
    report = verify(log_path)
    assert (report.ok, report.first_broken_line, report.entries) == (False, 4, 3)
    assert "2 entries removed" in (report.reason or "")


def test_whole_log_emptied(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    log_path.write_text("")
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 1)


def test_garbage_appended(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    with log_path.open("a") as f:
        f.write("this is not json\n")
    report = verify(log_path)
    assert (report.ok, report.first_broken_line, report.entries) == (False, 6, 5)
    assert "not valid JSON" in (report.reason or "")


def test_partial_last_line(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    with log_path.open("a") as f:
        f.write('{"seq": 6')
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 6)
    assert "incomplete" in (report.reason or "")


def test_non_entry_json_line(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock, 2)
    content = lines(log_path)
    content.insert(1, '{"hello": "world"}\n')
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 2)


def test_rewritten_tail_disagrees_with_the_head(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    content = lines(log_path)
    last = json.loads(content[-1])
    last["summary"] = "rewritten"
    last["hash"] = entry_hash(last)
    content[-1] = canonical_json(last) + "\n"
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 5)
    assert "head" in (report.reason or "")


def test_deleted_head_file_is_reported(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    log_path.with_name("audit.jsonl.head").unlink()
    report = verify(log_path)
    assert not report.ok
    assert "missing" in (report.reason or "")


def test_head_lagging_by_one_entry_is_accepted(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    """A crash between the log write and the head update leaves the head one entry behind."""
    fill(audit, clock, 3)
    head = log_path.with_name("audit.jsonl.head")
    saved = head.read_text()
    audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    head.write_text(saved)
    assert verify(log_path).ok
    audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert verify(log_path).ok


def test_forged_entries_appended_beyond_the_head(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock, 2)
    content = lines(log_path)
    prev = json.loads(content[-1])
    for seq in (3, 4):
        forged = {**prev, "seq": seq, "summary": "forged", "prev_hash": prev["hash"]}
        forged["hash"] = entry_hash(forged)
        content.append(canonical_json(forged) + "\n")
        prev = forged
    write_lines(log_path, content)
    report = verify(log_path)
    assert (report.ok, report.first_broken_line) == (False, 4)


# -- append refuses to chain onto a broken tail ------------------------------------------------


def test_append_refuses_after_truncation(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    write_lines(log_path, lines(log_path)[:2])
    with pytest.raises(AuditError, match="head"):
        audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert len(lines(log_path)) == 2


def test_append_refuses_after_truncation_with_the_head_deleted(
    audit: AuditLog, clock: FakeClock, log_path: Path
) -> None:
    """Cutting the tail AND deleting the head must not let the next write reseal the cut log."""
    fill(audit, clock)
    write_lines(log_path, lines(log_path)[:3])
    log_path.with_name("audit.jsonl.head").unlink()
    kept = log_path.read_bytes()
    with pytest.raises(AuditError, match=r"head file audit\.jsonl\.head is missing") as refused:
        audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert "aside" in str(refused.value)  # the error says how an operator starts over
    assert log_path.read_bytes() == kept
    assert not log_path.with_name("audit.jsonl.head").exists()
    assert not verify(log_path).ok


def test_append_refuses_after_emptying(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    log_path.write_text("")
    with pytest.raises(AuditError, match="empty"):
        audit.append(principal="p", tool="t", phase="plan", outcome="ok")


def test_append_refuses_after_garbage(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    with log_path.open("a") as f:
        f.write("garbage\n")
    with pytest.raises(AuditError, match="not a valid entry"):
        audit.append(principal="p", tool="t", phase="plan", outcome="ok")


def test_append_refuses_with_unreadable_head(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock, 1)
    log_path.with_name("audit.jsonl.head").write_text("{broken")
    with pytest.raises(AuditError, match="unreadable"):
        audit.append(principal="p", tool="t", phase="plan", outcome="ok")
    assert not verify(log_path).ok


def test_new_log_after_moving_both_files_aside(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock)
    log_path.rename(log_path.with_name("old.jsonl"))
    log_path.with_name("audit.jsonl.head").rename(log_path.with_name("old.jsonl.head"))
    assert audit.append(principal="p", tool="t", phase="plan", outcome="ok").seq == 1
    assert verify(log_path).ok
    assert verify(log_path.with_name("old.jsonl")).ok


# -- reading -----------------------------------------------------------------------------------


def test_tail(audit: AuditLog, clock: FakeClock) -> None:
    assert audit.tail(3) == []
    fill(audit, clock)
    assert [e.seq for e in audit.tail(3)] == [3, 4, 5]
    assert [e.seq for e in audit.tail(50)] == [1, 2, 3, 4, 5]
    assert audit.tail(0) == []


def test_tail_of_a_large_log(audit: AuditLog, log_path: Path) -> None:
    big = "x" * 5000
    for i in range(40):
        audit.append(principal="p", tool="t", phase="plan", outcome="ok", summary=f"{i} {big}")
    assert [e.seq for e in audit.tail(7)] == list(range(34, 41))


def test_search_filters(audit: AuditLog, clock: FakeClock) -> None:
    fill(audit, clock)
    by_tool = audit.search(tool="dns_create_record")
    assert [e.seq for e in by_tool] == [3, 2, 1]  # newest first
    assert [e.seq for e in audit.search(phase="applied")] == [3]
    assert [e.seq for e in audit.search(outcome="error")] == [5]
    assert [e.seq for e in audit.search(principal="bob")] == [4, 2]
    assert [e.seq for e in audit.search(text="NUMBER 3")] == [4]
    assert [e.seq for e in audit.search(text="records/1")] == [2]
    assert audit.search(text="nothing like this") == []
    assert [e.seq for e in audit.search(limit=2)] == [5, 4]
    assert audit.search(limit=0) == []


def test_search_time_range(audit: AuditLog, clock: FakeClock) -> None:
    fill(audit, clock)  # entries at 00:00, 00:01, … 00:04
    found = audit.search(since="2026-01-01T00:01:00Z", until="2026-01-01T00:03:00+00:00")
    assert [e.seq for e in found] == [4, 3, 2]
    assert [e.seq for e in audit.search(since="2026-01-01T00:03:30")] == [5]


def test_search_does_not_match_hashes(audit: AuditLog, clock: FakeClock) -> None:
    fill(audit, clock, 1)
    entry = audit.tail(1)[0]
    assert audit.search(text=entry.hash[:12]) == []


def test_readers_skip_damaged_lines(audit: AuditLog, clock: FakeClock, log_path: Path) -> None:
    fill(audit, clock, 3)
    content: list[Any] = lines(log_path)
    content.insert(1, "garbage\n")
    write_lines(log_path, content)
    assert [e.seq for e in audit.tail(10)] == [1, 2, 3]
    assert [e.seq for e in audit.search()] == [3, 2, 1]
