"""DNS record rules, checked before any request: names, type-specific targets, TTL, zone consistency.

Pure functions (no I/O). Every refusal is a `RecordProblem` naming the argument at fault
(`field`), which tools turn into `InvalidArgumentError.for_field(field, problem, allowed)`:

```python
spec = validate_record("example.ch", type="MX", name="@", target="mail.example.ch", ttl=3600, priority=10)
# RecordSpec(source='.', type='MX', target='10 mail.example.ch', ttl=3600)
check_zone_rules([*current_records_after_the_change])   # CNAME exclusivity, duplicates
```

Conventions of the API (facts §5.6): `source` is relative to the zone, the apex is `"."`;
host names in targets are written without the trailing dot; MX/SRV priorities (SRV weight and
port) are written inside `target` (`"10 mail.example.ch"`); TTL is 60–86400.

TXT: one DNS character-string holds at most 255 bytes. A longer value is split into several
quoted strings (`"first 255 bytes" "rest"`), which resolvers join back; a value that fits is sent
as written. `txt_value(target)` gives the joined value back from either form.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from infomaniak_mcp.api.dns.models import WRITABLE_RECORD_TYPES

TTL_MIN, TTL_MAX = 60, 86400
TXT_CHUNK = 255
CAA_TAGS = ("issue", "issuewild", "iodef", "contactemail", "contactphone")
HOST_TARGET_TYPES = frozenset({"CNAME", "DNAME", "NS"})
_LABEL = re.compile(r"^(?!-)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_TLD = re.compile(r"^(?:[a-z][a-z0-9-]{0,61}[a-z0-9]|xn--[a-z0-9-]{1,59})$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_DS_DIGEST_HEX = {1: 40, 2: 64, 4: 96}
# TLDs hardly ever used as a label inside a zone: a relative name ending with one names another domain
LOOKS_LIKE_TLD = frozenset({
    "ch", "li", "com", "net", "org", "de", "fr", "it", "at", "eu", "uk", "be", "nl", "es", "io", "swiss",
    "info", "biz", "us", "ca",
})


class RecordProblem(ValueError):
    """A record argument is wrong; `field` names it (`target`, `ttl`, `changes[2].name`…)."""

    def __init__(self, field: str, problem: str, allowed: list[Any] | None = None) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.allowed = allowed

    def under(self, prefix: str) -> RecordProblem:
        """The same problem with the field placed under `prefix` (e.g. `changes[3]`)."""
        return RecordProblem(f"{prefix}.{self.field}" if prefix else self.field, self.problem, self.allowed)

    @property
    def all(self) -> list[RecordProblem]:
        """Every problem this error stands for (one, or several for `RecordProblems`)."""
        return [self]


class RecordProblems(RecordProblem):
    """Several problems found together (e.g. every bad change of a change set); `field` is the first's."""

    def __init__(self, problems: list[RecordProblem]) -> None:
        super().__init__(problems[0].field, "; ".join(f"{p.field}: {p.problem}" for p in problems))
        self.problems = problems

    @property
    def all(self) -> list[RecordProblem]:
        return list(self.problems)


def raise_problems(problems: list[RecordProblem]) -> None:
    """Raise nothing, the one problem, or all of them as `RecordProblems`."""
    flat = [p for problem in problems for p in problem.all]
    if len(flat) == 1:
        raise flat[0]
    if flat:
        raise RecordProblems(flat)


