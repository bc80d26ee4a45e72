"""The exact request every product-client method sends, and the typed result it returns."""

from __future__ import annotations

from typing import Any

import pytest
from api_test_support import HarnessFactory, envelope, reply

from infomaniak_mcp.api.core import Account, CoreClient, Product, Profile
from infomaniak_mcp.api.dns import DnsClient, DnsRecord, Zone
from infomaniak_mcp.api.domain import DnssecStatus, Domain, DomainClient, DomainSummary, DomainZone
from infomaniak_mcp.api.drive import Drive, DriveClient
from infomaniak_mcp.api.errors import BadResponseError
from infomaniak_mcp.api.hosting import HostingClient, Site, WebHosting
from infomaniak_mcp.api.mail import Mailbox, MailClient, MailHosting

pytestmark = pytest.mark.anyio

ACCOUNT = {
    "id": 123456, "name": "Example SA", "legal_entity_type": "company",
    "tags": [{"id": 51, "name": "prod", "color": 4}],
}
PRODUCT = {
    "id": 762416, "account_id": 123456, "service_id": 29, "service_name": "email_hosting",
    "customer_name": "example.ch", "internal_name": None, "expired_at": 1798761600, "is_locked": False,
    "rights": {"technical": True}, "tags": [], "unknown_future_field": {"x": 1},
}
RECORD = {"id": 25919340, "source": "www", "source_idn": "www.example.ch", "type": "A", "ttl": 300,
          "target": "185.177.62.161", "updated_at": 1746699697}
PAGE = {"total": 1, "page": 1, "pages": 1, "items_per_page": 100}


def _page(items: list[Any]) -> dict[str, Any]:
    return envelope(items, **{**PAGE, "total": len(items)})


def _sent(harness: Any) -> tuple[str, str, list[tuple[str, str]], Any]:
    request = harness.script.last
    return request.method, request.url.path, harness.script.query(), harness.script.body()


# --------------------------------------------------------------------------------------- core
async def test_core_list_accounts(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope([ACCOUNT])))
    accounts = await CoreClient(h.http).list_accounts()
    assert _sent(h) == ("GET", "/1/accounts", [], None)
    assert accounts == [Account.model_validate(ACCOUNT)]
    assert accounts[0].tags[0].name == "prod"


async def test_core_get_account(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(ACCOUNT)))
    account = await CoreClient(h.http).get_account(123456)
    assert _sent(h) == ("GET", "/1/accounts/123456", [], None)
    assert account.name == "Example SA"


async def test_core_list_products_with_filters(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, _page([PRODUCT])))
    paged = await CoreClient(h.http).list_products(
        account_id=123456, service_name="email_hosting", customer_name="example.ch"
    )
    assert _sent(h) == (
        "GET",
        "/1/products",
        [("account_id", "123456"), ("service_name", "email_hosting"), ("customer_name", "example.ch"),
         ("page", "1"), ("per_page", "100")],
        None,
    )
    product = paged.items[0]
    assert isinstance(product, Product)
    assert (product.id, product.service_name, product.expired_at) == (762416, "email_hosting", 1798761600)
    assert product.rights is not None
    assert product.rights.technical is True
    assert not hasattr(product, "unknown_future_field"), "unknown fields are ignored"
    assert paged.total == 1
    assert not paged.truncated


async def test_core_get_profile(make_http: HarnessFactory) -> None:
    data = {"id": 101, "login": "PR00793", "double_auth": True, "double_auth_method": "otp"}
    h = make_http(reply(200, envelope(data)))
    profile = await CoreClient(h.http).get_profile()
    assert _sent(h) == ("GET", "/2/profile", [], None)
    assert profile == Profile(id=101, login="PR00793", double_auth=True, double_auth_method="otp")


# --------------------------------------------------------------------------------------- dns
async def test_dns_get_zone(make_http: HarnessFactory) -> None:
    zone = {
        "id": 309876, "fqdn": "example.ch", "dnssec": {"is_enabled": True},
        "nameservers": ["ns41.infomaniak.com"],
    }
    h = make_http(reply(200, envelope(zone)))
    result = await DnsClient(h.http).get_zone("Example.CH.")
    assert _sent(h) == ("GET", "/2/zones/example.ch", [], None)
    assert isinstance(result, Zone)
    assert result.dnssec.is_enabled
    assert result.nameservers == ["ns41.infomaniak.com"]


async def test_dns_zone_exists(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(False)))
    assert await DnsClient(h.http).zone_exists("example.ch") is False
    assert _sent(h) == ("GET", "/2/zones/example.ch/exists", [], None)


async def test_dns_list_records_with_filters(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, _page([RECORD])))
    paged = await DnsClient(h.http).list_records(
        "example.ch", types=["a", "TXT"], source="www", with_description=True
    )
    assert _sent(h) == (
        "GET",
        "/2/zones/example.ch/records",
        [("filter[types][]", "A"), ("filter[types][]", "TXT"), ("filter[source]", "www"),
         ("with", "records_description"), ("page", "1"), ("per_page", "100")],
        None,
    )
    assert paged.items == [DnsRecord.model_validate(RECORD)]


