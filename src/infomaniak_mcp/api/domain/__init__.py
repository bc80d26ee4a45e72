"""Domain names: list, detail, zones, DNSSEC, nameservers."""

from infomaniak_mcp.api.domain.client import DomainClient
from infomaniak_mcp.api.domain.models import (
    DnssecData,
    DnssecKey,
    DnssecStatus,
    Domain,
    DomainContacts,
    DomainOptions,
    DomainSummary,
    DomainZone,
)

__all__ = [
    "DnssecData",
    "DnssecKey",
    "DnssecStatus",
    "Domain",
    "DomainClient",
    "DomainContacts",
    "DomainOptions",
    "DomainSummary",
    "DomainZone",
]
