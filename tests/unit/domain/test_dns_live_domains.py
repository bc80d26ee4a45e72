"""Live-check rules (which servers may be asked, answer comparison) and domain rules (nameservers, DNSSEC)."""

from __future__ import annotations

import pytest

from infomaniak_mcp.domain.dns_live import (
    check_sandbox_servers,
    expected_values,
    parse_address,
    resolver_addresses,
    verdict,
)
from infomaniak_mcp.domain.dns_records import RecordProblem
from infomaniak_mcp.domain.domains import dnssec_warnings, is_infomaniak_ns, normalise_nameservers


def test_addresses_parse_with_ports() -> None:
    assert parse_address("1.1.1.1", "x") == ("1.1.1.1", 53)
    assert parse_address(" 127.0.0.1:5353 ", "x") == ("127.0.0.1", 5353)
    assert parse_address("[::1]:5300", "x") == ("::1", 5300)
    assert parse_address("2001:db8::53", "x") == ("2001:db8::53", 53)
    for bad in ("resolver.example", "127.0.0.1:0", "127.0.0.1:99999", "1.1.1.1:x"):
        with pytest.raises(RecordProblem) as info:
            parse_address(bad, "resolvers")
        assert info.value.field == "resolvers"


def test_sandbox_mode_only_asks_loopback() -> None:
    assert resolver_addresses("127.0.0.1:5353, ::1", sandbox=True) == [("127.0.0.1", 5353), ("::1", 53)]
    assert resolver_addresses("9.9.9.9", sandbox=False) == [("9.9.9.9", 53)]
    for outside in ("9.9.9.9", "127.0.0.1,8.8.8.8", "10.0.0.53"):
        with pytest.raises(RecordProblem, match="loopback"):
            resolver_addresses(outside, sandbox=True)
    with pytest.raises(RecordProblem, match="no DNS server"):
        resolver_addresses(" , ", sandbox=False)
    check_sandbox_servers([("127.0.0.53", 53)])


def test_expected_values_use_the_published_spelling() -> None:
    assert expected_values("MX", ["10 Mail.Example.ch"]) == ["10 mail.example.ch."]
    assert expected_values("CNAME", ["www.example.ch"]) == ["www.example.ch."]
    assert expected_values("TXT", ['"a" "b"', "plain"]) == ["ab", "plain"]
    assert expected_values("AAAA", ["2001:DB8::1"]) == ["2001:db8::1"]
    assert expected_values("CAA", ['0 issue "letsencrypt.org"']) == ['0 issue "letsencrypt.org"']


def test_verdicts() -> None:
    assert verdict(["a"], ["a"], "NOERROR") == "match"
    assert verdict([], [], "NXDOMAIN") == "match"
    assert verdict(["a"], [], "NXDOMAIN") == "missing"
    assert verdict(["a"], ["b"], "NOERROR") == "mismatch"
    assert verdict(["a"], [], "SERVFAIL") == "servfail"
    assert verdict(["a"], [], "TIMEOUT") == "timeout"


def test_nameserver_rules() -> None:
    assert normalise_nameservers(["NS1.Example.NET.", " ns2.example.net "]) == ["ns1.example.net", "ns2.example.net"]
    for bad in (["ns1.example.net"], ["a.example.net", "a.example.net"], ["ns1.example.net", "192.0.2.1"],
                [f"ns{i}.example.net" for i in range(14)]):
        with pytest.raises(RecordProblem) as info:
            normalise_nameservers(bad)
        assert info.value.field == "nameservers"
    assert is_infomaniak_ns(["ns41.infomaniak.com", "NS42.INFOMANIAK.COM."])
    assert not is_infomaniak_ns(["ns41.infomaniak.com", "ns1.example.net"])
    assert not is_infomaniak_ns([])


def test_dnssec_warnings_name_the_ds_record() -> None:
    elsewhere = dnssec_warnings(enable=True, served_here=False, has_ds_data=False)
    assert "DS" in elsewhere[0]
    assert "will refuse" in elsewhere[0]
    assert "publishes the DS" in dnssec_warnings(enable=True, served_here=True, has_ds_data=False)[0]
    assert "removed at the registry" in dnssec_warnings(enable=False, served_here=True, has_ds_data=False)[0]
    assert "removed at the registry" in dnssec_warnings(enable=False, served_here=False, has_ds_data=False)[0]
