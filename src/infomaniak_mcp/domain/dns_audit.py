"""Zone audit rules (pure): what is wrong or weak in a DNS zone, with severity and a fix.

`audit_zone(facts, index)` looks at one zone's records (plus what the account knows: other zones,
for CNAME/MX targets and SPF includes) and returns `Finding`s. Checks (`CHECKS`):

| check | severity | what |
|---|---|---|
| zone_not_served | high | the domain's nameservers are not Infomaniak's: this zone is not what the world sees |
| spf_multiple | high | several SPF records at one name (SPF permerror: receivers ignore all of them) |
| spf_allows_all | high | SPF ends with `+all`: anyone may send as the domain |
| spf_invalid | high | SPF syntax error |
| spf_too_many_lookups | high | more than 10 DNS lookups (SPF permerror) |
| spf_missing | medium | no SPF at the apex |
| dmarc_missing | medium | no DMARC record at `_dmarc` |
| dmarc_invalid | medium | DMARC syntax error, or several DMARC records |
| mx_target_invalid | medium | an MX host of the account with no A/AAAA, a CNAME, or an IP address |
| cname_dangling | medium | a CNAME to a name of the account that does not exist |
| dmarc_policy_none | low | `p=none`: spoofed mail is still delivered |
| dmarc_no_rua | low | no aggregate report address |
| dkim_missing | low | no `<selector>._domainkey` record |
| mx_missing | low | no MX: mail falls back to the A record (publish a null MX `0 .` if no mail) |
| wildcard_record | low | a `*` record answers for every unknown name |
| ttl_low | info | TTL below the threshold (more queries, more load, slower caching) |
| caa_missing | info | no CAA: any certificate authority may issue for the domain |
| dnssec_disabled | info | DNSSEC is off |

`summarise(findings)` gives one row per check, most severe first.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from infomaniak_mcp.domain.dns_mailauth import (
    SPF_LOOKUP_LIMIT,
    is_dkim_name,
    is_dmarc,
    is_spf,
    parse_dmarc,
    parse_spf,
    spf_lookups,
)
from infomaniak_mcp.domain.dns_records import (
    TtlRecord,
    absolute_name,
    txt_value,
)

Severity = Literal["high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
DEFAULT_TTL_THRESHOLD = 300

CHECKS: dict[str, tuple[Severity, str]] = {
    "zone_not_served": ("high", "Point the domain at ns41/ns42.infomaniak.com, or manage the zone where it is served."),
    "spf_multiple": ("high", "Merge them into one SPF record."),
    "spf_allows_all": ("high", "End the SPF record with -all (or ~all while testing)."),
    "spf_invalid": ("high", "Fix the SPF syntax (RFC 7208)."),
    "spf_too_many_lookups": ("high", "Flatten includes (ip4:/ip6:) to stay within 10 lookups."),
    "spf_missing": ("medium", "Publish 'v=spf1 include:spf.infomaniak.ch -all' (or 'v=spf1 -all' if no mail)."),
    "dmarc_missing": ("medium", "Publish _dmarc TXT 'v=DMARC1; p=quarantine; rua=mailto:…'."),
    "dmarc_invalid": ("medium", "Fix the DMARC record (one record, v=DMARC1 first, p= required)."),
    "mx_target_invalid": ("medium", "Point the MX at a host with an A/AAAA record (not a CNAME or IP)."),
    "cname_dangling": ("medium", "Delete the CNAME or create its target."),
    "dmarc_policy_none": ("low", "Move to p=quarantine, then p=reject, once reports look clean."),
    "dmarc_no_rua": ("low", "Add rua=mailto:… to receive aggregate reports."),
    "dkim_missing": ("low", "Enable DKIM for the mail service and publish its selector."),
    "mx_missing": ("low", "Publish a null MX ('0 .') if the domain receives no mail."),
    "wildcard_record": ("low", "Make sure every name really should answer; prefer explicit records."),
    "ttl_low": ("info", "Raise the TTL (3600 is usual) unless a change is imminent."),
    "caa_missing": ("info", "Add CAA '0 issue \"letsencrypt.org\"' (and your other CAs)."),
    "dnssec_disabled": ("info", "Enable DNSSEC (domain_set_delegation)."),
}


@dataclass(frozen=True)
class Finding:
    zone: str
    check: str
    name: str
    message: str

    @property
    def severity(self) -> Severity:
        return CHECKS[self.check][0]

    @property
    def fix(self) -> str:
        return CHECKS[self.check][1]


@dataclass
class ZoneFacts:
    """What the audit of one zone needs: its records, DNSSEC state, whether it is served here."""

    zone: str
    records: Sequence[TtlRecord]
    dnssec: bool | None = None
    served_here: bool | None = None


@dataclass
class AccountIndex:
    """The account's zones: names (always) and records (for the zones loaded so far)."""

    zones: set[str] = field(default_factory=set)
    records: dict[str, Sequence[TtlRecord]] = field(default_factory=dict)

    def add(self, zone: str, records: Sequence[TtlRecord]) -> None:
        self.zones.add(zone)
        self.records[zone] = records

    def zone_of(self, fqdn: str) -> str | None:
        """The account zone holding `fqdn` (the longest matching one), or None."""
        name = fqdn.lower().rstrip(".")
        best = None
        for zone in self.zones:
            if (name == zone or name.endswith("." + zone)) and (best is None or len(zone) > len(best)):
                best = zone
        return best

    def types_at(self, fqdn: str) -> set[str] | None:
        """Record types answering for `fqdn` (wildcards included); None when its zone is not loaded."""
        zone = self.zone_of(fqdn)
        if zone is None or zone not in self.records:
            return None
        name = fqdn.lower().rstrip(".")
        source = "." if name == zone else name[: -len(zone) - 1]
        records = self.records[zone]
        types = {r.type for r in records if r.source.lower() == source}
        if types or source == ".":
            return types
        # an empty non-terminal (a name with records below it) exists but answers nothing
        if any(r.source.lower().endswith("." + source) for r in records):
            return set()
        labels = source.split(".")
        for i in range(1, len(labels) + 1):
            wildcard = ".".join(["*", *labels[i:]]) if i < len(labels) else "*"
            found = {r.type for r in records if r.source.lower() == wildcard}
            if found:
                return found
        return set()

    def txt_at(self, fqdn: str) -> list[str] | None:
        zone = self.zone_of(fqdn)
        if zone is None or zone not in self.records:
            return None
        name = fqdn.lower().rstrip(".")
        source = "." if name == zone else name[: -len(zone) - 1]
        return [txt_value(r.target) for r in self.records[zone] if r.type == "TXT" and r.source.lower() == source]


