"""Generated example values: deterministic and valid, against our compact schemas and the official spec."""

from __future__ import annotations

import pytest
from spec import documented_operations, validate_response

from infomaniak_mcp.spec.model import ApiSpec
from infomaniak_mcp.spec.sample import Sampler, Unsatisfiable, example_call, sample_value
from infomaniak_mcp.spec.validate import check, prepare_call

# Success schemas that contradict themselves (no value can pass): an outer `type` that no `oneOf`
# branch has. The sandbox answers them with a best-effort value (lenient sampler).
CONTRADICTORY = {
    "POST /1/ai/{product_id}/openai/v1/embeddings",  # type string + oneOf [object, object]
    "GET /1/ai/{product_id}/results/{batch_id}",  # data: type object + oneOf [string, array]
}


def test_every_success_answer_can_be_generated_and_is_valid(api_spec: ApiSpec) -> None:
    """Every documented JSON success answer: valid for our validator AND for openapi-core on the official spec."""
    documented = documented_operations()
    sampler = Sampler(api_spec)
    unsatisfiable, checked = set(), 0
    for op in api_spec:
        schema = op.response.get("schema")
        if schema is None:
            continue
        try:
            value = sampler.value(schema)
        except Unsatisfiable:
            unsatisfiable.add(op.key)
            continue
        assert check(value, schema, api_spec, "answer") == [], op.key
        if (op.method, op.path) in documented:
            validate_response(op.method, op.path, op.success_status, value)
            checked += 1
    assert unsatisfiable == CONTRADICTORY
    assert checked > 700


def test_contradictory_schemas_still_get_a_best_effort_value(api_spec: ApiSpec) -> None:
    for key in CONTRADICTORY:
        method, path = key.split(" ", 1)
        op = api_spec.get(method, path)
        assert op is not None
        with pytest.raises(Unsatisfiable):
            sample_value(api_spec, op.response["schema"])
        assert sample_value(api_spec, op.response["schema"], lenient=True) is not None


def test_generation_is_deterministic(api_spec: ApiSpec) -> None:
    op = api_spec.get("GET", "/2/drive/{drive_id}/users")
    assert op is not None
    first = Sampler(api_spec).value(op.response["schema"])
    assert Sampler(api_spec).value(op.response["schema"]) == first


def test_values_respect_formats_bounds_patterns_and_enums(api_spec: ApiSpec) -> None:
    schema = {"type": "object", "required": ["a", "b", "c", "d", "e", "f"], "properties": {
        "a": {"type": "string", "format": "email"},
        "b": {"type": "integer", "minimum": 10, "maximum": 20},
        "c": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
        "d": {"type": "string", "enum": ["x", "y"]},
        "e": {"type": "array", "minItems": 2, "items": {"type": "number", "exclusiveMinimum": 3}},
        "f": {"type": "string", "minLength": 12, "maxLength": 12},
        "g": {"x-type": "datetime"},
    }}
    value = Sampler(api_spec).value(schema)
    assert check(value, schema, api_spec, "v") == []
    assert value["a"] == "demo@example.ch"
    assert value["b"] == 10
    assert value["c"] == "#ffffff"
    assert value["d"] == "x"
    assert len(value["e"]) == 2
    assert len(value["f"]) == 12
    assert "g" not in value  # an optional field of a non-JSON type is left out


def test_one_of_takes_a_branch_no_other_branch_accepts(api_spec: ApiSpec) -> None:
    schema = {"oneOf": [{"type": "number"}, {"type": "integer"}]}  # an integer would match both
    value = Sampler(api_spec).value(schema)
    assert isinstance(value, float)
    assert check(value, schema, api_spec, "v") == []


def test_every_operation_has_an_example_call_the_validator_accepts(api_spec: ApiSpec) -> None:
    for op in api_spec:
        call = example_call(api_spec, op)
        prepared = prepare_call(api_spec, op.method, op.path, team="demo" if op.is_kchat else None, **call)
        assert prepared.operation is op


def test_kchat_examples_follow_mattermost_conventions(api_spec: ApiSpec) -> None:
    """Milliseconds, `delete_at` 0 (non-zero means deleted in Mattermost), 26-character ids."""
    found = api_spec.find("GET", "/api/v4/users/me")
    assert found is not None
    op = found[0]
    user = Sampler(api_spec, millis=True).value(op.response["schema"])
    assert user["create_at"] >= 10**12
    assert user["delete_at"] == 0
    assert len(user["id"]) == 26
    assert user["id"].isalnum()
    assert user["id"] == user["id"].lower()
    assert user["id"] == Sampler(api_spec, millis=True).value(op.response["schema"])["id"]  # deterministic
    public = Sampler(api_spec).value(op.response["schema"])
    assert public["create_at"] < 10**12  # other products: seconds, ids untouched
