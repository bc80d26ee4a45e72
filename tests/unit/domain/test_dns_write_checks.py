"""Checks on DNS writes: SPF/DMARC records a write brings, every bad change of a change set at once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infomaniak_mcp.domain.dns_changes import ChangeRequest, diff_zone, plan_change_set
from infomaniak_mcp.domain.dns_mailauth import mail_auth_problems
from infomaniak_mcp.domain.dns_records import RecordProblem, RecordProblems, RecordSpec, relative_name

ZONE = "example.ch"


@dataclass
class Rec:
    id: int
    source: str
    type: str
    target: str
    ttl: int = 3600


CURRENT = [
    Rec(1, ".", "NS", "ns41.infomaniak.com"),
    Rec(3, ".", "A", "203.0.113.1"),
    Rec(5, ".", "TXT", "v=spf1 mx -all"),
    Rec(6, ".", "TXT", "google-site-verification=abc"),
    Rec(7, "_dmarc", "TXT", "v=DMARC1; p=none"),
]


def test_a_written_spf_or_dmarc_record_with_a_syntax_error_is_refused() -> None:
    bad_spf = RecordSpec("mail", "TXT", "v=spf1 ip4:1.2.3.400 -all", 3600)
    problems = mail_auth_problems(ZONE, [], [bad_spf])
    assert [p.field for p in problems] == ["target"]
    assert "SPF" in problems[0].problem
    assert "1.2.3.400" in problems[0].problem
    bad_dmarc = RecordSpec("_dmarc.sub", "TXT", "v=DMARC1; p=quarantaine", 3600)
    problems = mail_auth_problems(ZONE, [], [bad_dmarc])
    assert "p=quarantaine" in problems[0].problem
    # DMARC-looking text elsewhere than _dmarc, and sound records, pass
    assert mail_auth_problems(ZONE, [], [RecordSpec("x", "TXT", "v=DMARC1; p=quarantaine", 3600)]) == []
    assert mail_auth_problems(ZONE, [], [RecordSpec("_dmarc", "TXT", "v=DMARC1; p=reject", 3600)]) == []


def test_records_the_write_does_not_touch_are_not_judged() -> None:
    planted = Rec(9, ".", "TXT", "v=spf1 ip4:1.2.3.400 -all")
    other = Rec(10, ".", "TXT", "v=spf1 -all")
    assert mail_auth_problems(ZONE, [planted, other], [planted, other]) == []  # already broken: the audit says so
    # updating one of two SPF records does not make things worse: allowed
    fixed = Rec(9, ".", "TXT", "v=spf1 ip4:1.2.3.4 -all")
    assert mail_auth_problems(ZONE, [planted, other], [fixed, other]) == []


def test_a_second_spf_record_at_a_name_is_refused_with_the_record_to_update() -> None:
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("create", name="@", type="TXT", target="v=spf1 a -all")])
    assert info.value.field == "changes[0].target"
    assert "2 SPF records" in info.value.problem
    assert "[5]" in info.value.problem
    # replacing the record (delete + create) or updating it is fine
    plan_change_set(ZONE, CURRENT, [ChangeRequest("delete", record_id=5),
                                    ChangeRequest("create", name="@", type="TXT", target="v=spf1 a -all")])
    plan_change_set(ZONE, CURRENT, [ChangeRequest("update", record_id=5, target="v=spf1 a mx -all")])
    with pytest.raises(RecordProblem) as info:  # turning another TXT into SPF makes two
        plan_change_set(ZONE, CURRENT, [ChangeRequest("update", record_id=6, target="v=spf1 a -all")])
    assert info.value.field == "changes[0].target"
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("update", record_id=7, target="v=DMARC1; p=quarantaine")])
    assert info.value.field == "changes[0].target"


def test_a_zone_file_import_is_checked_too() -> None:
    desired = [RecordSpec(".", "TXT", "v=spf1 mx -all", 3600), RecordSpec(".", "TXT", "v=spf1 include:x.ch", 3600)]
    with pytest.raises(RecordProblem) as info:
        diff_zone(ZONE, CURRENT, desired, delete_missing=False)
    assert info.value.field == "zone_file[. TXT].target"
    with pytest.raises(RecordProblem) as info:
        diff_zone(ZONE, CURRENT, [RecordSpec("_dmarc", "TXT", "v=DMARC1; p=maybe", 3600)], delete_missing=False)
    assert info.value.field == "zone_file[_dmarc TXT].target"


def test_every_bad_change_is_reported_at_once() -> None:
    with pytest.raises(RecordProblems) as info:
        plan_change_set(ZONE, CURRENT, [
            ChangeRequest("create", name="a", type="A", target="203.0.113.5"),
            ChangeRequest("create", name="b", type="MX", target="mx.example.com"),
            ChangeRequest("update", record_id=12345, target="203.0.113.6"),
            ChangeRequest("delete"),
            ChangeRequest("update", record_id=3, ttl=600),
            ChangeRequest("delete", record_id=3),
        ])
    fields = [p.field for p in info.value.problems]
    assert fields == ["changes[1].target", "changes[2].record_id", "changes[3].record_id", "changes[5].record_id"]
    assert info.value.field == "changes[1].target"
    assert "changes[2].record_id: 12345 is not a record" in str(info.value)


@pytest.mark.parametrize(
    ("name", "others", "domain"),
    [("x.other-domain.ch", (), "other-domain.ch"), ("x.y.example.com", (), "example.com"),
     ("x.alpage-labs.dev", ("alpage-labs.dev", ZONE), "alpage-labs.dev")],
)
def test_a_relative_name_that_names_another_domain_is_refused(name: str, others: tuple[str, ...], domain: str) -> None:
    with pytest.raises(RecordProblem) as info:
        relative_name(name, ZONE, other_zones=others)
    assert info.value.field == "name"
    assert f"would be {name}.{ZONE}" in info.value.problem
    assert f"belongs in the zone {domain}" in info.value.problem
    with pytest.raises(RecordProblem) as info:
        plan_change_set(ZONE, CURRENT, [ChangeRequest("create", name=name, type="A", target="192.0.2.1")],
                        other_zones=others)
    assert info.value.field == "changes[0].name"


def test_names_of_the_zone_stay_accepted() -> None:
    assert relative_name("x", ZONE) == "x"
    assert relative_name("api.dev", ZONE) == "api.dev"  # a label, not the .dev TLD of another domain
    assert relative_name(f"x.{ZONE}", ZONE, other_zones=["other.ch"]) == "x"
    assert relative_name(f"x.{ZONE}.", ZONE) == "x"
    assert relative_name("x.alpage-labs.dev", ZONE) == "x.alpage-labs.dev"  # not an account domain: relative


def test_the_after_state_is_keyed_once_however_many_spf_records_a_name_had(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole zone (5000 records) after the write: each record's key is computed a bounded number of times,
    not once per SPF record the name already had."""
    import infomaniak_mcp.domain.dns_mailauth as mailauth
    import infomaniak_mcp.domain.dns_records as records

    calls = 0
    real = records.canonical_target

    def counted(rtype: str, target: str) -> str:
        nonlocal calls
        calls += 1
        return real(rtype, target)

    monkeypatch.setattr(records, "canonical_target", counted)
    monkeypatch.setattr(mailauth, "canonical_target", counted, raising=False)
    spf = [Rec(i, ".", "TXT", f"v=spf1 ip4:192.0.2.{i} -all") for i in range(1, 4)]
    zone = [Rec(100 + i, f"h{i}", "A", "203.0.113.1") for i in range(5000)]
    before = [*spf, *zone]
    after = [*before, Rec(99, ".", "TXT", "v=spf1 a -all")]
    problems = mail_auth_problems(ZONE, before, after)
    assert "4 SPF records" in problems[0].problem
    assert calls <= 2 * (len(before) + len(after))