async def test_dns_list_records_reads_every_page(make_http: HarnessFactory) -> None:
    first = [{**RECORD, "id": i} for i in range(100)]
    second = [{**RECORD, "id": 100 + i} for i in range(20)]
    h = make_http(
        reply(200, envelope(first, total=120, page=1, pages=2, items_per_page=100)),
        reply(200, envelope(second, total=120, page=2, pages=2, items_per_page=100)),
    )
    paged = await DnsClient(h.http).list_records("example.ch")
    assert len(paged) == 120
    assert paged.total == 120
    assert not paged.truncated
    assert h.script.query(0)[-2:] == [("page", "1"), ("per_page", "100")]
    assert h.script.query(1)[-2:] == [("page", "2"), ("per_page", "100")]


async def test_dns_get_record(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(RECORD)))
    record = await DnsClient(h.http).get_record("example.ch", 25919340)
    assert _sent(h) == ("GET", "/2/zones/example.ch/records/25919340", [], None)
    assert record.target == "185.177.62.161"


async def test_dns_create_record(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(RECORD)))
    record = await DnsClient(h.http).create_record(
        "example.ch", type="a", target="185.177.62.161", ttl=300, source="www"
    )
    assert _sent(h) == (
        "POST",
        "/2/zones/example.ch/records",
        [],
        {"type": "A", "target": "185.177.62.161", "ttl": 300, "source": "www"},
    )
    assert record.id == 25919340
    await DnsClient(h.http).create_record("example.ch", type="TXT", target="v=spf1 -all", ttl=3600)
    assert h.script.body() == {"type": "TXT", "target": "v=spf1 -all", "ttl": 3600}


async def test_dns_update_record(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope({**RECORD, "ttl": 60})))
    record = await DnsClient(h.http).update_record("example.ch", 25919340, ttl=60)
    assert _sent(h) == ("PUT", "/2/zones/example.ch/records/25919340", [], {"ttl": 60})
    assert record.ttl == 60
    with pytest.raises(ValueError, match="target and/or ttl"):
        await DnsClient(h.http).update_record("example.ch", 1)


async def test_dns_delete_record(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(True)))
    assert await DnsClient(h.http).delete_record("example.ch", 25919340) is True
    assert _sent(h) == ("DELETE", "/2/zones/example.ch/records/25919340", [], None)


async def test_dns_zone_name_cannot_escape_the_path(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(True)))
    await DnsClient(h.http).zone_exists("a/../../1/accounts")
    assert h.script.last.url.raw_path.startswith(b"/2/zones/a%2F..%2F..%2F1%2Faccounts/exists")
    with pytest.raises(ValueError, match="invalid path segment"):
        await DnsClient(h.http).zone_exists("..")


async def test_malformed_record_is_a_bad_response(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope({"id": 1, "type": "A"})))
    with pytest.raises(BadResponseError) as info:
        await DnsClient(h.http).get_record("example.ch", 1)
    assert info.value.code == "unexpected_shape"
    assert "DnsRecord" in info.value.description


# --------------------------------------------------------------------------------------- domain
async def test_domain_list_domains_v1(make_http: HarnessFactory) -> None:
    item = {
        "id": 1938345, "customer_name": "example.ch", "has_dnssec": True, "is_dns_managed_by_infomaniak": True
    }
    h = make_http(reply(200, envelope([item])))
    domains = await DomainClient(h.http).list_domains(123456)
    assert _sent(h) == ("GET", "/1/domain/account/123456", [], None)
    assert domains == [DomainSummary.model_validate(item)]


async def test_domain_get_domain_v2(make_http: HarnessFactory) -> None:
    item = {"id": 1, "name": "example.ch", "tld": "ch", "expires_at": 1798761600,
            "options": {"dnssec": True}, "contacts": {"owner": {"id": 5}}, "status": ["ok"]}
    h = make_http(reply(200, envelope(item)))
    domain = await DomainClient(h.http).get_domain("example.ch")
    assert _sent(h) == ("GET", "/2/domains/domains/example.ch", [], None)
    assert isinstance(domain, Domain)
    assert domain.options.dnssec is True
    assert domain.status == ["ok"]


async def test_domain_list_zones(make_http: HarnessFactory) -> None:
    zone = {"fqdn": "example.ch", "dnssec": {"is_enabled": False}, "nameservers": []}
    h = make_http(reply(200, _page([zone])))
    paged = await DomainClient(h.http).list_zones("example.ch")
    assert _sent(h) == ("GET", "/2/domains/example.ch/zones", [("page", "1"), ("per_page", "100")], None)
    assert paged.items == [DomainZone(fqdn="example.ch")]


