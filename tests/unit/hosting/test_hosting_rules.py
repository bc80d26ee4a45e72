"""Pure hosting rules: names, pre-flight refusals, deletion impact, site lookup, passwords, audit, provisioning."""

from __future__ import annotations

import string

import pytest
from hosting_support import NOW

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.domain.models import DomainSummary
from infomaniak_mcp.api.hosting.models import (
    Certificate,
    Database,
    DatabaseApplication,
    FtpUser,
    Rights,
    Site,
    SiteAlias,
    SiteApplication,
    WebHosting,
)
from infomaniak_mcp.domain.hosting import (
    HostingNameError,
    Refusal,
    SiteRef,
    find_site,
    generate_password,
    normalise_fqdn,
    prefixed,
    registrable_domain,
    rights_level,
    site_directory,
    site_impact,
    site_refusals,
)
from infomaniak_mcp.domain.hosting_audit import HostingData, audit_hostings
from infomaniak_mcp.domain.hosting_provision import default_database_name, provisioning_steps

DAY = 86_400
HOSTING = WebHosting(id=7, account_id=1, customer_name="Web", service_name="hosting", prefix="ab12cd")
DOMAINS = [
    DomainSummary(id=1, customer_name="example.ch", expired_at=int(NOW + 100 * DAY)),
    DomainSummary(id=2, customer_name="old.ch", expired_at=int(NOW - DAY)),
]


def test_names() -> None:
    assert normalise_fqdn("https://WWW.Example.CH./path?q=1") == "www.example.ch"
    assert normalise_fqdn("bücher.ch") == "xn--bcher-kva.ch"
    for bad in ("", "localhost", "a..b.ch", "-x.ch", "x" * 64 + ".ch"):
        with pytest.raises(HostingNameError):
            normalise_fqdn(bad)
    assert site_directory("www.example.ch", None) == "/sites/www.example.ch"
    assert site_directory("x.ch", "blog") == "/sites/blog"
    for bad in ("/var/www", "/sites/../etc", "/sites/", "/sites/a b"):
        with pytest.raises(HostingNameError):
            site_directory("x.ch", bad)
    assert prefixed(HOSTING, "Blog") == "ab12cd_blog"
    assert prefixed(HOSTING, "ab12cd_blog") == "ab12cd_blog"
    with pytest.raises(HostingNameError):
        prefixed(HOSTING, "bad-name")
    assert registrable_domain("a.b.example.ch", ["ch", "example.ch", "b.example.ch"]) == "b.example.ch"
    assert registrable_domain("example.com", ["example.ch"]) is None


def test_rights_levels() -> None:
    assert rights_level(Rights()) == "none"
    assert rights_level(Rights(read=True)) == "read"
    assert rights_level(Rights(read=True, write=True)) == "read_write"
    assert rights_level(Rights(read=True, write=True, admin=True)) == "admin"
    assert rights_level(None) == "none"


def test_generated_passwords_are_strong_and_different() -> None:
    seen = {generate_password() for _ in range(50)}
    assert len(seen) == 50
    for value in seen:
        assert len(value) == 24
        assert any(c in string.ascii_lowercase for c in value)
        assert any(c in string.ascii_uppercase for c in value)
        assert any(c in string.digits for c in value)
        assert value[0] not in "-_.+!"
    with pytest.raises(ValueError, match="12"):
        generate_password(8)


def codes(refusals: list[Refusal]) -> list[str]:
    return [r.code for r in refusals]


def test_preflight_refusals() -> None:
    ok = site_refusals("blog.example.ch", HOSTING, used={}, account_domains=DOMAINS, now=NOW)
    assert ok == []
    used = {"www.example.ch": "site 1 on hosting 7"}
    assert codes(site_refusals("www.example.ch", HOSTING, used=used, account_domains=DOMAINS, now=NOW)) == [
        "fqdn_in_use"
    ]
    assert codes(site_refusals("shop.other.ch", HOSTING, used={}, account_domains=DOMAINS, now=NOW)) == [
        "domain_not_on_account"
    ]
    assert codes(site_refusals("www.old.ch", HOSTING, used={}, account_domains=DOMAINS, now=NOW)) == [
        "domain_expired"
    ]
    busy = HOSTING.model_copy(update={"has_operation_in_progress": True, "is_locked": True})
    refusals = site_refusals("blog.example.ch", busy, used={}, account_domains=DOMAINS, now=NOW)
    assert codes(refusals) == ["hosting_locked", "operation_in_progress"]
    assert all(r.next_step for r in refusals)
    node = HOSTING.model_copy(update={"service_name": "hosting_3"})
    assert codes(site_refusals("blog.example.ch", node, used={}, account_domains=DOMAINS, now=NOW)) == [
        "nodejs_hosting"
    ]


