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

ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


async def _no_progress(progress: float, total: float | None, message: str | None) -> None:
    return None


@dataclass
class ToolContext:
    """Per-call dependencies of a tool: settings, the API facade, the principal, progress."""

    settings: Settings
    principal: str = "local"
    api_client: InfomaniakApi | None = None
    progress: ProgressFn = field(default=_no_progress)
    clock: Callable[[], float] = time.time
    """Wall clock in Unix seconds (tests and the sandbox pin it)."""

    @property
    def api(self) -> InfomaniakApi:
        """The typed Infomaniak client; raises `NotConfiguredError` (with how to get a token) if absent."""
        if self.api_client is None:
            raise NotConfiguredError(description=TOKEN_HELP)
        return self.api_client
