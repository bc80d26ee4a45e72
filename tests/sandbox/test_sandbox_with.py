"""`with=`: every stateful route whose documented operation has `with` rejects unknown values with
422 `validation_failed` listing the allowed ones (facts §1), on the public host and its `/proxy`
mirror; known values pass."""

from __future__ import annotations

import pytest
from sandbox_support import Harness, ManagerSession, harness

from infomaniak_mcp.sandbox.routes import all_routes
from infomaniak_mcp.spec.model import load_spec

pytestmark = pytest.mark.anyio

# (path, one allowed value) — every documented GET the stateful routes model with `with`
CASES = [
    ("/1/accounts", "tags"),
    ("/1/accounts/412301", "tags"),
    ("/1/products", "users"),
    ("/1/accounts/412301/products", "users"),
    ("/2/profile", "security"),
    ("/2/accounts/412301/users", "teams"),
    ("/1/accounts/412301/teams", "user_count"),
    ("/1/accounts/412301/tags", "product_count"),
    ("/2/zones/alpage-digital.ch", "records"),
    ("/2/zones/alpage-digital.ch/records", "records_description"),
    ("/1/mail_hostings", "tags"),
    ("/1/mail_hostings/762401", "tags"),
    ("/1/mail_hostings/762401/mailboxes", "size_refresh"),
    ("/2/drive", "total"),
    ("/2/drive/140901/users", "total"),
]


def _allowed(response_json: dict[str, object]) -> list[str]:
    error = response_json["error"]
    assert isinstance(error, dict)
    assert error["code"] == "validation_failed"
    [item] = error["errors"]
    assert item["code"] == "validation_rule_in"
    assert item["context"]["attribute"] == "with"
    values = item["context"]["values"]
    assert isinstance(values, list)
    return values


@pytest.mark.parametrize(("path", "known"), CASES)
async def test_unknown_with_is_422_listing_the_allowed_values(sbx: Harness, path: str, known: str) -> None:
    extra = {"account_id": "412301"} if path == "/2/drive" else {}
    refused = await sbx.get(path, params={**extra, "with": f"{known},bogus"})
    assert refused.status_code == 422, refused.text
    assert known in _allowed(refused.json())
    assert "bogus" not in _allowed(refused.json())
    accepted = await sbx.get(path, params={**extra, "with[]": known})
    assert accepted.status_code == 200, accepted.text


async def test_the_manager_mirror_checks_with_too(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    assert (await manager.request("GET", "/proxy/1/accounts", params={"with": "bogus"})).status_code == 422
    assert (await manager.request("GET", "/proxy/1/accounts", params={"with": "tags"})).status_code == 200


def test_every_documented_route_with_a_with_parameter_is_checked() -> None:
    spec = load_spec()
    unchecked = []
    for route in all_routes():
        for method in route.methods or ():
            op = spec.get(method, route.path)
            documented = method != "HEAD" and op is not None and op.param("with") is not None
            if documented and "checked" not in route.handler.__qualname__:
                unchecked.append(f"{method} {route.path}")
    assert not unchecked


async def test_the_spec_is_read_on_the_first_with_not_when_the_sandbox_starts() -> None:
    """Start-up stays light (`--sandbox`): building the routes reads no spec; a request with `with` does."""
    load_spec.cache_clear()
    try:
        async with harness(rate_limit=None) as sbx:
            assert load_spec.cache_info().currsize == 0
            assert (await sbx.get("/1/accounts")).status_code == 200
            assert load_spec.cache_info().currsize == 0  # no `with`: nothing to check
            assert (await sbx.get("/1/accounts", params={"with": "bogus"})).status_code == 422
            assert load_spec.cache_info().currsize == 1
    finally:
        load_spec()  # leave the cache warm for the other tests
