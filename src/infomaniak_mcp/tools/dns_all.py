"""Toolset `dns`, all of it: the catalog loads this module, which imports every `dns` tool module.

- `tools/dns.py`: list records; create, update, delete one record (and the `dns.*` operations);
- `tools/dns_records.py`: get one record; change sets;
- `tools/dns_zonefile.py`: zone file export (a resource) and import;
- `tools/dns_audit.py`: zone audits;
- `tools/dns_live.py`: live resolution checks.
"""

from infomaniak_mcp.tools import dns, dns_audit, dns_live, dns_records, dns_zonefile

__all__ = ["dns", "dns_audit", "dns_live", "dns_records", "dns_zonefile"]
