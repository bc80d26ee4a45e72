"""Toolset `dns` (zone files): export a zone as a BIND zone file (import: `dns_apply_changes`).

- Resource `infomaniak://dns/zones/{zone}/zonefile` (text/dns): the zone rendered fresh from the
  API each time it is read (`domain.dns_zonefile.render_zone_file`).
- `dns_export_zone` returns that URI with the file inline when it is small, else an excerpt (the
  client reads the resource for the rest), so a big zone never floods the context.
"""

from __future__ import annotations

from datetime import UTC, datetime

from infomaniak_mcp.domain.dns_zonefile import render_zone_file, zone_serial
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, resource, tool
from infomaniak_mcp.tools.dns_common import Zone, names_the_zone, zone_arg
from infomaniak_mcp.tools.dns_records import zone_records

ZONE_FILE_URI = "infomaniak://dns/zones/{zone}/zonefile"
INLINE_LIMIT = 4000  # characters (~1,000 tokens); bigger files come as an excerpt + the resource
EXCERPT_LINES = 40


def zone_file_uri(zone: str) -> str:
    return ZONE_FILE_URI.format(zone=zone)


async def render_zone(ctx: ToolContext, zone: str) -> tuple[str, int]:
    """The zone file of `zone` now, and its number of records."""
    info = await ctx.api.dns.get_zone(zone)
    records = await zone_records(ctx, zone)
    day = datetime.fromtimestamp(ctx.clock(), UTC).date().isoformat()
    header = f"Zone {zone} exported from Infomaniak on {day}: {len(records)} records"
    text = render_zone_file(zone, records, nameservers=info.nameservers, serial=zone_serial(records), header=header)
    return text, len(records)


@resource(toolset="dns", uri_template=ZONE_FILE_URI, title="DNS zone file", mime_type="text/dns")
async def dns_zone_file(ctx: ToolContext, zone: str) -> str:
    """A DNS zone as a BIND zone file (RFC 1035), rendered from its current records."""
    text, _ = await render_zone(ctx, zone_arg(zone))
    return text


class ZoneExport(ToolOutput):
    uri: str
    records: int
    lines: int
    text: str
    truncated: bool

    def to_text(self) -> str:
        cut = f"\n… {self.lines} lines in all: read the resource {self.uri} for the rest." if self.truncated else ""
        return f"{self.text}{cut}"


@tool(toolset="dns", read_only=True, title="Export a DNS zone", covers=("GET /2/zones/{zone}",), core=False)
@names_the_zone()
async def dns_export_zone(ctx: ToolContext, zone: Zone) -> ZoneExport:
    """Export a zone as a BIND zone file: inline if small, else an excerpt and the resource uri of the whole
    file. Re-import with dns_apply_changes(zone_file=...)."""
    fqdn = zone_arg(zone)
    text, count = await render_zone(ctx, fqdn)
    lines = text.splitlines()
    truncated = len(text) > INLINE_LIMIT
    return ZoneExport(
        uri=zone_file_uri(fqdn),
        records=count,
        lines=len(lines),
        text="\n".join(lines[:EXCERPT_LINES]) + "\n" if truncated else text,
        truncated=truncated,
    )
