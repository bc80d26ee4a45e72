"""The provisioning workflow as a plan: site, database, database user, DNS A/AAAA records, free certificate.

`provisioning_steps(...)` is pure: from what the tool read (the hosting, its IPs, the zone's
current records for the name) it returns the ordered `PlannedStep`s and the notes explaining any
step left out. The tool turns them into `safety.plan.Step`s; the engine runs them in order under
the hosting's lock, stops at the first failure and offers the compensating plan built from the
inverses of the steps that were applied (delete the database user, the database, the site…).

Operations (the hosting toolset registers `hosting.*`; `dns.create_record` is the DNS toolset's):

| # | operation | params |
|---|---|---|
| 1 | `hosting.create_site` | hosting_id, fqdn, directory, environment, php_version |
| 2 | `hosting.create_database` | hosting_id, name, description |
| 3 | `hosting.create_database_user` | hosting_id, name, grants {database: level} |
| 4 | `dns.create_record` (A, AAAA) | zone, type, source, target, ttl |
| 5 | `hosting.request_certificate` | hosting_id, fqdn, type=free (the site id is resolved when it runs) |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from infomaniak_mcp.api.dns.models import DnsRecord
from infomaniak_mcp.api.hosting.models import WebHosting
from infomaniak_mcp.domain.hosting import (
    database_resource,
    database_user_resource,
    hosting_resource,
    prefixed,
)

DNS_TTL = 3600


@dataclass(frozen=True)
class PlannedStep:
    """A step as plain data (`safety.plan.Step` fields)."""

    operation: str
    params: dict[str, Any]
    resource: str
    description: str
    before: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "params": dict(self.params),
            "resource": self.resource,
            "description": self.description,
            "before": self.before,
        }


@dataclass
class Provisioning:
    steps: list[PlannedStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_database_name(fqdn: str) -> str:
    """`www.example-shop.ch` → `example_shop` (first label that is not www, `-`/`.` → `_`, ≤ 32 chars)."""
    labels = [label for label in fqdn.split(".")[:-1] if label != "www"] or fqdn.split(".")[:1]
    name = "_".join(labels).replace("-", "_")
    return name[:32].strip("_") or "site"


def relative_source(fqdn: str, zone: str) -> str:
    return "." if fqdn == zone else fqdn.removesuffix("." + zone)


def dns_steps(
    fqdn: str,
    zone: str | None,
    ips: Sequence[tuple[str, str]],
    existing: Sequence[DnsRecord],
    provisioning: Provisioning,
) -> None:
    """A/AAAA steps for `fqdn` in `zone` pointing at the hosting's `ips` ((type, address) pairs).

    Left out, with a note: no zone on the account, IPs unknown, a record of that type already
    there (never overwritten: the note says what it points at), or a CNAME on the name.
    """
    if zone is None:
        provisioning.notes.append(
            f"DNS: no zone of this account covers {fqdn}; point it at the hosting where its DNS is hosted"
        )
        return
    if not ips:
        provisioning.notes.append("DNS: the hosting's IP addresses are unknown (no site to read them from)")
        return
    source = relative_source(fqdn, zone)
    here = [r for r in existing if r.source.lower() == source]
    if any(r.type == "CNAME" for r in here):
        provisioning.notes.append(f"DNS: {fqdn} is a CNAME in {zone}; left unchanged")
        return
    for record_type, address in ips:
        same = [r for r in here if r.type == record_type]
        if any(r.target == address for r in same):
            provisioning.notes.append(f"DNS: {fqdn} {record_type} already points at {address}")
            continue
        if same:
            targets = ", ".join(r.target for r in same)
            provisioning.notes.append(
                f"DNS: {fqdn} already has {record_type} → {targets}; left unchanged (update it to {address} "
                "yourself if the site should answer there)"
            )
            continue
        provisioning.steps.append(
            PlannedStep(
                "dns.create_record",
                {"zone": zone, "type": record_type, "source": source, "target": address, "ttl": DNS_TTL},
                f"dns:{zone}",
                f"Create {record_type} {fqdn} → {address} in {zone}",
            )
        )


def provisioning_steps(
    hosting: WebHosting,
    *,
    fqdn: str,
    directory: str,
    php_version: str,
    database: str | None,
    user: str | None,
    zone: str | None,
    ips: Sequence[tuple[str, str]],
    existing_records: Sequence[DnsRecord],
    certificate: bool,
) -> Provisioning:
    """The ordered steps of a provisioning run (see the module docstring); no database step without `database`."""
    out = Provisioning()
    root = hosting_resource(hosting.id)
    out.steps.append(
        PlannedStep(
            "hosting.create_site",
            {
                "hosting_id": hosting.id,
                "fqdn": fqdn,
                "directory": directory,
                "environment": "apache_php",
                "php_version": php_version,
            },
            f"{root}/sites",
            f"Create the site {fqdn} in {directory} (PHP {php_version}) on hosting {hosting.id}",
        )
    )
    if database is not None:
        database_steps(hosting, database, user or database, fqdn, out)
    dns_steps(fqdn, zone, ips, existing_records, out)
    if certificate:
        out.steps.append(
            PlannedStep(
                "hosting.request_certificate",
                {"hosting_id": hosting.id, "fqdn": fqdn, "type": "free"},
                f"{root}/certificates",
                f"Request a free Let's Encrypt certificate for {fqdn}",
            )
        )
    else:
        out.notes.append("SSL: no certificate requested (certificate=false)")
    return out


def database_steps(hosting: WebHosting, database: str, user: str, fqdn: str, out: Provisioning) -> None:
    """The database and its user (read/write on it; the password is generated when the step runs)."""
    db_name = prefixed(hosting, database)
    user_name = prefixed(hosting, user)
    out.steps.append(
        PlannedStep(
            "hosting.create_database",
            {"hosting_id": hosting.id, "name": db_name, "description": f"Site {fqdn}"},
            database_resource(hosting.id, db_name),
            f"Create the database {db_name}",
        )
    )
    out.steps.append(
        PlannedStep(
            "hosting.create_database_user",
            {"hosting_id": hosting.id, "name": user_name, "grants": {db_name: "read_write"}},
            database_user_resource(hosting.id, user_name),
            f"Create the database user {user_name} (read/write on {db_name}; password generated, shown once)",
        )
    )
