"""The audit log: append-only, hash-chained JSONL of every write (and optionally every read).

File: `$INFOMANIAK_MCP_AUDIT_LOG`, default `<state dir>/audit.jsonl` (mode 0600). One entry per
line, written as canonical JSON:

    {seq, ts, principal, tool, phase, outcome, arguments, summary, resources,
     error?, plan_fingerprint?, prev_hash, hash}

- `seq` counts from 1; `ts` is ISO 8601 UTC with milliseconds;
- `phase` ∈ plan | apply_attempt | applied | failed | rejected | read (reads only when
  `INFOMANIAK_MCP_AUDIT_READS=1`);
- `arguments`, `summary`, `error` and `resources` go through `safety.redact` (tokens, cookies,
  passwords, keys, certificates and confirmation tokens never reach the file);
- `hash = sha256(prev_hash + canonical_json(entry without "hash"))`; the first entry's
  `prev_hash` is `GENESIS_HASH`.

Each append is one `write` of the whole line, then `fsync`, under a per-path process lock and an
`fcntl.flock` (several server processes may share the file), before `append` returns. After the
line, the sidecar `audit.jsonl.head` (`{"seq", "hash"}` of the last entry) is replaced atomically.

`verify(path)` walks the chain and reports the first broken line: an edited entry (its hash no
longer matches), a deleted, inserted or reordered entry (seq gap / prev_hash mismatch), garbage
(not JSON) and a cut tail (the log ends before the entry the head file records).

Limits: the chain is not keyed; someone who can write both files can rewrite the whole history
consistently, and deleting both files together starts a new log unnoticed. The chain detects
accidental damage, naive edits and truncation; for stronger guarantees copy entries (or the head
hash) off the machine. The head may lag the log by one entry after a crash between the two
writes; `verify` accepts exactly that. If the log's tail is broken (cut below the head, or not a
valid entry), or the head file is missing while the log has entries, `append` refuses with
`AuditError`: writes must not proceed without their audit, and must not reseal a damaged log
(a fresh head written at a cut point would make `verify` pass again). To start over after
damage, an operator moves BOTH files aside (keeping them as evidence); the next write starts a
new log at seq 1 (the `AuditError` message says so).
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import to_jsonable_python

from infomaniak_mcp.safety.plan import canonical_json
from infomaniak_mcp.safety.redact import redact, redact_text
from infomaniak_mcp.safety.state import (
    atomic_write,
    ensure_private_dir,
    env_flag,
    locked_append,
    state_dir,
    write_all,
)

AUDIT_LOG_ENV = "INFOMANIAK_MCP_AUDIT_LOG"
AUDIT_READS_ENV = "INFOMANIAK_MCP_AUDIT_READS"
AUDIT_FILE_NAME = "audit.jsonl"
HEAD_SUFFIX = ".head"
GENESIS_HASH = hashlib.sha256(b"infomaniak-mcp audit log v1").hexdigest()

Phase = Literal["plan", "apply_attempt", "applied", "failed", "rejected", "read"]
_REQUIRED = ("seq", "ts", "principal", "tool", "phase", "outcome", "prev_hash", "hash")


class AuditError(Exception):
    """The audit log cannot be written safely (its tail is broken); the write must not proceed."""


class AuditEntry(BaseModel):
    """One line of the audit log."""

    model_config = ConfigDict(extra="ignore")

    seq: int
    ts: str
    principal: str
    tool: str
    phase: Phase
    outcome: str
    arguments: dict[str, Any] = {}
    summary: str = ""
    resources: list[str] = []
    error: Any = None
    plan_fingerprint: str | None = None
    prev_hash: str
    hash: str

    @property
    def timestamp(self) -> _dt.datetime:
        return _parse_time(self.ts)


class VerifyReport(BaseModel):
    """Result of `verify`: `entries` is the number of intact entries before the first break."""

    model_config = ConfigDict(extra="forbid")

    ok: bool
    entries: int
    first_broken_line: int | None = None
    reason: str | None = None


def entry_hash(body: Mapping[str, Any]) -> str:
    """`sha256(prev_hash + canonical_json(body))` where `body` is the entry without `hash`."""
    payload = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256((str(body["prev_hash"]) + canonical_json(payload)).encode("utf-8")).hexdigest()


def default_audit_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(AUDIT_LOG_ENV, "").strip()
    return Path(override).expanduser() if override else state_dir(env) / AUDIT_FILE_NAME


def head_path_for(path: Path) -> Path:
    return path.with_name(path.name + HEAD_SUFFIX)


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str | _dt.datetime) -> _dt.datetime:
    moment = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _clean(value: Any) -> Any:
    """JSON-able and redacted (models dumped first so their secret fields are caught by key)."""
    return redact(_finite(to_jsonable_python(value, fallback=repr)))


def _read_head(path: Path) -> tuple[int, str] | None:
    """(seq, hash) from the head file, None when absent; ValueError when unreadable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("seq"), int) or not isinstance(
        data.get("hash"), str
    ):
        raise ValueError("not a head record")
    return data["seq"], data["hash"]


