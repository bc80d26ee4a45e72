"""Live DNS checks, the pure part: which servers may be asked, and whether an answer matches.

Safety rule: in sandbox mode (a local API) every DNS server asked must be a loopback address —
tests and demos never query public resolvers or real nameservers. `resolver_addresses(text,
sandbox=...)` parses `host[:port]` lists and enforces it.

Comparison: expected values are API targets, answers are what a server published. Both are
turned into one spelling per value (`comparable`): host names absolute and lower-case, TXT
strings joined (how a value is split into 255-byte strings does not matter), other RDATA in
dnspython's canonical text.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from infomaniak_mcp.domain.dns_records import RecordProblem, txt_value
from infomaniak_mcp.domain.dns_zonefile import presentation

PUBLIC_RESOLVERS = ("1.1.1.1", "9.9.9.9", "8.8.8.8")
DNS_PORT = 53


def parse_address(text: str, field: str) -> tuple[str, int]:
    """`1.1.1.1`, `127.0.0.1:5353`, `[::1]:53` → (ip, port); names are refused (no resolving)."""
    raw = text.strip()
    host, port = raw, DNS_PORT
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], raw, field)
    elif raw.count(":") == 1:
        host, _, tail = raw.partition(":")
        port = _port(tail, raw, field)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise RecordProblem(field, f"{raw!r} is not an IP address (optionally with :port)") from None
    return str(address), port


def _port(text: str, raw: str, field: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise RecordProblem(field, f"{raw!r} has an invalid port")
    return int(text)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolver_addresses(text: str, *, sandbox: bool, field: str = "resolvers") -> list[tuple[str, int]]:
    """The servers listed in `text` (comma-separated); in sandbox mode only loopback ones."""
    out = [parse_address(part, field) for part in text.split(",") if part.strip()]
    if not out:
        raise RecordProblem(field, "no DNS server given")
    if sandbox:
        check_sandbox_servers(out, field)
    return out


def check_sandbox_servers(servers: Iterable[tuple[str, int]], field: str = "resolvers") -> None:
    """Refuse any non-loopback server: the sandbox and the tests never query the real DNS."""
    outside = [host for host, _ in servers if not is_loopback(host)]
    if outside:
        raise RecordProblem(
            field, f"{', '.join(outside)} is not a loopback address: in sandbox mode only 127.0.0.1/::1 are asked"
        )


def comparable(rtype: str, rdata: Any) -> str:
    """One spelling per value of a dnspython rdata (see the module docstring)."""
    if rtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    return str(rdata.to_text()).lower()


def expected_values(rtype: str, targets: Sequence[str]) -> list[str]:
    """The comparable spelling of API targets (values that do not parse are kept as written)."""
    import dns.exception
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    out = []
    for target in targets:
        if rtype == "TXT":
            out.append(txt_value(target))
            continue
        try:
            rdata = dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.from_text(rtype), presentation(rtype, target)
            )
        except (dns.exception.DNSException, ValueError):
            out.append(target.strip().lower())
            continue
        out.append(comparable(rtype, rdata))
    return sorted(out)


def verdict(expected: Sequence[str], answered: Sequence[str], rcode: str) -> str:
    """`match`, `missing` (nothing published), `mismatch` (other values), or the DNS error code."""
    if rcode not in ("NOERROR", "NXDOMAIN"):
        return rcode.lower()
    if sorted(expected) == sorted(answered):
        return "match"
    if not answered:
        return "missing"
    return "mismatch"