def _host_of(rtype: str, target: str) -> str:
    parts = target.split()
    host = parts[-1] if parts else target
    return host.lower().rstrip(".") if rtype != "A" else host


def _by_name(records: Iterable[TtlRecord], rtype: str) -> dict[str, list[TtlRecord]]:
    out: dict[str, list[TtlRecord]] = {}
    for r in records:
        if r.type == rtype:
            out.setdefault(r.source.lower(), []).append(r)
    return out


def _mail_findings(zone: str, records: Sequence[TtlRecord], index: AccountIndex) -> list[Finding]:
    found: list[Finding] = []
    txt = _by_name(records, "TXT")
    spf_at_apex = False
    for source, items in sorted(txt.items()):
        name = absolute_name(source, zone)
        spfs = [txt_value(r.target) for r in items if is_spf(txt_value(r.target))]
        if not spfs:
            continue
        spf_at_apex = spf_at_apex or source == "."
        if len(spfs) > 1:
            found.append(Finding(zone, "spf_multiple", name, f"{len(spfs)} SPF records at {name}"))
        for text in spfs:
            spf = parse_spf(text)
            if spf.errors:
                found.append(Finding(zone, "spf_invalid", name, f"SPF at {name}: {'; '.join(spf.errors)}"))
            if spf.all_qualifier == "+":
                found.append(Finding(zone, "spf_allows_all", name, f"SPF at {name} ends with +all"))
            count, unknown = spf_lookups(spf, index.txt_at)
            if count > SPF_LOOKUP_LIMIT:
                more = " (at least; some includes are outside the account)" if unknown else ""
                found.append(
                    Finding(zone, "spf_too_many_lookups", name, f"SPF at {name} needs {count} DNS lookups{more}")
                )
    if not spf_at_apex:
        found.append(Finding(zone, "spf_missing", zone, f"no SPF record at {zone}"))
    dmarc_at_apex = False
    for source, items in sorted(txt.items()):
        if not (source == "_dmarc" or source.startswith("_dmarc.")):
            continue
        name = absolute_name(source, zone)
        texts = [txt_value(r.target) for r in items if is_dmarc(txt_value(r.target))]
        if not texts:
            continue
        dmarc_at_apex = dmarc_at_apex or source == "_dmarc"
        if len(texts) > 1:
            found.append(Finding(zone, "dmarc_invalid", name, f"{len(texts)} DMARC records at {name}"))
            continue
        dmarc = parse_dmarc(texts[0])
        if dmarc.errors:
            found.append(Finding(zone, "dmarc_invalid", name, f"DMARC at {name}: {'; '.join(dmarc.errors)}"))
            continue
        if (dmarc.policy or "").lower() == "none":
            found.append(Finding(zone, "dmarc_policy_none", name, f"DMARC at {name} has p=none"))
        if not dmarc.rua:
            found.append(Finding(zone, "dmarc_no_rua", name, f"DMARC at {name} has no rua= report address"))
    if not dmarc_at_apex:
        found.append(Finding(zone, "dmarc_missing", zone, f"no DMARC record at _dmarc.{zone}"))
    if not any(is_dkim_name(r.source) for r in records):
        found.append(Finding(zone, "dkim_missing", zone, f"no DKIM selector (<selector>._domainkey) in {zone}"))
    return found


