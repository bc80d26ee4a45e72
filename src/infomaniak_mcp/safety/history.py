"""History of applied writes, and undo.

Every applied write is recorded with the pre-state of what it changed, so `history_undo` can
build the inverse plan (see `safety.inverse`) and confirm it like any other write.

File: `<state dir>/history.jsonl` (mode 0600), append-only. Two kinds of lines:

    {"kind": "record", "record": {id, ts, principal, tool, summary, steps, reversible, undo_of?, target_name?}}
    {"kind": "undone", "id": ..., "by": ..., "ts": ...}

`steps` are `AppliedStep`s: the step, the resource it really touched, and that resource before
and after (`pre_state` / `post_state` are views of them keyed by resource id). Values under keys
naming a secret (password, token, key…) are replaced by `"[redacted]"` before they are written;
other values are kept verbatim because undo needs them exactly (value-pattern redaction could
corrupt, e.g., a TXT record).

`target_name` is what a human typed (or would have typed) to confirm the original plan; a
high-risk undo asks for that same name (`undo_target_name`: the recorded one, else the one name
the recorded values carry, e.g. a DNS record's full name, else the zone the steps share).

`mark_undone(id, by)` is only accepted when `by` is a recorded write whose `undo_of` is `id`:
an entry is marked undone only after its undo really applied and was itself recorded.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, computed_field

from infomaniak_mcp.safety.inverse import build_inverse_plan, drift_reasons, is_reversible
from infomaniak_mcp.safety.plan import AppliedStep, Plan, canonical_json
from infomaniak_mcp.safety.redact import redact_keys
from infomaniak_mcp.safety.state import ensure_private_dir, locked_append, state_dir, write_all

HISTORY_FILE_NAME = "history.jsonl"
UNDO_TOOL = "history_undo"


class HistoryError(Exception):
    """A history operation was refused; the message says why."""


class UndoRefused(HistoryError):
    """Undo is impossible or unsafe now (not reversible, already undone, or the resource drifted)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HistoryRecord(BaseModel):
    """One applied write."""

    model_config = ConfigDict(extra="ignore")

    id: str
    ts: str
    principal: str
    tool: str
    summary: str
    steps: list[AppliedStep]
    reversible: bool
    undone_by: str | None = None
    undo_of: str | None = None
    target_name: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pre_state(self) -> dict[str, Any]:
        """Resource id → value before the write (None: did not exist)."""
        out: dict[str, Any] = {}
        for item in self.steps:
            out.setdefault(item.resource, item.before)
        return out

    @computed_field  # type: ignore[prop-decorator]
    @property
    def post_state(self) -> dict[str, Any]:
        """Resource id → value after the write (None: removed)."""
        return {item.resource: item.after for item in self.steps}


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Keys whose value names a resource the way a human knows it (first found wins, in this order).
NAME_KEYS = ("source_idn", "fqdn", "full_name", "main_fqdn", "hostname", "email", "name")


def _value_name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        for key in NAME_KEYS:
            name = value.get(key)
            if isinstance(name, str) and name.strip():
                return name.strip().rstrip(".") if key != "email" else name.strip()
    return None


def undo_target_name(record: HistoryRecord) -> str:
    """What a human types to confirm undoing `record`: the name its plan asked for when recorded,
    else the single name its recorded values carry (e.g. a DNS record's full name), else the zone
    all its steps share, else its history id."""
    if record.target_name.strip():
        return record.target_name.strip()
    names = {_value_name(s.before) or _value_name(s.after) for s in record.steps}
    if len(names) == 1 and None not in names:
        return str(names.pop())
    zones = {s.step.params.get("zone") for s in record.steps}
    if len(zones) == 1:
        zone = zones.pop()
        if isinstance(zone, str) and zone.strip():
            return zone.strip()
    return record.id


def default_history_path(environ: Mapping[str, str] | None = None) -> Path:
    return state_dir(environ) / HISTORY_FILE_NAME


