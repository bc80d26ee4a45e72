"""What a tool body receives: `ToolContext` (SDK-free, so tools never import the MCP SDK)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from infomaniak_mcp.api.errors import NotConfiguredError
from infomaniak_mcp.config import TOKEN_HELP, Settings

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi
    from infomaniak_mcp.safety.engine import SafetyEngine

ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


async def _no_progress(progress: float, total: float | None, message: str | None) -> None:
    return None


@dataclass
class ToolContext:
    """Per-call dependencies of a tool: settings, the API facade, the principal, progress, safety."""

    settings: Settings
    principal: str = "local"
    api_client: InfomaniakApi | None = None
    progress: ProgressFn = field(default=_no_progress)
    clock: Callable[[], float] = time.time
    """Wall clock in Unix seconds (tests and the sandbox pin it)."""
    safety_engine: SafetyEngine | None = None
    """Audit log, history and tokens of this server (the audit and history tools read them)."""
    enabled_tools: frozenset[str] = frozenset()
    """Names of the tools this server exposes (tools_search tells which hits need enabling)."""
    read_only: bool = False
    """The server runs with --read-only: write tools (and api_call_write) are not available."""

    @property
    def api(self) -> InfomaniakApi:
        """The typed Infomaniak client; raises `NotConfiguredError` (with how to get a token) if absent."""
        if self.api_client is None:
            raise NotConfiguredError(description=TOKEN_HELP)
        return self.api_client

    @property
    def safety(self) -> SafetyEngine:
        """The server's safety engine (audit log, history); always set when the server runs a tool."""
        if self.safety_engine is None:
            raise RuntimeError("this ToolContext has no safety engine")
        return self.safety_engine
