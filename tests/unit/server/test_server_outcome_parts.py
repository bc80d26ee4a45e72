"""The small shared pieces of write outcomes: what identifies an object, the brief form of steps."""

from __future__ import annotations

from typing import Any

import pytest

from infomaniak_mcp.safety.plan import Step
from infomaniak_mcp.server.outcome import _brief_steps, _is_identity


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("id", 42, True),
        ("name", "www", True),
        ("id", True, False),  # a bool is not an identifier
        ("id", {"x": 1}, False),
        ("id", None, False),
        ("password", "hunter22", False),
        ("api_token_id", "abc", False),  # a secret-looking key never identifies, even an id-like one
        (3, "x", False),
    ],
)
def test_is_identity(key: Any, value: Any, expected: bool) -> None:
    assert _is_identity(key, value) is expected


def test_brief_steps_keep_operation_resource_description_of_the_first_n() -> None:
    steps = [
        Step(operation="dns.delete_record", params={"id": i}, resource=f"dns:x/records/{i}", description=f"d{i}")
        for i in range(5)
    ]
    assert _brief_steps(steps, 2) == [
        {"operation": "dns.delete_record", "resource": "dns:x/records/0", "description": "d0"},
        {"operation": "dns.delete_record", "resource": "dns:x/records/1", "description": "d1"},
    ]
