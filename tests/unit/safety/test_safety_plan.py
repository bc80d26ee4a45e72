"""Plans, canonical JSON and state fingerprints."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from infomaniak_mcp.safety.plan import (
    DEFAULT_VOLATILE,
    AppliedStep,
    DiffEntry,
    Plan,
    Step,
    canonical_json,
    diff_fields,
    fingerprint,
    max_risk,
    strip_volatile,
)

RECORD: dict[str, Any] = {
    "id": 42,
    "source": "www",
    "type": "A",
    "target": "192.0.2.1",
    "ttl": 3600,
    "updated_at": 1_767_225_600,
    "description": {"checked_at": 5, "priority": None},
}


def make_step(**over: Any) -> Step:
    values: dict[str, Any] = {
        "operation": "dns.create_record",
        "params": {"zone": "example.ch", "type": "A", "source": "www", "target": "192.0.2.1", "ttl": 3600},
        "resource": "dns:example.ch",
        "description": "Create www A 192.0.2.1",
    }
    values.update(over)
    return Step(**values)


def make_plan(**over: Any) -> Plan:
    values: dict[str, Any] = {
        "tool": "dns_create_record",
        "summary": "Create www.example.ch A 192.0.2.1",
        "steps": [make_step()],
        "risk": "low",
        "fingerprint": fingerprint({}),
        "reversible": True,
    }
    values.update(over)
    return Plan(**values)


# -- canonical JSON ----------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":1}'


def test_canonical_json_key_order_is_irrelevant() -> None:
    assert canonical_json({"x": 1, "y": {"p": 1, "q": 2}}) == canonical_json({"y": {"q": 2, "p": 1}, "x": 1})


def test_canonical_json_normalises_floats() -> None:
    assert canonical_json({"ttl": 3600.0}) == canonical_json({"ttl": 3600}) == '{"ttl":3600}'
    assert canonical_json(0.1) == "0.1"
    assert canonical_json(-0.0) == "0"
    assert canonical_json(Decimal("2.50")) == "2.5"
    assert canonical_json(1e300) == "1e+300"


def test_canonical_json_keeps_booleans_and_unicode() -> None:
    assert canonical_json([True, False, None, 1]) == "[true,false,null,1]"
    assert canonical_json({"name": "Zürich ✓"}) == '{"name":"Zürich ✓"}'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_canonical_json_refuses_non_finite_numbers(bad: float) -> None:
    with pytest.raises(ValueError, match="canonical JSON"):
        canonical_json({"x": bad})


def test_canonical_json_containers_and_types() -> None:
    assert canonical_json((1, 2)) == canonical_json([1, 2])
    assert canonical_json({3, 1, 2}) == "[1,2,3]"
    assert canonical_json({1: "a"}) == '{"1":"a"}'
    assert canonical_json(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == '"2026-01-01T00:00:00+00:00"'

    class Model(BaseModel):
        b: int
        a: str

    assert canonical_json(Model(b=1, a="x")) == '{"a":"x","b":1}'


def test_canonical_json_rejects_ambiguous_input() -> None:
    with pytest.raises(ValueError, match="duplicate key"):
        canonical_json({1: "a", "1": "b"})
    with pytest.raises(TypeError):
        canonical_json({(1, 2): "tuple key"})
    with pytest.raises(TypeError):
        canonical_json({"raw": b"bytes"})


def test_canonical_json_is_parseable_json() -> None:
    text = canonical_json(RECORD)
    assert json.loads(text)["target"] == "192.0.2.1"


# -- fingerprints ------------------------------------------------------------------------------


def test_fingerprint_is_sha256_hex() -> None:
    value = fingerprint(RECORD)
    assert len(value) == 64
    assert int(value, 16) >= 0


def test_fingerprint_ignores_volatile_fields_at_any_depth() -> None:
    moved = {
        **RECORD,
        "updated_at": 1_800_000_000,
        "description": {"checked_at": 999, "priority": None},
        "views": 12,
    }
    assert fingerprint(moved) == fingerprint(RECORD)
    assert fingerprint({"records": [moved]}) == fingerprint({"records": [RECORD]})


def test_fingerprint_changes_when_a_relevant_field_changes() -> None:
    assert fingerprint({**RECORD, "target": "192.0.2.2"}) != fingerprint(RECORD)
    assert fingerprint({**RECORD, "ttl": 300}) != fingerprint(RECORD)
    assert fingerprint({**RECORD, "description": {"priority": 10}}) != fingerprint(RECORD)


def test_fingerprint_ignores_key_order_and_float_spelling() -> None:
    reordered = dict(reversed(list(RECORD.items())))
    assert fingerprint(reordered) == fingerprint(RECORD)
    assert fingerprint({**RECORD, "ttl": 3600.0}) == fingerprint(RECORD)


def test_fingerprint_list_order_matters() -> None:
    assert fingerprint([1, 2]) != fingerprint([2, 1])


def test_fingerprint_custom_volatile_set() -> None:
    a = {"target": "x", "serial": 1}
    b = {"target": "x", "serial": 2}
    assert fingerprint(a) != fingerprint(b)
    volatile = DEFAULT_VOLATILE | {"serial"}
    assert fingerprint(a, volatile=volatile) == fingerprint(b, volatile)
    # removing a name from the defaults makes it relevant again
    assert fingerprint({"views": 1}, volatile=set()) != fingerprint({"views": 2}, volatile=set())


def test_default_volatile_lists_the_documented_fields() -> None:
    for name in ("updated_at", "last_login_at", "response_at", "views", "size_checked_at"):
        assert name in DEFAULT_VOLATILE
    for name in ("id", "target", "ttl", "created_at", "expires_at", "name", "status"):
        assert name not in DEFAULT_VOLATILE


def test_strip_volatile_returns_normalised_copy() -> None:
    original = {"a": 1.0, "updated_at": 3, "n": [{"views": 1, "k": 2}]}
    assert strip_volatile(original) == {"a": 1, "n": [{"k": 2}]}
    assert original["updated_at"] == 3


# -- models ------------------------------------------------------------------------------------


def test_plan_round_trips_through_json() -> None:
    plan = make_plan(diff=[DiffEntry(resource="dns:example.ch", before=None, after={"target": "192.0.2.1"})])
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert again.resources == ["dns:example.ch"]


def test_plan_summary_must_be_one_line() -> None:
    with pytest.raises(ValidationError, match="one non-empty line"):
        make_plan(summary="first\nsecond")
    with pytest.raises(ValidationError):
        make_plan(summary="   ")
    assert make_plan(summary="  padded  ").summary == "padded"


@pytest.mark.parametrize("risk", ["high", "irreversible"])
def test_risky_plans_need_a_target_name(risk: str) -> None:
    with pytest.raises(ValidationError, match="target_name"):
        make_plan(risk=risk)
    plan = make_plan(risk=risk, target_name="example.ch")
    assert plan.requires_typed_confirmation


def test_plan_needs_steps_and_known_risk() -> None:
    with pytest.raises(ValidationError):
        make_plan(steps=[])
    with pytest.raises(ValidationError):
        make_plan(risk="medium")
    with pytest.raises(ValidationError):
        make_plan(unexpected=1)


def test_plan_resources_default_to_step_resources_in_order() -> None:
    steps = [make_step(resource="b"), make_step(resource="a"), make_step(resource="b")]
    assert make_plan(steps=steps).resources == ["b", "a"]
    assert make_plan(steps=steps, resources=["z"]).resources == ["z"]


@pytest.mark.parametrize("operation", ["create", "dns create", " dns.create", ""])
def test_step_operation_must_be_dotted(operation: str) -> None:
    with pytest.raises(ValidationError):
        make_step(operation=operation)


def test_applied_step_serialises() -> None:
    item = AppliedStep(step=make_step(), resource="dns:example.ch/records/7", after={"id": 7})
    assert AppliedStep.model_validate(item.model_dump(mode="json")) == item


def test_max_risk() -> None:
    assert max_risk([]) == "low"
    assert max_risk(["low", "high"]) == "high"
    assert max_risk(["irreversible", "high", "low"]) == "irreversible"


def test_diff_fields_reports_changed_fields_only() -> None:
    before = {"target": "a", "ttl": 300, "id": 1}
    after = {"target": "b", "ttl": 300.0, "id": 1}
    diff = diff_fields("r", before, after)
    assert diff == [DiffEntry(resource="r", field="target", before="a", after="b")]


def test_diff_fields_whole_object_on_create_and_delete() -> None:
    record = {"target": "a", "ttl": 300, "secret_note": "x"}
    assert diff_fields("r", None, record, fields=["target", "ttl"]) == [
        DiffEntry(resource="r", before=None, after={"target": "a", "ttl": 300})
    ]
    assert diff_fields("r", record, None)[0].before == record
    assert diff_fields("r", None, None) == []