def test_site_deletion_impact() -> None:
    site = Site(id=3, main_fqdn="www.example.ch", directory="/sites/www.example.ch",
                applications=[SiteApplication(id=98, type="wordpress", name="Blog")])
    databases = [
        Database(name="ab12cd_wp", application=DatabaseApplication(id="98", type="wordpress")),
        Database(name="ab12cd_other", application=DatabaseApplication(id="1", location="/sites/www.example.ch/")),
        Database(name="ab12cd_free"),
    ]
    users = [
        FtpUser(login="ab12cd_dev", home_directory="/sites/www.example.ch/wp-content"),
        FtpUser(login="ab12cd_all", home_directory="/"),
        FtpUser(login="ab12cd_twin", home_directory="/sites/www.example.chx"),
    ]
    aliases = [SiteAlias(name="www.example.ch", is_main=True), SiteAlias(name="example.ch")]
    impact = site_impact(site, aliases=aliases, databases=databases, ftp_users=users, has_certificate=True)
    assert impact.databases == ["ab12cd_other", "ab12cd_wp"]
    assert impact.ftp_users == ["ab12cd_dev"]
    assert impact.aliases == ["example.ch"]
    lines = impact.lines()
    assert lines[0] == "files under /sites/www.example.ch are deleted with the site"
    assert "linked databases are KEPT (delete them separately if unused): ab12cd_other, ab12cd_wp" in lines
    assert "its SSL certificate is removed" in lines


def test_find_site_exact_variant_and_closest() -> None:
    refs = [
        SiteRef(1, 7, "Web", 1, "www.example.ch"),
        SiteRef(1, 7, "Web", 2, "shop.example.ch"),
        SiteRef(2, 8, "Other", 3, "www.cafe.ch"),
        SiteRef(1, 7, "Web", 1, "legacy.example.ch", "alias"),
    ]
    assert find_site("www.example.ch", refs) == ([refs[0]], [])
    assert find_site("example.ch", refs) == ([refs[0]], [])  # the www variant
    assert find_site("legacy.example.ch", refs) == ([refs[3]], [])
    exact, closest = find_site("shops.example.ch", refs)
    assert exact == []
    assert closest[0].fqdn in {"shop.example.ch", "www.example.ch", "legacy.example.ch"}
    assert "www.cafe.ch" not in [c.fqdn for c in closest][:3]


def test_find_site_closest_are_ranked_by_similarity() -> None:
    """More than `limit` same-domain sites: the most similar come first, not the alphabetically first."""
    names = ["a.cafe.ch", "b.cafe.ch", "c.cafe.ch", "d.cafe.ch", "e.cafe.ch", "s249.cafe.ch", "s24.cafe.ch",
             "s2490.cafe.ch", "x2499.cafe.ch", "s2499.cafe.com"]
    refs = [SiteRef(1, 7, "Web", i, n) for i, n in enumerate(names)]
    exact, closest = find_site("s2499.cafe.ch", refs)
    assert exact == []
    assert [c.fqdn for c in closest] == ["s249.cafe.ch", "s2490.cafe.ch", "x2499.cafe.ch", "s24.cafe.ch",
                                         "s2499.cafe.com"]
    _, tie = find_site("www2.ex.ch", [SiteRef(1, 7, "Web", 1, "www2.ex.cm"), SiteRef(1, 7, "Web", 2, "www3.ex.ch")])
    assert [c.fqdn for c in tie] == ["www3.ex.ch", "www2.ex.cm"]  # equally similar: the same domain first


