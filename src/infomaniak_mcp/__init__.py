"""infomaniak-mcp: administer an Infomaniak account from any MCP client, safely."""

__version__ = "0.1.0"
