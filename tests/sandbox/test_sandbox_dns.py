"""DNS zones and records (CRUD + validation) and the domain routes that touch them (DNSSEC, NS)."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_support import Harness

pytestmark = pytest.mark.anyio
ZONE = "/2/zones/alpage-digital.ch"
RECORDS = f"{ZONE}/records"


async def _create(sbx: Harness, body: dict[str, Any], zone: str = RECORDS) -> tuple[int, dict[str, Any]]:
    response = await sbx.client.post(zone, json=body)
    payload: dict[str, Any] = response.json()
    return response.status_code, payload


async def test_record_crud(sbx: Harness) -> None:
    sbx.state.clock.advance(100)
    status, body = await _create(
        sbx, {"type": "AAAA", "source": "v6", "ttl": 300, "target": "2001:DB8:0:0::7"}
    )
    assert status == 200
    record = body["data"]
    assert record["target"] == "2001:db8::7"
    assert record["source_idn"] == "v6.alpage-digital.ch"
    assert record["updated_at"] == sbx.state.clock.now()
    path = f"{RECORDS}/{record['id']}"
    assert (await sbx.data(path)) == record
    sbx.state.clock.advance(60)
    updated = (await sbx.client.put(path, json={"target": "2001:db8::8", "ttl": 7200, "type": "A"})).json()[
        "data"
    ]
    assert (updated["target"], updated["ttl"], updated["type"]) == ("2001:db8::8", 7200, "AAAA")
    assert updated["updated_at"] == sbx.state.clock.now()
    assert (await sbx.client.delete(path)).json() == {"result": "success", "data": True}
    assert (await sbx.get(path)).status_code == 404
    assert (await sbx.get(f"{RECORDS}/abc")).status_code == 404


@pytest.mark.parametrize("source", [None, "", "."])
async def test_apex_is_dot(sbx: Harness, source: str | None) -> None:
    body: dict[str, Any] = {"type": "TXT", "ttl": 300, "target": "hello"}
    if source is not None:
        body["source"] = source
    status, payload = await _create(sbx, body)
    assert status == 200
    assert payload["data"]["source"] == "."
    assert payload["data"]["source_idn"] == "alpage-digital.ch"


async def test_missing_fields_are_422_per_attribute(sbx: Harness) -> None:
    status, body = await _create(sbx, {"source": "x"})
    assert status == 422
    assert body["error"]["code"] == "validation_failed"
    assert [e["context"]["attribute"] for e in body["error"]["errors"]] == ["type", "target", "ttl"]
    assert {e["code"] for e in body["error"]["errors"]} == {"validation_rule_required"}


@pytest.mark.parametrize("ttl", [59, 86401, "300", True])
async def test_ttl_bounds(sbx: Harness, ttl: Any) -> None:
    status, body = await _create(sbx, {"type": "A", "source": "t", "ttl": ttl, "target": "203.0.113.5"})
    assert status == 422
    assert body["error"]["errors"][0]["context"]["attribute"] == "ttl"


async def test_ttl_limits_are_inclusive(sbx: Harness) -> None:
    for ttl, name in ((60, "low"), (86400, "high")):
        status, _ = await _create(sbx, {"type": "A", "source": name, "ttl": ttl, "target": "203.0.113.5"})
        assert status == 200


@pytest.mark.parametrize(
    ("rtype", "target"),
    [
        ("A", "2001:db8::1"),
        ("A", "300.1.1.1"),
        ("AAAA", "203.0.113.1"),
        ("CNAME", "not a host"),
        ("MX", "mail.example.ch"),
        ("MX", "99999 mail.example.ch"),
        ("SRV", "10 5 sip.example.ch"),
        ("CAA", "0 issue"),
        ("DS", "1 13 2 XYZ"),
        ("TLSA", "3 1 1"),
        ("SSHFP", "1 2 zz"),
        ("TXT", "   "),
    ],
)
async def test_invalid_targets_are_400_invalid_dns_record(sbx: Harness, rtype: str, target: str) -> None:
    status, body = await _create(sbx, {"type": rtype, "source": "bad", "ttl": 300, "target": target})
    assert status == 400
    assert body["error"]["code"] == "invalid_dns_record"


@pytest.mark.parametrize(
    ("rtype", "target"),
    [
        ("MX", "10 mx.example.net."),
        ("SRV", "10 60 5060 sip.example.net"),
        ("CAA", '0 issuewild "letsencrypt.org"'),
        ("DS", "31589 13 2 ABCDEF0123"),
        ("TLSA", "3 1 1 ab12"),
        ("SSHFP", "4 2 ab12cd"),
        ("NS", "ns1.example.net"),
        ("DNAME", "example.net"),
        ("SMIMEA", "3 0 1 ff"),
    ],
)
async def test_valid_targets_of_every_type(sbx: Harness, rtype: str, target: str) -> None:
    status, body = await _create(sbx, {"type": rtype, "source": "ok", "ttl": 300, "target": target})
    assert status == 200, body


@pytest.mark.parametrize("rtype", ["SOA", "PTR", "DNSKEY", "HINFO", "a"])
async def test_unsupported_types(sbx: Harness, rtype: str) -> None:
    status, body = await _create(sbx, {"type": rtype, "source": "x", "ttl": 300, "target": "x.example.net"})
    assert status == 400
    assert body["error"]["code"] == "unsupported_dns_record_type"


async def test_cname_exclusivity_and_duplicates(sbx: Harness) -> None:
    # `app` holds A and AAAA records; `www` holds a CNAME (seed)
    status, body = await _create(
        sbx, {"type": "CNAME", "source": "app", "ttl": 300, "target": "x.example.net"}
    )
    assert (status, body["error"]["code"]) == (400, "dns_record_mutual_exclusion")
    status, body = await _create(sbx, {"type": "TXT", "source": "www", "ttl": 300, "target": "hello"})
    assert (status, body["error"]["code"]) == (400, "dns_record_mutual_exclusion")
    status, body = await _create(sbx, {"type": "CNAME", "source": ".", "ttl": 300, "target": "x.example.net"})
    assert (status, body["error"]["code"]) == (400, "dns_record_mutual_exclusion")
    status, body = await _create(
        sbx, {"type": "CNAME", "source": "www", "ttl": 300, "target": "other.example.net"}
    )
    assert (status, body["error"]["code"]) == (400, "dns_record_mutual_exclusion")
    status, body = await _create(
        sbx, {"type": "CNAME", "source": "www", "ttl": 300, "target": "alpage-digital.ch"}
    )
    assert (status, body["error"]["code"]) == (400, "dns_record_already_exists")
    status, body = await _create(
        sbx, {"type": "MX", "source": "", "ttl": 60, "target": "5 MTA-GW.infomaniak.ch."}
    )
    assert (status, body["error"]["code"]) == (400, "dns_record_already_exists")


async def test_update_validates_against_the_record_type(sbx: Harness) -> None:
    a_record = next(r for r in sbx.state.records["alpage-digital.ch"].values() if r["type"] == "A")
    path = f"{RECORDS}/{a_record['id']}"
    bad = await sbx.client.put(path, json={"target": "2001:db8::1"})
    assert bad.json()["error"]["code"] == "invalid_dns_record"
    ttl = await sbx.client.put(path, json={"ttl": 30})
    assert ttl.status_code == 422


async def test_zone_lifecycle(sbx: Harness) -> None:
    created = await sbx.client.post("/2/zones/lab.alpage-digital.ch", json={"skel": "default"})
    assert created.status_code == 200
    zone = created.json()["data"]
    assert zone["fqdn"] == "lab.alpage-digital.ch"
    assert zone["dnssec"] == {"is_enabled": False}
    assert (await sbx.data("/2/zones/lab.alpage-digital.ch/exists")) is True
    records = await sbx.data("/2/zones/lab.alpage-digital.ch/records")
    assert {r["type"] for r in records} == {"NS"}
    listed = await sbx.data("/2/domains/alpage-digital.ch/zones")
    assert [z["fqdn"] for z in listed] == ["alpage-digital.ch", "lab.alpage-digital.ch"]
    duplicate = await sbx.client.post("/2/zones/lab.alpage-digital.ch", json={})
    assert duplicate.json()["error"]["code"] == "zone_already_exists"
    foreign = await sbx.client.post("/2/zones/someone-else.ch", json={})
    assert foreign.status_code == 404
    assert (await sbx.client.put("/2/zones/lab.alpage-digital.ch", json={})).status_code == 422
    assert (await sbx.client.delete("/2/zones/lab.alpage-digital.ch")).json()["data"] is True
    assert (await sbx.data("/2/zones/lab.alpage-digital.ch/exists")) is False
    missing = await sbx.get("/2/zones/lab.alpage-digital.ch")
    assert missing.json()["error"]["code"] == "zone_does_not_exists"


async def test_zone_with_records(sbx: Harness) -> None:
    zone = await sbx.data(ZONE, params={"with": "records,records_description"})
    assert len(zone["records"]) == len(sbx.state.records["alpage-digital.ch"])
    srv = next(r for r in zone["records"] if r["type"] == "SRV")
    assert srv["description"]["port"] == {"value": 443, "label": "443"}
    plain = await sbx.data(f"{ZONE}.")  # trailing dot and case are normalized
    assert "records" not in plain


async def test_dnssec_domain_and_zone_agree(sbx: Harness) -> None:
    check = await sbx.data("/2/domains/alpage-digital.ch/dnssec/check")
    assert check["has_dnssec"] is True
    assert check["dnssec_data"][0]["digest_type"] == "2"
    assert (await sbx.data(ZONE))["dnssec"]["is_enabled"] is True
    assert (await sbx.data("/1/domain/alpage-digital.ch"))["has_dnssec"] is True
    assert (await sbx.client.post("/2/domains/alpage-digital.ch/dnssec/disable")).json()["data"] is True
    assert (await sbx.data(ZONE))["dnssec"]["is_enabled"] is False
    assert (await sbx.data("/2/domains/domains/alpage-digital.ch"))["options"]["dnssec"] is False
    assert (await sbx.data("/2/domains/domains/alpage-digital.ch/dnssec/check"))["has_dnssec"] is False
    await sbx.client.post("/2/domains/alpage-shop.ch/dnssec/enable", json={})
    assert (await sbx.data("/2/zones/alpage-shop.ch"))["dnssec"]["is_enabled"] is True
    external = await sbx.client.post("/2/domains/atelier-rive-neuve.com/dnssec/enable", json={})
    assert external.status_code == 422


async def test_nameservers_and_record_check(sbx: Harness) -> None:
    atelier = sbx.state.records["atelier-rive-neuve.com"]
    check = await sbx.get(f"/2/zones/atelier-rive-neuve.com/records/{min(atelier)}/check")
    assert check.json()["error"]["code"] == "zone_not_managed_by_infomaniak_dns"
    assert (await sbx.data("/1/domain/atelier-rive-neuve.com"))["is_dns_managed_by_infomaniak"] is False
    back = await sbx.client.put(
        "/2/domains/atelier-rive-neuve.com/nameservers", json={"use_infomaniak_ns": True}
    )
    assert back.json()["data"] is True
    assert (await sbx.data("/1/domain/atelier-rive-neuve.com"))["is_dns_managed_by_infomaniak"] is True
    assert (await sbx.data(f"/2/zones/atelier-rive-neuve.com/records/{min(atelier)}/check")) is True
    one = await sbx.client.put(
        "/2/domains/alpage-shop.ch/nameservers", json={"nameservers": ["ns1.example.net"]}
    )
    assert one.status_code == 422
    empty = await sbx.client.put("/2/domains/alpage-shop.ch/nameservers", json={})
    assert empty.json()["error"]["errors"][0]["context"]["attribute"] == "nameservers"


async def test_domain_views(sbx: Harness) -> None:
    v1 = await sbx.data("/1/domain/account/412377")
    assert [d["customer_name"] for d in v1] == ["atelier-rive-neuve.com", "cafe-du-lac.ch", "rive-neuve.ch"]
    soon = sbx.state.clock.now() + 30 * 86400
    expiring = await sbx.data("/2/domains/domains", params={"expires_before": soon, "order_by": "expiration"})
    assert [d["name"] for d in expiring] == ["alpage-shop.ch", "cafe-du-lac.ch"]
    paged = (await sbx.get("/2/domains/domains", params={"items": 3, "page": 3})).json()
    assert (paged["total"], paged["pages"], len(paged["data"])) == (8, 3, 2)
    assert (await sbx.get("/2/domains/domains/unknown.ch")).status_code == 404
    dev = await sbx.data("/2/domains/domains", params={"tld": "dev"})
    assert [d["name"] for d in dev] == ["alpage-labs.dev"]
