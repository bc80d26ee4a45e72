"""`server.errors.failure_result`: the one mapping of a failed call (known error as is, anything else masked),
and `known_error`: a crash beside a known error in a task group is logged, not lost."""

from __future__ import annotations

import logging

import pytest

from infomaniak_mcp.api.errors import NotFoundError
from infomaniak_mcp.server.errors import failure_result


def test_a_known_error_keeps_its_code_and_gets_the_prefix() -> None:
    failure = failure_result("dns_update_record", NotFoundError(description="no such record"), prefix="stale")
    assert failure.code == "object_not_found"
    assert failure.result.is_error
    assert failure.error["description"] == "stale: no such record"
    assert (failure.result.structured_content or {})["description"] == "stale: no such record"


def test_a_known_error_inside_a_group_is_found() -> None:
    group = ExceptionGroup("fetches", [NotFoundError(description="gone")])
    assert failure_result("t", group).code == "object_not_found"


def test_anything_else_is_masked_under_one_ref(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.server"):
        failure = failure_result("t", KeyError("boom"))
    ref = (failure.result.structured_content or {})["ref"]
    assert (failure.code, failure.error) == ("internal_error", {"error": "internal_error", "ref": ref})
    assert "boom" not in str(failure.result.content)
    assert any(ref in record.getMessage() for record in caplog.records)
