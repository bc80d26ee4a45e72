"""`hosting_audit_hostings`: certificates expiring or in error, sites without HTTPS, locked or busy
hostings, disk quota above a threshold — over one hosting or every hosting of one or all organisations.

The rules are `domain/hosting_audit.py`; this module only reads (public API: hostings, sites,
one certificate read per site) and renders the findings.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from infomaniak_mcp.api.errors import InfomaniakError
from infomaniak_mcp.api.hosting.models import Certificate, WebHosting
from infomaniak_mcp.domain.hosting_audit import Finding, HostingData, audit_hostings
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.common import AccountId
from infomaniak_mcp.tools.hosting_common import Row, get_certificate, get_hosting


def finding_row(f: Finding) -> Row:
    out: Row = {"kind": f.kind, "severity": f.severity, "hosting_id": f.hosting_id}
    if f.site_id is not None:
        out["site_id"] = f.site_id
    if f.fqdn:
        out["fqdn"] = f.fqdn
    out["message"] = f.message
    out["next_step"] = f.next_step
    return out


class HostingAudit(ToolOutput):
    hostings: int
    sites: int
    findings: list[Row] = Field(
        description="Worst first: kind, severity (high|medium|low), hosting_id, site_id, fqdn, message, next_step."
    )
    errors: list[str] | None = None

    def to_text(self) -> str:
        head = f"Audit of {self.hostings} hosting(s), {self.sites} site(s): {len(self.findings)} finding(s)"
        lines = [head + (":" if self.findings else ".")]
        lines += [f"- [{f['severity']}] {f['message']} → {f['next_step']}" for f in self.findings]
        lines += [f"! {e}" for e in self.errors or []]
        return "\n".join(lines)


async def _collect(ctx: ToolContext, hosting: WebHosting) -> HostingData:
    data = HostingData(hosting=hosting)
    try:
        data.sites = (await ctx.api.hosting.list_sites(hosting.id, with_=())).items
        certs: dict[int, Certificate | None] = {}
        for site in data.sites:
            certs[site.id] = await get_certificate(ctx.api, hosting.id, site.id)
        data.certificates = certs
    except InfomaniakError as exc:
        data.error = f"hosting {hosting.id}: {exc.code}: {exc.description}"
        data.sites = ()
    return data


@tool(toolset="hosting", read_only=True, title="Audit web hostings", core=False)
async def hosting_audit_hostings(
    ctx: ToolContext,
    account_id: AccountId = None,
    hosting_id: Annotated[int | None, Field(description="Only this hosting.", ge=1)] = None,
    days: Annotated[int, Field(description="Certificate expiry horizon.", ge=1, le=365)] = 30,
    quota_percent: Annotated[float, Field(description="Disk alert threshold %.", ge=1, le=100)] = 80,
) -> HostingAudit:
    """Audit hostings (one, an organisation's, or all): certificates expiring or in error, sites without HTTPS,
    locked or busy hostings, disk above a threshold; each finding has a next step."""
    if hosting_id is not None:
        hostings = [await get_hosting(ctx.api, hosting_id)]
    else:
        hostings = (await ctx.api.hosting.list_hostings(account_id=account_id)).items
    data = [await _collect(ctx, h) for h in hostings]
    findings = audit_hostings(data, now=ctx.clock(), days=days, quota_percent=quota_percent)
    errors = [d.error for d in data if d.error]
    return HostingAudit(
        hostings=len(hostings),
        sites=sum(len(d.sites) for d in data),
        findings=[finding_row(f) for f in findings],
        errors=errors or None,
    )
