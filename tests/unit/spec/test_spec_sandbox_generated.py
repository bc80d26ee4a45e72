"""The sandbox answers every documented operation: stateful routes as before, the rest from the spec.

Generated answers are checked against the official spec with the contract validator (openapi-core)
for a deterministic sample of more than 100 operations across every product, and the generated
routes keep the sandbox's rules: authentication, scopes, the 60/min limit, validation, recording.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from spec import documented_operations, validate_response

from infomaniak_mcp.sandbox import SANDBOX_TOKEN, SANDBOX_TOKEN_DNS_READ, RecordedExchange, SandboxState, create_app
from infomaniak_mcp.sandbox.routing import ApiRoute
from infomaniak_mcp.spec.model import ApiSpec, Operation
from infomaniak_mcp.spec.sample import example_call
from infomaniak_mcp.spec.validate import prepare_call

pytestmark = pytest.mark.anyio
CONTRADICTORY = {"POST /1/ai/{product_id}/openai/v1/embeddings", "GET /1/ai/{product_id}/results/{batch_id}"}


def stateful_operations() -> set[tuple[str, str]]:
    app = create_app(rate_limit=None)
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, ApiRoute) and route.meta.surface == "public"
        for method in (route.methods or ()) if method != "HEAD"
    }


def sample(spec: ApiSpec, every: int = 6) -> list[Operation]:
    """Every `every`-th generated operation in path order, plus at least 3 per product."""
    stateful = stateful_operations()
    generated = [op for op in spec if (op.method, op.path) not in stateful and op.key not in CONTRADICTORY]
    chosen = {op.key: op for op in generated[::every]}
    for product in {op.product for op in generated}:
        for op in [o for o in generated if o.product == product][:3]:
            chosen.setdefault(op.key, op)
    return sorted(chosen.values(), key=lambda o: o.key)


async def request(
    app: Any, method: str, path: str, *, query: Any = None, body: Any = None, token: str | None = SANDBOX_TOKEN
) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.localhost") as c:
        return await c.request(method, path, params=query, json=body, headers=headers)


async def test_a_sample_of_generated_operations_answers_what_the_spec_describes(api_spec: ApiSpec) -> None:
    operations = sample(api_spec)
    assert len(operations) >= 100
    stateful = stateful_operations()
    generated_products = {op.product for op in api_spec if (op.method, op.path) not in stateful}
    assert {op.product for op in operations} == generated_products
    assert len(generated_products) >= 10
    recorder: list[RecordedExchange] = []
    app = create_app(rate_limit=None, recorder=recorder)
    documented = documented_operations()
    checked = 0
    for op in operations:
        team = "demo" if op.is_kchat else None
        call = prepare_call(api_spec, op.method, op.path, team=team, **example_call(api_spec, op))
        response = await request(app, op.method, call.path, query=call.query, body=call.body)
        assert response.status_code == op.success_status, (op.key, response.text[:300])
        assert recorder[-1].route == op.path
        is_json = response.headers.get("content-type", "").startswith("application/json")
        if (op.method, op.path) in documented and is_json:
            validate_response(op.method, op.path, response.status_code, response.json())
            checked += 1
    assert checked >= 90


async def test_stateful_routes_keep_priority() -> None:
    app = create_app(rate_limit=None)
    response = await request(app, "GET", "/2/zones/alpage-digital.ch/records")
    records = response.json()["data"]
    assert len(records) > 3
    assert {"A", "MX", "TXT"} <= {r["type"] for r in records}
    assert (await request(app, "GET", "/2/zones/not-here.ch/records")).json()["error"]["code"] == "object_not_found"


async def test_a_generated_write_changes_no_state() -> None:
    state = SandboxState.seeded()
    before = state.snapshot()
    app = create_app(state, rate_limit=None)
    response = await request(app, "PATCH", "/1/mail_hostings/762401/mailboxes/info", body={"note": "x"})
    assert response.status_code == 200
    assert response.json() == {"result": "success", "data": False}
    assert state.snapshot().__dict__.keys() == before.__dict__.keys()
    assert state.mailboxes == before.mailboxes


async def test_undocumented_paths_and_the_manager_surface_still_answer_method_not_found() -> None:
    app = create_app(rate_limit=None)
    for method, path in [("GET", "/9/nothing"), ("POST", "/2/zones/x.ch/exists"), ("GET", "/_sandbox/nope")]:
        response = await request(app, method, path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] in ("method_not_found", "not_authorized"), path


async def test_auth_scope_and_rate_limit_rules_apply(api_spec: ApiSpec) -> None:
    app = create_app()
    mail = "/1/mail_hostings/1/mailboxes/info/aliases"
    assert (await request(app, "GET", mail, token=None)).status_code == 401
    denied = await request(app, "GET", mail, token=SANDBOX_TOKEN_DNS_READ)
    assert denied.status_code == 403
    assert "mail" in denied.json()["error"]["description"]
    # no source names a newsletter scope: any valid token may call it (like the async tasks route)
    assert (await request(app, "GET", "/1/newsletters/1/campaigns", token=SANDBOX_TOKEN_DNS_READ)).status_code == 200
    limited = create_app(rate_limit=2)
    codes = [(await request(limited, "GET", "/1/newsletters/1/campaigns")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_requests_are_validated_like_the_api_does() -> None:
    app = create_app(rate_limit=None)
    bad = await request(app, "POST", "/1/mail_hostings/1/mailboxes/info/aliases", body={"alias": 3})
    assert bad.status_code == 422
    item = bad.json()["error"]["errors"][0]
    assert item["context"]["attribute"] == "alias"
    assert item["code"] == "validation_rule_string"
    missing = await request(app, "GET", "/2/drive")
    assert missing.status_code == 422
    assert missing.json()["error"]["errors"][0]["code"] == "validation_rule_required"
    kchat = await request(app, "POST", "/api/v4/posts", body={"channel_id": "c"})
    assert kchat.status_code == 400
    assert kchat.json()["id"] == "api.context.invalid_param.app_error"
    assert (await request(app, "GET", "/1/mail_hostings/abc/mailboxes/x/aliases")).status_code == 404
    ignored = await request(app, "GET", "/1/newsletters/1/campaigns", query={"undocumented": "x"})
    assert ignored.status_code == 200


async def test_paging_members_agree_with_the_generated_list() -> None:
    app = create_app(rate_limit=None)
    first = (await request(app, "GET", "/1/newsletters/1/campaigns", query={"page": "1", "per_page": "10"})).json()
    assert isinstance(first["data"], list)
    assert len(first["data"]) == 1
    second = (await request(app, "GET", "/1/newsletters/1/campaigns", query={"page": "2", "per_page": "10"})).json()
    assert second["data"] == []
    total = (await request(app, "GET", "/1/newsletters/1/campaigns", query={"return": "total"})).json()
    assert total["data"] == 1
    validate_response("GET", "/1/newsletters/{domain}/campaigns", 200, total)


async def test_downloads_answer_their_content_type(api_spec: ApiSpec) -> None:
    downloads = [op for op in api_spec if op.method == "GET" and op.response.get("content_type") == "text/csv"]
    assert downloads
    op = downloads[0]
    call = prepare_call(api_spec, op.method, op.path, **example_call(api_spec, op))
    response = await request(create_app(rate_limit=None), "GET", call.path, query=call.query)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