def _mx_findings(zone: str, records: Sequence[TtlRecord], index: AccountIndex) -> list[Finding]:
    mx = [r for r in records if r.type == "MX" and r.source == "."]
    if not mx:
        return [Finding(zone, "mx_missing", zone, f"no MX record at {zone}")]
    found: list[Finding] = []
    for record in mx:
        host = _host_of("MX", record.target)
        if host == ".":
            continue
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            found.append(Finding(zone, "mx_target_invalid", zone, f"MX {record.target} points to an IP address"))
            continue
        types = index.types_at(host)
        if types is None:
            continue
        if "CNAME" in types:
            found.append(Finding(zone, "mx_target_invalid", zone, f"MX host {host} is a CNAME"))
        elif not types & {"A", "AAAA"}:
            found.append(Finding(zone, "mx_target_invalid", zone, f"MX host {host} has no A/AAAA record"))
    return found


def audit_zone(
    facts: ZoneFacts, index: AccountIndex, *, ttl_threshold: int = DEFAULT_TTL_THRESHOLD
) -> list[Finding]:
    """Every finding for one zone, most severe first (then by name)."""
    zone, records = facts.zone, facts.records
    found: list[Finding] = []
    if facts.served_here is False:
        found.append(
            Finding(zone, "zone_not_served", zone, f"{zone} uses other nameservers: edits here have no effect")
        )
    found += _mx_findings(zone, records, index)
    found += _mail_findings(zone, records, index)
    if not any(r.type == "CAA" and r.source == "." for r in records):
        found.append(Finding(zone, "caa_missing", zone, f"no CAA record at {zone}"))
    if facts.dnssec is False:
        found.append(Finding(zone, "dnssec_disabled", zone, f"DNSSEC is off for {zone}"))
    for source in sorted({r.source.lower() for r in records if r.source.startswith("*")}):
        wild_types = sorted({r.type for r in records if r.source.lower() == source})
        name = absolute_name(source, zone)
        found.append(Finding(zone, "wildcard_record", name, f"{name} ({', '.join(wild_types)}) answers for any name"))
    for r in records:
        if r.ttl < ttl_threshold:
            name = absolute_name(r.source, zone)
            found.append(Finding(zone, "ttl_low", name, f"{name} {r.type} has TTL {r.ttl} < {ttl_threshold}"))
    for r in records:
        if r.type != "CNAME":
            continue
        target = _host_of("CNAME", r.target)
        types = index.types_at(target)
        if types is not None and not types:
            name = absolute_name(r.source, zone)
            found.append(Finding(zone, "cname_dangling", name, f"{name} → {target}, which does not exist"))
    return sort_findings(found)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.zone, f.check, f.name))


def cname_and_mx_targets(records: Iterable[TtlRecord]) -> set[str]:
    """Host names the zone's CNAME and MX records point to (to load their zones first)."""
    out = set()
    for r in records:
        if r.type in ("CNAME", "MX"):
            host = _host_of(r.type, r.target)
            if host != ".":
                out.add(host)
    return out


@dataclass(frozen=True)
class SummaryRow:
    severity: Severity
    check: str
    count: int
    names: list[str]
    fix: str


def summarise(findings: Iterable[Finding]) -> list[SummaryRow]:
    """One row per check: severity, how many, where, how to fix; most severe first, then most frequent."""
    grouped: dict[str, list[str]] = {}
    for f in findings:
        grouped.setdefault(f.check, []).append(f.name)
    rows = [
        SummaryRow(CHECKS[check][0], check, len(names), sorted(set(names)), CHECKS[check][1])
        for check, names in grouped.items()
    ]
    return sorted(rows, key=lambda r: (SEVERITY_RANK[r.severity], -r.count, r.check))


def at_least(findings: Iterable[Finding], minimum: Severity) -> list[Finding]:
    limit = SEVERITY_RANK[minimum]
    return [f for f in findings if SEVERITY_RANK[f.severity] <= limit]


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; the order within one severity is kept (zone by zone)."""
    return sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])
