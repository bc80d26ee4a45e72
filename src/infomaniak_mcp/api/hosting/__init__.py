"""Web hostings: public reads (`HostingClient`), manager writes and manager-only reads (`ManagerHostingClient`)."""

from infomaniak_mcp.api.hosting.client import HostingClient
from infomaniak_mcp.api.hosting.manager import ManagerHostingClient
from infomaniak_mcp.api.hosting.models import (
    AsyncTask,
    Certificate,
    Database,
    DatabaseUser,
    FtpUser,
    NodeApp,
    Rights,
    Site,
    SiteAlias,
    SiteApplication,
    WebHosting,
)

__all__ = [
    "AsyncTask",
    "Certificate",
    "Database",
    "DatabaseUser",
    "FtpUser",
    "HostingClient",
    "ManagerHostingClient",
    "NodeApp",
    "Rights",
    "Site",
    "SiteAlias",
    "SiteApplication",
    "WebHosting",
]