def test_audit_findings() -> None:
    hosting = HOSTING.model_copy(
        update={"is_locked": True, "has_operation_in_progress": True, "disk_used": 96, "disk_quota": 100}
    )
    sites = [
        Site(id=1, main_fqdn="ok.example.ch"),
        Site(id=2, main_fqdn="soon.example.ch"),
        Site(id=3, main_fqdn="err.example.ch"),
        Site(id=4, main_fqdn="plain.example.ch"),
    ]
    certs: dict[int, Certificate | None] = {
        1: Certificate(site_id=1, status="ok", type="free", expired_at=int(NOW + 60 * DAY)),
        2: Certificate(site_id=2, status="ok", type="custom", expired_at=int(NOW + 5 * DAY)),
        3: Certificate(site_id=3, status="error", error_on_certificate="dns_challenge_failed",
                       error_identifiers=["err.example.ch"]),
        4: None,
    }
    findings = audit_hostings([HostingData(hosting, sites, certs)], now=NOW, days=30, quota_percent=80)
    assert [(f.kind, f.severity, f.site_id) for f in findings] == [
        ("certificate_error", "high", 3),
        ("certificate_expiring", "high", 2),
        ("hosting_locked", "high", None),
        ("quota_above_threshold", "high", None),
        ("site_without_https", "medium", 4),
        ("operation_in_progress", "low", None),
    ]
    assert "dns_challenge_failed for err.example.ch" in findings[0].message
    assert "hosting_set_certificate" in findings[1].next_step
    relaxed = audit_hostings([HostingData(HOSTING, sites[:1], certs)], now=NOW, days=90, quota_percent=80)
    assert [(f.kind, f.severity) for f in relaxed] == [("certificate_expiring", "medium")]


def test_provisioning_steps() -> None:
    assert default_database_name("www.my-shop.example.ch") == "my_shop_example"
    records = [
        DnsRecord(id=1, source="blog", type="A", ttl=300, target="203.0.113.9"),
        DnsRecord(id=2, source="www", type="CNAME", ttl=300, target="example.ch"),
    ]
    ips = [("A", "203.0.113.10"), ("AAAA", "2001:db8::1")]
    plan = provisioning_steps(
        HOSTING, fqdn="blog.example.ch", directory="/sites/blog.example.ch", php_version="8.3", database="blog",
        user="blog", zone="example.ch", ips=ips, existing_records=records, certificate=True,
    )
    assert [s.operation for s in plan.steps] == [
        "hosting.create_site", "hosting.create_database", "hosting.create_database_user", "dns.create_record",
        "hosting.request_certificate",
    ]
    assert plan.steps[2].params == {"hosting_id": 7, "name": "ab12cd_blog", "grants": {"ab12cd_blog": "read_write"}}
    assert plan.steps[3].params == {"zone": "example.ch", "type": "AAAA", "source": "blog", "target": "2001:db8::1",
                                    "ttl": 3600}
    assert plan.notes == [
        "DNS: blog.example.ch already has A → 203.0.113.9; left unchanged (update it to 203.0.113.10 yourself if the "
        "site should answer there)"
    ]
    assert all(s.resource.startswith("hosting:7") for s in plan.steps if s.operation.startswith("hosting."))
    cname = provisioning_steps(
        HOSTING, fqdn="www.example.ch", directory="/sites/www.example.ch", php_version="8.3", database="w", user="w",
        zone="example.ch", ips=ips, existing_records=records, certificate=False,
    )
    assert [s.operation for s in cname.steps][-1] == "hosting.create_database_user"
    assert cname.notes == ["DNS: www.example.ch is a CNAME in example.ch; left unchanged",
                           "SSL: no certificate requested (certificate=false)"]
    apex = provisioning_steps(
        HOSTING, fqdn="example.ch", directory="/sites/example.ch", php_version="8.3", database="e", user="e",
        zone="example.ch", ips=ips, existing_records=[], certificate=True,
    )
    assert [s.params["source"] for s in apex.steps if s.operation == "dns.create_record"] == [".", "."]
    outside = provisioning_steps(
        HOSTING, fqdn="x.other.ch", directory="/sites/x", php_version="8.3", database="x", user="x", zone=None,
        ips=ips, existing_records=[], certificate=True,
    )
    assert "no zone of this account covers x.other.ch" in outside.notes[0]


def test_a_typo_in_the_domain_suggests_the_closest_account_domain() -> None:
    from infomaniak_mcp.domain.hosting import closest_names

    domains = ["alpage-digital.ch", "alpage-shop.ch", "alpage-labs.dev"]
    assert closest_names("blog.alpage-digitl.ch", domains) == ["blog.alpage-digital.ch"]
    assert closest_names("alpage-shp.ch", domains) == ["alpage-shop.ch"]
    assert closest_names("www.not-mine.com", domains) == []
    assert closest_names("blog.alpage-digital.ch", domains) == []  # on the account: nothing to correct
    refusal = site_refusals("blog.exmaple.ch", HOSTING, used={}, account_domains=DOMAINS, now=NOW)[0]
    assert refusal.code == "domain_not_on_account"
    assert "did you mean blog.example.ch?" in refusal.message
    assert refusal.next_step.startswith("Call again with fqdn=blog.example.ch")
    far = site_refusals("shop.other.ch", HOSTING, used={}, account_domains=DOMAINS, now=NOW)[0]
    assert "did you mean" not in far.message
