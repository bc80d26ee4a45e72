"""Change sets: many creates/updates/deletes on one zone, checked as a whole before anything runs. Pure.

`plan_change_set(zone, current, requests)` validates every requested change (errors name
`changes[i].<field>`, also for a conflict in the resulting zone: the change that causes it),
refuses two changes to one record and ids that are not in the zone (every bad change at once), drops
no-op updates (reported in `unchanged`), orders the changes deletes → updates → creates (so a
name can be freed before it is reused, e.g. A → CNAME) and checks the zone that would result
(CNAME exclusivity, duplicates, and the SPF/DMARC records it writes: `mail_auth_problems`).

`diff_zone(zone, current, desired, delete_missing=...)` turns a desired record set (a parsed zone
file) into the change set that makes the zone match it: identical records are kept, a changed
TTL becomes an update, and per name+type the records that no longer match are paired into
updates one to one; what remains is created, or deleted when `delete_missing` (else reported in
`kept`). The apex NS and SOA are never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from infomaniak_mcp.domain.dns_mailauth import mail_auth_problems
from infomaniak_mcp.domain.dns_records import (
    RecordProblem,
    RecordSpec,
    StoredRecord,
    canonical_target,
    check_ttl,
    check_zone_rules,
    normalise_target,
    raise_problems,
    validate_record,
)

Action = Literal["create", "update", "delete"]
_ORDER = {"delete": 0, "update": 1, "create": 2}
PROTECTED_TYPES = frozenset({"SOA", "NS"})


@dataclass(frozen=True)
class ChangeRequest:
    """One requested change, as the caller wrote it."""

    action: Action
    record_id: int | None = None
    name: str | None = None
    type: str | None = None
    target: str | None = None
    ttl: int | None = None
    priority: int | None = None


@dataclass(frozen=True)
class Change:
    """One validated change. `before` is the current record (update/delete), `after` the result."""

    action: Action
    before: dict[str, Any] | None
    after: RecordSpec | None
    record_id: int | None = None
    where: str | None = None  # what asked for it (`changes[2]`, `zone_file[www A]`): named in errors


@dataclass
class ChangeSet:
    zone: str
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            out[change.action] += 1
        return out


def record_dict(record: StoredRecord) -> dict[str, Any]:
    return {
        "id": record.id, "source": record.source, "type": record.type, "target": record.target, "ttl": record.ttl
    }


@dataclass(frozen=True)
class _Row:
    source: str
    type: str
    target: str
    where: str | None = None


def _final_state(current: Sequence[StoredRecord], changes: Sequence[Change]) -> list[_Row]:
    gone = {c.record_id for c in changes if c.action in ("delete", "update")}
    rows = [_Row(r.source, r.type, r.target) for r in current if r.id not in gone]
    rows += [_Row(c.after.source, c.after.type, c.after.target, c.where) for c in changes if c.after is not None]
    return rows


def _check(zone: str, current: Sequence[StoredRecord], result: ChangeSet, where: str) -> ChangeSet:
    result.changes.sort(key=lambda c: _ORDER[c.action])
    after = _final_state(current, result.changes)
    check_zone_rules(after, where=where)
    raise_problems(mail_auth_problems(zone, current, after))
    return result


def _one(
    zone: str, index: int, request: ChangeRequest, by_id: dict[int, StoredRecord], other_zones: Collection[str]
) -> Change | str:
    where = f"changes[{index}]"
    try:
        if request.action == "create":
            if request.type is None or request.target is None:
                missing = "type" if request.type is None else "target"
                raise RecordProblem(missing, "is required to create a record")
            spec = validate_record(
                zone, type=request.type, name=request.name, target=request.target,
                ttl=request.ttl if request.ttl is not None else 3600, priority=request.priority,
                other_zones=other_zones,
            )
            return Change("create", None, spec, where=where)
        if request.record_id is None:
            raise RecordProblem("record_id", f"is required to {request.action} a record (from dns_list_records)")
        record = by_id.get(request.record_id)
        if record is None:
            raise RecordProblem("record_id", f"{request.record_id} is not a record of {zone} (see dns_list_records)")
        if record.type in PROTECTED_TYPES and record.source == ".":
            raise RecordProblem("record_id", f"the apex {record.type} records are managed by Infomaniak")
        before = record_dict(record)
        if request.action == "delete":
            return Change("delete", before, None, record.id)
        if request.target is None and request.ttl is None:
            raise RecordProblem("target", "give a new target and/or ttl")
        target = record.target if request.target is None else normalise_target(
            record.type, request.target, priority=request.priority
        )
        ttl = record.ttl if request.ttl is None else check_ttl(request.ttl)
        if canonical_target(record.type, target) == canonical_target(record.type, record.target) and ttl == record.ttl:
            return f"{record.source} {record.type} {record.target} (id {record.id}) is already so"
        return Change("update", before, RecordSpec(record.source, record.type, target, ttl), record.id, where)
    except RecordProblem as problem:
        raise problem.under(where) from None


def plan_change_set(
    zone: str,
    current: Sequence[StoredRecord],
    requests: Sequence[ChangeRequest],
    *,
    other_zones: Collection[str] = (),
) -> ChangeSet:
    """Validate and order `requests` against the zone's `current` records (module docstring); every bad
    change is reported at once (`RecordProblems`). `other_zones`: the account's other zones, which a
    relative name must not end with (see `relative_name`)."""
    if not requests:
        raise RecordProblem("changes", "give at least one change")
    by_id = {r.id: r for r in current}
    result = ChangeSet(zone)
    touched: dict[int, int] = {}
    problems: list[RecordProblem] = []  # every bad change is reported, not only the first
    for index, request in enumerate(requests):
        if request.record_id is not None and request.action != "create":
            if request.record_id in touched:
                problems.append(RecordProblem(
                    f"changes[{index}].record_id",
                    f"record {request.record_id} is already changed by changes[{touched[request.record_id]}]",
                ))
                continue
            touched[request.record_id] = index
        try:
            outcome = _one(zone, index, request, by_id, other_zones)
        except RecordProblem as problem:
            problems.append(problem)
            continue
        if isinstance(outcome, str):
            result.unchanged.append(outcome)
        else:
            result.changes.append(outcome)
    raise_problems(problems)
    return _check(zone, current, result, "changes")


def diff_zone(
    zone: str, current: Sequence[StoredRecord], desired: Sequence[RecordSpec], *, delete_missing: bool
) -> ChangeSet:
    """The change set turning `current` into `desired` (module docstring)."""
    result = ChangeSet(zone)
    groups: dict[tuple[str, str], tuple[list[StoredRecord], list[RecordSpec]]] = {}
    for record in current:
        if record.type in PROTECTED_TYPES and record.source == ".":
            continue
        groups.setdefault((record.source.lower(), record.type), ([], []))[0].append(record)
    for spec in desired:
        groups.setdefault((spec.source.lower(), spec.type), ([], []))[1].append(spec)
    for (_, rtype), (have, want) in sorted(groups.items()):
        have_left = list(have)
        want_left: list[RecordSpec] = []
        for spec in want:
            key = canonical_target(rtype, spec.target)
            match = next((r for r in have_left if canonical_target(rtype, r.target) == key), None)
            if match is None:
                want_left.append(spec)
                continue
            have_left.remove(match)
            if match.ttl != spec.ttl:
                kept_target = RecordSpec(match.source, rtype, match.target, spec.ttl)
                result.changes.append(Change("update", record_dict(match), kept_target, match.id, _from_file(spec)))
            else:
                result.unchanged.append(f"{match.source} {rtype} {match.target}")
        while have_left and want_left:
            old, new = have_left.pop(0), want_left.pop(0)
            replaced = RecordSpec(old.source, rtype, new.target, new.ttl)
            result.changes.append(Change("update", record_dict(old), replaced, old.id, _from_file(new)))
        for spec in want_left:
            result.changes.append(Change("create", None, spec, where=_from_file(spec)))
        for old in have_left:
            if delete_missing:
                result.changes.append(Change("delete", record_dict(old), None, old.id))
            else:
                result.kept.append(f"{old.source} {rtype} {old.target} (id {old.id})")
    return _check(zone, current, result, "zone_file")


def _from_file(spec: RecordSpec) -> str:
    return f"zone_file[{spec.source} {spec.type}]"
