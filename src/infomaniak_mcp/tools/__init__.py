"""Toolsets: one module per toolset, imported only when the toolset is enabled.

`TOOLSETS` is the catalog (name → module, default flag, instructions). Same noun everywhere:
toolset `dns` = `tools/dns.py` = `api/dns/` = `sandbox/routes/dns.py` = tool prefix `dns_`.
"""

from infomaniak_mcp.server.registry import ToolsetInfo

TOOLSETS: dict[str, ToolsetInfo] = {
    info.name: info
    for info in (
        ToolsetInfo(
            name="account",
            title="Account",
            description="Organisations and their products: overview, expiring and locked products.",
            module="infomaniak_mcp.tools.account",
            default=True,
            instructions=(
                "Start with account_overview: it lists the organisations (account ids) with product "
                "counts by kind, products expiring soon and locked products. account_list_products "
                "filters products by kind and organisation."
            ),
        ),
        ToolsetInfo(
            name="dns",
            title="DNS",
            description="DNS zones and records: read, change (one record or a change set), zone files, audits, "
            "live checks.",
            module="infomaniak_mcp.tools.dns_all",
            default=True,
            instructions=(
                "DNS zones are addressed by their domain name (e.g. example.ch). dns_list_records lists "
                "every record of a zone (apex written '.'), filterable by type and name. Several changes at "
                "once: dns_apply_changes (also takes a zone file); export: dns_export_zone. dns_audit_zones "
                "finds problems (SPF, DMARC, DKIM, MX, CAA, DNSSEC…); dns_verify_record checks live resolution."
            ),
        ),
        ToolsetInfo(
            name="domain",
            title="Domains",
            description="Domain names: expiry, nameservers, DNSSEC.",
            module="infomaniak_mcp.tools.domain",
            default=True,
            instructions=(
                "domain_list_domains lists domains with expiry dates (expiring_within_days filters); "
                "domain_get_domain shows one (nameservers, DNSSEC, linked products); domain_set_delegation "
                "changes nameservers and/or DNSSEC after confirmation."
            ),
        ),
        ToolsetInfo(
            name="history",
            title="History",
            description="Writes applied through this server, and undoing them.",
            module="infomaniak_mcp.tools.history",
            default=True,
            instructions=(
                "history_list shows the writes applied through this server (newest first, reversible or "
                "not); history_undo reverts one (re-creates a deleted record…) after confirmation, and "
                "refuses when the resource changed since."
            ),
        ),
        ToolsetInfo(
            name="audit",
            title="Audit log",
            description="The audit log of planned, confirmed, applied and refused changes.",
            module="infomaniak_mcp.tools.audit",
            default=False,
            instructions="audit_tail shows the latest audit entries; audit_search filters them.",
        ),
        ToolsetInfo(
            name="hosting",
            title="Web hosting",
            description="Web and Node.js hostings: sites, aliases, databases, FTP/SSH users, SSL, Node.js apps.",
            module="infomaniak_mcp.tools.hosting",
            default=True,
            instructions=(
                "Web hosting: hosting_list_hostings gives hosting ids, hosting_find_site maps a domain to its "
                "organisation/hosting/site ids. Writes use the manager session (INFOMANIAK_SASESSION/"
                "INFOMANIAK_XSRF_TOKEN); reads work without it. hosting_create_site with database/dns/certificate "
                "provisions a whole site in one plan."
            ),
        ),
        ToolsetInfo(
            name="api",
            title="Whole API",
            description="Every documented Infomaniak API operation: search, describe, call (reads), plan writes.",
            module="infomaniak_mcp.tools.api",
            default=True,
            instructions=(
                "When no curated tool fits, api_search_operations finds any documented operation of every "
                "product (mail, kDrive, kChat, Public Cloud, Swiss Backup, newsletter, AI, kMeet…) with the token "
                "scope it needs; api_describe_operation shows its parameters, body and answer; api_call runs a "
                "GET (validated first, all pages); api_call_write plans a POST/PUT/PATCH/DELETE and applies it "
                "only after confirmation. When a hit names a curated tool (covered_by), use that tool instead. "
                "kChat operations take team=<subdomain>."
            ),
        ),
        ToolsetInfo(
            name="tools",
            title="Tool search",
            description="Find the right tool for a task across every toolset, enabled or not.",
            module="infomaniak_mcp.tools.tools",
            default=True,
            instructions=(
                "By default only the most used tools are listed; specialised ones (zone audits and exports, "
                "live DNS checks, DNSSEC/nameserver changes, certificates, Node.js actions, the audit log) "
                "are not. No listed tool fits? tools_search finds tools of every toolset and says how to "
                "enable one (--tools / --toolsets); api_search_operations reaches every documented API operation."
            ),
        ),
    )
}