def _last_line(path: Path) -> bytes | None:
    """The last line of `path` (with its newline if it has one), None for an empty file."""
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        if end == 0:
            return None
        block = 4096
        pos = end
        chunk = b""
        while pos > 0:
            step = min(block, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step) + chunk
            cut = chunk.rfind(b"\n", 0, len(chunk) - 1)
            if cut >= 0:
                return chunk[cut + 1 :]
        return chunk


def _tail_lines(path: Path, n: int) -> list[bytes]:
    """The last `n` complete lines of `path`, oldest first."""
    if n <= 0:
        return []
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        pos, chunk = end, b""
        while pos > 0 and chunk.count(b"\n") <= n:
            step = min(65536, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step) + chunk
    lines = chunk.split(b"\n")
    if pos > 0:
        lines = lines[1:]  # first piece may be a partial line
    return [line for line in lines if line.strip()][-n:]


def _parse_entry(raw: bytes) -> AuditEntry | None:
    try:
        return AuditEntry.model_validate(json.loads(raw))
    except (ValueError, ValidationError):
        return None


class AuditLog:
    """Writer and reader of one audit log file."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, audit_reads: bool = False
    ) -> None:
        self.path = path
        self.head_path = head_path_for(path)
        self.audit_reads = audit_reads
        self._clock = clock

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, clock: Callable[[], float] = time.time
    ) -> AuditLog:
        """Path from `INFOMANIAK_MCP_AUDIT_LOG`, read auditing from `INFOMANIAK_MCP_AUDIT_READS`."""
        return cls(
            default_audit_path(environ), clock=clock, audit_reads=env_flag(environ, AUDIT_READS_ENV)
        )

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r}, audit_reads={self.audit_reads})"

    # -- writing -----------------------------------------------------------------------------

    def append(
        self,
        *,
        principal: str,
        tool: str,
        phase: Phase,
        outcome: str,
        arguments: Mapping[str, Any] | None = None,
        summary: str = "",
        resources: Sequence[str] = (),
        error: Any = None,
        plan_fingerprint: str | None = None,
    ) -> AuditEntry:
        """Append one entry and flush it to disk before returning it; `AuditError` if unsafe."""
        body: dict[str, Any] = {
            "principal": principal,
            "tool": tool,
            "phase": phase,
            "outcome": outcome,
            "arguments": _clean(dict(arguments or {})),
            "summary": redact_text(summary),
            "resources": [redact_text(str(r)) for r in resources],
        }
        if error is not None:
            body["error"] = _clean(error)
        if plan_fingerprint is not None:
            body["plan_fingerprint"] = plan_fingerprint
        ensure_private_dir(self.path.parent)
        with locked_append(self.path) as fd:
            seq, prev = self._chain_state()
            body["seq"] = seq + 1
            body["ts"] = _iso(self._clock())
            body["prev_hash"] = prev
            body["hash"] = entry_hash(body)
            write_all(fd, (canonical_json(body) + "\n").encode("utf-8"))
            head = canonical_json({"seq": body["seq"], "hash": body["hash"]}) + "\n"
            atomic_write(self.head_path, head.encode("utf-8"))
        return AuditEntry.model_validate(body)

    async def append_async(self, **fields: Any) -> AuditEntry:
        """`append` in a worker thread (the fsyncs do not block the event loop)."""
        return await anyio.to_thread.run_sync(functools.partial(self.append, **fields))

    def record_read(
        self, *, principal: str, tool: str, outcome: str, arguments: Mapping[str, Any] | None = None,
        summary: str = "", resources: Sequence[str] = (), error: Any = None,
    ) -> AuditEntry | None:
        """A `read` entry when read auditing is on; None (nothing written) otherwise."""
        if not self.audit_reads:
            return None
        return self.append(
            principal=principal, tool=tool, phase="read", outcome=outcome, arguments=arguments,
            summary=summary, resources=resources, error=error,
        )

    def _chain_state(self) -> tuple[int, str]:
        """(last seq, last hash) to chain from; refuses when the tail disagrees with the head file."""
        where = (
            f"{self.path}; run `infomaniak-mcp audit verify`, keep the damaged files as evidence by moving "
            f"BOTH {self.path.name} and {self.head_path.name} aside (e.g. rename them with a date suffix); "
            "the next write then starts a new log"
        )
        try:
            head = _read_head(self.head_path)
        except (ValueError, OSError) as exc:
            raise AuditError(f"the audit head file is unreadable ({exc}): {where}") from None
        line = _last_line(self.path)
        if line is None:
            if head is not None and head[0] > 0:
                raise AuditError(f"the audit log is empty but its head records seq {head[0]}: {where}")
            return 0, GENESIS_HASH
        entry = _parse_entry(line) if line.endswith(b"\n") else None
        if entry is None:
            raise AuditError(f"the last line of the audit log is not a valid entry: {where}")
        if head is None:
            # Chaining on would write a fresh head at whatever the tail is now, so a cut tail (or
            # one removed together with the head) would verify as intact afterwards.
            raise AuditError(
                f"the audit head file {self.head_path.name} is missing but the log has entries (seq "
                f"{entry.seq} last): entries may have been cut from the tail: {where}"
            )
        head_seq, head_hash = head
        if entry.seq < head_seq or (entry.seq == head_seq and entry.hash != head_hash):
            raise AuditError(f"the audit log's tail does not match its head file (seq {head_seq}): {where}")
        return entry.seq, entry.hash

    # -- reading -----------------------------------------------------------------------------

    def tail(self, n: int = 20) -> list[AuditEntry]:
        """The last `n` entries, oldest first (unparseable lines skipped: see `verify`)."""
        if not self.path.exists():
            return []
        entries = (_parse_entry(line) for line in _tail_lines(self.path, n))
        return [e for e in entries if e is not None]

    def _iter_entries(self) -> Iterator[AuditEntry]:
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            for line in f:
                entry = _parse_entry(line)
                if entry is not None:
                    yield entry

    def search(
        self,
        *,
        tool: str | None = None,
        phase: Phase | None = None,
        outcome: str | None = None,
        since: str | _dt.datetime | None = None,
        until: str | _dt.datetime | None = None,
        text: str | None = None,
        principal: str | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Matching entries, newest first, at most `limit`.

        `since`/`until`: ISO 8601 or datetime (naive means UTC), inclusive; `text`: case-insensitive
        substring of the entry (tool, principal, outcome, summary, arguments, resources, error).
        """
        start = _parse_time(since) if since is not None else None
        stop = _parse_time(until) if until is not None else None
        needle = text.casefold() if text else None
        found: collections.deque[AuditEntry] = collections.deque(maxlen=max(limit, 0))
        if limit <= 0:
            return []
        for entry in self._iter_entries():
            if tool is not None and entry.tool != tool:
                continue
            if phase is not None and entry.phase != phase:
                continue
            if outcome is not None and entry.outcome != outcome:
                continue
            if principal is not None and entry.principal != principal:
                continue
            if start is not None or stop is not None:
                try:
                    moment = entry.timestamp
                except ValueError:
                    continue
                if (start is not None and moment < start) or (stop is not None and moment > stop):
                    continue
            if needle is not None:
                haystack = canonical_json(entry.model_dump(exclude={"hash", "prev_hash", "seq", "ts"}))
                if needle not in haystack.casefold():
                    continue
            found.append(entry)
        return list(reversed(found))

    def verify(self) -> VerifyReport:
        return verify(self.path)


