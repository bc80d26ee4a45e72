"""Plans: what a write tool returns instead of writing, and the state fingerprint it was built on.

A write tool's body reads the current state and returns a `Plan`: ordered `Step`s (an operation
name such as `"dns.create_record"` and its parameters), a one-line summary, a before → after
diff, a risk level, the ids of the resources it touches, the name a human must type for `high`
and `irreversible` plans, and the `fingerprint` of the state it read. The confirmation wrapper
rebuilds the plan when the token comes back; an unchanged fingerprint means the stored steps are
still right and may run.

`fingerprint(state)` is the SHA-256 of `canonical_json(state)` after removing volatile fields
(`DEFAULT_VOLATILE`: timestamps and counters that move without anyone changing the resource), so
a plan can always be confirmed when nothing relevant changed.

`canonical_json(obj)`: keys sorted, no whitespace, UTF-8 kept as is, floats normalised (an
integral float is written as an integer: `1.0` → `1`; others use Python's shortest round-trip
form), NaN/Infinity refused, tuples as lists, sets sorted, pydantic models dumped in JSON mode,
datetimes in ISO 8601. It is shared by tokens (argument binding), audit (hash chain) and history.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Risk = Literal["low", "high", "irreversible"]
RISK_ORDER: dict[str, int] = {"low": 0, "high": 1, "irreversible": 2}

# Fields removed (at any depth, by exact key name) before fingerprinting. They change without
# anyone changing the resource, so they must not make a confirmed plan "stale".
DEFAULT_VOLATILE: frozenset[str] = frozenset(
    {
        # modification / observation timestamps
        "updated_at",
        "last_updated_at",
        "modified_at",
        "last_modified_at",
        "response_at",  # envelope: when the API answered
        "fetched_at",
        "refreshed_at",
        "synced_at",
        "last_sync_at",
        "checked_at",
        "last_checked_at",
        "last_check_at",
        "size_checked_at",
        "status_checked_at",
        "next_check_at",
        # activity timestamps
        "last_login_at",
        "last_connection_at",
        "last_seen_at",
        "last_activity_at",
        "last_access_at",
        "last_used_at",
        # counters and usage gauges
        "views",
        "view_count",
        "visits",
        "hits",
        "clicks",
        "downloads",
        "download_count",
        "used",
        "used_size",
        "size_used",
        "disk_usage",
        "quota_used",
        "usage",
        # transport metadata
        "request_id",
        "etag",
    }
)


def _normalise(obj: Any) -> Any:
    """Turn `obj` into plain JSON values with one spelling per value."""
    if obj is None or isinstance(obj, str | bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"cannot put {obj!r} in canonical JSON")
        if obj.is_integer() and abs(obj) < 2**53:
            return int(obj)
        return obj
    if isinstance(obj, Decimal):
        return _normalise(float(obj))
    if isinstance(obj, enum.Enum):
        return _normalise(obj.value)
    if isinstance(obj, BaseModel):
        return _normalise(obj.model_dump(mode="json"))
    if isinstance(obj, _dt.datetime | _dt.date | _dt.time):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"canonical JSON keys must be strings, got {type(key).__name__}")
            name = str(key)
            if name in out:
                raise ValueError(f"duplicate key {name!r} after converting keys to strings")
            out[name] = _normalise(value)
        return out
    if isinstance(obj, list | tuple):
        return [_normalise(v) for v in obj]
    if isinstance(obj, set | frozenset):
        items = [_normalise(v) for v in obj]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, separators=(",", ":")))
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def canonical_json(obj: Any) -> str:
    """One deterministic JSON text for `obj` (see the module docstring)."""
    return json.dumps(
        _normalise(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def strip_volatile(obj: Any, volatile: Iterable[str] = DEFAULT_VOLATILE) -> Any:
    """A normalised copy of `obj` without the `volatile` keys, at any depth."""
    names = frozenset(volatile)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items() if k not in names}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(_normalise(obj))


def fingerprint(state: Any, volatile: Iterable[str] = DEFAULT_VOLATILE) -> str:
    """SHA-256 (hex) of the canonical JSON of `state` with the volatile fields removed."""
    text = canonical_json(strip_volatile(state, volatile))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Step(BaseModel):
    """One operation of a plan, run by the executor through the API client.

    `before` is the value of `resource` when the plan was built (`None` when it did not exist):
    it is shown in the diff, recorded in the history as the pre-state and used to build undo.
    """

    model_config = ConfigDict(extra="forbid")

    operation: str = Field(description="Operation kind, e.g. 'dns.create_record'.", min_length=3)
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters of the operation.")
    resource: str = Field(description="Id of the resource the step acts on, e.g. 'dns:example.ch/record:42'.")
    description: str = Field(description="What the step does, in one sentence.")
    before: Any = Field(default=None, description="The resource's value before the step (null: absent).")

    @field_validator("operation")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if "." not in value or value.strip() != value or " " in value:
            raise ValueError("operation must be '<product>.<verb>_<noun>', e.g. 'dns.create_record'")
        return value


class DiffEntry(BaseModel):
    """One before → after change: a field of a resource, or the whole object when `field` is null."""

    model_config = ConfigDict(extra="forbid")

    resource: str
    field: str | None = None
    before: Any = None
    after: Any = None


class Plan(BaseModel):
    """What a write would do; nothing has changed yet."""

    model_config = ConfigDict(extra="forbid")

    tool: str = Field(default="", description="The tool that built the plan (filled in by the server).")
    summary: str = Field(description="One line: what will change.", min_length=1)
    steps: list[Step] = Field(description="Operations, run in this order.", min_length=1)
    diff: list[DiffEntry] = Field(default_factory=list, description="Before → after.")
    risk: Risk = Field(description="low, high (a human types the target's name) or irreversible.")
    resources: list[str] = Field(default_factory=list, description="Ids of the resources touched.")
    target_name: str = Field(default="", description="What a human must type to confirm high-risk plans.")
    fingerprint: str = Field(description="Fingerprint of the state the plan was built on.")
    reversible: bool = Field(description="Whether history_undo can revert it once applied.")
    undo_of: str | None = Field(default=None, description="History id this plan reverts (history_undo only).")

    @field_validator("summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value or "\r" in value:
            raise ValueError("summary must be one non-empty line")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        if self.risk != "low" and not self.target_name.strip():
            raise ValueError(f"a {self.risk} plan needs target_name (what the human types to confirm)")
        if not self.resources:
            seen: dict[str, None] = {}
            for step in self.steps:
                seen.setdefault(step.resource, None)
            self.resources = list(seen)
        return self

    @property
    def requires_typed_confirmation(self) -> bool:
        return self.risk != "low"


class AppliedStep(BaseModel):
    """A step that ran: the step, the resource it really touched, and that resource before/after.

    `resource` differs from `step.resource` when the step created something (the new id).
    """

    model_config = ConfigDict(extra="forbid")

    step: Step
    resource: str
    before: Any = None
    after: Any = None
    data: Any = None


def max_risk(risks: Iterable[Risk]) -> Risk:
    """The highest of `risks` (`low` for none)."""
    best: Risk = "low"
    for risk in risks:
        if RISK_ORDER[risk] > RISK_ORDER[best]:
            best = risk
    return best


def diff_fields(
    resource: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    fields: Iterable[str] | None = None,
) -> list[DiffEntry]:
    """Field-level diff of two objects (one entry per changed field; whole-object entry on create/delete).

    `fields` limits the comparison (default: every key of either side, sorted).
    """
    if before is None or after is None:
        if before is None and after is None:
            return []
        keep = None if fields is None else set(fields)

        def pick(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
            if obj is None:
                return None
            return {k: v for k, v in obj.items() if keep is None or k in keep}

        return [DiffEntry(resource=resource, before=pick(before), after=pick(after))]
    names = sorted(set(before) | set(after)) if fields is None else list(fields)
    out: list[DiffEntry] = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if canonical_json(old) != canonical_json(new):
            out.append(DiffEntry(resource=resource, field=name, before=old, after=new))
    return out