async def test_domain_check_dnssec(make_http: HarnessFactory) -> None:
    data = {"has_dnssec": True, "dnssec_type": "dsdata",
            "dnssec_data": [{"key": "12345", "algorithm": "13", "digest_type": "2", "digest": "ABCD"}],
            "ksk": {"algorithm": "13", "public_key": "pk"}}
    h = make_http(reply(200, envelope(data)))
    status = await DomainClient(h.http).check_dnssec("example.ch")
    assert _sent(h) == ("GET", "/2/domains/example.ch/dnssec/check", [], None)
    assert isinstance(status, DnssecStatus)
    assert status.has_dnssec
    assert status.dnssec_data[0].digest == "ABCD"


async def test_domain_update_nameservers(make_http: HarnessFactory) -> None:
    h = make_http(reply(200, envelope(True)))
    client = DomainClient(h.http)
    assert await client.update_nameservers("example.ch", nameservers=["ns1.a.ch", "ns2.a.ch"]) is True
    body = {"nameservers": ["ns1.a.ch", "ns2.a.ch"]}
    assert _sent(h) == ("PUT", "/2/domains/example.ch/nameservers", [], body)
    await client.update_nameservers("example.ch", use_infomaniak_ns=True, verify_ns_availability=False)
    assert h.script.body() == {"use_infomaniak_ns": True, "verify_ns_availability": False}
    with pytest.raises(ValueError, match="at least 2"):
        await client.update_nameservers("example.ch", nameservers=["ns1.a.ch"])
    with pytest.raises(ValueError, match="use_infomaniak_ns"):
        await client.update_nameservers("example.ch")


# --------------------------------------------------------------------------------------- hosting
async def test_hosting_list_and_get(make_http: HarnessFactory) -> None:
    item = {
        "id": 693758, "account_id": 123456, "service_name": "hosting", "customer_name": "Example Web",
        "prefix": "v33dqc",
    }
    h = make_http(reply(200, _page([item])))
    paged = await HostingClient(h.http).list_hostings(account_id=123456)
    query = [("account_id", "123456"), ("page", "1"), ("per_page", "100")]
    assert _sent(h) == ("GET", "/1/web_hostings", query, None)
    assert paged.items == [WebHosting.model_validate(item)]
    h = make_http(reply(200, envelope(item)))
    hosting = await HostingClient(h.http).get_hosting(693758)
    assert _sent(h) == ("GET", "/1/web_hostings/693758", [], None)
    assert hosting.prefix == "v33dqc"


async def test_hosting_sites(make_http: HarnessFactory) -> None:
    site = {"id": 1250842, "main_fqdn": "www.example.ch", "hosting_type": "apache_php",
            "applications": [{"id": 98765, "type": "wordpress", "version": "6.6.2"}]}
    h = make_http(reply(200, _page([site])))
    paged = await HostingClient(h.http).list_sites(693758)
    assert _sent(h) == (
        "GET",
        "/1/web_hostings/693758/sites",
        [("with", "applications"), ("page", "1"), ("per_page", "100")],
        None,
    )
    assert isinstance(paged.items[0], Site)
    assert paged.items[0].applications[0].type == "wordpress"
    h = make_http(reply(200, envelope(site)))
    got = await HostingClient(h.http).get_site(693758, 1250842, with_=("applications", "ssl_infos"))
    query = [("with", "applications,ssl_infos")]
    assert _sent(h) == ("GET", "/1/web_hostings/693758/sites/1250842", query, None)
    assert got.main_fqdn == "www.example.ch"


# --------------------------------------------------------------------------------------- mail
async def test_mail_list_mail_hostings(make_http: HarnessFactory) -> None:
    item = {
        "id": 762416, "account_id": 123456, "customer_name": "example.ch", "main_fqdn": "example.ch",
        "quota": 20480,
    }
    h = make_http(reply(200, _page([item])))
    paged = await MailClient(h.http).list_mail_hostings(account_id=123456, search="example")
    assert _sent(h) == (
        "GET", "/1/mail_hostings",
        [("account_id", "123456"), ("search", "example"), ("page", "1"), ("per_page", "100")], None,
    )
    assert paged.items == [MailHosting.model_validate(item)]


async def test_mail_list_mailboxes(make_http: HarnessFactory) -> None:
    item = {"mailbox_name": "info", "mailbox": "info@example.ch", "aliases": ["contact"],
            "authorized_senders": [{"email": "a@b.c", "locked": False}]}
    h = make_http(reply(200, _page([item])))
    paged = await MailClient(h.http).list_mailboxes(762416)
    query = [("page", "1"), ("per_page", "100")]
    assert _sent(h) == ("GET", "/1/mail_hostings/762416/mailboxes", query, None)
    assert isinstance(paged.items[0], Mailbox)
    assert paged.items[0].authorized_senders[0].email == "a@b.c"


# --------------------------------------------------------------------------------------- drive
async def test_drive_list_drives(make_http: HarnessFactory) -> None:
    item = {"id": 140946, "name": "Example Documents", "account_id": 123456, "used_size": 5, "size": 10}
    h = make_http(reply(200, _page([item])))
    paged = await DriveClient(h.http).list_drives(account_id=123456)
    query = [("account_id", "123456"), ("page", "1"), ("per_page", "100")]
    assert _sent(h) == ("GET", "/2/drive", query, None)
    assert paged.items == [Drive.model_validate(item)]
