"""Zone files (render → parse round trip, what is skipped) and change sets (validation, order, diff)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infomaniak_mcp.domain.dns_changes import ChangeRequest, diff_zone, plan_change_set
from infomaniak_mcp.domain.dns_records import RecordProblem, RecordSpec
from infomaniak_mcp.domain.dns_zonefile import parse_zone_file, presentation, render_zone_file

ZONE = "example.ch"


@dataclass
class Rec:
    id: int
    source: str
    type: str
    target: str
    ttl: int = 3600
    updated_at: int | None = None


CURRENT = [
    Rec(1, ".", "NS", "ns41.infomaniak.com"),
    Rec(2, ".", "NS", "ns42.infomaniak.com"),
    Rec(3, ".", "A", "203.0.113.1", 300, 1_700_000_000),
    Rec(4, ".", "MX", "10 mail.example.ch"),
    Rec(5, ".", "TXT", "v=spf1 mx -all"),
    Rec(6, "www", "CNAME", "example.ch"),
    Rec(7, "_sip._tcp", "SRV", "10 5 5060 sip.example.ch"),
    Rec(8, "s1._domainkey", "TXT", "v=DKIM1; p=" + "B" * 300),
    Rec(9, ".", "CAA", '0 issue "letsencrypt.org"'),
]


def test_presentation_adds_final_dots_and_quotes_text() -> None:
    assert presentation("CNAME", "example.ch") == "example.ch."
    assert presentation("MX", "10 mail.example.ch") == "10 mail.example.ch."
    assert presentation("MX", "0 .") == "0 ."
    assert presentation("SRV", "10 5 5060 sip.example.ch") == "10 5 5060 sip.example.ch."
    assert presentation("TXT", "v=spf1 -all") == '"v=spf1 -all"'
    assert presentation("A", "203.0.113.1") == "203.0.113.1"


def test_render_then_parse_round_trips() -> None:
    text = render_zone_file(ZONE, CURRENT, nameservers=["ns41.infomaniak.com"], serial=2023111400, header="test")
    lines = text.splitlines()
    assert lines[0] == "; test"
    assert "$ORIGIN example.ch." in lines
    assert "$TTL 3600" in lines
    assert any(" IN SOA ns41.infomaniak.com. hostmaster.example.ch. 2023111400 " in line for line in lines)
    assert lines[4].startswith("@")
    assert " NS " in lines[4]
    parsed = parse_zone_file(text, ZONE)
    assert any("SOA" in s for s in parsed.skipped)
    assert sum("NS" in s for s in parsed.skipped) == 1
    got = {(r.source, r.type, r.target, r.ttl) for r in parsed.records}
    want = {(r.source, r.type, r.target, r.ttl) for r in CURRENT if r.type != "NS"}
    # the long DKIM value comes back split into 255-byte strings: same value, other spelling
    dkim = next(r for r in parsed.records if r.source == "s1._domainkey")
    assert dkim.target.startswith('"v=DKIM1; p=')
    assert got - {(dkim.source, dkim.type, dkim.target, dkim.ttl)} == want - {
        ("s1._domainkey", "TXT", CURRENT[7].target, 3600)
    }
    assert diff_zone(ZONE, CURRENT, parsed.records, delete_missing=True).changes == []


def test_parse_understands_directives_and_refuses_includes() -> None:
    text = """$TTL 600
