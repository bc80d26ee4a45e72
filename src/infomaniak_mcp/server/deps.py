"""What every tool call shares: the server's dependencies, the caller's principal, the ToolContext.

Principals: over HTTP, the name of the bearer token the request authenticated with (the
transport stores it in the ASGI scope under `PRINCIPAL_SCOPE_KEY`); otherwise (stdio, in-process)
the local user running the server (`getpass.getuser()`, `"local"` when it cannot be known).
Confirmation tokens are bound to the principal and every audit entry carries it.
"""

from __future__ import annotations

import functools
import getpass
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context

from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.safety.plan import Plan
from infomaniak_mcp.safety.redact import redact
from infomaniak_mcp.server.context import ProgressFn, ToolContext

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

# The HTTP transport stores the authenticated principal's name under this ASGI scope key.
PRINCIPAL_SCOPE_KEY = "infomaniak_mcp.principal"
FALLBACK_PRINCIPAL = "local"

PrincipalResolver = Callable[[Context[Any, Any]], str]


@functools.cache
def local_principal() -> str:
    """The local user's name (the principal of stdio and in-process calls)."""
    try:
        name = getpass.getuser().strip()
    except Exception:  # no user name in the environment nor the password database
        return FALLBACK_PRINCIPAL
    return name or FALLBACK_PRINCIPAL


def request_principal(ctx: Context[Any, Any]) -> str:
    """The caller: the HTTP bearer token's name when the request carries one, else the local user."""
    try:
        request = ctx.request_context.request
    except ValueError:  # no request (a direct in-process call)
        return local_principal()
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        name = scope.get(PRINCIPAL_SCOPE_KEY)
        if isinstance(name, str) and name:
            return name
    return local_principal()


def has_request(ctx: Context[Any, Any]) -> bool:
    try:
        ctx.request_context  # noqa: B018  # raises ValueError outside a request
    except ValueError:
        return False
    return True


@dataclass
class CallProgress:
    """The last progress a tool call reported: a rate-limit wait report continues from it (values only grow)."""

    value: float = 0.0
    total: float | None = None


CALL_PROGRESS: ContextVar[CallProgress | None] = ContextVar("infomaniak_mcp_call_progress", default=None)
"""Set by the server for each tool call (`InfomaniakServer.call_tool`)."""


def tracked_progress(send: ProgressFn) -> ProgressFn:
    """`send`, recording each value in the current call's `CallProgress` (when there is one)."""

    async def progress(value: float, total: float | None, message: str | None) -> None:
        current = CALL_PROGRESS.get()
        if current is not None:
            current.value, current.total = max(current.value, value), total
        await send(value, total, message)

    return progress


PLAN_URI = "infomaniak://plans/{plan_id}"


class PlanStore:
    """Large plans shown in part, by id: `put` returns the resource URI, `read` the JSON (same principal).

    One per server (`ServerDeps.plans`), read by its `infomaniak://plans/{plan_id}` resource.
    """

    def __init__(self, size: int = 32, keep: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.keep, self._clock = size, keep, clock
        self._plans: OrderedDict[str, tuple[str, float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, plan: Plan, principal: str) -> str:
        plan_id = secrets.token_urlsafe(12)
        text = json.dumps(redact(plan.model_dump(mode="json", exclude_none=True)), ensure_ascii=False, indent=1)
        with self._lock:
            self._plans[plan_id] = (principal, self._clock() + self.keep, text)
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        return PLAN_URI.format(plan_id=plan_id)

    def read(self, plan_id: str, principal: str) -> str | None:
        with self._lock:
            entry = self._plans.get(plan_id)
            if entry is None or entry[0] != principal or entry[1] < self._clock():
                return None
            return entry[2]


@dataclass(frozen=True)
class ServerDeps:
    """The server-wide dependencies every tool call gets."""

    settings: Settings
    api: InfomaniakApi | None
    read_only: bool
    principal_resolver: PrincipalResolver
    safety: SafetyEngine
    clock: Callable[[], float] | None = None
    enabled_tools: frozenset[str] = frozenset()
    plans: PlanStore = field(default_factory=PlanStore)

    def tool_context(self, ctx: Context[Any, Any], principal: str) -> ToolContext:
        tool_ctx = ToolContext(
            settings=self.settings,
            principal=principal,
            api_client=self.api,
            safety_engine=self.safety,
            enabled_tools=self.enabled_tools,
            read_only=self.read_only,
        )
        if self.clock is not None:
            tool_ctx.clock = self.clock
        if has_request(ctx):
            tool_ctx.progress = tracked_progress(ctx.report_progress)
        return tool_ctx
