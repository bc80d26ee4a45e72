"""SPF/DMARC parsing and the zone audit rules, on small hand-made zones."""

from __future__ import annotations

from dataclasses import dataclass

from infomaniak_mcp.domain.dns_audit import (
    CHECKS,
    AccountIndex,
    ZoneFacts,
    at_least,
    audit_zone,
    summarise,
)
from infomaniak_mcp.domain.dns_mailauth import parse_dmarc, parse_spf, spf_lookups


@dataclass
class R:
    source: str
    type: str
    target: str
    ttl: int = 3600


def test_spf_parsing() -> None:
    good = parse_spf("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 include:spf.infomaniak.ch a mx/24 -all")
    assert not good.errors
    assert good.all_qualifier == "-"
    assert [t.name for t in good.lookup_terms] == ["include", "a", "mx"]
    bad = parse_spf("v=spf1 ip4:203.0.113.300 inclde:x.example ip6:198.51.100.1 all:x +all ~all")
    assert len(bad.errors) >= 4
    assert "terms after 'all'" not in " ".join(bad.errors) or bad.all_qualifier
    assert parse_spf("v=spf1 -all include:x.example").errors == ["terms after 'all' are never evaluated"]
    assert parse_spf("v=spf2").errors
    assert parse_spf("v=spf1 redirect=_spf.example.net").redirect == "_spf.example.net"


def test_spf_lookup_count_follows_known_includes() -> None:
    texts = {
        "_spf.example.ch": ["v=spf1 include:a.example.ch include:b.example.ch -all"],
        "a.example.ch": ["v=spf1 a mx -all"],
        "b.example.ch": ["v=spf1 include:_spf.example.ch -all"],  # a loop: counted once, not followed again
    }
    spf = parse_spf("v=spf1 include:_spf.example.ch include:outside.example -all")
    count, unknown = spf_lookups(spf, lambda name: texts.get(name))
    assert unknown == ["outside.example"]
    assert count == 2 + 2 + 2 + 1  # top level, _spf.example.ch, a.example.ch (a, mx), b.example.ch


def test_dmarc_parsing() -> None:
    ok = parse_dmarc("v=DMARC1; p=reject; rua=mailto:dmarc@example.ch; pct=100")
    assert not ok.errors
    assert ok.policy == "reject"
    assert ok.rua == ["mailto:dmarc@example.ch"]
    assert parse_dmarc("v=DMARC1; p=quarantaine").errors == ["p=quarantaine is not none, quarantine or reject"]
    assert parse_dmarc("p=none; v=DMARC1").errors
    assert "has no policy" in parse_dmarc("v=DMARC1; rua=mailto:x@example.ch").errors[0]
    assert parse_dmarc("v=DMARC1; p=none; rua=dmarc@example.ch").errors


HEALTHY = [
    R(".", "NS", "ns41.infomaniak.com"),
    R(".", "A", "203.0.113.1"),
    R(".", "MX", "10 mail.example.ch"),
    R("mail", "A", "203.0.113.2"),
    R(".", "TXT", "v=spf1 mx -all"),
    R("_dmarc", "TXT", "v=DMARC1; p=reject; rua=mailto:d@example.ch"),
    R("s1._domainkey", "TXT", "v=DKIM1; p=MIIB"),
    R(".", "CAA", '0 issue "letsencrypt.org"'),
    R("www", "CNAME", "example.ch"),
]


def audit(records: list[R], **facts: bool | None) -> set[tuple[str, str]]:
    index = AccountIndex()
    index.add("example.ch", records)
    found = audit_zone(ZoneFacts("example.ch", records, **facts), index)
    return {(f.check, f.name) for f in found}


def test_a_healthy_zone_has_no_finding() -> None:
    assert audit(HEALTHY, dnssec=True, served_here=True) == set()
    assert audit(HEALTHY, dnssec=False) == {("dnssec_disabled", "example.ch")}


def test_each_problem_class_is_found() -> None:
    records = [
        *[r for r in HEALTHY if r.type not in ("CAA",)],
        R("alt", "TXT", "v=spf1 +all"),
        R("alt", "TXT", "v=spf1 -all"),
        R(".", "MX", "20 gone.example.ch"),
        R(".", "MX", "30 www.example.ch"),
        R("old", "CNAME", "nothing.example.ch"),
        R("*.dev", "A", "203.0.113.9"),
        R("fast", "A", "203.0.113.3", ttl=60),
        R("_dmarc.alt", "TXT", "v=DMARC1; p=none"),
    ]
    found = audit(records, served_here=False)
    assert found == {
        ("zone_not_served", "example.ch"),
        ("spf_multiple", "alt.example.ch"),
        ("spf_allows_all", "alt.example.ch"),
        ("mx_target_invalid", "example.ch"),
        ("cname_dangling", "old.example.ch"),
        ("wildcard_record", "*.dev.example.ch"),
        ("ttl_low", "fast.example.ch"),
        ("caa_missing", "example.ch"),
        ("dmarc_policy_none", "_dmarc.alt.example.ch"),
        ("dmarc_no_rua", "_dmarc.alt.example.ch"),
    }


def test_missing_mail_records_and_wildcards_resolve_cnames() -> None:
    records = [R(".", "A", "203.0.113.1"), R("*", "A", "203.0.113.1"), R("x", "CNAME", "anything.example.ch")]
    found = audit(records, dnssec=True)
    assert ("cname_dangling", "x.example.ch") not in found  # the wildcard answers for it
    assert {c for c, _ in found} == {
        "mx_missing", "spf_missing", "dmarc_missing", "dkim_missing", "caa_missing", "wildcard_record"
    }


def test_targets_outside_the_account_are_not_judged() -> None:
    records = [*HEALTHY, R("ext", "CNAME", "nothing.example.net")]
    assert audit(records, dnssec=True) == set()


def test_summary_is_sorted_by_severity_then_count() -> None:
    index = AccountIndex()
    findings = []
    for zone in ("a.ch", "b.ch"):
        records = [R(".", "TXT", "v=spf1 +all")]
        index.add(zone, records)
        findings += audit_zone(ZoneFacts(zone, records, dnssec=False), index)
    rows = summarise(findings)
    ranks = ["high", "medium", "low", "info"]
    assert [ranks.index(r.severity) for r in rows] == sorted(ranks.index(r.severity) for r in rows)
    assert rows[0].check == "spf_allows_all"
    assert rows[0].count == 2
    assert rows[0].names == ["a.ch", "b.ch"]
    assert all(r.fix == CHECKS[r.check][1] for r in rows)
    assert {f.severity for f in at_least(findings, "medium")} <= {"high", "medium"}
