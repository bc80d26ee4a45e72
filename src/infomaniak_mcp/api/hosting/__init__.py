"""Web hostings and sites."""

from infomaniak_mcp.api.hosting.client import HostingClient
from infomaniak_mcp.api.hosting.models import Site, SiteApplication, WebHosting

__all__ = ["HostingClient", "Site", "SiteApplication", "WebHosting"]
