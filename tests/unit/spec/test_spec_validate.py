"""Calls are checked against the spec before sending: every problem names its field (and allowed values)."""

from __future__ import annotations

from typing import Any

import pytest

from infomaniak_mcp.spec.model import ApiSpec
from infomaniak_mcp.spec.validate import CallRefused, PreparedCall, Problem, check, prepare_call

RECORDS = "/2/zones/{zone}/records"
MAILBOX = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}"


def refused(spec: ApiSpec, method: str, path: str, **kwargs: Any) -> CallRefused:
    with pytest.raises(CallRefused) as caught:
        prepare_call(spec, method, path, **kwargs)
    return caught.value


def by_field(error: CallRefused) -> dict[str, Problem]:
    return {p.field: p for p in error.problems}


def test_a_template_with_path_params_is_filled_and_encoded(api_spec: ApiSpec) -> None:
    call = prepare_call(api_spec, "get", RECORDS, path_params={"zone": "example.ch"})
    assert isinstance(call, PreparedCall)
    assert (call.method, call.path, call.operation.path) == ("GET", "/2/zones/example.ch/records", RECORDS)
    weird = prepare_call(api_spec, "GET", MAILBOX, path_params={"mail_hosting_id": 7, "mailbox_name": "a b?"})
    assert weird.path == "/1/mail_hostings/7/mailboxes/a%20b%3F"
    assert weird.path_values == {"mail_hosting_id": 7, "mailbox_name": "a b?"}


def test_a_concrete_path_finds_the_most_literal_template(api_spec: ApiSpec) -> None:
    call = prepare_call(api_spec, "GET", "/2/zones/example.ch/records/12")
    assert call.operation.path == "/2/zones/{zone}/records/{record}"
    assert call.path_values == {"zone": "example.ch", "record": 12}
    full_url = prepare_call(api_spec, "GET", "https://api.infomaniak.com/1/products?per_page=5")
    assert (full_url.path, full_url.query) == ("/1/products", {"per_page": "5"})


def test_a_query_string_in_the_path_is_validated_like_query(api_spec: ApiSpec) -> None:
    problems = by_field(refused(api_spec, "GET", "/1/accounts?order=sideways&bogus=1"))
    assert set(problems) == {"query.order", "query.bogus"}
    assert problems["query.order"].allowed is not None
    assert "asc" in problems["query.order"].allowed
    record = "/2/zones/example.ch/records/12?undocumented=yes&ttl=bogus"
    assert "query.undocumented" in by_field(refused(api_spec, "PUT", record, body={"target": "192.0.2.5"}))
    assert "query.account_id" in by_field(refused(api_spec, "GET", "/1/mail_hostings?account_id=abc"))
    templated = refused(api_spec, "GET", RECORDS + "?nope=1", path_params={"zone": "example.ch"})
    assert "query.nope" in by_field(templated)


def test_a_valid_query_string_is_sent_exactly_as_validated(api_spec: ApiSpec) -> None:
    call = prepare_call(api_spec, "GET", "/1/accounts?order=asc&order_by=name")
    assert call.path == "/1/accounts"
    assert call.query == {"order": "asc", "order_by": "name"}
    assert call.request_line() == "GET /1/accounts?order_by=name&order=asc"  # documented order
    both = prepare_call(api_spec, "GET", "/1/accounts?order=desc", query={"order_by": "name"})
    assert both.query == {"order": "desc", "order_by": "name"}


def test_a_query_key_in_both_places_or_a_fragment_is_refused(api_spec: ApiSpec) -> None:
    problem = by_field(refused(api_spec, "GET", "/1/accounts?order=asc", query={"order": "desc"}))["query.order"]
    assert "both" in problem.message
    assert by_field(refused(api_spec, "GET", "/2/zones/example.ch/records#frag"))["path"].message.startswith("a '#")
    assert "path" in by_field(refused(api_spec, "GET", "/1/accounts?order"))


