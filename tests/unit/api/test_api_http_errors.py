"""Every failure becomes the right error class, keeping status, code, description, details, request id."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest
from api_test_support import TOKEN, HarnessFactory, envelope, error_body, raw, reply

from infomaniak_mcp.api.errors import (
    ApiError,
    BadResponseError,
    ConflictError,
    ConnectionFailedError,
    ForbiddenError,
    InfomaniakError,
    MissingScopeError,
    NotConfiguredError,
    NotFoundError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    TokenMismatchError,
    UnauthorizedError,
    ValidationFailedError,
)

pytestmark = pytest.mark.anyio


async def _fail(
    make_http: HarnessFactory, *replies: Any, method: str = "GET", **kwargs: Any
) -> InfomaniakError:
    harness = make_http(*replies, max_retries=kwargs.pop("max_retries", 0), **kwargs)
    with pytest.raises(InfomaniakError) as info:
        await harness.http.request(method, "/1/things/42", params={"secret_filter": "do-not-leak"})
    return info.value


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (401, error_body("not_authorized", "Authorization required"), UnauthorizedError, "not_authorized"),
        (403, error_body("access_denied", "Access denied"), ForbiddenError, "access_denied"),
        (404, error_body("object_not_found", "Object not found"), NotFoundError, "object_not_found"),
        (404, error_body("method_not_found", "Unknown route"), NotFoundError, "method_not_found"),
        (409, error_body("object_already_exists", "exists"), ConflictError, "object_already_exists"),
        (400, error_body("operation_in_progress", "busy"), ConflictError, "operation_in_progress"),
        (419, error_body("token_mismatch", "CSRF token mismatch"), TokenMismatchError, "token_mismatch"),
        (429, error_body("too_many_request", "Too many request"), RateLimitedError, "too_many_request"),
        (500, error_body("unexpected_error", "boom"), ServerError, "unexpected_error"),
        (502, error_body("bad_gateway", "upstream"), ServerError, "bad_gateway"),
        (503, error_body("drive_is_in_maintenance_error", "x"), ServerError, "drive_is_in_maintenance_error"),
        (400, error_body("dns_record_already_exists", "dup"), ApiError, "dns_record_already_exists"),
    ],
)
async def test_status_and_code_pick_the_error_class(
    make_http: HarnessFactory, status: int, body: dict[str, Any], cls: type[InfomaniakError], code: str
) -> None:
    err = await _fail(make_http, reply(status, body, headers={"X-Request-Id": "req-77"}))
    assert type(err) is cls
    assert err.status == status
    assert err.code == code
    assert err.description == body["error"]["description"]
    assert err.request_id == "req-77"
    assert err.method == "GET"
    assert err.path == "/1/things/42", "path only, never the query string"
    assert "do-not-leak" not in str(err)
    assert "do-not-leak" not in repr(err.to_dict())


async def test_403_naming_a_scope_is_a_missing_scope_error_with_the_scopes(make_http: HarnessFactory) -> None:
    body = error_body("access_denied", "This token is missing the required scope(s): dns:write, domain:read")
    err = await _fail(make_http, reply(403, body))
    assert isinstance(err, MissingScopeError)
    assert err.scopes == ["dns:write", "domain:read"]
    assert "dns:write" in err.next_step
    assert "new token" in err.next_step


async def test_403_all_scopes_code_is_a_missing_scope_error(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, reply(403, error_body("all_scopes", "Not all scopes are enabled")))
    assert isinstance(err, MissingScopeError)


async def test_kchat_app_error_keeps_its_message_and_id(make_http: HarnessFactory) -> None:
    """kChat answers Mattermost's AppError without the envelope (facts §2)."""
    body = {"status_code": 403, "id": "api.context.permissions.app_error",
            "message": "This token is missing the required scope(s): kchat", "request_id": "kc-1"}
    err = await _fail(make_http, reply(403, body))
    assert isinstance(err, MissingScopeError)
    assert err.scopes == ["kchat"]
    assert err.description == (
        "This token is missing the required scope(s): kchat (api.context.permissions.app_error)"
    )
    body = {"status_code": 404, "id": "app.channel.get.existing.app_error", "message": "Channel does not exist."}
    err = await _fail(make_http, reply(404, body))
    assert type(err) is NotFoundError
    assert err.code == "object_not_found"
    assert err.description == "Channel does not exist. (app.channel.get.existing.app_error)"


async def test_422_keeps_attribute_details(make_http: HarnessFactory) -> None:
    body = error_body(
        "validation_failed",
        "Validation failed",
        errors=[
            {
                "code": "validation_rule_in",
                "description": "The selected connection type is invalid.",
                "context": {"attribute": "connection_type", "values": ["ftp", "ssh"]},
            },
            {
                "code": "validation_rule_required",
                "description": "required",
                "context": {"attribute": "login"},
            },
        ],
    )
    err = await _fail(make_http, reply(422, body), method="POST")
    assert isinstance(err, ValidationFailedError)
    assert [(d.code, d.attribute, d.values) for d in err.details] == [
        ("validation_rule_in", "connection_type", ["ftp", "ssh"]),
        ("validation_rule_required", "login", None),
    ]
    assert "connection_type" in err.next_step
    assert "login" in err.next_step
    assert err.to_dict()["details"][0]["values"] == ["ftp", "ssh"]


