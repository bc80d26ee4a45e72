"""Descriptions are compact, complete where it matters (required, enums, formats) and cut with a note."""

from __future__ import annotations

import json

from infomaniak_mcp.spec.describe import (
    MAX_CHARS,
    describe_operation,
    documents_paging,
    max_page_size,
    pagination_style,
)
from infomaniak_mcp.spec.model import ApiSpec


def op(spec: ApiSpec, method: str, path: str):  # type: ignore[no-untyped-def]
    found = spec.get(method, path)
    assert found is not None, f"{method} {path}"
    return found


def test_record_listing(api_spec: ApiSpec) -> None:
    text = describe_operation(api_spec, op(api_spec, "GET", "/2/zones/{zone}/records"))
    assert text["operation"] == "GET /2/zones/{zone}/records"
    assert text["scope"] == "dns:read"
    assert text["path_params"]["zone"] == {"type": "string", "required": True}
    types = text["query_params"]["filter"]["properties"]["types"]
    assert "TXT" in types["items"]["enum"]
    assert text["query_params"]["page"]["description"].startswith("page number")
    response = text["response"]
    assert response["status"] == 200
    assert response["paginated"].startswith("page")
    record = response["data"]["items"]
    assert record["name"] == "api_dns_dns_record"
    assert set(record["required"]) >= {"id", "source", "target", "ttl", "type"}
    assert record["properties"]["updated_at"]["format"] == "timestamp"
    assert text["errors"]["404"] == ["object_not_found"]


def test_body_and_merged_source_note(api_spec: ApiSpec) -> None:
    mailbox = op(api_spec, "PUT", "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}")
    text = describe_operation(api_spec, mailbox)
    note = text["body"]["schema"]["properties"]["note"]
    assert note == {"type": "string", "nullable": True, "maxLength": 80}
    assert any("2026-04" in n for n in text["notes"])
    created = describe_operation(api_spec, op(api_spec, "POST", "/2/zones/{zone}/records"))
    assert set(created["body"]["schema"]["required"]) == {"type", "target", "ttl"}


def test_kchat_host_and_plain_json(api_spec: ApiSpec) -> None:
    text = describe_operation(api_spec, op(api_spec, "POST", "/api/v4/posts"))
    assert "{team}.kchat.infomaniak.com" in text["host"]
    assert "envelope" not in text["response"]
    assert text["response"]["status"] == 201


def test_every_description_fits_the_budget(api_spec: ApiSpec) -> None:
    sizes = {o.key: len(json.dumps(describe_operation(api_spec, o), ensure_ascii=False)) for o in api_spec}
    too_big = {k: v for k, v in sizes.items() if v > MAX_CHARS}
    assert not too_big
    assert sorted(sizes.values())[len(sizes) // 2] < 3000  # the median is small


def test_a_larger_depth_gets_a_larger_budget(api_spec: ApiSpec) -> None:
    target = op(api_spec, "POST", "/2/drive/{drive_id}/users")
    default = len(json.dumps(describe_operation(api_spec, target), ensure_ascii=False))
    deeper = len(json.dumps(describe_operation(api_spec, target, depth=5), ensure_ascii=False))
    assert default <= MAX_CHARS < deeper <= 3 * MAX_CHARS


def test_depth_cut_is_noted_and_deeper_shows_more(api_spec: ApiSpec) -> None:
    target = op(api_spec, "GET", "/2/drive/{drive_id}/users")
    shallow = describe_operation(api_spec, target, depth=1)
    assert any("cut" in n for n in shallow["notes"])
    assert "cut" in json.dumps(shallow["response"])
    assert len(json.dumps(describe_operation(api_spec, target, depth=2))) >= len(json.dumps(shallow))


def test_pagination_styles(api_spec: ApiSpec) -> None:
    assert pagination_style(api_spec, op(api_spec, "GET", "/2/zones/{zone}/records")) == "page"
    assert pagination_style(api_spec, op(api_spec, "GET", "/3/drive/{drive_id}/files/{file_id}/files")) == "cursor"
    assert pagination_style(api_spec, op(api_spec, "GET", "/2/zones/{zone}")) is None
    assert pagination_style(api_spec, op(api_spec, "POST", "/2/zones/{zone}/records")) is None
    users = op(api_spec, "GET", "/api/v4/users")
    assert pagination_style(api_spec, users) == "mattermost"  # kChat: page from 0, plain array
    assert max_page_size(users, "mattermost") == 200
    assert pagination_style(api_spec, op(api_spec, "GET", "/api/v4/users/{user_id}/channel_members")) == "mattermost"
    assert pagination_style(api_spec, op(api_spec, "GET", "/api/v4/users/me/top/dms")) is None  # has_next object
    drive_users = op(api_spec, "GET", "/2/drive/{drive_id}/users")
    assert max_page_size(drive_users, "page") == 100


def test_paged_operations_that_are_not_walked_say_so(api_spec: ApiSpec) -> None:
    for method, path in [("GET", "/1/ai/{product_id}/consumptions"), ("GET", "/api/v4/users/me/top/dms"),
                         ("GET", "/2/drive/{drive_id}/activities/reports/{report_id}")]:
        target = op(api_spec, method, path)
        assert pagination_style(api_spec, target) is None
        assert documents_paging(target)
        assert "one page per call" in describe_operation(api_spec, target)["response"]["paginated"]
    walked = describe_operation(api_spec, op(api_spec, "GET", "/api/v4/channels"))["response"]["paginated"]
    assert walked.startswith("page from 0")


def test_the_exports_known_gaps_reach_the_operations_they_concern(api_spec: ApiSpec) -> None:
    kchat = describe_operation(api_spec, op(api_spec, "GET", "/api/v4/users"))
    assert any(n.startswith("kChat operations (/api/v4/...) are served by each team's host") for n in kchat["notes"])
    merged = next(o for o in api_spec if o.source != "2025-12")
    merged_notes = describe_operation(api_spec, merged)["notes"]
    assert any(n.startswith("Methods lost by the 2025-12 export") for n in merged_notes)
    plain = describe_operation(api_spec, op(api_spec, "GET", "/2/zones/{zone}/records"))
    assert not any(n in api_spec.notes for n in plain.get("notes", []))
