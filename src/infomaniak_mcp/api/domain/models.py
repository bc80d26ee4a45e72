"""Domains: v1 per-account list and flags, v2 detail, zones of a domain, DNSSEC state."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel
from infomaniak_mcp.api.dns.models import DnssecState


class DomainSummary(ApiModel):
    """`GET /1/domain/account/{account_id}` item (v1 flags)."""

    id: int
    customer_name: str
    account_id: int | None = None
    is_dns_managed_by_infomaniak: bool | None = None
    is_external: bool | None = None
    has_dnssec: bool | None = None
    is_dnssec_pending: bool | None = None
    has_error: bool | None = None
    has_trustee_contact: bool | None = None
    has_whois_antispam: bool | None = None
    is_part_of_ksuite: bool | None = None
    is_premium: bool | None = None
    is_idn: bool | None = None
    puny_code: str | None = None
    expired_at: int | None = None


class DomainOptions(ApiModel):
    dns_anycast: bool | None = None
    renewal_warranty: bool | None = None
    domain_privacy: bool | None = None
    dnssec: bool | None = None


class DomainContacts(ApiModel):
    owner: dict[str, Any] | None = None
    admin: dict[str, Any] | None = None
    tech: dict[str, Any] | None = None
    billing: dict[str, Any] | None = None


class Domain(ApiModel):
    """`GET /2/domains/domains/{domain}` (v2 detail)."""

    id: int | None = None
    name: str
    tld: str | None = None
    is_premium: bool | None = None
    created_at: int | None = None
    expires_at: int | None = None
    resale_status: Any = None
    options: DomainOptions = Field(default_factory=DomainOptions)
    contacts: DomainContacts = Field(default_factory=DomainContacts)
    status: list[str] = Field(default_factory=list)


class DomainZone(ApiModel):
    """`GET /2/domains/{domain}/zones` item."""

    fqdn: str
    dnssec: DnssecState = Field(default_factory=DnssecState)
    nameservers: list[str] = Field(default_factory=list)
    is_enabled: bool | None = None


class DnssecData(ApiModel):
    algorithm: str | int | None = None
    key: str | None = None
    flags: str | int | None = None
    protocol: str | int | None = None
    public_key: str | None = None
    digest_type: str | int | None = None
    digest: str | None = None


class DnssecKey(ApiModel):
    algorithm: str | int | None = None
    public_key: str | None = None


class DnssecStatus(ApiModel):
    """`GET /2/domains/{domain}/dnssec/check`."""

    has_dnssec: bool = False
    dnssec_type: str | None = None
    dnssec_data: list[DnssecData] = Field(default_factory=list)
    ksk: DnssecKey | None = None
