"""Toolset `dns` (live checks): does a record resolve as expected, where it matters?

`dns_verify_record` asks, with dnspython, the zone's authoritative nameservers (recursion off:
what Infomaniak serves now) and public resolvers (recursion on: what the world sees, caches
included) for one name and type, and compares each answer with the expected values — by default
the zone's records of that name and type in the API (none: refused, naming `name`; `expected=[]`
checks that nothing resolves). Servers are chosen by
`tools.dns_common.dns_servers`: in sandbox mode only the sandbox's loopback responder is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from pydantic import Field

from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.domain.dns_live import DNS_PORT, expected_values, verdict
from infomaniak_mcp.domain.dns_records import RecordProblem, absolute_name, normalise_target, relative_name
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.dns_common import (
    DnsServers,
    Zone,
    dns_servers,
    invalid,
    live_query,
    names_the_zone,
    resolve_addresses,
    zone_arg,
)

CHECK_TYPES = ("A", "AAAA", "CAA", "CNAME", "DNAME", "DS", "MX", "NS", "SRV", "SSHFP", "TLSA", "TXT", "SOA")


@dataclass
class ServerAnswer:
    server: str
    role: str
    status: str
    answers: list[str]
    ttl: int | None = None
    error: str | None = None

    def line(self) -> str:
        """`public 127.0.0.1:5353: match [5 mta-gw.infomaniak.ch.] TTL 3600`."""
        got = f"[{', '.join(self.answers)}]" if self.answers else (self.error or "(no answer)")
        return f"{self.role} {self.server}: {self.status} {got}" + (f" TTL {self.ttl}" if self.ttl is not None else "")


class RecordCheck(ToolOutput):
    expected: list[str]
    servers: list[str]
    authoritative_ok: bool
    public_ok: bool

    def to_text(self) -> str:
        lines = [f"Expected: {', '.join(self.expected) or '(nothing)'}"]
        lines += [f"- {s}" for s in self.servers]
        verdict_text = "resolves as expected everywhere" if self.authoritative_ok and self.public_ok else (
            "authoritative OK, public resolvers not yet (cached)" if self.authoritative_ok else "NOT served as expected"
        )
        lines.append(verdict_text)
        return "\n".join(lines)


async def _authoritative(ctx: ToolContext, servers: DnsServers, zone: str) -> list[tuple[str, tuple[str, int]]]:
    info = await ctx.api.dns.get_zone(zone)
    names = info.nameservers or ["(zone nameservers)"]
    if servers.authoritative is not None:  # sandbox: the responder plays every nameserver
        return [(servers.label(servers.authoritative, names[0]), servers.authoritative)]
    out = []
    for ns in names:
        for ip in (await resolve_addresses(servers, ns))[:1]:
            out.append((servers.label((ip, DNS_PORT), ns), (ip, DNS_PORT)))
    return out


@tool(toolset="dns", read_only=True, title="Verify DNS live", covers=("GET /2/zones/{zone}",), core=False)
@names_the_zone()
async def dns_verify_record(
    ctx: ToolContext,
    zone: Zone,
    name: Annotated[str, Field(description="'www', '@' = apex.", max_length=253)],
    type: Annotated[str, Field(description="A, MX, TXT...", max_length=5)],
    expected: Annotated[list[str] | None, Field(description="Default: the zone's records.", max_length=50)] = None,
) -> RecordCheck:
    """Check live that a record resolves as expected on the zone's authoritative nameservers and on public
    resolvers: each server's answer (match/mismatch/missing) and TTL."""
    fqdn = zone_arg(zone)
    type = type.upper()
    if type not in CHECK_TYPES:
        raise InvalidArgumentError.for_field("type", f"cannot check {type!r}", list(CHECK_TYPES))
    try:
        source = relative_name(name, fqdn)
        wanted_targets = (
            [normalise_target(type, v, field="expected") for v in expected] if expected is not None else None
        )
    except RecordProblem as problem:
        raise invalid(problem) from None
    servers = await dns_servers(ctx)
    if wanted_targets is None:
        page = await ctx.api.dns.list_records(fqdn, types=[type])
        wanted_targets = [r.target for r in page.items if r.source.lower() == source and r.type == type]
        if not wanted_targets:  # nothing to compare with: a typo, or a check that the name is gone
            raise InvalidArgumentError.for_field(
                "name", f"no {type} record {name!r} in the zone {fqdn}; give `expected` ([] = must not resolve)"
            )
    want = expected_values(type, wanted_targets)
    host = absolute_name(source, fqdn)
    plan: list[tuple[str, tuple[str, int], str]] = [
        (label, address, "authoritative") for label, address in await _authoritative(ctx, servers, fqdn)
    ]
    plan += [(servers.label(address), address, "public") for address in servers.public]
    results: list[ServerAnswer | None] = [None] * len(plan)

    async def ask(index: int, label: str, address: tuple[str, int], role: str) -> None:
        answer = await live_query(address, host, type, recursive=role == "public")
        status = verdict(want, answer.values, answer.rcode)
        results[index] = ServerAnswer(server=label, role=role, status=status, answers=answer.values,
                                      ttl=answer.ttl, error=answer.error)

    async with anyio.create_task_group() as tg:
        for index, (label, address, role) in enumerate(plan):
            tg.start_soon(ask, index, label, address, role)
    answers = [r for r in results if r is not None]
    return RecordCheck(
        expected=want,
        servers=[a.line() for a in answers],
        authoritative_ok=all(a.status == "match" for a in answers if a.role == "authoritative")
        and any(a.role == "authoritative" for a in answers),
        public_ok=all(a.status == "match" for a in answers if a.role == "public"),
    )
