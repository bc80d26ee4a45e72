"""The sandbox: a stateful simulator of Infomaniak's public API and manager-private surface.

It never imports `infomaniak_mcp.api` (it is an independent oracle for the client). See
`app.py` for the request pipeline, `auth.py` for tokens/sessions/limits, `faults.py` for fault
injection and `seed.py` for the demo account.
"""

from infomaniak_mcp.sandbox.app import create_app, serve
from infomaniak_mcp.sandbox.auth import (
    ALL_SCOPES,
    SANDBOX_SASESSION,
    SANDBOX_TOKEN,
    SANDBOX_TOKEN_DNS_READ,
    SANDBOX_TOKEN_REVOKED,
    SANDBOX_TOKENS,
    SANDBOX_XSRF_TOKEN,
)
from infomaniak_mcp.sandbox.clock import SANDBOX_EPOCH, SandboxClock
from infomaniak_mcp.sandbox.faults import FaultConfig, FaultConfigError, FaultRule
from infomaniak_mcp.sandbox.runtime import RecordedExchange
from infomaniak_mcp.sandbox.state import SandboxState

__all__ = [
    "ALL_SCOPES",
    "SANDBOX_EPOCH",
    "SANDBOX_SASESSION",
    "SANDBOX_TOKEN",
    "SANDBOX_TOKENS",
    "SANDBOX_TOKEN_DNS_READ",
    "SANDBOX_TOKEN_REVOKED",
    "SANDBOX_XSRF_TOKEN",
    "FaultConfig",
    "FaultConfigError",
    "FaultRule",
    "RecordedExchange",
    "SandboxClock",
    "SandboxState",
    "create_app",
    "serve",
]