$ORIGIN example.ch.
@        IN MX 10 mail
mail        A 203.0.113.2
other.org.  A 203.0.113.3
sub 120 IN  TXT "a" "b"
host IN HINFO "x" "y"
weird 30 IN A 203.0.113.4
"""
    parsed = parse_zone_file(text, ZONE)
    assert RecordSpec(".", "MX", "10 mail.example.ch", 600) in parsed.records
    assert RecordSpec("mail", "A", "203.0.113.2", 600) in parsed.records
    assert RecordSpec("sub", "TXT", '"a" "b"', 120) in parsed.records
    assert RecordSpec("weird", "A", "203.0.113.4", 60) in parsed.records
    assert any("outside" in s for s in parsed.skipped)
    assert any("HINFO" in s for s in parsed.skipped)
    assert parsed.adjusted == ["weird.example.ch A: TTL 30 → 60 (API bounds 60–86400)"]
    for bad in ("$INCLUDE /etc/passwd\n", "www IN A not-an-ip\n", "www IN CNAME 203.0.113.1.\n"):
        with pytest.raises(RecordProblem) as info:
            parse_zone_file(bad, ZONE)
        assert info.value.field.startswith("zone_file")


def test_change_set_is_validated_ordered_and_checked_as_a_whole() -> None:
    changes = plan_change_set(
        ZONE,
        CURRENT,
        [
            ChangeRequest("create", name="www", type="A", target="203.0.113.9", ttl=300),
            ChangeRequest("delete", record_id=6),
            ChangeRequest("update", record_id=3, ttl=3600),
            ChangeRequest("update", record_id=5, target="v=spf1 mx -all"),
        ],
    )
    assert [c.action for c in changes.changes] == ["delete", "update", "create"]
    assert changes.unchanged
    assert "id 5" in changes.unchanged[0]
    assert changes.counts() == {"create": 1, "update": 1, "delete": 1}
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("create", name="www", type="A", target="203.0.113.9")])
    assert info.value.field == "changes[0].name"
    assert "CNAME" in info.value.problem
    with pytest.raises(RecordProblem) as info:  # the change that causes the conflict is named, not the first one
        plan_change_set(ZONE, CURRENT, [ChangeRequest("update", record_id=3, ttl=600),
                                        ChangeRequest("create", name="new", type="A", target="203.0.113.9"),
                                        ChangeRequest("create", name="new", type="CNAME", target="x.example.net")])
    assert info.value.field == "changes[2].name"
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("create", name="dup", type="A", target="203.0.113.9"),
                                        ChangeRequest("create", name="dup", type="A", target="203.0.113.9")])
    assert info.value.field == "changes[1].name"
    with pytest.raises(RecordProblem) as info:
        diff_zone(ZONE, CURRENT, [RecordSpec("www", "A", "203.0.113.9", 300)], delete_missing=False)
    assert info.value.field == "zone_file[www A].name"
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("delete", record_id=99)])
    assert info.value.field == "changes[0].record_id"
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("delete", record_id=3), ChangeRequest("update", record_id=3,
                                                                                               ttl=60)])
    assert info.value.field == "changes[1].record_id"
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("delete", record_id=1)])
    assert "managed by Infomaniak" in info.value.problem
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("create", name="x", type="A", target="2001:db8::1")])
    assert info.value.field == "changes[0].target"


def test_diff_pairs_updates_and_keeps_or_deletes_the_rest() -> None:
    desired = [
        RecordSpec(".", "A", "203.0.113.5", 300),  # changed address → update of record 3
        RecordSpec(".", "MX", "10 mail.example.ch", 600),  # same value, new TTL → update of record 4
        RecordSpec("new", "A", "203.0.113.6", 300),  # → create
        RecordSpec(".", "TXT", "v=spf1 mx -all", 3600),  # identical → nothing
    ]
    kept = diff_zone(ZONE, CURRENT, desired, delete_missing=False)
    by_action = {(c.action, c.record_id) for c in kept.changes}
    assert by_action == {("update", 3), ("update", 4), ("create", None)}
    assert len(kept.kept) == 4  # www, _sip._tcp, DKIM, CAA stay
    pruned = diff_zone(ZONE, CURRENT, desired, delete_missing=True)
    assert sorted(c.record_id for c in pruned.changes if c.action == "delete") == [6, 7, 8, 9]
    assert not any(c.record_id in (1, 2) for c in pruned.changes)  # apex NS never touched
