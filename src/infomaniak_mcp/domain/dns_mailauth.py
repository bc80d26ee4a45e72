"""Mail authentication records: SPF (RFC 7208), DMARC (RFC 7489), DKIM selectors (RFC 6376). Pure.

- `parse_spf(text)` → `Spf`: terms, the `all` qualifier, syntax errors, the terms that cost a
  DNS lookup (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`; the limit is 10 per check).
- `spf_lookups(spf, lookup_txt)` follows `include:`/`redirect=` through `lookup_txt(name)` (the
  SPF text of a name we know, e.g. one of the account's zones, or None when unknown) and returns
  the total and the names it could not follow (each still counted once).
- `parse_dmarc(text)` → `Dmarc`: policy, report addresses, errors.
- `is_dkim_name(source)`: a `<selector>._domainkey` name.
- `mail_auth_problems(zone, before, after)`: what a write would break, as `RecordProblem`s naming
  the change (its `where`, else `target`): an SPF or DMARC record it writes with a syntax error, or
  a second SPF/DMARC record at one name (RFC 7208 §4.5 / RFC 7489 §6.6.3: receivers then ignore
  them all). Records the write does not touch are not judged (the audit reports those).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from infomaniak_mcp.domain.dns_records import RecordLike, RecordProblem, absolute_name, record_key, txt_value

SPF_LOOKUP_LIMIT = 10
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
_DOMAIN_SPEC = re.compile(r"^[A-Za-z0-9_.%{}+=/-]+$")
_MODIFIER = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$")
DMARC_POLICIES = ("none", "quarantine", "reject")


def is_spf(text: str) -> bool:
    value = text.strip().lower()
    return value == "v=spf1" or value.startswith("v=spf1 ")


def is_dmarc(text: str) -> bool:
    return text.strip().replace(" ", "").upper().startswith("V=DMARC1")


def is_dkim_name(source: str) -> bool:
    return source.lower().endswith("._domainkey") or "._domainkey." in source.lower()


@dataclass
class SpfTerm:
    qualifier: str
    name: str
    value: str | None


@dataclass
class Spf:
    text: str
    terms: list[SpfTerm] = field(default_factory=list)
    redirect: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def all_qualifier(self) -> str | None:
        for term in self.terms:
            if term.name == "all":
                return term.qualifier
        return None

    @property
    def lookup_terms(self) -> list[SpfTerm]:
        return [t for t in self.terms if t.name in LOOKUP_MECHANISMS]

    @property
    def includes(self) -> list[str]:
        return [t.value for t in self.terms if t.name == "include" and t.value]


def _check_ip(name: str, value: str | None) -> str | None:
    if not value:
        return f"{name} needs an address"
    address, _, prefix = value.partition("/")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"{name}:{value} is not a valid address"
    if (name == "ip4") != (parsed.version == 4):
        return f"{name}:{value} is the wrong address family"
    limit = 32 if parsed.version == 4 else 128
    if prefix and (not prefix.isdigit() or int(prefix) > limit):
        return f"{name}:{value} has an invalid prefix length"
    return None


def _check_domain_mech(name: str, value: str | None) -> str | None:
    if name in ("include", "exists") and not value:
        return f"{name} needs a domain"
    if value is None:
        return None
    domain, _, cidr = value.partition("/")
    if domain and not _DOMAIN_SPEC.match(domain):
        return f"{name}:{value} has an invalid domain"
    if cidr and not all(p.isdigit() or p == "" for p in cidr.split("/")):
        return f"{name}:{value} has an invalid prefix length"
    return None


def parse_spf(text: str) -> Spf:
    """Parse an SPF record (the joined TXT value); problems go to `errors`, nothing raises."""
    spf = Spf(text=text)
    tokens = text.split()
    if not tokens or tokens[0].lower() != "v=spf1":
        spf.errors.append("does not start with v=spf1")
        return spf
    seen_modifiers: set[str] = set()
    for token in tokens[1:]:
        modifier = _MODIFIER.match(token)
        if modifier and modifier.group(1).lower() not in MECHANISMS:
            key = modifier.group(1).lower()
            if key in seen_modifiers and key in ("redirect", "exp"):
                spf.errors.append(f"{key}= appears twice")
            seen_modifiers.add(key)
            if key == "redirect":
                spf.redirect = modifier.group(2) or None
                if not spf.redirect:
                    spf.errors.append("redirect= needs a domain")
            continue
        qualifier = "+"
        body = token
        if body[:1] in "+-~?":
            qualifier, body = body[0], body[1:]
        name, sep, value = body.partition(":")
        if not sep and "/" in name:  # a/24, mx/24
            name, _, cidr = name.partition("/")
            value, sep = "/" + cidr, "/"
        name = name.lower()
        if name not in MECHANISMS:
            spf.errors.append(f"unknown term {token!r}")
            continue
        term_value = value if sep else None
        if name == "all" and sep:
            spf.errors.append(f"'all' takes no value ({token!r})")
        elif name in ("ip4", "ip6"):
            problem = _check_ip(name, term_value)
            if problem:
                spf.errors.append(problem)
        else:
            problem = _check_domain_mech(name, term_value)
            if problem:
                spf.errors.append(problem)
        spf.terms.append(SpfTerm(qualifier, name, term_value))
    alls = [t for t in spf.terms if t.name == "all"]
    if len(alls) > 1:
        spf.errors.append("'all' appears more than once")
    if alls and spf.terms[-1].name != "all":
        spf.errors.append("terms after 'all' are never evaluated")
    return spf


def spf_lookups(
    spf: Spf, lookup_txt: Callable[[str], list[str] | None], *, _seen: frozenset[str] = frozenset()
) -> tuple[int, list[str]]:
    """DNS lookups one check of `spf` costs (RFC 7208 §4.6.4), following what `lookup_txt` knows.

    Returns `(count, unknown)`: includes/redirects whose SPF text is unknown count 1 each and are
    listed in `unknown` (their own lookups come on top, so the count is a lower bound then).
    """
    count = len(spf.lookup_terms) + (1 if spf.redirect else 0)
    unknown: list[str] = []
    for target in [*spf.includes, *([spf.redirect] if spf.redirect else [])]:
        name = target.lower().rstrip(".")
        if name in _seen:
            continue
        texts = lookup_txt(name)
        records = [t for t in texts or [] if is_spf(t)]
        if texts is None or len(records) != 1:
            unknown.append(name)
            continue
        inner, inner_unknown = spf_lookups(parse_spf(records[0]), lookup_txt, _seen=_seen | {name})
        count += inner
        unknown.extend(inner_unknown)
    return count, unknown


@dataclass
class Dmarc:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def policy(self) -> str | None:
        return self.tags.get("p")

    @property
    def rua(self) -> list[str]:
        return [u.strip() for u in self.tags.get("rua", "").split(",") if u.strip()]


def parse_dmarc(text: str) -> Dmarc:
    """Parse a DMARC record; problems go to `errors`."""
    dmarc = Dmarc(text=text)
    parts = [p.strip() for p in text.split(";") if p.strip()]
    for index, part in enumerate(parts):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep:
            dmarc.errors.append(f"{part!r} is not tag=value")
            continue
        if index == 0 and (key != "v" or value.strip() != "DMARC1"):
            dmarc.errors.append("must start with v=DMARC1")
        dmarc.tags[key] = value.strip()
    policy = dmarc.tags.get("p")
    if policy is None:
        dmarc.errors.append("has no policy (p=none|quarantine|reject)")
    elif policy.lower() not in DMARC_POLICIES:
        dmarc.errors.append(f"p={policy} is not none, quarantine or reject")
    sub = dmarc.tags.get("sp")
    if sub is not None and sub.lower() not in DMARC_POLICIES:
        dmarc.errors.append(f"sp={sub} is not none, quarantine or reject")
    pct = dmarc.tags.get("pct")
    if pct is not None and (not pct.isdigit() or int(pct) > 100):
        dmarc.errors.append(f"pct={pct} is not 0–100")
    for key in ("rua", "ruf"):
        for uri in [u.strip() for u in dmarc.tags.get(key, "").split(",") if u.strip()]:
            if not uri.lower().startswith(("mailto:", "https:")):
                dmarc.errors.append(f"{key} address {uri!r} is not a mailto: URI")
    return dmarc


# ---- checks on writes ------------------------------------------------------------------------------
def is_dmarc_name(source: str) -> bool:
    value = source.lower()
    return value == "_dmarc" or value.startswith("_dmarc.")


def _kind(record: RecordLike) -> str | None:
    """'SPF', 'DMARC' or None for a record (a DMARC record counts only at a `_dmarc` name)."""
    if record.type != "TXT":
        return None
    value = txt_value(record.target)
    if is_spf(value):
        return "SPF"
    return "DMARC" if is_dmarc(value) and is_dmarc_name(record.source) else None


def mail_auth_problems(zone: str, before: Iterable[RecordLike], after: Iterable[RecordLike]) -> list[RecordProblem]:
    """SPF/DMARC problems a write brings (module docstring). `before`/`after`: the records (at least at
    the names written) before and after the write; a record of `after` that is not in `before` is
    written, and its `where` attribute (e.g. `changes[2]`) names it in the error."""
    old = list(before)
    new = list(after)
    old_keys = {record_key(r) for r in old}
    new_keys = {record_key(r) for r in new}  # once: `new` may hold a whole zone (5000 records)
    problems: list[RecordProblem] = []

    def field_of(record: RecordLike) -> str:
        where = getattr(record, "where", None)
        return f"{where}.target" if where else "target"

    written = [r for r in new if _kind(r) and record_key(r) not in old_keys]
    for record in written:
        value = txt_value(record.target)
        kind = _kind(record)
        errors = parse_spf(value).errors if kind == "SPF" else parse_dmarc(value).errors
        if errors:
            rfc = "RFC 7208" if kind == "SPF" else "RFC 7489"
            problems.append(RecordProblem(field_of(record), f"invalid {kind} record ({rfc}): {'; '.join(errors)}"))
    for source, kind in sorted({(r.source.lower(), str(_kind(r))) for r in written}):
        def same(records: Sequence[RecordLike], source: str = source, kind: str = kind) -> list[RecordLike]:
            return [r for r in records if r.source.lower() == source and _kind(r) == kind]

        count = len(same(new))
        if count < 2 or count <= len(same(old)):
            continue
        name = absolute_name(source, zone)
        existing = [r for r in same(old) if record_key(r) in new_keys]
        ids = ", ".join(f"[{i}]" for r in existing if (i := getattr(r, "id", None)) is not None)
        fix = (f"update the existing record{' ' + ids if ids else ''} instead (merge the mechanisms into it)"
               if existing else "write only one")
        culprit = next(r for r in written if r.source.lower() == source and _kind(r) == kind)
        problems.append(RecordProblem(
            field_of(culprit),
            f"{name} would have {count} {kind} records: receivers then ignore them all "
            f"({'RFC 7208 §4.5 permerror' if kind == 'SPF' else 'RFC 7489 §6.6.3'}); {fix}",
        ))
    return problems
