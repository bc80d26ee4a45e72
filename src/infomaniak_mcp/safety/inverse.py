"""Inverses of operations: how to undo an applied step, and how to tell if undoing is still safe.

Each operation kind registers an `Inverse` (`register_inverse("dns.delete_record", …)`):

- `build(applied)` returns the steps that revert one applied step, from its recorded pre-state
  (`applied.before`) and post-state (`applied.after`), or raises `NotReversible`;
- `drift(applied, current)` compares the recorded post-state with the resource's current value
  and returns why undoing would be unsafe (the resource changed since), or None;
- optionally `project(applied, resource, value)`: how `applied` changed ANOTHER resource's value
  (a database user's grants show in the database's users), so a post-state recorded by an earlier
  step of the same write is compared as the whole write left it.

`build_inverse_plan` turns a list of applied steps (a history record, or the applied part of a
failed plan) into one `Plan` that undoes them in reverse order; it is used by `history_undo` and
by the executor's compensating plan.

Built in: DNS records. Operation parameters (the DNS tools build steps with exactly these):

| operation | params | before / after |
|---|---|---|
| `dns.create_record` | `zone, type, source, target, ttl` | None / created record (with `id`) |
| `dns.update_record` | `zone, record_id, target, ttl` | record / record |
| `dns.delete_record` | `zone, record_id` | record / None |

A record value is the API's record object: `{id, source, type, target, ttl, …}`. Resource ids:
`dns_zone_resource(zone)` = `dns:<zone>`, `dns_record_resource(zone, id)` = `dns:<zone>/records/<id>`.

The DNS record reader returns `RecordGone(records)` (absent, with the zone's records now) rather
than None for a record that no longer exists, so undoing a deletion can refuse before confirmation
when its name is taken again: an identical record re-created by hand, a CNAME now at that name, or
(for a deleted CNAME) any record there. The records the same undo removes or restores first (later
steps of the entry) are taken into account (`RecordGone.after_undoing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from infomaniak_mcp.domain.dns_records import (
    RecordFields,
    RecordProblem,
    as_record,
    check_zone_rules,
    record_key,
    record_name,
)
from infomaniak_mcp.safety.plan import AppliedStep, DiffEntry, Plan, Risk, Step, canonical_json, fingerprint


class NotReversible(Exception):
    """An applied step cannot be reverted (no inverse registered, or its recorded state is missing)."""


class Inverse(Protocol):
    def build(self, applied: AppliedStep) -> list[Step]:
        """Steps that revert `applied`; raise `NotReversible` when that is impossible."""
        ...

    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        """Why the resource's `current` value forbids undoing `applied` (None: safe to undo)."""
        ...


def _as_left(applied: Sequence[AppliedStep], index: int) -> AppliedStep:
    """`applied[index]` with its post-state as the whole write left it: a later step of the same write may
    change how another resource reads (granting a new user rights on a database created just before).
    An inverse may define `project(later, resource, value)`: `value` of `resource` once `later` applied."""
    item = applied[index]
    after = item.after
    for later in applied[index + 1:]:
        project = getattr(get_inverse(later.step.operation), "project", None)
        if callable(project) and later.resource != item.resource:
            after = project(later, item.resource, after)
    return item if after is item.after else item.model_copy(update={"after": after})


def _stable(applied: AppliedStep, current: Any) -> Any:
    """The part of a current value that binds an undo plan (its fingerprint). An inverse may define
    `stable(current)` to leave out observations that move by themselves (e.g. what public DNS answers)."""
    value = present(current)
    stable = getattr(get_inverse(applied.step.operation), "stable", None)
    return stable(value) if callable(stable) else value


_INVERSES: dict[str, Inverse] = {}


def register_inverse(operation: str, inverse: Inverse, *, replace: bool = False) -> None:
    """Declare how to undo `operation`; registering twice is an error unless `replace`."""
    if operation in _INVERSES and not replace:
        raise ValueError(f"an inverse for {operation!r} is already registered")
    _INVERSES[operation] = inverse


def get_inverse(operation: str) -> Inverse | None:
    return _INVERSES.get(operation)


def step_inverse(applied: AppliedStep) -> list[Step]:
    """The steps reverting one applied step; `NotReversible` when there are none."""
    inverse = get_inverse(applied.step.operation)
    if inverse is None:
        raise NotReversible(f"{applied.step.operation} cannot be undone automatically")
    return inverse.build(applied)


def is_reversible(applied: Sequence[AppliedStep]) -> bool:
    """True when every applied step has an inverse that can be built from what was recorded."""
    try:
        for item in applied:
            step_inverse(item)
    except NotReversible:
        return False
    return bool(applied)