def verify(path: Path) -> VerifyReport:
    """Walk the hash chain of `path` (and its head file); report the first broken line."""
    head_file = head_path_for(path)
    try:
        head = _read_head(head_file)
    except (ValueError, OSError) as exc:
        return VerifyReport(ok=False, entries=0, reason=f"head file {head_file.name} is unreadable: {exc}")
    count, prev, head_line_hash = 0, GENESIS_HASH, None
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        handle = None
    if handle is not None:
        with handle:
            for number, raw in enumerate(handle, start=1):
                broken = _check_line(number, raw, count + 1, prev)
                if broken is not None:
                    return VerifyReport(ok=False, entries=count, first_broken_line=number, reason=broken)
                data = json.loads(raw)
                prev = data["hash"]
                count += 1
                if head is not None and data["seq"] == head[0]:
                    head_line_hash = data["hash"]
    if head is None:
        if count == 0:
            return VerifyReport(ok=True, entries=0)
        return VerifyReport(
            ok=False, entries=count,
            reason=f"head file {head_file.name} is missing: a truncated tail cannot be ruled out",
        )
    head_seq, head_hash = head
    if count < head_seq:
        return VerifyReport(
            ok=False, entries=count, first_broken_line=count + 1,
            reason=f"the log ends at seq {count} but the head file records seq {head_seq}: "
            f"{head_seq - count} entr{'y' if head_seq - count == 1 else 'ies'} removed from the tail",
        )
    if head_seq > 0 and head_line_hash != head_hash:
        return VerifyReport(
            ok=False, entries=head_seq - 1, first_broken_line=head_seq,
            reason=f"entry seq {head_seq} does not match the hash in the head file (the tail was rewritten)",
        )
    if count > head_seq + 1:
        return VerifyReport(
            ok=False, entries=head_seq + 1, first_broken_line=head_seq + 2,
            reason=f"entries after seq {head_seq + 1} were not written by the server (the head file records "
            f"seq {head_seq})",
        )
    return VerifyReport(ok=True, entries=count)


def _check_line(number: int, raw: bytes, expected_seq: int, prev: str) -> str | None:
    """Why line `number` breaks the chain, or None when it is the entry expected there."""
    if not raw.endswith(b"\n"):
        return f"line {number} is incomplete (no final newline: cut or partially written)"
    try:
        data = json.loads(raw)
    except ValueError:
        return f"line {number} is not valid JSON (garbage or edited by hand)"
    if not isinstance(data, dict) or any(k not in data for k in _REQUIRED):
        return f"line {number} is not an audit entry (fields missing)"
    if not isinstance(data["seq"], int) or isinstance(data["seq"], bool) or data["seq"] != expected_seq:
        return (
            f"line {number} has seq {data['seq']!r} where seq {expected_seq} was expected "
            "(an entry was deleted, inserted or reordered)"
        )
    if data["prev_hash"] != prev:
        return f"line {number} does not chain to the previous entry (prev_hash mismatch: entry replaced)"
    try:
        computed = entry_hash(data)
    except (TypeError, ValueError):
        return f"line {number} holds values that cannot be hashed"
    if computed != data["hash"]:
        return f"line {number} was modified (its content does not match its hash)"
    return None
