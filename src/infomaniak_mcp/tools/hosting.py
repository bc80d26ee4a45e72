"""Toolset `hosting`: web hostings, sites, aliases, databases and users, FTP/SSH users, SSL, Node.js apps.

This module is the toolset's entry (the catalog names it): importing it imports every module
of the toolset, whose `@tool` declarations (and `@operation`s) register themselves. Split by
concern to keep each file small; `hosting_common` holds what they share.
"""

from infomaniak_mcp.tools import hosting_audit, hosting_nodejs, hosting_reads

__all__ = ["hosting_audit", "hosting_nodejs", "hosting_reads"]
