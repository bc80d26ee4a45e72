"""Shared by the `dns` and `domain` tool modules: argument types, rule errors, live DNS queries.

- `Zone`, `Domain`: the annotated string arguments; `zone_arg(value)` normalises one (errors
  name the field).
- `invalid(problem)`: a `domain.dns_records.RecordProblem` as `InvalidArgumentError`.
- `account_zones(ctx)`: the account's domain names (one listing call; None when unreadable or cut);
  `other_zones(ctx, zone, names)` fetches them only when a record name could be another domain.
- `current_record(ctx, zone, record_id)`: one record; its 404 names the wrong zone or the wrong id.
- `@names_the_zone(field)`: a tool decorator; a 404 no one explained, for a zone that is not on the
  account, becomes `unknown_zone(...)`: names the field, the closest zones, `domain_list_domains`.
- `dns_servers(ctx)`: which DNS servers live checks ask. Sandbox mode (a local API URL): the
  sandbox's own responder (`GET /_sandbox/dns`) plays both the zone's authoritative servers
  and the public resolvers, and only loopback addresses are ever accepted. Real mode: the
  public resolvers (`INFOMANIAK_MCP_DNS_RESOLVERS`, default 1.1.1.1, 9.9.9.9, 8.8.8.8) and the
  zone's nameservers, asked directly.
- `live_query(...)`: one query with dnspython (UDP, TCP when truncated), never raising.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from pydantic import Field

from infomaniak_mcp.api.dns.client import is_local_url
from infomaniak_mcp.api.errors import ErrorDetail, InfomaniakError, InvalidArgumentError, NotFoundError
from infomaniak_mcp.domain.dns_live import DNS_PORT, PUBLIC_RESOLVERS, comparable, resolver_addresses
from infomaniak_mcp.domain.dns_records import RecordProblem, normalise_zone
from infomaniak_mcp.server.context import ToolContext

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi
    from infomaniak_mcp.api.dns.models import DnsRecord

RESOLVERS_SETTING = "INFOMANIAK_MCP_DNS_RESOLVERS"
QUERY_TIMEOUT = 3.0
MAX_ACCOUNT_ZONES = 5000

# Lengths and syntax are checked by `zone_arg` (errors name the field), not in the schema: fewer tokens.
Zone = Annotated[str, Field(description="The zone (domain), e.g. example.ch.")]
DomainName = Annotated[str, Field(description="e.g. example.ch")]


def invalid(problem: RecordProblem) -> InvalidArgumentError:
    """The problem (or every problem of a `RecordProblems`) as one error, one detail per field."""
    problems = problem.all
    if len(problems) == 1:
        return InvalidArgumentError.for_field(problem.field, problem.problem, problem.allowed)
    by_field: dict[str, list[RecordProblem]] = {}
    for p in problems:
        by_field.setdefault(p.field, []).append(p)
    return InvalidArgumentError(
        description=f"{len(problems)} problems: " + "; ".join(f"{p.field}: {p.problem}" for p in problems),
        details=[ErrorDetail(code="invalid", description="; ".join(p.problem for p in items), attribute=name,
                             values=next((p.allowed for p in items if p.allowed), None))
                 for name, items in by_field.items()],
    )


def zone_arg(value: str, field: str = "zone") -> str:
    try:
        return normalise_zone(value, field)
    except RecordProblem as problem:
        raise invalid(problem) from None


async def account_zones(ctx: ToolContext) -> list[str] | None:
    """The account's domain names (`GET /2/domains/domains`, one listing); None when the listing cannot
    be read (no domain scope, deadline, 5xx) or was cut: no one can then say a name is not there."""
    try:
        page = await ctx.api.domain.list_domains_v2(max_items=MAX_ACCOUNT_ZONES)
    except InfomaniakError:
        return None
    if page.truncated:
        return None
    return sorted({d.name.lower().rstrip(".") for d in page.items})


async def other_zones(ctx: ToolContext, zone: str, names: Iterable[str | None]) -> list[str]:
    """`account_zones`, but only when one of `names` is relative, dotted and not under `zone` (else no call)."""
    def outside(name: str | None) -> bool:
        value = (name or "").strip().lower()
        return "." in value.strip(".") and not value.endswith(".") and not value.endswith("." + zone)

    return (await account_zones(ctx) or []) if any(outside(n) for n in names) else []


ZONE_MISSING_CODE = "zone_does_not_exists"  # the API's own word that a zone does not exist


async def _zone_missing(ctx: ToolContext, name: str, cause: NotFoundError | None) -> bool:
    """Whether the API says zone `name` does not exist: the 404's own code, else `GET /2/zones/{zone}/exists`
    (dns:read). False when it cannot tell (that call fails): the original 404 is then kept."""
    if cause is not None and cause.code == ZONE_MISSING_CODE:
        return True
    try:
        return not await ctx.api.dns.zone_exists(name)
    except InfomaniakError:
        return False


async def unknown_zone(ctx: ToolContext, name: str, field: str = "zone", cause: NotFoundError | None = None,
                       zones: Sequence[str] | None = None) -> NotFoundError | None:
    """The error for a zone/domain that is not on the account: the field, the closest names (difflib
    over one listing of the account's domains) and the tool that lists them. None — the 404 is then
    about something else, or no one can tell — unless `name` is absent from a complete listing (`zones`,
    else `account_zones`) AND the API says the zone does not exist (a delegated sub-zone has no domain)."""
    known = await account_zones(ctx) if zones is None else list(zones)
    if known is None or name in known or not await _zone_missing(ctx, name, cause):
        return None
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    guess = f"; closest: {', '.join(close)}" if close else ""
    hint = f"Did you mean {close[0]}? " if close else ""
    return NotFoundError(
        status=404, code=cause.code if cause else "object_not_found",
        description=f"{field}: no zone or domain {name} on this account{guess}",
        details=[ErrorDetail(code="not_found", description=f"no zone {name}", attribute=field, values=close or None)],
        hint=f"{hint}Check {field}: domain_list_domains lists the account's domains.",
        request_id=cause.request_id if cause else None,
    )


async def current_record(ctx: ToolContext, zone: str, record_id: int, *, with_description: bool = False) -> DnsRecord:
    """Record `record_id` of `zone`; a 404 is a zone not on the account (`unknown_zone`) or else a wrong id
    (the hint names dns_list_records)."""
    try:
        return await ctx.api.dns.get_record(zone, record_id, with_description=with_description)
    except NotFoundError as error:
        unknown = await unknown_zone(ctx, zone, cause=error)  # a typo in the zone, rather than in the id?
        if unknown is not None:
            raise unknown from error
        error.hint = f"No record {record_id} in {zone}: call dns_list_records for the ids."
        raise


_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


def names_the_zone(field: str = "zone") -> Callable[[_F], _F]:
    """Tool decorator (under `@tool`): a `NotFoundError` that leaves the tool with no hint (none of its
    own: record ids explain themselves) while `field` names no zone of the account becomes
    `unknown_zone` — one listing call, only on that error path."""

    def decorator(fn: _F) -> _F:
        @functools.wraps(fn)
        async def wrapper(ctx: ToolContext, *args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(ctx, *args, **kwargs)
            except NotFoundError as error:
                value = kwargs.get(field)
                if error.hint is not None or not isinstance(value, str):
                    raise
                try:
                    name = normalise_zone(value, field)
                except RecordProblem:
                    raise error from None
                better = await unknown_zone(ctx, name, field, error)
                if better is None:
                    raise
                raise better from error

        return cast(_F, wrapper)

    return decorator


@dataclass
class DnsServers:
    """Who live checks ask. `authoritative` None: ask the zone's own nameservers (real mode)."""

    sandbox: bool
    public: list[tuple[str, int]] = field(default_factory=list)
    authoritative: tuple[str, int] | None = None

    def label(self, address: tuple[str, int], name: str | None = None) -> str:
        where = f"{address[0]}:{address[1]}" if address[1] != DNS_PORT else address[0]
        if name and self.sandbox:
            return f"{name} (sandbox {where})"
        return f"{name} ({where})" if name else where


async def dns_servers(ctx: ToolContext) -> DnsServers:
    return await servers_for(ctx.api, ctx.settings.api_url, ctx.settings.extra.get(RESOLVERS_SETTING, ""))


async def servers_for(api: InfomaniakApi, api_url: str, configured: str = "") -> DnsServers:
    """`dns_servers` from the API client alone (resource readers have no context: default resolvers)."""
    sandbox = is_local_url(api_url)
    try:
        if configured.strip():
            public = resolver_addresses(configured, sandbox=sandbox, field=RESOLVERS_SETTING)
        elif sandbox:
            public = resolver_addresses("{}:{}".format(*await api.dns.local_dns_responder()), sandbox=True)
        else:
            public = [(ip, DNS_PORT) for ip in PUBLIC_RESOLVERS]
    except RecordProblem as problem:
        raise invalid(problem) from None
    return DnsServers(sandbox=sandbox, public=public, authoritative=public[0] if sandbox else None)


@dataclass
class LiveAnswer:
    rcode: str
    values: list[str] = field(default_factory=list)
    ttl: int | None = None
    error: str | None = None


async def live_query(
    address: tuple[str, int], name: str, rtype: str, *, recursive: bool, wait: float = QUERY_TIMEOUT
) -> LiveAnswer:
    """Ask one server for `name`/`rtype`; the values of that type in the answer, comparable spelling."""
    import dns.asyncquery
    import dns.exception
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdatatype

    query = dns.message.make_query(name, rtype)
    if not recursive:
        query.flags &= ~dns.flags.RD
    try:
        response, _ = await dns.asyncquery.udp_with_fallback(query, address[0], port=address[1], timeout=wait)
    except dns.exception.Timeout:
        return LiveAnswer(rcode="TIMEOUT", error=f"no answer within {wait:g} s")
    except (dns.exception.DNSException, OSError) as exc:
        return LiveAnswer(rcode="ERROR", error=f"{type(exc).__name__}: {exc}"[:200])
    wanted = dns.rdatatype.from_text(rtype)
    values: list[str] = []
    ttls: list[int] = []
    for rrset in response.answer:
        if rrset.rdtype == wanted:
            values += [comparable(rtype, rdata) for rdata in rrset]
            ttls.append(rrset.ttl)
    return LiveAnswer(rcode=dns.rcode.to_text(response.rcode()), values=sorted(values), ttl=min(ttls, default=None))


async def resolve_addresses(servers: DnsServers, host: str) -> list[str]:
    """IPv4 addresses of `host` through the first public resolver (real mode: to ask a nameserver)."""
    answer = await live_query(servers.public[0], host, "A", recursive=True)
    return answer.values


def short_error(exc: Any) -> str:
    code = getattr(exc, "code", None)
    return f"{code}: {getattr(exc, 'description', '')}".strip() if code else type(exc).__name__
