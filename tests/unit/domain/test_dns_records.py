"""Record validation before any request: names, each type's target, TTL, TXT splitting, zone rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infomaniak_mcp.domain.dns_records import (
    RecordProblem,
    RecordSpec,
    canonical_target,
    check_zone_rules,
    normalise_zone,
    parse_txt_strings,
    relative_name,
    txt_presentation,
    txt_value,
    validate_record,
)

ZONE = "example.ch"


def problem(**kwargs: object) -> RecordProblem:
    with pytest.raises(RecordProblem) as info:
        validate_record(ZONE, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_zone_names() -> None:
    assert normalise_zone(" Example.CH. ") == "example.ch"
    assert normalise_zone("bücher.ch") == "xn--bcher-kva.ch"
    for bad in ("localhost", "exa mple.ch", "-a.ch", "a..ch", "example.123"):
        with pytest.raises(RecordProblem) as info:
            normalise_zone(bad)
        assert info.value.field == "zone"


@pytest.mark.parametrize(
    ("name", "expected"),
    [(None, "."), ("", "."), ("@", "."), (".", "."), ("example.ch", "."), ("example.ch.", "."),
     ("www", "www"), ("WWW.example.ch", "www"), ("www.example.ch.", "www"), ("*.dev", "*.dev"),
     ("_dmarc", "_dmarc"), ("a.b.c", "a.b.c")],
)
def test_relative_names(name: str | None, expected: str) -> None:
    assert relative_name(name, ZONE) == expected


def test_bad_names_name_the_field() -> None:
    for bad in ("www.other.org.", "a..b", "-x", "a.*.b", "x" * 64):
        with pytest.raises(RecordProblem) as info:
            relative_name(bad, ZONE)
        assert info.value.field == "name"


def test_address_families() -> None:
    assert validate_record(ZONE, type="A", name="www", target="203.0.113.7", ttl=300) == RecordSpec(
        "www", "A", "203.0.113.7", 300
    )
    assert validate_record(ZONE, type="aaaa", name="@", target="2001:DB8::1", ttl=300).target == "2001:db8::1"
    wrong = problem(type="A", name="www", target="2001:db8::1", ttl=300)
    assert wrong.field == "target"
    assert "use type AAAA" in wrong.problem
    assert "use type A" in problem(type="AAAA", name="www", target="203.0.113.7", ttl=300).problem
    assert problem(type="A", name="www", target="www.example.ch", ttl=300).field == "target"


def test_ttl_bounds() -> None:
    for ttl in (59, 86401, 0):
        assert problem(type="A", name="x", target="203.0.113.1", ttl=ttl).field == "ttl"
    assert validate_record(ZONE, type="A", name="x", target="203.0.113.1", ttl=60).ttl == 60
    assert validate_record(ZONE, type="A", name="x", target="203.0.113.1", ttl=86400).ttl == 86400


def test_cname_rules() -> None:
    cname = validate_record(ZONE, type="CNAME", name="www", target="Web.Example.net.", ttl=300)
    assert cname.target == "web.example.net"
    assert problem(type="CNAME", name="@", target="web.example.net", ttl=300).field == "name"
    assert "IP address" in problem(type="CNAME", name="www", target="203.0.113.1", ttl=300).problem
    assert problem(type="CNAME", name="www", target="web", ttl=300).field == "target"


def test_mx_and_srv_priorities() -> None:
    assert validate_record(ZONE, type="MX", name="@", target="mail.example.ch", ttl=3600, priority=10).target == (
        "10 mail.example.ch"
    )
    assert validate_record(ZONE, type="MX", name="@", target="5 mta-gw.infomaniak.ch.", ttl=3600).target == (
        "5 mta-gw.infomaniak.ch"
    )
    assert validate_record(ZONE, type="MX", name="@", target="0 .", ttl=3600).target == "0 ."
    assert problem(type="MX", name="@", target="10 .", ttl=3600).field == "target"
    assert problem(type="MX", name="@", target="mail.example.ch", ttl=3600).field == "target"
    assert problem(type="MX", name="@", target="70000 mail.example.ch", ttl=3600).field == "target"
    assert problem(type="MX", name="@", target="10 mail.example.ch", ttl=3600, priority=20).field == "priority"
    srv = validate_record(ZONE, type="SRV", name="_sip._tcp", target="5 5060 sip.example.ch", ttl=3600, priority=10)
    assert srv.target == "10 5 5060 sip.example.ch"
    assert problem(type="SRV", name="sip", target="10 5 5060 sip.example.ch", ttl=3600).field == "name"
    assert problem(type="SRV", name="_sip._tcp", target="10 5 99999 sip.example.ch", ttl=3600).field == "target"
    assert problem(type="A", name="x", target="203.0.113.1", ttl=300, priority=1).field == "priority"


def test_caa_tags() -> None:
    assert validate_record(ZONE, type="CAA", name="@", target="0 issue letsencrypt.org", ttl=3600).target == (
        '0 issue "letsencrypt.org"'
    )
    assert validate_record(ZONE, type="CAA", name="@", target='0 issuewild ";"', ttl=3600).target == '0 issuewild ";"'
    bad_tag = problem(type="CAA", name="@", target='0 isue "letsencrypt.org"', ttl=3600)
    assert bad_tag.field == "target"
    assert bad_tag.allowed
    assert "issue" in bad_tag.allowed
    assert problem(type="CAA", name="@", target='0 iodef "security@example.ch"', ttl=3600).field == "target"
    assert problem(type="CAA", name="@", target='300 issue "x.org"', ttl=3600).field == "target"


def test_txt_splitting() -> None:
    short = validate_record(ZONE, type="TXT", name="@", target="v=spf1 -all", ttl=3600)
    assert short.target == "v=spf1 -all"
    long_value = "v=DKIM1; k=rsa; p=" + "A" * 400
    long = validate_record(ZONE, type="TXT", name="s1._domainkey", target=long_value, ttl=3600)
    strings = parse_txt_strings(long.target)
    assert strings is not None
    assert len(strings) == 2
    assert all(len(s.encode()) <= 255 for s in strings)
    assert txt_value(long.target) == long_value
    accents = "é" * 200  # 400 bytes: never split inside a character
    parts = parse_txt_strings(validate_record(ZONE, type="TXT", name="x", target=accents, ttl=3600).target)
    assert parts is not None
    assert "".join(parts) == accents
    assert all(len(p.encode()) <= 255 for p in parts)
    quoted = validate_record(ZONE, type="TXT", name="x", target='"first" "second"', ttl=3600)
    assert txt_value(quoted.target) == "firstsecond"
    assert problem(type="TXT", name="x", target='"unterminated', ttl=3600).field == "target"
    assert txt_presentation("say \"hi\"") == '"say \\"hi\\""'


def test_other_types() -> None:
    digest = "ab" * 32
    assert validate_record(ZONE, type="DS", name="sub", target=f"12345 13 2 {digest}", ttl=3600).target.endswith(
        digest.upper()
    )
    assert problem(type="DS", name="sub", target="12345 13 2 abcd", ttl=3600).field == "target"
    assert validate_record(ZONE, type="TLSA", name="_443._tcp.www", target=f"3 1 1 {digest}", ttl=3600)
    assert problem(type="TLSA", name="_443._tcp.www", target=f"4 1 1 {digest}", ttl=3600).field == "target"
    assert validate_record(ZONE, type="SSHFP", name="host", target=f"4 2 {digest}", ttl=3600)
    assert problem(type="SSHFP", name="host", target="4 2 xyz", ttl=3600).field == "target"
    assert problem(type="SOA", name="@", target="x", ttl=3600).field == "type"
    assert problem(type="PTR", name="x", target="a.example.ch", ttl=3600).field == "type"


@dataclass
class Row:
    source: str
    type: str
    target: str


def test_zone_rules() -> None:
    check_zone_rules([Row("www", "A", "203.0.113.1"), Row("www", "AAAA", "2001:db8::1")])
    with pytest.raises(RecordProblem, match="CNAME"):
        check_zone_rules([Row("www", "A", "203.0.113.1"), Row("WWW", "CNAME", "x.example.net")])
    with pytest.raises(RecordProblem, match="twice"):
        check_zone_rules([Row("@", "TXT", "v=spf1 -all"), Row("@", "TXT", '"v=spf1 -all"')])
    with pytest.raises(RecordProblem) as info:
        check_zone_rules([Row("a", "CNAME", "x.example.net"), Row("a", "CNAME", "y.example.net")], where="changes[1]")
    assert info.value.field == "changes[1].name"


def test_canonical_targets_compare_spellings() -> None:
    assert canonical_target("MX", "10 Mail.Example.ch.") == canonical_target("MX", "10 mail.example.ch")
    assert canonical_target("TXT", '"a" "b"') == canonical_target("TXT", "ab")
    assert canonical_target("MX", "garbage") == "garbage"


def test_record_key_is_the_one_record_comparison() -> None:
    from infomaniak_mcp.domain.dns_records import as_record, record_key, same_record

    apex = as_record({"source": "@", "type": "mx", "target": "10 Mail.Example.ch."})
    assert record_key(apex) == (".", "MX", "10 mail.example.ch")
    assert record_key(as_record({"source": "WWW.", "type": "TXT", "target": '"ab" "c"'})) == ("www", "TXT", "abc")
    assert same_record(apex, as_record({"source": ".", "type": "MX", "target": "10 mail.example.ch"}))
    assert not same_record(apex, as_record({"source": ".", "type": "MX", "target": "20 mail.example.ch"}))
    # a target the rules refuse is compared as written, never raising
    assert record_key(as_record({"source": "x", "type": "A", "target": " not-an-ip "}))[2] == "not-an-ip"
    assert record_key(as_record({})) == (".", "", "")
