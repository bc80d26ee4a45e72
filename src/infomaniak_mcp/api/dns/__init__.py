"""DNS zones and records."""

from infomaniak_mcp.api.dns.client import DnsClient
from infomaniak_mcp.api.dns.models import WRITABLE_RECORD_TYPES, DnsRecord, DnssecState, Zone

__all__ = ["WRITABLE_RECORD_TYPES", "DnsClient", "DnsRecord", "DnssecState", "Zone"]
