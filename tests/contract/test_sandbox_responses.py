"""Every documented operation the sandbox implements answers what the official spec describes.

For each case: the request itself is validated against the spec (so the cases exercise valid
calls), sent to a fresh seeded sandbox in process, and the answer body is validated against the
spec's schema for the status it came with (openapi-core; see `spec.py` for the normalization and
the explicit list of exceptions). `test_every_documented_operation_is_covered` derives the list of
implemented documented operations from the app's routes, so a new documented route without a
case here fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from spec import SpecValidationError, documented_operations, template_for, validate_request, validate_response

from infomaniak_mcp.sandbox import SANDBOX_TOKEN, SandboxState, create_app
from infomaniak_mcp.sandbox.routing import ApiRoute

pytestmark = pytest.mark.anyio

TASK_MARKER = "{task}"


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    status: int = 200
    token: str | None = SANDBOX_TOKEN

    @property
    def id(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {self.path}{'?' + query if query else ''} -> {self.status}"


Z = "/2/zones/alpage-digital.ch"
_SEED = SandboxState.seeded()
A_RECORD = next(r["id"] for r in _SEED.records["alpage-digital.ch"].values() if r["type"] == "A")
ATELIER_RECORD = min(_SEED.records["atelier-rive-neuve.com"])
MAIL = "/1/mail_hostings/762401/mailboxes"

CASES: list[Case] = [
    # core (facts §5.1, §5.3)
    Case("GET", "/1/accounts"),
    Case("GET", "/1/accounts", token=None, status=401),
    Case("GET", "/1/accounts/412301"),
    Case("GET", "/1/accounts/999", status=404),
    Case("GET", "/1/products"),
    Case(
        "GET", "/1/products", {"account_id": "412301", "service_name": "domain", "page": "1", "per_page": "3"}
    ),
    Case("GET", "/1/products", {"limit": "5", "skip": "5"}),
    Case("GET", "/1/products", {"return": "total"}),
    Case("GET", "/1/products", {"fqdn": "alpage-shop.ch", "order_by": "expired_at", "order": "desc"}),
    Case("GET", "/1/accounts/412301/products"),
    Case("GET", "/1/accounts/412377/products", {"filter[service_ids][]": "6"}),
    Case("GET", "/2/profile"),
    Case("GET", f"/1/async/tasks/{TASK_MARKER}"),
    # governance (facts §5.2)
    Case("GET", "/2/accounts/412301/users"),
    Case(
        "GET",
        "/2/accounts/412301/users",
        {"page": "2", "per_page": "3", "search": "a", "order_by": "last_name"},
    ),
    Case("GET", "/2/accounts/412301/users", {"filter[has_otp]": "false"}),
    Case("GET", "/1/accounts/412301/teams"),
    Case("GET", "/1/accounts/412301/teams", {"page": "1", "per_page": "1", "order_by": "name"}),
    Case("GET", "/1/accounts/412301/teams/3101"),
    Case("GET", "/1/accounts/412301/teams/3103", status=404),
    Case("GET", "/1/accounts/412301/teams/3101/users"),
    Case("GET", "/1/accounts/412301/teams/3101/users", {"return": "total"}),
    Case("GET", "/1/accounts/412301/tags"),
    # domains (facts §5.5)
    Case("GET", "/2/domains/alpage-digital.ch/zones"),
    Case("GET", "/2/domains/alpage-digital.ch/zones", {"page": "1", "per_page": "10"}),
    Case("GET", "/2/domains/alpage-digital.ch/zones", {"return": "total"}),
    Case("GET", "/2/domains/alpage-digital.ch/dnssec/check"),
    Case("GET", "/2/domains/alpage-shop.ch/dnssec/check"),
    Case("POST", "/2/domains/alpage-shop.ch/dnssec/enable", body={}),
    Case(
        "POST", "/2/domains/atelier-rive-neuve.com/dnssec/enable", body={"dnssec_data": ["31589 13 2 ABCDEF"]}
    ),
    Case("POST", "/2/domains/alpage-digital.ch/dnssec/disable"),
    Case(
        "PUT",
        "/2/domains/alpage-shop.ch/nameservers",
        body={"nameservers": ["ns1.example.net", "ns2.example.net"]},
    ),
    Case("PUT", "/2/domains/atelier-rive-neuve.com/nameservers", body={"use_infomaniak_ns": True}),
    # DNS (facts §5.6)
    Case("GET", Z),
    Case("GET", Z, {"with": "records,records_description"}),
    Case("GET", "/2/zones/unknown-zone.ch", status=404),
    Case("POST", "/2/zones/lab.alpage-digital.ch", body={}),
    Case("POST", "/2/zones/alpage-digital.ch", body={}, status=400),
    Case("PUT", Z, body={"skel": "default"}),
    Case("DELETE", "/2/zones/alpage-labs.dev"),
    Case("GET", f"{Z}/exists"),
    Case("GET", "/2/zones/unknown-zone.ch/exists"),
    Case("GET", f"{Z}/records"),
    Case("GET", "/2/zones/alpage-cloud.com/records", {"page": "2", "per_page": "50"}),
    Case("GET", f"{Z}/records", {"filter[types][]": ["MX", "TXT"], "with": "records_description"}),
    Case(
        "GET",
        f"{Z}/records",
        {"filter[source]": "_dmarc", "search": "DMARC", "order_by": "ttl", "order": "desc"},
    ),
    Case("GET", f"{Z}/records", {"return": "total"}),
    Case("POST", f"{Z}/records", body={"type": "A", "source": "new", "ttl": 300, "target": "203.0.113.99"}),
    Case(
        "POST",
        f"{Z}/records",
        body={"type": "MX", "source": ".", "ttl": 3600, "target": "20 mx2.example.net"},
    ),
    Case(
        "POST",
        f"{Z}/records",
        body={"type": "CNAME", "source": "app", "ttl": 300, "target": "x.example.net"},
        status=400,
    ),
    Case(
        "POST",
        f"{Z}/records",
        body={"type": "A", "source": "bad", "ttl": 300, "target": "2001:db8::1"},
        status=400,
    ),
    Case(
        "POST",
        f"{Z}/records",
        body={"type": "A", "source": ".", "ttl": 3600, "target": "203.0.113.10"},
        status=400,
    ),
    Case("GET", f"{Z}/records/{A_RECORD}"),
    Case("GET", f"{Z}/records/{A_RECORD}", {"with": "records_description"}),
    Case("GET", f"{Z}/records/1", status=404),
    Case("PUT", f"{Z}/records/{A_RECORD}", body={"target": "203.0.113.12", "ttl": 600}),
    Case("PUT", f"{Z}/records/{A_RECORD}", body={"target": "not-an-ip"}, status=400),
    Case("DELETE", f"{Z}/records/{A_RECORD}"),
    Case("DELETE", f"{Z}/records/1", status=404),
    Case("GET", f"{Z}/records/{A_RECORD}/check"),
    Case("GET", f"/2/zones/atelier-rive-neuve.com/records/{ATELIER_RECORD}/check", status=400),
    # mail (facts §5.7)
    Case("GET", MAIL),
    Case("GET", MAIL, {"page": "1", "per_page": "4", "order_by": "created_at"}),
    Case("GET", MAIL, {"limit": "5", "skip": "5"}),
    Case("GET", MAIL, {"filter[has_alias]": "true", "search": "i"}),
    Case("GET", MAIL, {"return": "total"}),
    Case("GET", f"{MAIL}/info"),
    Case("GET", f"{MAIL}/nobody", status=404),
    Case("GET", f"{MAIL}/info/aliases"),
    Case("GET", f"{MAIL}/jonas.meier/forwarding_addresses"),
    Case("GET", f"{MAIL}/info/forwarding_addresses"),
    # kDrive (facts §5.8)
    Case("GET", "/2/drive", {"account_id": "412301"}),
    Case("GET", "/2/drive", {"account_id": "412377", "page": "1", "per_page": "1000"}),
    Case("GET", "/2/drive/140901/users"),
    Case("GET", "/2/drive/140901/users", {"per_page": "2", "page": "3", "order_by": "display_name"}),
    Case("GET", "/2/drive/999/users", status=403),
    Case("GET", "/3/drive/140902/files/1/files", status=503),
    Case("GET", "/3/drive/140901/files/1/files"),
    Case("GET", "/3/drive/140901/files/1/files", {"limit": "50", "order_by": "name", "order": "desc"}),
    Case("GET", "/3/drive/140901/files/1/files", {"type": "dir"}),
    Case("GET", "/3/drive/140901/files/2/files"),
]


def _with_task(case: Case, task: str) -> Case:
    if TASK_MARKER not in case.path:
        return case
    return Case(
        case.method, case.path.replace(TASK_MARKER, task), case.query, case.body, case.status, case.token
    )


async def _call(case: Case) -> tuple[int, Any]:
    state = SandboxState.seeded()
    task = state.add_task({"site_id": 1250801})
    case = _with_task(case, task)
    app = create_app(state, rate_limit=None)
    headers = {"Authorization": f"Bearer {case.token}"} if case.token else {}
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.localhost"
    ) as client:
        response = await client.request(
            case.method, case.path, params=case.query, json=case.body, headers=headers
        )
    return response.status_code, response.json()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_response_matches_spec(case: Case) -> None:
    template = template_for(case.path.replace(TASK_MARKER, "x"), case.method)
    assert template is not None, f"{case.method} {case.path} is not a documented operation"
    validate_request(case.method, template, case.query, case.body)
    status, body = await _call(case)
    assert status == case.status, body
    validate_response(case.method, template, status, body)


def _implemented_documented() -> set[tuple[str, str]]:
    ops = documented_operations()
    implemented: set[tuple[str, str]] = set()
    for route in create_app().routes:
        if not isinstance(route, ApiRoute) or route.meta.surface != "public":
            continue
        for method in route.methods or ():
            if method != "HEAD" and (method, route.path) in ops:
                implemented.add((method, route.path))
    return implemented


def test_every_documented_operation_is_covered() -> None:
    implemented = _implemented_documented()
    covered = {
        (c.method, template_for(c.path.replace(TASK_MARKER, "x"), c.method))
        for c in CASES
        if 200 <= c.status < 300
    }
    missing = sorted(implemented - covered)
    assert not missing, f"documented operations implemented by the sandbox without a success case: {missing}"
    assert len(implemented) >= 30


def test_route_templates_use_the_spec_parameter_names() -> None:
    """A route whose shape matches a documented template must spell it exactly (else it escapes coverage)."""
    ops = documented_operations()
    wrong = []
    for route in create_app().routes:
        if not isinstance(route, ApiRoute) or route.meta.surface != "public":
            continue
        concrete = "/".join("1" if seg.startswith("{") else seg for seg in route.path.split("/"))
        for method in (route.methods or set()) - {"HEAD"}:
            template = template_for(concrete, method)
            if template is not None and (method, route.path) not in ops:
                wrong.append((method, route.path, template))
    assert not wrong


def test_validator_rejects_a_wrong_body() -> None:
    """The validation is real: a record with a string id does not pass."""
    body = {
        "result": "success",
        "data": {"id": "x", "source": ".", "type": "A", "ttl": 1, "target": "t", "updated_at": 1},
    }
    with pytest.raises(SpecValidationError):
        validate_response("GET", "/2/zones/{zone}/records/{record}", 200, body)
    with pytest.raises(SpecValidationError):
        validate_request("GET", "/2/zones/{zone}/records", {"items_per_page": "5"}, None)