def generic_drift(applied: AppliedStep, current: Any) -> str | None:
    """Default drift check: the current value must equal the recorded post-state (volatile fields ignored)."""
    current = present(current)
    if fingerprint(applied.after) == fingerprint(current):
        return None
    if current is None:
        return f"{applied.resource} no longer exists"
    if applied.after is None:
        return f"{applied.resource} exists again"
    return f"{applied.resource} changed since the write was applied"


def drift_reasons(applied: Sequence[AppliedStep], current: Mapping[str, Any]) -> list[str]:
    """Reasons undo must refuse, one per drifted resource. `current` maps resource id → value (None: absent).
    A resource written by several steps is compared with the last one's post-state.

    A resource missing from `current` is reported: the caller must fetch every resource it undoes.
    A post-state is taken as the whole write left it (`_as_left`), not as it was right after its own step.
    """
    reasons: list[str] = []
    last = {item.resource: index for index, item in enumerate(applied)}
    for index, item in enumerate(applied):
        if item.resource not in current:
            reasons.append(f"{item.resource}: current state was not read")
            continue
        if last[item.resource] != index:  # a later step of the same write changed it again: its post-state counts
            continue
        value = current[item.resource]
        if isinstance(value, RecordGone):  # undo runs last first: see the zone as the later inverses leave it
            value = value.after_undoing(applied[index + 1:])
        inverse = get_inverse(item.step.operation)
        reason = (inverse.drift if inverse else generic_drift)(_as_left(applied, index), value)
        if reason:
            reasons.append(reason)
    return reasons


def build_inverse_plan(
    applied: Sequence[AppliedStep],
    *,
    tool: str,
    summary: str,
    target_name: str,
    current: Mapping[str, Any] | None = None,
) -> tuple[Plan | None, list[int]]:
    """A plan reverting the reversible `applied` steps (last first), and indices of those it cannot revert.

    `current` (resource → value) is the state the plan is built on; by default the recorded
    post-states. The risk is `high` when the undo removes or overwrites something that exists now,
    `low` when it only re-creates what was deleted.
    """
    state = dict(current) if current is not None else {a.resource: a.after for a in applied}
    steps: list[Step] = []
    diff: list[DiffEntry] = []
    skipped: list[int] = []
    risk: Risk = "low"
    for index in range(len(applied) - 1, -1, -1):
        item = applied[index]
        try:
            inverse_steps = step_inverse(item)
        except NotReversible:
            skipped.append(index)
            continue
        steps.extend(inverse_steps)
        now = present(state.get(item.resource, item.after))
        diff.append(DiffEntry(resource=item.resource, before=now, after=item.before))
        if now is not None:
            risk = "high"
    if not steps:
        return None, sorted(skipped)
    resources = list(dict.fromkeys(s.resource for s in steps))
    plan = Plan(
        tool=tool,
        summary=summary,
        steps=steps,
        diff=diff,
        risk=risk,
        resources=resources,
        target_name=target_name,
        fingerprint=fingerprint({a.resource: _stable(a, state.get(a.resource)) for a in applied}),
        reversible=all(get_inverse(s.operation) is not None for s in steps),
    )
    return plan, sorted(skipped)


# -- DNS records -----------------------------------------------------------------------------

DNS_RECORD_FIELDS = ("source", "type", "target", "ttl")


@dataclass(frozen=True)
class RecordGone:
    """A DNS record that no longer exists, and the records of its zone now (`{id, source, type, target, ttl}`).

    Absent everywhere (`present(value)` is None): risk, diff and fingerprints see None.
    """

    records: tuple[Mapping[str, Any], ...] = ()

    def after_undoing(self, later: Sequence[AppliedStep]) -> RecordGone:
        """The zone once the inverses of `later` steps (run before this one's) are applied: their created
        records deleted, updated ones restored, deleted ones back."""
        created = {_id(a.after) for a in later if a.step.operation == "dns.create_record"}
        restored = {_id(a.before): a.before for a in later
                    if a.step.operation == "dns.update_record" and isinstance(a.before, Mapping)}
        back = [a.before for a in later if a.step.operation == "dns.delete_record" and isinstance(a.before, Mapping)]
        kept = [restored.get(_id(r), r) for r in self.records if _id(r) not in created]
        return RecordGone(tuple(kept) + tuple(back))


def present(value: Any) -> Any:
    """`value`, or None for a `RecordGone` (the resource does not exist)."""
    return None if isinstance(value, RecordGone) else value


def _id(record: Any) -> Any:
    return record.get("id") if isinstance(record, Mapping) else None


def _cannot_stand_together(a: RecordFields, b: RecordFields) -> bool:
    try:
        check_zone_rules([a, b])
    except RecordProblem:
        return True
    return False


