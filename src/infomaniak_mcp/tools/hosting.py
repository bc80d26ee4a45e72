"""Toolset `hosting`: web hostings, sites, aliases, databases and users, FTP/SSH users, SSL, Node.js apps.

This module is the toolset's entry (the catalog names it): importing it imports every module of
the toolset, whose `@tool` declarations and `hosting.*` operations (with their inverses and
resource readers) register themselves — so the server loads them all when a plan or an undo
needs a `hosting.*` operation. Split by concern to keep each file small:

- `hosting_reads`: hostings, find a site, sites, site detail, databases/users, FTP users, certificates;
- `hosting_nodejs`: Node.js app detail and start/stop/restart/build;
- `hosting_audit`: the hosting audit;
- `hosting_sites`: site creation and the provisioning workflow;
- `hosting_writes`: create / update user / delete by resource kind; `hosting_ssl`: certificates;
- `hosting_ops`: the operations the engine runs (the only code that writes);
- `hosting_reconcile`: how a write that got no answer in time is told applied or not;
- `hosting_common`: shared argument types and helpers.
"""

from infomaniak_mcp.tools import (
    hosting_audit,
    hosting_nodejs,
    hosting_ops,
    hosting_reads,
    hosting_reconcile,
    hosting_sites,
    hosting_ssl,
    hosting_writes,
)

__all__ = [
    "hosting_audit",
    "hosting_nodejs",
    "hosting_ops",
    "hosting_reads",
    "hosting_reconcile",
    "hosting_sites",
    "hosting_ssl",
    "hosting_writes",
]
