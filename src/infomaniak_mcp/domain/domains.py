"""Domain rules and views (pure): expiry rows, nameserver lists, DNSSEC warnings.

A domain is "served here" when its nameservers are Infomaniak's (v1 flag
`is_dns_managed_by_infomaniak`); then its zone at Infomaniak is what the world sees. Dates are
Unix seconds upstream and ISO dates in views (`domain.products.iso_date`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from infomaniak_mcp.api.domain.models import Domain, DomainSummary
from infomaniak_mcp.domain.dns_records import RecordProblem, is_host_name
from infomaniak_mcp.domain.products import days_left, iso_date

INFOMANIAK_NAMESERVERS = ("ns41.infomaniak.com", "ns42.infomaniak.com")
_INFOMANIAK_SUFFIXES = (".infomaniak.com", ".infomaniak.ch")
MAX_NAMESERVERS = 13


class DomainRow(BaseModel):
    # One domain, concise: name, organisation, dates, and the flags that matter daily. (No docstring:
    # it would be published in every tools/list.)
    model_config = ConfigDict(extra="forbid")

    name: str
    account_id: int | None = None
    created_on: str | None = None
    expires_on: str | None = None
    days_left: int | None = None
    dns_here: bool | None = None
    dnssec: bool | None = None
    idn: str | None = None  # the Unicode name of an internationalised (xn--) domain


def idn_name(name: str, flags: DomainSummary | None = None) -> str | None:
    """The Unicode spelling of an internationalised domain (v1 `is_idn`/`puny_code`, or an xn-- label), else None."""
    candidates: list[str | None] = [name, *((flags.puny_code, flags.customer_name) if flags is not None else ())]
    if flags is not None and flags.is_idn:
        unicode_names = [c for c in candidates if c and not c.isascii()]
        if unicode_names:
            return unicode_names[0].lower()
    for candidate in candidates:
        if candidate and "xn--" in candidate.lower():
            try:
                return str(candidate.lower().encode("ascii").decode("idna"))
            except UnicodeError:
                continue
    return None


def domain_row(domain: Domain, flags: DomainSummary | None, account_id: int | None, now: float) -> DomainRow:
    expires = domain.expires_at or (flags.expired_at if flags else None)
    dnssec = flags.has_dnssec if flags and flags.has_dnssec is not None else domain.options.dnssec
    return DomainRow(
        name=domain.name,
        account_id=account_id if account_id is not None else (flags.account_id if flags else None),
        created_on=iso_date(domain.created_at),
        expires_on=iso_date(expires),
        days_left=days_left(expires, now),
        dns_here=flags.is_dns_managed_by_infomaniak if flags else None,
        dnssec=dnssec,
        idn=idn_name(domain.name, flags),
    )


def sort_domains(rows: Iterable[DomainRow], by: str) -> list[DomainRow]:
    if by == "name":
        return sorted(rows, key=lambda r: r.name)
    return sorted(rows, key=lambda r: (r.days_left if r.days_left is not None else 10**9, r.name))


def is_infomaniak_ns(names: Iterable[str]) -> bool:
    values = [n.lower().rstrip(".") for n in names]
    return bool(values) and all(v.endswith(_INFOMANIAK_SUFFIXES) for v in values)


def normalise_nameservers(names: Sequence[str], field: str = "nameservers") -> list[str]:
    """Lower-case host names without the trailing dot; at least 2, distinct, at most 13."""
    cleaned = [n.strip().lower().rstrip(".") for n in names if n.strip()]
    if len(cleaned) < 2:
        raise RecordProblem(field, "give at least 2 nameservers (or use_infomaniak=true)")
    if len(cleaned) > MAX_NAMESERVERS:
        raise RecordProblem(field, f"at most {MAX_NAMESERVERS} nameservers")
    bad = [n for n in cleaned if not is_host_name(n)]
    if bad:
        raise RecordProblem(field, f"{bad[0]!r} is not a host name like ns1.example.net")
    if len(set(cleaned)) != len(cleaned):
        raise RecordProblem(field, "the same nameserver is listed twice")
    return cleaned


def dnssec_warnings(*, enable: bool, served_here: bool | None, has_ds_data: bool) -> list[str]:
    """What a human must know before switching DNSSEC (the DS record lives at the registry)."""
    if enable and served_here is False:
        return [
            "The domain does not use Infomaniak's nameservers: enabling DNSSEC here only sends the DS data "
            "you give to the registry. The zone must be signed by the nameservers that serve it, with a DNSKEY "
            "matching that DS, or the domain will stop resolving for validating resolvers."
            + ("" if has_ds_data else " No DS data was given: the API will refuse.")
        ]
    if enable:
        return ["Infomaniak signs the zone and publishes the DS record at the registry; resolvers may take up "
                "to the parent's DS TTL (often 1–2 days) to validate."]
    if served_here is False:
        return ["The DS record will be removed at the registry. If the zone is signed where it is served, "
                "that is harmless; if another DS is expected there, validation will change."]
    return ["The DS record is removed at the registry first; keep the zone signed until the old DS has expired "
            "from caches (the parent's DS TTL), or validating resolvers may fail in between."]