def test_unknown_path_is_refused_with_close_operations(api_spec: ApiSpec) -> None:
    error = refused(api_spec, "GET", "/2/zonez/example.ch/recordz")
    assert error.problems[0].field == "path"
    assert any("/2/zones/" in s for s in error.suggestions), error.suggestions
    assert refused(api_spec, "GET", "/9/nothing/{here}").problems[0].field == "path"


def test_undocumented_method_names_the_documented_ones(api_spec: ApiSpec) -> None:
    problem = by_field(refused(api_spec, "POST", "/2/zones/example.ch/exists"))["method"]
    assert problem.allowed == ("GET",)
    problem = by_field(refused(api_spec, "TRACE", "/1/products"))["method"]
    assert problem.allowed is not None
    assert "DELETE" in problem.allowed


def test_missing_and_unknown_path_params(api_spec: ApiSpec) -> None:
    problems = by_field(refused(api_spec, "GET", MAILBOX, path_params={"mail_hosting_id": 1, "mailbox": "x"}))
    assert "path_params.mailbox_name" in problems
    assert problems["path_params.mailbox"].allowed == ("mail_hosting_id", "mailbox_name")


def test_wrong_type_in_a_path_parameter(api_spec: ApiSpec) -> None:
    problem = by_field(refused(api_spec, "GET", "/1/mail_hostings/abc/mailboxes"))["path_params.mail_hosting_id"]
    assert "expected integer" in problem.message


@pytest.mark.parametrize("path", ["/2/zones/../records", "/2/zones/%2e%2e/records"])
def test_dot_segments_are_refused(api_spec: ApiSpec, path: str) -> None:
    error = refused(api_spec, "GET", path)
    assert error.problems[0].field in ("path", "path_params.zone")


def test_slash_in_a_path_value_is_refused(api_spec: ApiSpec) -> None:
    assert "path_params.zone" in by_field(refused(api_spec, "GET", RECORDS, path_params={"zone": "a/b"}))


def test_unknown_enum_value_names_the_allowed_ones(api_spec: ApiSpec) -> None:
    problems = by_field(refused(api_spec, "GET", RECORDS, path_params={"zone": "x.ch"},
                                query={"filter": {"types": ["A", "BOGUS"]}, "order": "up"}))
    assert problems["query.filter.types[1]"].allowed is not None
    assert "AAAA" in problems["query.filter.types[1]"].allowed
    assert problems["query.order"].allowed == ("asc", "desc")


def test_query_values_are_coerced_and_serialised_as_the_api_reads_them(api_spec: ApiSpec) -> None:
    call = prepare_call(
        api_spec, "GET", RECORDS, path_params={"zone": "x.ch"},
        query={"filter": {"types": ["A", "MX"], "source": "www"}, "page": "2", "with": ["records", "idn"]},
    )
    assert call.query == {"filter[types][]": ["A", "MX"], "filter[source]": "www", "page": "2", "with": "records,idn"}
    bracket = prepare_call(api_spec, "GET", RECORDS, path_params={"zone": "x.ch"}, query={"filter[types][]": "TXT"})
    assert bracket.query == {"filter[types][]": ["TXT"]}
    assert "filter[types][]=TXT" in bracket.request_line()


def test_booleans_are_1_0_for_infomaniak_and_true_false_for_kchat(api_spec: ApiSpec) -> None:
    drive = prepare_call(api_spec, "GET", "/2/drive", query={"account_id": 1, "in_maintenance": True})
    assert drive.query["in_maintenance"] == "1"
    kchat = prepare_call(api_spec, "POST", "/api/v4/posts", team="demo", query={"set_online": False},
                         body={"channel_id": "c", "message": "hi"})
    assert kchat.query == {"set_online": "false"}
    assert kchat.team == "demo"


def test_wrong_query_type_and_undocumented_query_parameter(api_spec: ApiSpec) -> None:
    problems = by_field(refused(api_spec, "GET", RECORDS, path_params={"zone": "x.ch"},
                                query={"page": "two", "items_per_page": 5}))
    assert "expected integer" in problems["query.page"].message
    assert problems["query.items_per_page"].allowed is not None
    assert "per_page" in problems["query.items_per_page"].allowed