def _name_taken(deleted: Any, gone: RecordGone) -> str | None:
    """Why re-creating `deleted` would collide with the zone now (None: its place is free).

    The DNS rules are `check_zone_rules` (a CNAME must be alone at its name, no record twice); the
    first record now at that name that breaks them next to the deleted one took its place."""
    if not isinstance(deleted, Mapping):
        return None
    back = as_record(deleted)
    at = record_name(back.source)
    there = [r for r in gone.records if record_name(as_record(r).source) == at]
    taken = next((r for r in there if _cannot_stand_together(as_record(r), back)), None)
    if taken is None:
        return None
    name = "the apex" if at == "." else repr(at)
    if record_key(as_record(taken)) == record_key(back):
        return (f"an identical record {_describe(taken)} was created again since (id {taken.get('id')}): "
                "re-creating the deleted one would duplicate it")
    if taken.get("type") == "CNAME":
        return f"a CNAME now stands at {name} ({_describe(taken)}, id {taken.get('id')}): it must be alone there"
    types = ", ".join(sorted({str(r.get("type")) for r in there}))
    return f"{name} now has other records ({types}): the deleted CNAME cannot stand next to them"


def dns_zone_resource(zone: str) -> str:
    return f"dns:{zone}"


def dns_record_resource(zone: str, record_id: str | int) -> str:
    return f"dns:{zone}/records/{record_id}"


def _record(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise NotReversible(f"the {what} record was not recorded")
    missing = [f for f in DNS_RECORD_FIELDS if value.get(f) in (None, "")]
    if missing:
        raise NotReversible(f"the {what} record lacks {', '.join(missing)}")
    return value


def _zone(applied: AppliedStep) -> str:
    zone = applied.step.params.get("zone")
    if not isinstance(zone, str) or not zone:
        raise NotReversible(f"{applied.step.operation} step has no zone")
    return zone


def _describe(record: Mapping[str, Any]) -> str:
    return f"{record.get('source')} {record.get('type')} {record.get('target')} (TTL {record.get('ttl')})"


class _DnsRecordInverse:
    """Shared drift check: the record must still be exactly what the write left behind."""

    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        after = applied.after
        if after is None:
            if present(current) is not None:
                return f"DNS record {applied.resource} exists again"
            taken = _name_taken(applied.before, current) if isinstance(current, RecordGone) else None
            return f"DNS record {applied.resource} cannot be re-created: {taken}" if taken else None
        current = present(current)
        if current is None:
            return f"DNS record {applied.resource} no longer exists"
        if not isinstance(after, Mapping) or not isinstance(current, Mapping):
            return generic_drift(applied, current)
        changed = [
            f"{name} {after.get(name)!r} → {current.get(name)!r}"
            for name in DNS_RECORD_FIELDS
            if canonical_json(after.get(name)) != canonical_json(current.get(name))
        ]
        if changed:
            return f"DNS record {applied.resource} changed since: {', '.join(changed)}"
        return None


class DnsCreateRecordInverse(_DnsRecordInverse):
    """Undo a creation: delete the created record (its id comes from the post-state)."""

    def build(self, applied: AppliedStep) -> list[Step]:
        zone = _zone(applied)
        created = _record(applied.after, "created")
        if created.get("id") in (None, ""):
            raise NotReversible("the created record's id was not recorded")
        return [
            Step(
                operation="dns.delete_record",
                params={"zone": zone, "record_id": created["id"]},
                resource=dns_record_resource(zone, created["id"]),
                description=f"Delete the DNS record {_describe(created)} from {zone}",
                before=dict(created),
            )
        ]


class DnsUpdateRecordInverse(_DnsRecordInverse):
    """Undo an update: put the old target and TTL back."""

    def build(self, applied: AppliedStep) -> list[Step]:
        zone = _zone(applied)
        old = _record(applied.before, "previous")
        record_id = applied.step.params.get("record_id", old.get("id"))
        if record_id in (None, ""):
            raise NotReversible("the updated record's id was not recorded")
        return [
            Step(
                operation="dns.update_record",
                params={"zone": zone, "record_id": record_id, "target": old["target"], "ttl": old["ttl"]},
                resource=dns_record_resource(zone, record_id),
                description=f"Restore the DNS record in {zone} to {_describe(old)}",
                before=applied.after,
            )
        ]


class DnsDeleteRecordInverse(_DnsRecordInverse):
    """Undo a deletion: create the record again with its old values (it gets a new id)."""

    def build(self, applied: AppliedStep) -> list[Step]:
        zone = _zone(applied)
        old = _record(applied.before, "deleted")
        return [
            Step(
                operation="dns.create_record",
                params={name: old[name] for name in ("type", "source", "target", "ttl")} | {"zone": zone},
                resource=dns_zone_resource(zone),
                description=f"Re-create the DNS record {_describe(old)} in {zone}",
                before=None,
            )
        ]


register_inverse("dns.create_record", DnsCreateRecordInverse())
register_inverse("dns.update_record", DnsUpdateRecordInverse())
register_inverse("dns.delete_record", DnsDeleteRecordInverse())
