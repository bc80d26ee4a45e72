"""BIND zone files (RFC 1035 master format): render a zone's records, parse one back. Pure.

- `render_zone_file(zone, records, ...)`: `$ORIGIN`/`$TTL`, an SOA (the API's own when it lists
  one, else a synthesized one, marked so), then every record with relative owner names, apex
  first. API targets become presentation text: host names get their trailing dot, TXT values are
  quoted and split into 255-byte strings.
- `parse_zone_file(text, zone)`: the records of a zone file as `RecordSpec`s in the API's
  spelling (validated like any other write), plus what was skipped and why: the SOA and the
  apex NS records (the API manages them), names outside the zone, types the API cannot write.
  `$ORIGIN` and `$TTL` are understood; `$INCLUDE` and `$GENERATE` are refused (a file path or a
  generator has no business in an import). Records without a TTL get `default_ttl`.

dnspython does the tokenizing (imported lazily: it is only needed here and for live checks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infomaniak_mcp.domain.dns_records import (
    TTL_MAX,
    TTL_MIN,
    RecordProblem,
    RecordSpec,
    TtlRecord,
    check_ttl,
    txt_presentation,
    txt_target,
    validate_record,
)

DEFAULT_TTL = 3600
_HOST_FIRST = frozenset({"CNAME", "DNAME", "NS", "PTR"})
_TYPE_ORDER = {t: i for i, t in enumerate(("SOA", "NS", "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"))}


def _dot(host: str) -> str:
    return host if host.endswith(".") else host + "."


def presentation(rtype: str, target: str) -> str:
    """An API target as zone-file RDATA text."""
    parts = target.split()
    if rtype in _HOST_FIRST and parts:
        return _dot(target.strip())
    if rtype == "MX" and len(parts) == 2:
        return f"{parts[0]} {_dot(parts[1])}"
    if rtype == "SRV" and len(parts) == 4:
        return " ".join([*parts[:3], _dot(parts[3])])
    if rtype == "SOA" and len(parts) >= 2:
        return " ".join([_dot(parts[0]), _dot(parts[1]), *parts[2:]])
    if rtype == "TXT":
        return txt_presentation(target)
    return target.strip()


def owner(source: str) -> str:
    return "@" if source in (".", "", "@") else source


def zone_serial(records: Iterable[Any]) -> int:
    """YYYYMMDD00 of the latest `updated_at` among `records` (0 when none is known)."""
    stamps = [getattr(r, "updated_at", None) for r in records]
    latest = max((s for s in stamps if isinstance(s, int)), default=None)
    if latest is None:
        return 0
    return int(datetime.fromtimestamp(latest, UTC).strftime("%Y%m%d")) * 100


def render_zone_file(
    zone: str,
    records: Sequence[TtlRecord],
    *,
    nameservers: Sequence[str] = (),
    serial: int = 0,
    default_ttl: int = DEFAULT_TTL,
    header: str = "",
) -> str:
    """The zone as a BIND zone file (see the module docstring)."""
    lines = [f"; {line}" for line in header.splitlines() if line.strip()]
    lines += [f"$ORIGIN {zone}.", f"$TTL {default_ttl}"]
    ordered = sorted(
        records,
        key=lambda r: (r.source != ".", r.source.split(".")[::-1], _TYPE_ORDER.get(r.type, 99), r.type, r.target),
    )
    if not any(r.type == "SOA" for r in records):
        primary = _dot(nameservers[0]) if nameservers else f"ns.{zone}."
        soa = f"{primary} hostmaster.{zone}. {serial} 10800 3600 604800 300"
        lines.append(f"@ {default_ttl} IN SOA {soa} ; synthesized: the API manages the SOA")
    width = max((len(owner(r.source)) for r in ordered), default=1)
    for r in ordered:
        lines.append(f"{owner(r.source):<{width}} {r.ttl:>5} IN {r.type:<5} {presentation(r.type, r.target)}")
    return "\n".join(lines) + "\n"


# ---- parsing -----------------------------------------------------------------------------------
@dataclass
class ParsedZone:
    records: list[RecordSpec] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)


def _api_target(rtype: str, rdata: Any) -> str:
    """The API spelling of one dnspython rdata (absolute names, no trailing dot, TXT joined)."""
    if rtype == "TXT":
        strings = [s.decode("utf-8", errors="replace") for s in rdata.strings]
        joined = "".join(strings)
        if len(strings) == 1:
            return txt_target(joined)
        return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)
    text = str(rdata.to_text())
    parts = text.split()
    if rtype in _HOST_FIRST:
        return text.rstrip(".").lower()
    if rtype == "MX" and len(parts) == 2:
        return f"{parts[0]} {parts[1].rstrip('.').lower() or '.'}"
    if rtype == "SRV" and len(parts) == 4:
        return " ".join([*parts[:3], parts[3].rstrip(".").lower() or "."])
    if rtype in ("DS", "TLSA", "SMIMEA") and len(parts) > 4:
        return " ".join([*parts[:3], "".join(parts[3:])])
    if rtype == "SSHFP" and len(parts) > 3:
        return " ".join([*parts[:2], "".join(parts[2:])])
    return text


def _read_rrsets(text: str, zone: str, default_ttl: int) -> tuple[list[Any], list[int]]:
    import dns.exception
    import dns.name
    import dns.rdataclass
    import dns.tokenizer
    import dns.zonefile

    outside: list[int] = []

    class _Reader(dns.zonefile.Reader):
        def _eat_line(self) -> None:  # only called for names outside the zone
            outside.append(self.tok.line_number)
            super()._eat_line()  # type: ignore[no-untyped-call]

    origin = dns.name.from_text(zone + ".")
    manager = dns.zonefile.RRSetsReaderManager(origin, False, dns.rdataclass.IN)
    try:
        with manager.writer(True) as txn:  # type: ignore[no-untyped-call]
            tokenizer = dns.tokenizer.Tokenizer(text, "<zone file>")
            _Reader(
                tokenizer,
                dns.rdataclass.IN,
                txn,
                allow_include=False,
                allow_directives={"$ORIGIN", "$TTL"},
                default_ttl=default_ttl,
            ).read()
    except dns.exception.DNSException as exc:
        message = str(exc).replace("<zone file>:", "line ")
        raise RecordProblem("zone_file", message or type(exc).__name__) from None
    return list(manager.rrsets), outside


def parse_zone_file(text: str, zone: str, *, default_ttl: int = DEFAULT_TTL) -> ParsedZone:
    """The records of `text` for `zone` (see the module docstring); `RecordProblem` on bad input."""
    import dns.rdatatype

    check_ttl(default_ttl, "default_ttl")
    rrsets, outside = _read_rrsets(text, zone, default_ttl)
    parsed = ParsedZone()
    for line in outside:
        parsed.skipped.append(f"line {line}: name outside {zone}")
    for rrset in rrsets:
        rtype = dns.rdatatype.to_text(rrset.rdtype)
        name = rrset.name.to_text(omit_final_dot=True).lower()
        if rtype == "SOA":
            parsed.skipped.append(f"{name} SOA: managed by Infomaniak")
            continue
        if rtype == "NS" and name == zone:
            servers = ", ".join(sorted(r.to_text().rstrip(".").lower() for r in rrset))
            parsed.skipped.append(f"{name} NS {servers}: apex nameservers are not records (domain_set_delegation)")
            continue
        for rdata in rrset:
            target = _api_target(rtype, rdata)
            try:
                ttl = min(max(rrset.ttl, TTL_MIN), TTL_MAX)
                spec = validate_record(zone, type=rtype, name=name + ".", target=target, ttl=ttl)
            except RecordProblem as problem:
                if problem.field == "type":
                    parsed.skipped.append(f"{name} {rtype}: type not writable through the API")
                    continue
                raise problem.under(f"zone_file[{name} {rtype}]") from None
            if spec.ttl != rrset.ttl:
                parsed.adjusted.append(f"{name} {rtype}: TTL {rrset.ttl} → {spec.ttl} (API bounds 60–86400)")
            parsed.records.append(spec)
    return parsed
