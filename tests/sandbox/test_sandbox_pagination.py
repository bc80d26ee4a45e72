"""The three pagination styles, the implicit cap, filters, search, ordering and `with`."""

from __future__ import annotations

import pytest
from sandbox_support import Harness

pytestmark = pytest.mark.anyio

CLOUD = "/2/zones/alpage-cloud.com/records"


async def test_without_paging_params_lists_stop_at_the_implicit_cap(sbx: Harness) -> None:
    total = len(sbx.state.records["alpage-cloud.com"])
    assert total > 100
    body = (await sbx.get(CLOUD)).json()
    assert len(body["data"]) == 100
    assert set(body) == {"result", "data"}  # nothing says there is more: clients must page


async def test_page_style_metadata_and_walk(sbx: Harness) -> None:
    total = len(sbx.state.records["alpage-cloud.com"])
    seen: list[int] = []
    page = 1
    while True:
        body = (await sbx.get(CLOUD, params={"page": page, "per_page": 50})).json()
        assert body["total"] == total
        assert body["page"] == page
        assert body["items_per_page"] == 50
        assert body["pages"] == -(-total // 50)
        seen.extend(r["id"] for r in body["data"])
        if page >= body["pages"]:
            break
        page += 1
    assert sorted(seen) == sorted(sbx.state.records["alpage-cloud.com"])
    beyond = (await sbx.get(CLOUD, params={"page": 99, "per_page": 50})).json()
    assert beyond["data"] == []


async def test_page_without_per_page_uses_the_default(sbx: Harness) -> None:
    body = (await sbx.get(CLOUD, params={"page": 2})).json()
    assert body["items_per_page"] == 100
    assert len(body["data"]) == len(sbx.state.records["alpage-cloud.com"]) - 100


async def test_return_total(sbx: Harness) -> None:
    body = (await sbx.get(CLOUD, params={"return": "total"})).json()
    assert body == {"result": "success", "data": len(sbx.state.records["alpage-cloud.com"])}
    bad = await sbx.get(CLOUD, params={"return": "everything"})
    assert bad.status_code == 422


@pytest.mark.parametrize("params", [{"per_page": 0}, {"page": 0}, {"page": "x"}])
async def test_invalid_page_parameters_are_422(sbx: Harness, params: dict[str, object]) -> None:
    response = await sbx.get(CLOUD, params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["errors"][0]["context"]["attribute"] in params


async def test_limit_skip_on_products(sbx: Harness) -> None:
    everything = await sbx.data("/1/products")
    assert len(everything) == 16
    chunk = (await sbx.get("/1/products", params={"limit": 5, "skip": 10})).json()
    assert set(chunk) == {"result", "data"}
    assert [p["id"] for p in chunk["data"]] == [p["id"] for p in everything[10:15]]


async def test_cursor_style_walks_the_folder(sbx: Harness) -> None:
    path = "/3/drive/140901/files/1/files"
    first = (await sbx.get(path)).json()
    assert len(first["data"]) == 10
    assert first["has_more"] is True
    assert isinstance(first["cursor"], str)
    assert first["response_at"] == sbx.state.clock.now()
    names = [f["name"] for f in first["data"]]
    cursor = first["cursor"]
    while cursor:
        body = (await sbx.get(path, params={"cursor": cursor})).json()
        names.extend(f["name"] for f in body["data"])
        cursor = body["cursor"]
        assert body["has_more"] is (cursor is not None)
    assert len(names) == len(set(names)) == 28
    assert names[:6] == ["Archives", "Clients", "Comptabilité", "Marketing", "Projets", "RH"]


@pytest.mark.parametrize(
    "params", [{"limit": 4}, {"limit": 1001}, {"cursor": "%%%"}, {"cursor": "eyJ4IjoxfQ"}]
)
async def test_cursor_parameters_are_validated(sbx: Harness, params: dict[str, object]) -> None:
    response = await sbx.get("/3/drive/140901/files/1/files", params=params)
    assert response.status_code == 422


async def test_kdrive_v2_pages_by_ten_up_to_a_thousand(sbx: Harness) -> None:
    body = (await sbx.get("/2/drive/140901/users")).json()
    assert body["items_per_page"] == 10
    assert body["total"] == 5
    assert (await sbx.get("/2/drive/140901/users", params={"per_page": 1001})).status_code == 422
    two = (await sbx.get("/2/drive/140901/users", params={"per_page": 2, "page": 3})).json()
    assert len(two["data"]) == 1
    assert two["pages"] == 3


async def test_dns_filters_search_and_order(sbx: Harness) -> None:
    path = "/2/zones/alpage-digital.ch/records"
    txt_mx = await sbx.data(path, params={"filter[types][]": ["TXT", "MX"]})
    assert {r["type"] for r in txt_mx} == {"TXT", "MX"}
    apex = await sbx.data(path, params={"filter[source]": "."})
    assert apex
    assert all(r["source"] == "." for r in apex)
    dmarc = await sbx.data(path, params={"search": "dmarc1"})
    assert [r["source"] for r in dmarc] == ["_dmarc"]
    by_ttl = await sbx.data(path, params={"order_by": "ttl", "order": "desc"})
    assert [r["ttl"] for r in by_ttl] == sorted((r["ttl"] for r in by_ttl), reverse=True)
    per_field = await sbx.data(path, params={"order_by": "type", "order_for[type]": "desc"})
    assert [r["type"] for r in per_field] == sorted((r["type"] for r in per_field), reverse=True)
    bad = await sbx.get(path, params={"order_by": "color"})
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["context"]["values"] == [
        "id",
        "source_idn",
        "target",
        "type",
        "ttl",
        "updated_at",
    ]


async def test_unknown_with_value_lists_the_allowed_ones(sbx: Harness) -> None:
    response = await sbx.get(
        "/2/zones/alpage-digital.ch/records", params={"with": "records_description,bogus"}
    )
    assert response.status_code == 422
    item = response.json()["error"]["errors"][0]
    assert item["code"] == "validation_rule_in"
    assert item["context"] == {"attribute": "with", "values": ["records_description", "idn"]}
    described = await sbx.data("/2/zones/alpage-digital.ch/records", params={"with[]": "records_description"})
    mx = next(r for r in described if r["type"] == "MX")
    assert mx["description"] == {"priority": {"value": 5, "label": "5"}}


async def test_products_filters(sbx: Harness) -> None:
    domains = await sbx.data("/1/products", params={"service_name": "domain", "account_id": 412377})
    assert sorted(p["customer_name"] for p in domains) == [
        "atelier-rive-neuve.com",
        "cafe-du-lac.ch",
        "rive-neuve.ch",
    ]
    assert len(await sbx.data("/1/products", params={"fqdn": "alpage-shop.ch"})) == 1
    assert len(await sbx.data("/1/products", params={"product_id": 693802})) == 1
    assert (await sbx.get("/1/products", params={"service_name": "spaceship"})).status_code == 422


async def test_governance_filters(sbx: Harness) -> None:
    no_2fa = await sbx.data("/2/accounts/412301/users", params={"filter[has_otp]": "false"})
    assert [u["display_name"] for u in no_2fa] == ["Camille Rochat"]
    pending = await sbx.data("/2/accounts/412301/users", params={"filter[state_in_account]": "pending"})
    assert [u["invitation_id"] for u in pending] == [77011]
    teams = await sbx.data("/1/accounts/412301/teams", params={"search": "dév"})
    assert [t["name"] for t in teams] == ["Développement"]
    members = await sbx.data("/1/accounts/412301/teams/3101/users", params={"order_by": "display_name"})
    assert [m["display_name"] for m in members] == ["Léa Favre", "Marco Bernasconi", "Sofia Keller"]


async def test_mailbox_filters_and_limit_skip(sbx: Harness) -> None:
    path = "/1/mail_hostings/762401/mailboxes"
    with_alias = await sbx.data(path, params={"filter[has_alias]": "true"})
    assert sorted(b["mailbox_name"] for b in with_alias) == ["info", "lea.favre", "support"]
    forwarded = await sbx.data(path, params={"filter[has_redirection]": "1"})
    assert [b["mailbox_name"] for b in forwarded] == ["jonas.meier"]
    page = await sbx.data(path, params={"limit": 3, "skip": 9})
    assert len(page) == 1
    assert (await sbx.data(path, params={"return": "total"})) == 10


async def test_drive_list_filters(sbx: Harness) -> None:
    assert (await sbx.get("/2/drive")).status_code == 422  # account_id is required (spec)
    locked = await sbx.data(
        "/2/drive", params={"account_id": 412377, "maintenance_reasons[]": "invoice_overdue"}
    )
    assert [d["name"] for d in locked] == ["Rive-Neuve Partage"]
    assert await sbx.data("/2/drive", params={"account_id": 412301, "in_maintenance": "true"}) == []
    assert len(await sbx.data("/2/drive", params={"account_id": 412301, "tags[]": 5101})) == 1
    bad = await sbx.get("/2/drive", params={"account_id": 412301, "maintenance_reasons[]": "holiday"})
    assert bad.status_code == 422