async def test_429_with_retry_after_reports_it_when_retries_are_exhausted(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, reply(429, error_body("too_many_request"), headers={"Retry-After": "7"}))
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 7.0
    assert "7 s" in err.next_step


async def test_429_without_retry_after_reports_the_backoff_it_would_use(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, reply(429, error_body("too_many_request")), rng=lambda: 0.25)
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 0.25  # full jitter: 0.25 * min(cap, 1 * 2**0)


async def test_200_with_result_error_is_an_error_typed_by_its_code(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, reply(200, error_body("object_not_found", "gone")))
    assert isinstance(err, NotFoundError)
    assert err.status == 200
    err = await _fail(make_http, reply(200, error_body("some_new_code", "odd")))
    assert type(err) is ApiError
    assert err.code == "some_new_code"


async def test_html_login_page_is_a_bad_response_without_the_body(make_http: HarnessFactory) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Login - Infomaniak</title></head>"
        "<body>csrf=SECRETVALUE</body></html>"
    )
    err = await _fail(make_http, raw(200, page, "text/html; charset=utf-8"))
    assert isinstance(err, BadResponseError)
    assert err.code == "html_response"
    assert "text/html" in err.description
    assert "Login - Infomaniak" in err.description
    assert "SECRETVALUE" not in str(err)


async def test_html_body_without_content_type_is_still_recognised(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, raw(200, "<html>hello</html>", ""))
    assert isinstance(err, BadResponseError)
    assert err.code == "html_response"


async def test_malformed_json_says_malformed(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, raw(200, '{"result": "success", data: }', "application/json"))
    assert isinstance(err, BadResponseError)
    assert err.code == "malformed_json"
    assert "application/json" in err.description


async def test_truncated_json_says_truncated(make_http: HarnessFactory) -> None:
    body = '{"result": "success", "data": [{"id": 1}, {"id"'
    err = await _fail(make_http, raw(200, body, "application/json"))
    assert isinstance(err, BadResponseError)
    assert err.code == "truncated_json"
    assert "truncated" in err.description


@pytest.mark.parametrize(
    ("body", "what"), [([1, 2], "list"), ({"data": [1]}, "without 'result'"), (7, "int")]
)
async def test_json_without_the_envelope(make_http: HarnessFactory, body: Any, what: str) -> None:
    err = await _fail(make_http, reply(200, body))
    assert isinstance(err, BadResponseError)
    assert err.code == "missing_envelope"
    assert what in err.description


async def test_unknown_result_value_is_a_bad_response(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, reply(200, {"result": "redirect", "data": None}))
    assert isinstance(err, BadResponseError)
    assert err.code == "unexpected_result"


async def test_empty_200_body_is_a_bad_response(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, raw(200, "", "application/json"))
    assert isinstance(err, BadResponseError)
    assert err.code == "empty_response"


async def test_5xx_with_an_html_body_is_still_a_server_error(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, raw(502, "<html><title>502 Bad Gateway</title></html>", "text/html"))
    assert isinstance(err, ServerError)
    assert err.status == 502
    assert "not JSON" in err.description


async def test_redirect_to_a_login_page_is_a_bad_response(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, raw(302, "", "text/html", location="https://login.infomaniak.com/?token=abc"))
    assert isinstance(err, BadResponseError)
    assert err.code == "redirected"
    assert "login.infomaniak.com" in err.description
    assert "token=abc" not in err.description


async def test_request_id_can_come_from_the_body(make_http: HarnessFactory) -> None:
    body = {"result": "error", "error": {"code": "object_not_found", "request_id": "body-rid"}}
    err = await _fail(make_http, reply(404, body))
    assert err.request_id == "body-rid"


async def test_timeout_is_a_request_timeout_error(make_http: HarnessFactory) -> None:
    async def silent(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    with anyio.fail_after(5):
        err = await _fail(make_http, silent, timeout=0.05)
    assert isinstance(err, RequestTimeoutError)
    assert "0.05" in err.description


async def test_transport_timeout_exception_is_a_request_timeout_error(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, httpx2.ReadTimeout("read timed out"))
    assert isinstance(err, RequestTimeoutError)


async def test_connection_error_is_a_connection_failed_error(make_http: HarnessFactory) -> None:
    err = await _fail(make_http, httpx2.ConnectError(f"refused (Bearer {TOKEN})"))
    assert isinstance(err, ConnectionFailedError)
    assert "ConnectError" in err.description
    assert TOKEN not in str(err), "the registered token is scrubbed from transport messages"


async def test_no_token_is_not_configured_and_sends_nothing(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope([])), token=None)
    with pytest.raises(NotConfiguredError) as info:
        await harness.http.get("/1/accounts")
    assert "INFOMANIAK_API_TOKEN" in info.value.description
    assert harness.script.requests == []
