"""Hosting audit: findings over hostings, their sites and certificates (pure; the tool reads the data).

Findings, worst first:

| kind | severity | when |
|---|---|---|
| `certificate_error` | high | the certificate's status is `error` (ACME failed) or it is expired |
| `certificate_expiring` | medium (high under 7 days) | expires within `days` |
| `site_without_https` | medium | a site has no certificate |
| `hosting_locked` | high | the hosting product is locked |
| `hosting_in_maintenance` | low | maintenance flag set |
| `operation_in_progress` | low | writes on that hosting must wait |
| `quota_above_threshold` | medium (high ≥ 95 %) | disk used ≥ `quota_percent` of the quota |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from infomaniak_mcp.api.hosting.models import Certificate, Site, WebHosting

DAY = 86_400
Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    hosting_id: int
    message: str
    next_step: str
    site_id: int | None = None
    fqdn: str | None = None


@dataclass
class HostingData:
    """What the audit needs about one hosting (sites and certificates empty for Node.js hostings)."""

    hosting: WebHosting
    sites: Sequence[Site] = ()
    certificates: Mapping[int, Certificate | None] | None = None
    error: str | None = None  # why the sites could not be read (reported, not fatal)


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _certificate_findings(data: HostingData, now: float, days: int) -> list[Finding]:
    out: list[Finding] = []
    hosting_id = data.hosting.id
    certs = data.certificates or {}
    for site in data.sites:
        fqdn = site.main_fqdn or str(site.id)
        cert = certs.get(site.id)
        if cert is None:
            if site.hosting_type != "nodejs" or site.ssl_status in (None, "none"):
                out.append(
                    Finding(
                        "site_without_https",
                        "medium",
                        hosting_id,
                        f"{fqdn} has no SSL certificate: it is served over plain HTTP",
                        f"hosting_set_certificate hosting_id={hosting_id} site_id={site.id} type=free",
                        site.id,
                        fqdn,
                    )
                )
            continue
        expired = cert.is_expired or (cert.expired_at is not None and cert.expired_at <= now)
        if cert.status == "error" or expired:
            why = cert.error_on_certificate or ("expired" if expired else "error")
            failing = f" for {', '.join(cert.error_identifiers)}" if cert.error_identifiers else ""
            out.append(
                Finding(
                    "certificate_error",
                    "high",
                    hosting_id,
                    f"{fqdn}: certificate {why}{failing}",
                    "Check that the names point at the hosting (DNS A/AAAA), then request a free certificate again.",
                    site.id,
                    fqdn,
                )
            )
        elif cert.expired_at is not None and cert.expired_at - now <= days * DAY:
            left = int((cert.expired_at - now) // DAY)
            automatic = cert.type == "free"
            out.append(
                Finding(
                    "certificate_expiring",
                    "high" if left < 7 else "medium",
                    hosting_id,
                    f"{fqdn}: {cert.type or ''} certificate expires in {left} day(s) ({_date(cert.expired_at)})",
                    "Let's Encrypt renews by itself; check it did (hosting_list_sites certificates=true) "
                    "if under 7 days."
                    if automatic
                    else "Install the renewed certificate (hosting_set_certificate type=custom).",
                    site.id,
                    fqdn,
                )
            )
    return out


def _hosting_findings(hosting: WebHosting, quota_percent: float) -> list[Finding]:
    out: list[Finding] = []
    name = hosting.customer_name or str(hosting.id)
    if hosting.is_locked:
        out.append(
            Finding(
                "hosting_locked",
                "high",
                hosting.id,
                f"{name} is locked: its sites may be offline and no change is possible",
                "Settle the product in the Manager (billing), then retry.",
            )
        )
    if hosting.has_maintenance:
        out.append(Finding("hosting_in_maintenance", "low", hosting.id, f"{name} is in maintenance", "Wait."))
    if hosting.has_operation_in_progress:
        out.append(
            Finding(
                "operation_in_progress",
                "low",
                hosting.id,
                f"{name} has an operation in progress; writes on it must wait",
                "Retry writes once it is finished.",
            )
        )
    if hosting.disk_used is not None and hosting.disk_quota:
        percent = 100.0 * hosting.disk_used / hosting.disk_quota
        if percent >= quota_percent:
            out.append(
                Finding(
                    "quota_above_threshold",
                    "high" if percent >= 95 else "medium",
                    hosting.id,
                    f"{name} uses {percent:.0f} % of its disk ({hosting.disk_used / 1024**3:.1f} of "
                    f"{hosting.disk_quota / 1024**3:.0f} GB)",
                    "Remove old backups/logs or upgrade the hosting's disk.",
                )
            )
    return out


def audit_hostings(
    data: Sequence[HostingData], *, now: float, days: int = 30, quota_percent: float = 80.0
) -> list[Finding]:
    """Every finding over `data`, worst first (then by hosting and name)."""
    out: list[Finding] = []
    for item in data:
        out.extend(_hosting_findings(item.hosting, quota_percent))
        out.extend(_certificate_findings(item, now, days))
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], f.hosting_id, f.kind, f.fqdn or ""))
