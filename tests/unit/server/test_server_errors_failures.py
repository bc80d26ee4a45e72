"""`server.errors.failure_result`: the one mapping of a failed call (known error as is, anything else masked),
and `known_error`: a crash beside a known error in a task group is logged, not lost."""

from __future__ import annotations

import logging

import pytest

from infomaniak_mcp.api.errors import NotFoundError
from infomaniak_mcp.safety.redact import register_secret
from infomaniak_mcp.server.errors import failure_result
from infomaniak_mcp.server.logs import configure_logging


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


def _crash_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info and r.exc_info[0] is KeyError]


def test_a_crash_beside_a_known_error_in_a_group_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    inner = ExceptionGroup("inner", [KeyError("lost"), NotFoundError(description="other")])
    group = ExceptionGroup("fetches", [NotFoundError(description="gone"), inner])
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.server"):
        failure = failure_result("dns_list_records", group)
    assert failure.error["description"] == "gone"
    crashes = _crash_records(caplog)
    assert len(crashes) == 1
    assert "dns_list_records" in crashes[0].getMessage()
    assert "KeyError" in crashes[0].getMessage()
    assert "object_not_found" in crashes[0].getMessage()
    assert "lost" not in crashes[0].getMessage()  # the text stays in the traceback, which the handler redacts


def test_a_lone_known_error_logs_no_crash(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.server"):
        failure_result("t", ExceptionGroup("fetches", [NotFoundError(description="gone")]))
        failure_result("t", NotFoundError(description="gone"))
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_logged_crash_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "zq-crash-secret-7f3a9c1e5b"
    register_secret(secret)
    configure_logging("WARNING")
    try:
        raise KeyError(f"token {secret}")
    except KeyError as exc:
        crash = exc
    failure_result("t", ExceptionGroup("fetches", [NotFoundError(description="gone"), crash]))
    err = capsys.readouterr().err
    assert "KeyError" in err
    assert "Traceback" in err
    assert secret not in err


def test_a_write_failure_in_a_group_logs_its_crash_once(caplog: pytest.LogCaptureFixture) -> None:
    """The write wrapper first asks whether the body said `nothing_to_change`, then answers the failure:
    the crash beside the known error is logged once, under the tool's name."""
    from infomaniak_mcp.server.writes import nothing_to_change

    group = ExceptionGroup("fetches", [NotFoundError(description="gone"), KeyError("lost")])
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.server"):
        assert nothing_to_change(group, "dns_create_record") is None
        failure_result("dns_create_record", group)
    crashes = _crash_records(caplog)
    assert len(crashes) == 1
    assert "dns_create_record" in crashes[0].getMessage()


def test_nothing_to_change_in_a_group_logs_its_crash_once(caplog: pytest.LogCaptureFixture) -> None:
    from infomaniak_mcp.api.errors import InvalidArgumentError
    from infomaniak_mcp.server.outcome import NOTHING_TO_CHANGE
    from infomaniak_mcp.server.writes import nothing_to_change

    same = InvalidArgumentError(description="already as asked", code=NOTHING_TO_CHANGE)
    group = ExceptionGroup("fetches", [same, KeyError("lost")])
    with caplog.at_level(logging.ERROR, logger="infomaniak_mcp.server"):
        assert nothing_to_change(group, "dns_create_record") is same
    crashes = _crash_records(caplog)
    assert len(crashes) == 1
    assert "dns_create_record" in crashes[0].getMessage()
