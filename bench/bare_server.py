"""Reference: a bare one-tool MCP server on the same SDK, for start-up and memory ratios."""

from mcp.server import MCPServer

server = MCPServer("bare")


@server.tool()
def ping(text: str) -> str:
    """Echo the text."""
    return text


if __name__ == "__main__":
    server.run("stdio")