class History:
    """Reader and writer of the history file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, clock: Callable[[], float] = time.time
    ) -> History:
        return cls(default_history_path(environ), clock=clock)

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    def _append(self, line: Mapping[str, Any]) -> None:
        ensure_private_dir(self.path.parent)
        with locked_append(self.path) as fd:
            write_all(fd, (canonical_json(line) + "\n").encode("utf-8"))

    def _load(self) -> dict[str, HistoryRecord]:
        """All records by id, in recording order, with undo marks applied."""
        records: dict[str, HistoryRecord] = {}
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return records
        with handle:
            for raw in handle:
                try:
                    line = json.loads(raw)
                    if line.get("kind") == "record":
                        record = HistoryRecord.model_validate(line["record"])
                        records[record.id] = record
                    elif line.get("kind") == "undone" and line.get("id") in records:
                        records[line["id"]].undone_by = str(line["by"])
                except (ValueError, KeyError, AttributeError, ValidationError):
                    continue
        return records

    def record(
        self,
        *,
        principal: str,
        tool: str,
        summary: str,
        steps: Sequence[AppliedStep],
        reversible: bool | None = None,
        undo_of: str | None = None,
        target_name: str = "",
    ) -> HistoryRecord:
        """Record an applied write (call it after the steps ran); `reversible` defaults to what
        the inverse registry can build from the recorded states; `target_name` is the applied
        plan's (what a human types to confirm its undo when that is high-risk)."""
        if not steps:
            raise HistoryError("nothing was applied: there is nothing to record")
        clean = [AppliedStep.model_validate(redact_keys(s.model_dump(mode="json"))) for s in steps]
        can_undo = is_reversible(clean)
        record = HistoryRecord(
            id="h_" + secrets.token_hex(6),
            ts=_iso(self._clock()),
            principal=principal,
            tool=tool,
            summary=summary,
            steps=clean,
            reversible=can_undo if reversible is None else (reversible and can_undo),
            undo_of=undo_of,
            target_name=target_name.strip(),
        )
        stored = record.model_dump(mode="json", exclude={"pre_state", "post_state"})
        self._append({"kind": "record", "record": stored})
        return record

    def list(self, limit: int = 20, principal: str | None = None) -> builtins.list[HistoryRecord]:
        """Applied writes, newest first, optionally only those of `principal`."""
        records = [r for r in self._load().values() if principal is None or r.principal == principal]
        records.reverse()
        return records[: max(limit, 0)]

    def get(self, id: str) -> HistoryRecord | None:
        return self._load().get(id)

    def mark_undone(self, id: str, by: str) -> HistoryRecord:
        """Mark `id` undone by the recorded undo write `by` (whose `undo_of` must be `id`)."""
        ensure_private_dir(self.path.parent)
        with locked_append(self.path) as fd:  # check and mark atomically (threads and processes)
            records = self._load()
            target = records.get(id)
            undo = records.get(by)
            if target is None:
                raise HistoryError(f"no history entry {id!r}")
            if undo is None or undo.undo_of != id:
                raise HistoryError(f"{by!r} is not a recorded undo of {id!r}")
            if target.undone_by is not None:
                raise HistoryError(f"{id!r} was already undone by {target.undone_by!r}")
            line = {"kind": "undone", "id": id, "by": by, "ts": _iso(self._clock())}
            write_all(fd, (canonical_json(line) + "\n").encode("utf-8"))
        target.undone_by = by
        return target

    def undo_plan(self, id: str, current: Mapping[str, Any], *, target_name: str | None = None) -> Plan:
        """The plan reverting `id`, built on `current` (resource id → its value now, None if absent).

        Refuses (`UndoRefused`) when the entry is unknown, already undone, not reversible, or
        when a resource changed since the write (the reasons say which and how).
        """
        record = self.get(id)
        if record is None:
            raise UndoRefused(f"no history entry {id!r}; call history_list for the ids")
        if record.undone_by is not None:
            raise UndoRefused(f"{id} was already undone (by {record.undone_by})")
        if not record.reversible:
            raise UndoRefused(f"{id} ({record.tool}) cannot be undone automatically")
        reasons = drift_reasons(record.steps, {k: redact_keys(v) for k, v in current.items()})
        if reasons:
            raise UndoRefused(
                "the resource changed since the write, undo would lose that change: " + "; ".join(reasons)
            )
        plan, skipped = build_inverse_plan(
            record.steps,
            tool=UNDO_TOOL,
            summary=f"Undo {id}: {record.summary}",
            target_name=target_name or id,
            current=current,
        )
        if plan is None or skipped:
            raise UndoRefused(f"{id} ({record.tool}) cannot be undone automatically")
        return plan

    def resources_to_check(self, id: str) -> builtins.list[str]:
        """Resource ids whose current value `undo_plan` needs (fetch each, None when absent)."""
        record = self.get(id)
        return [] if record is None else [s.resource for s in record.steps]