class RecordLike(Protocol):
    """Any record-shaped object (API model, sandbox row, spec): the one shape the DNS rules read."""

    @property
    def source(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def target(self) -> str: ...


class TtlRecord(RecordLike, Protocol):
    @property
    def ttl(self) -> int: ...


class StoredRecord(TtlRecord, Protocol):
    """A record that exists in a zone (it has an id)."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class RecordSpec:
    """A record as the API wants it: relative `source` ('.' = apex), normalised `target`."""

    source: str
    type: str
    target: str
    ttl: int

    def fqdn(self, zone: str) -> str:
        return absolute_name(self.source, zone)

    def as_params(self) -> dict[str, Any]:
        return {"source": self.source, "type": self.type, "target": self.target, "ttl": self.ttl}


# ---- names -------------------------------------------------------------------------------------
def _idna(value: str, field: str) -> str:
    try:
        return value.encode("idna").decode("ascii") if any(ord(c) > 127 for c in value) else value
    except UnicodeError:
        raise RecordProblem(field, f"{value!r} is not a valid internationalised name") from None


def normalise_zone(zone: str, field: str = "zone") -> str:
    """`Example.CH.` → `example.ch` (IDN → punycode); refuse what is not a domain name."""
    value = _idna(zone.strip().rstrip(".").lower(), field)
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels[:-1]):
        raise RecordProblem(field, f"{zone!r} is not a domain name like example.ch")
    if not _TLD.match(labels[-1]):
        raise RecordProblem(field, f"{zone!r} does not end with a valid top-level domain")
    return value


def is_host_name(value: str) -> bool:
    """A dotted host name (underscores allowed, as in `_domainkey` targets); not an IP address."""
    labels = value.rstrip(".").lower().split(".")
    return (
        len(value) <= 254
        and len(labels) >= 2
        and all(_LABEL.match(x) for x in labels)
        and not labels[-1].isdigit()
    )


def _other_domain(value: str, zone: str, other_zones: Collection[str]) -> str | None:
    """The domain a relative `value` seems to name instead of a name of `zone`: another zone of the
    account it ends with, or its last two labels when it ends with a common top-level domain."""
    labels = value.split(".")
    if len(labels) < 2:
        return None
    for other in sorted(other_zones, key=len, reverse=True):
        if other != zone and (value == other or value.endswith("." + other)):
            return other
    return ".".join(labels[-2:]) if labels[-1] in LOOKS_LIKE_TLD else None


def relative_name(name: str | None, zone: str, field: str = "name", *, other_zones: Collection[str] = ()) -> str:
    """`www`, `www.example.ch`, `www.example.ch.` → `www`; None, '', '@', '.', the zone → '.' (apex).

    A name ending with a dot is absolute and must be inside the zone. A name without one is relative;
    one that looks like another domain (ends with one of `other_zones`, or with a common TLD such as
    `.ch`/`.com`) is refused rather than silently placed under the zone (`x.other.ch.example.ch`).
    """
    raw = (name or "").strip()
    if raw in ("", "@", "."):
        return "."
    absolute = raw.endswith(".")
    value = _idna(raw.rstrip(".").lower(), field)
    if value == zone:
        return "."
    suffix = "." + zone
    if value.endswith(suffix):
        value = value[: -len(suffix)]
    elif absolute:
        raise RecordProblem(field, f"{raw!r} is not inside the zone {zone}")
    elif (other := _other_domain(value, zone, other_zones)) is not None:
        first = value.split(".")[0]
        raise RecordProblem(
            field,
            f"{raw!r} is not under the zone {zone}: a name without a final dot is relative to the zone, so it "
            f"would be {value}.{zone}. Give {first!r} or '{first}.{zone}' for a name of {zone}; a record of "
            f"{other} belongs in the zone {other}",
        )
    labels = value.split(".")
    for index, label in enumerate(labels):
        if label == "*" and index == 0:
            continue
        if not _LABEL.match(label):
            raise RecordProblem(field, f"{raw!r} is not a valid record name (label {label!r})")
    if len(value) + len(zone) + 1 > 253:
        raise RecordProblem(field, f"{raw!r} makes a name longer than 253 characters")
    return value


def absolute_name(source: str, zone: str) -> str:
    return zone if source in (".", "", "@") else f"{source}.{zone}"


# ---- TXT ---------------------------------------------------------------------------------------
def _quote(chunk: str) -> str:
    return '"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _chunks(value: str) -> list[str]:
    """Split `value` into pieces of at most 255 UTF-8 bytes, never inside a character."""
    out: list[str] = []
    current, size = "", 0
    for char in value:
        width = len(char.encode("utf-8"))
        if size + width > TXT_CHUNK:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    if current or not out:
        out.append(current)
    return out


def parse_txt_strings(target: str) -> list[str] | None:
    """The character-strings of a quoted TXT target (`"a" "b"`), or None when it is not quoted."""
    text = target.strip()
    if not text.startswith('"'):
        return None
    strings: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] != '"':
            raise ValueError("text outside quotes")
        i += 1
        buf: list[str] = []
        while True:
            if i >= len(text):
                raise ValueError("unterminated quoted string")
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                digits = text[i + 1 : i + 4]
                if len(digits) == 3 and digits.isdigit():
                    buf.append(chr(int(digits)))
                    i += 4
                    continue
                buf.append(text[i + 1])
                i += 2
                continue
            if char == '"':
                i += 1
                break
            buf.append(char)
            i += 1
        strings.append("".join(buf))
    return strings


def txt_value(target: str) -> str:
    """The value resolvers see: quoted strings joined, or the target itself when not quoted."""
    try:
        strings = parse_txt_strings(target)
    except ValueError:
        return target
    return target if strings is None else "".join(strings)


def txt_presentation(target: str) -> str:
    """A TXT target as zone-file text: quoted strings of at most 255 bytes each."""
    try:
        strings = parse_txt_strings(target)
    except ValueError:
        strings = None
    if strings is None or any(len(s.encode("utf-8")) > TXT_CHUNK for s in strings):
        strings = _chunks(txt_value(target))
    return " ".join(_quote(s) for s in strings)


def txt_target(value: str) -> str:
    """The API target for a TXT value: as is when it fits one string, else split and quoted."""
    if len(value.encode("utf-8")) <= TXT_CHUNK and not value.startswith('"'):
        return value
    return " ".join(_quote(c) for c in _chunks(value))


# ---- targets -----------------------------------------------------------------------------------
def _int(value: str, low: int, high: int, field: str, what: str) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise RecordProblem(field, f"{what} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _host(value: str, field: str, what: str = "the target") -> str:
    host = _idna(value.strip().lower(), field)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise RecordProblem(field, f"{what} must be a host name, not the IP address {value!r}")
    if not is_host_name(host):
        raise RecordProblem(field, f"{what} {value!r} is not a full host name such as mail.example.ch")
    return host.rstrip(".")


def _hex(value: str, field: str, what: str) -> str:
    if not _HEX.match(value):
        raise RecordProblem(field, f"{what} must be hexadecimal")
    return value.upper()


def _split_priority(rtype: str, target: str, priority: int | None) -> list[str]:
    parts = target.split()
    if priority is not None:
        if not 0 <= priority <= 65535:
            raise RecordProblem("priority", "must be from 0 to 65535")
        expected = 1 if rtype == "MX" else 3
        if len(parts) == expected:
            parts = [str(priority), *parts]
        elif parts and parts[0] != str(priority):
            raise RecordProblem("priority", f"the target already starts with priority {parts[0]}")
    return parts


def normalise_target(rtype: str, target: str, *, priority: int | None = None, field: str = "target") -> str:
    """The target in the API's spelling for `rtype`, or `RecordProblem` saying what is wrong."""
    value = target.strip()
    if not value:
        raise RecordProblem(field, "must not be empty")
    if rtype in ("A", "AAAA"):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise RecordProblem(field, f"{value!r} is not an IP address") from None
        wanted = 4 if rtype == "A" else 6
        if address.version != wanted:
            other = "AAAA" if rtype == "A" else "A"
            raise RecordProblem(field, f"{value} is an IPv{address.version} address: use type {other}")
        return str(address)
    if rtype in HOST_TARGET_TYPES:
        return _host(value, field)
    if rtype == "MX":
        parts = _split_priority(rtype, value, priority)
        if len(parts) != 2:
            raise RecordProblem(field, "an MX target is '<priority> <host>', e.g. '10 mail.example.ch'")
        pref = _int(parts[0], 0, 65535, field, "the MX priority")
        if parts[1] == ".":
            if pref != 0:
                raise RecordProblem(field, "a null MX ('.', RFC 7505) must have priority 0")
            return "0 ."
        return f"{pref} {_host(parts[1], field, 'the mail server')}"
    if rtype == "SRV":
        parts = _split_priority(rtype, value, priority)
        if len(parts) != 4:
            raise RecordProblem(field, "an SRV target is '<priority> <weight> <port> <host>'")
        labels = ("priority", "weight", "port")
        numbers = [_int(p, 0, 65535, field, f"the SRV {what}") for p, what in zip(parts, labels, strict=False)]
        host = "." if parts[3] == "." else _host(parts[3], field, "the SRV host")
        return " ".join([*map(str, numbers), host])
    if rtype == "CAA":
        return _caa(value, field)
    if rtype == "TXT":
        return _txt(value, field)
    if rtype == "DS":
        parts = value.split()
        if len(parts) < 4:
            raise RecordProblem(field, "a DS target is '<key tag> <algorithm> <digest type> <hex digest>'")
        tag = _int(parts[0], 0, 65535, field, "the key tag")
        alg = _int(parts[1], 0, 255, field, "the algorithm")
        dtype = _int(parts[2], 0, 255, field, "the digest type")
        digest = _hex("".join(parts[3:]), field, "the digest")
        if dtype in _DS_DIGEST_HEX and len(digest) != _DS_DIGEST_HEX[dtype]:
            raise RecordProblem(field, f"a type-{dtype} digest has {_DS_DIGEST_HEX[dtype]} hex digits")
        return f"{tag} {alg} {dtype} {digest}"
    if rtype in ("TLSA", "SMIMEA"):
        parts = value.split()
        if len(parts) < 4:
            raise RecordProblem(field, f"a {rtype} target is '<usage> <selector> <matching type> <hex data>'")
        usage = _int(parts[0], 0, 3, field, "the usage")
        selector = _int(parts[1], 0, 1, field, "the selector")
        matching = _int(parts[2], 0, 2, field, "the matching type")
        return f"{usage} {selector} {matching} {_hex(''.join(parts[3:]), field, 'the data')}"
    if rtype == "SSHFP":
        parts = value.split()
        if len(parts) < 3:
            raise RecordProblem(field, "an SSHFP target is '<algorithm> <fingerprint type> <hex fingerprint>'")
        alg = _int(parts[0], 0, 255, field, "the algorithm")
        ftype = _int(parts[1], 0, 255, field, "the fingerprint type")
        return f"{alg} {ftype} {_hex(''.join(parts[2:]), field, 'the fingerprint')}"
    return value


def _caa(value: str, field: str) -> str:
    match = re.match(r"^(\d+)\s+([A-Za-z0-9]+)\s+(.+)$", value)
    if not match:
        raise RecordProblem(field, "a CAA target is '<flags> <tag> \"<value>\"', e.g. '0 issue \"letsencrypt.org\"'")
    flags = _int(match.group(1), 0, 255, field, "the CAA flags")
    tag = match.group(2).lower()
    if tag not in CAA_TAGS:
        raise RecordProblem(field, f"unknown CAA tag {tag!r}", list(CAA_TAGS))
    raw = match.group(3).strip()
    inner = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if '"' in inner:
        raise RecordProblem(field, "the CAA value must not contain quotes")
    if tag in ("issue", "issuewild") and inner not in (";", ""):
        issuer = inner.split(";", 1)[0].strip()
        if issuer and not is_host_name(issuer):
            raise RecordProblem(field, f"the CA {issuer!r} is not a domain name like letsencrypt.org")
    if tag == "iodef" and not inner.startswith(("mailto:", "https:", "http:")):
        raise RecordProblem(field, "an iodef value is a mailto: or https: URL")
    return f'{flags} {tag} "{inner}"'


def _txt(value: str, field: str) -> str:
    try:
        strings = parse_txt_strings(value)
    except ValueError as exc:
        raise RecordProblem(field, f"badly quoted TXT value ({exc})") from None
    if strings is None:
        return txt_target(value)
    joined = "".join(strings)
    if not joined:
        raise RecordProblem(field, "must not be empty")
    if all(len(s.encode("utf-8")) <= TXT_CHUNK for s in strings):
        return " ".join(_quote(s) for s in strings) if len(strings) > 1 else txt_target(joined)
    return txt_target(joined)


def check_ttl(ttl: int, field: str = "ttl") -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not TTL_MIN <= ttl <= TTL_MAX:
        raise RecordProblem(field, f"must be a whole number of seconds from {TTL_MIN} to {TTL_MAX}, not {ttl!r}")
    return ttl


def check_type(rtype: str, field: str = "type") -> str:
    value = rtype.strip().upper()
    if value not in WRITABLE_RECORD_TYPES:
        raise RecordProblem(field, f"{rtype!r} cannot be written through the API", sorted(WRITABLE_RECORD_TYPES))
    return value


def validate_record(
    zone: str,
    *,
    type: str,
    name: str | None,
    target: str,
    ttl: int,
    priority: int | None = None,
    other_zones: Collection[str] = (),
) -> RecordSpec:
    """Check one record for `zone` (already normalised) and return it in the API's spelling;
    `other_zones`: the account's other zones (see `relative_name`)."""
    rtype = check_type(type)
    source = relative_name(name, zone, other_zones=other_zones)
    if rtype == "CNAME" and source == ".":
        raise RecordProblem("name", "a CNAME cannot be at the zone apex (it holds the NS and SOA records)")
    if rtype == "SRV" and (source == "." or not all(x.startswith("_") for x in source.split(".")[:2])):
        raise RecordProblem("name", "an SRV name starts with _service._protocol, e.g. _sip._tcp")
    if priority is not None and rtype not in ("MX", "SRV"):
        raise RecordProblem("priority", "only MX and SRV records have a priority")
    return RecordSpec(source=source, type=rtype, target=normalise_target(rtype, target, priority=priority),
                      ttl=check_ttl(ttl))


def canonical_target(rtype: str, target: str) -> str:
    """A spelling of `target` for comparisons: TXT joined, host names lower-case without dot."""
    if rtype == "TXT":
        return txt_value(target)
    try:
        return normalise_target(rtype, target)
    except RecordProblem:
        return target.strip()


def record_name(source: object) -> str:
    """A record name (`source`) for comparisons: lower-case, without the final dot, the apex as `.`."""
    name = str(source).strip().lower().rstrip(".")
    return "." if name in ("", "@") else name


def record_key(record: RecordLike) -> tuple[str, str, str]:
    """What makes a record the same record: its name, type and target (`canonical_target`), compared as
    the DNS does. The one record comparison: write checks, SPF/DMARC rules, undo, reconciliation."""
    rtype = str(record.type).upper()
    return record_name(record.source), rtype, canonical_target(rtype, str(record.target))


@dataclass(frozen=True)
class RecordFields:
    """A record kept as a mapping (plans, history, undo keep the API's object) in the shape the rules read."""

    source: str
    type: str
    target: str


def as_record(value: Mapping[str, Any]) -> RecordFields:
    """`{"source": …, "type": …, "target": …}` → a `RecordLike` for `record_key` and `check_zone_rules`."""
    return RecordFields(str(value.get("source", "")), str(value.get("type", "")), str(value.get("target", "")))


def same_record(a: RecordLike, b: RecordLike) -> bool:
    return record_key(a) == record_key(b)


def check_zone_rules(records: Iterable[RecordLike], *, where: str = "") -> None:
    """Refuse a zone state the DNS forbids: a CNAME sharing its name, two CNAMEs, exact duplicates.

    `records` is the state AFTER the intended change; `where` names the change for the error. A record
    may carry its own `where` attribute (e.g. `changes[2]`, the change that produces it): the error then
    names the change that causes the conflict.
    """
    by_name: dict[str, list[RecordLike]] = {}
    for record in records:
        by_name.setdefault(record.source.lower(), []).append(record)

    def field(culprits: Iterable[RecordLike]) -> str:
        origin = next((str(w) for r in culprits if (w := getattr(r, "where", None))), where)
        return f"{origin}.name" if origin else "name"

    for source, items in by_name.items():
        cnames = [r for r in items if r.type == "CNAME"]
        if cnames and len(items) > 1:
            others = sorted({r.type for r in items if r.type != "CNAME"} or {"CNAME"})
            raise RecordProblem(
                field(reversed(items)),
                f"{source!r} would have a CNAME next to other records ({', '.join(others)}): a CNAME must be alone "
                "at its name",
            )
        seen: dict[tuple[str, str, str], RecordLike] = {}
        for r in items:
            key = record_key(r)
            if key in seen:
                raise RecordProblem(field([r, seen[key]]), f"{source} {r.type} {r.target} would exist twice")
            seen[key] = r