def test_missing_required_query_parameter(api_spec: ApiSpec) -> None:
    problems = by_field(refused(api_spec, "GET", "/2/drive"))
    assert problems["query.account_id"].message == "required query parameter is missing"


def test_body_required_fields_types_enums_and_unknown_fields(api_spec: ApiSpec) -> None:
    missing = by_field(refused(api_spec, "POST", RECORDS, path_params={"zone": "x.ch"}))
    assert "body" in missing
    assert missing["body"].allowed is not None
    assert "type" in missing["body"].allowed
    problems = by_field(refused(api_spec, "POST", RECORDS, path_params={"zone": "x.ch"},
                                body={"type": "BOGUS", "target": 3, "ttl": "x", "colour": "red"}))
    assert problems["body.type"].allowed is not None
    assert "TXT" in problems["body.type"].allowed
    assert "expected string" in problems["body.target"].message
    assert "body.ttl" in problems
    assert problems["body.colour"].message == "is not a documented field"
    ok = prepare_call(api_spec, "POST", RECORDS, path_params={"zone": "x.ch"},
                      body={"type": "A", "target": "192.0.2.1", "source": "www", "ttl": 3600})
    assert ok.body["target"] == "192.0.2.1"


def test_a_body_where_none_is_documented_is_refused(api_spec: ApiSpec) -> None:
    assert "body" in by_field(refused(api_spec, "DELETE", "/2/zones/x.ch/records/1", body={"force": True}))


def test_kchat_needs_a_team_and_others_refuse_one(api_spec: ApiSpec) -> None:
    assert "team" in by_field(refused(api_spec, "GET", "/api/v4/users/me"))
    assert "team" in by_field(refused(api_spec, "GET", "/api/v4/users/me", team="Not A Team!"))
    assert "team" in by_field(refused(api_spec, "GET", "/1/products", team="demo"))
    from_url = prepare_call(api_spec, "GET", "https://demo.kchat.infomaniak.com/api/v4/users/me")
    assert from_url.team == "demo"
    assert "path" in by_field(refused(api_spec, "GET", "https://evil.example/1/products"))


def test_every_problem_is_reported_at_once(api_spec: ApiSpec) -> None:
    error = refused(api_spec, "POST", RECORDS, path_params={}, query={"nope": 1}, body={"type": "X"})
    fields = {p.field for p in error.problems}
    assert {"path_params.zone", "query.nope", "body.type"} <= fields
    assert "path_params.zone" in str(error)


def test_check_formats_bounds_and_nullable(api_spec: ApiSpec) -> None:
    schema = {"type": "object", "required": ["email"], "properties": {
        "email": {"type": "string", "format": "email"},
        "n": {"type": "integer", "minimum": 1, "maximum": 3},
        "s": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$", "nullable": True},
        "tags": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
    }}
    assert check({"email": "a@b.ch", "n": 2, "s": None, "tags": ["x"]}, schema, api_spec, "body") == []
    problems = by_field_list(check({"email": "nope", "n": 9, "s": "A", "tags": ["x", "y"]}, schema, api_spec, "body"))
    assert set(problems) == {"body.email", "body.n", "body.s", "body.tags"}
    assert check({}, schema, api_spec, "body")[0].field == "body.email"


def by_field_list(problems: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in problems:
        out.setdefault(problem.field, []).append(problem.message)
    return out


def test_select_fields_keeps_dotted_paths_and_leaves_absent_ones_out() -> None:
    from infomaniak_mcp.tools.api import select_fields

    items = [{"id": 1, "name": "a", "quota": {"used": 5, "max": 9}, "x": 0}, {"id": 2, "quota": None}, "raw"]
    assert select_fields(items, ["id", "name", "quota.used", "id"]) == [
        {"id": 1, "name": "a", "quota": {"used": 5}}, {"id": 2}, "raw",
    ]
    assert select_fields({"id": 3, "y": 1}, ["id"]) == {"id": 3}
