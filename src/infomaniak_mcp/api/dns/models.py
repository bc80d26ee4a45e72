"""DNS zones and records (`/2/zones/{zone}`, `/2/zones/{zone}/records`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel

#: Record types the API accepts on create (listing may also show DNSKEY, PTR, SOA).
WRITABLE_RECORD_TYPES = frozenset(
    {"A", "AAAA", "CAA", "CNAME", "DNAME", "DS", "MX", "NS", "SMIMEA", "SRV", "SSHFP", "TLSA", "TXT"}
)


class DnssecState(ApiModel):
    is_enabled: bool = False


class DnsRecord(ApiModel):
    """A record. `source` is relative to the zone (apex is `"."`); `source_idn` is the full name.

    MX/SRV priority (and SRV weight/port) is written inside `target`, e.g. `"10 mail.example.ch."`;
    `description` holds the parsed parts when requested with `with=records_description`.
    """

    id: int
    source: str
    source_idn: str | None = None
    type: str
    ttl: int
    target: str
    updated_at: int | None = None
    dyndns_id: int | None = None
    delegated_zone: dict[str, Any] | None = None
    description: dict[str, Any] | None = None


class Zone(ApiModel):
    """`GET /2/zones/{zone}`."""

    id: int | None = None
    fqdn: str
    dnssec: DnssecState = Field(default_factory=DnssecState)
    nameservers: list[str] = Field(default_factory=list)
    skel: str | None = None
    records: list[DnsRecord] | None = None
