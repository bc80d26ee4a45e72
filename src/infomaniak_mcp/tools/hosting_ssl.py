"""`hosting_set_certificate`: request a free Let's Encrypt certificate or install a custom one on a site.

A custom certificate is checked locally first (`domain/hosting_pem.py`: PEM parses, the key
matches, the chain is in issuing order, not expired, covers the site's name); any error refuses
the plan, warnings go into its summary. The PEM material is kept by reference (`hosting_ops.MATERIAL`),
so the private key never appears in the plan, the audit log or the history.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from infomaniak_mcp.api.errors import ErrorDetail, InvalidArgumentError
from infomaniak_mcp.domain.hosting import certificate_resource
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Risk, Step
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import tool
from infomaniak_mcp.tools.hosting_common import HostingId, SiteId, get_certificate, looking_up
from infomaniak_mcp.tools.hosting_ops import MATERIAL, certificate_value
from infomaniak_mcp.tools.hosting_writes import plan_state, writable_hosting

Pem = Annotated[str | None, Field(description="PEM (custom).", max_length=20_000)]


@tool(toolset="hosting", read_only=False, destructive=True, title="Set SSL certificate", core=False)
async def hosting_set_certificate(
    ctx: ToolContext,
    hosting_id: HostingId,
    site_id: SiteId,
    type: Annotated[Literal["free", "custom"], Field(description="free = Let's Encrypt; custom = your PEM.")],
    certificate: Pem = None,
    private_key: Pem = None,
    chain: Annotated[str | None, Field(description="Intermediates, PEM.", max_length=20_000)] = None,
) -> Plan:
    """Request a free Let's Encrypt certificate for a site, or install a custom one after local checks (key match,
    chain order, expiry, names)."""
    hosting = await writable_hosting(ctx, hosting_id)
    async with looking_up(ctx.api, hosting.id, "site_id", site_id):
        site = await ctx.api.hosting.get_site(hosting.id, site_id, with_=())
    fqdn = site.main_fqdn or ""
    current = await get_certificate(ctx.api, hosting.id, site_id)
    before = certificate_value(current) if current is not None else None
    resource = certificate_resource(hosting.id, site_id)
    params: dict[str, Any] = {"hosting_id": hosting.id, "site_id": site_id, "type": type}
    after: dict[str, Any] = {"site_id": site_id, "type": type}
    notes = ""
    if type == "custom":
        if not certificate or not private_key:
            raise InvalidArgumentError.for_field("certificate", "type custom needs certificate and private_key (PEM)")
        # Imported here: cryptography's x509 costs ~20 ms of start-up for a rarely used tool.
        from infomaniak_mcp.domain.hosting_pem import check_certificate

        check = check_certificate(certificate, private_key, chain, fqdn=fqdn, now=ctx.clock())
        if not check.ok:
            raise InvalidArgumentError(
                code="invalid_certificate",
                description="; ".join(check.errors),
                details=[ErrorDetail("invalid", e, attribute=e.split(":", 1)[0]) for e in check.errors],
                hint="Fix the PEM material and call again; nothing was sent.",
            )
        params["material"] = MATERIAL.put(
            {"certificate": check.leaf_pem, "private_key": check.key_pem, "chain": check.chain_pem}
        )
        after |= {"subject": check.subject, "issuer": check.issuer, "expires": check.not_after,
                  "fingerprint": check.fingerprint_sha256}
        notes = f" (warnings: {'; '.join(check.warnings)})" if check.warnings else ""
    kind = "a free Let's Encrypt" if type == "free" else "a custom"
    replace = f", replacing the current {current.type or 'installed'} certificate" if current is not None else ""
    where = f"{fqdn} (site {site_id})" if fqdn else f"site {site_id}"
    summary = f"Install {kind} certificate on {where}{replace}{notes}"
    risk: Risk = "high" if current is not None and current.type != "free" else "low"
    return Plan(
        summary=summary,
        steps=[Step(operation="hosting.request_certificate", params=params, resource=resource,
                    description=f"Install {kind} certificate on {fqdn}", before=before)],
        diff=[DiffEntry(resource=resource, before=before, after=after)],
        risk=risk,
        target_name=fqdn if risk != "low" else "",
        fingerprint=plan_state(hosting, certificate=before, site=fqdn, material=params.get("material")),
        reversible=current is None,
    )
