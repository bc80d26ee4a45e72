"""Serve over stdio: stdout carries the MCP protocol and nothing else.

The SDK's `stdio_server()` claims the real stdout (fd 1) for the protocol and points fd 1 at
stderr while serving. On top of that, Python-level `sys.stdout` is redirected to stderr for the
whole run, so a stray print call anywhere in our code (or a library) lands in the log, never in
the protocol stream. Logging already goes to stderr (`server/logs.py`).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server


async def serve_stdio(server: MCPServer[Any]) -> None:
    """Run `server` over this process's stdin/stdout until stdin closes."""
    sys.stdout.flush()
    lowlevel = server._lowlevel_server  # the SDK has no public accessor yet (see mcp.client._memory)
    async with stdio_server() as (read_stream, write_stream):
        # The protocol writer holds its own duplicate of the real stdout; from here on, anything
        # written to sys.stdout goes to stderr instead.
        with contextlib.redirect_stdout(sys.stderr):
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
