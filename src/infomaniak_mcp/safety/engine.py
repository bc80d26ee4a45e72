"""`SafetyEngine`: the per-installation pieces the confirmation wrapper uses, in one object.

- `tokens`: `ConfirmationTokens` (HMAC secret + used ids in the state directory, TTL from
  `INFOMANIAK_MCP_CONFIRM_TTL`); created on first use, so a server that never writes never
  creates the secret file;
- `audit`: the `AuditLog` (`INFOMANIAK_MCP_AUDIT_LOG`, `INFOMANIAK_MCP_AUDIT_READS`);
- `history`: the `History` of applied writes;
- `locks`: in-process `KeyedLocks` (one per resource root: one hosting, one zone);
- `confirm`: `"auto"` (elicit when the client can, else confirmation tokens) or `"elicit"`
  (a human must confirm through elicitation; clients that cannot elicit get a refusal);
- `poll_deadline`: how long an apply waits for an asynchronous upstream operation, measured on
  `poll_clock` with `poll_sleep` between checks (tests pass fakes).

`SafetyEngine.from_env(environ)` reads those settings from `environ` (the server passes
`Settings.environ`: process environment over `.env`; `None` means `os.environ`) and raises
`ConfigError` naming a wrong variable at once (nothing is written until a write happens);
tests build one on a temporary directory with `SafetyEngine.in_directory(path, clock=...)`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Literal, get_args

import anyio

from infomaniak_mcp.config import ConfigError
from infomaniak_mcp.safety.audit import AUDIT_FILE_NAME, AuditLog
from infomaniak_mcp.safety.executor import KeyedLocks
from infomaniak_mcp.safety.history import HISTORY_FILE_NAME, History
from infomaniak_mcp.safety.operations import DEFAULT_POLL_DEADLINE
from infomaniak_mcp.safety.state import sandbox_environ
from infomaniak_mcp.safety.tokens import (
    DEFAULT_TTL,
    SECRET_FILE_NAME,
    USED_FILE_NAME,
    ConfirmationTokens,
    confirm_ttl,
    load_or_create_secret,
)

ConfirmMode = Literal["auto", "elicit"]
CONFIRM_MODES: tuple[str, ...] = get_args(ConfirmMode)
CONFIRM_ENV = "INFOMANIAK_MCP_CONFIRM"


def confirm_mode(value: str | None) -> ConfirmMode:
    """Parse `--confirm` / `INFOMANIAK_MCP_CONFIRM` (`auto` when empty)."""
    raw = (value or "auto").strip().lower()
    if raw == "elicit":
        return "elicit"
    if raw == "auto":
        return "auto"
    raise ConfigError(CONFIRM_ENV, f"{value!r} is not a confirmation mode (use auto or elicit)")


class SafetyEngine:
    """Tokens, audit log, history and locks of one server (see the module docstring)."""

    def __init__(
        self,
        *,
        audit: AuditLog,
        history: History,
        tokens: ConfirmationTokens | Callable[[], ConfirmationTokens],
        confirm: ConfirmMode = "auto",
        locks: KeyedLocks | None = None,
        poll_deadline: float = DEFAULT_POLL_DEADLINE,
        poll_clock: Callable[[], float] = time.monotonic,
        poll_sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        if confirm not in CONFIRM_MODES:
            raise ValueError(f"confirm must be one of {CONFIRM_MODES}")
        self.audit = audit
        self.history = history
        self.confirm: ConfirmMode = confirm
        self.locks = locks or KeyedLocks()
        self.poll_deadline = poll_deadline
        self.poll_clock = poll_clock
        self.poll_sleep = poll_sleep
        self._tokens = tokens if isinstance(tokens, ConfirmationTokens) else None
        self._make_tokens = None if isinstance(tokens, ConfirmationTokens) else tokens
        self._guard = threading.Lock()

    @property
    def tokens(self) -> ConfirmationTokens:
        with self._guard:
            if self._tokens is None:
                assert self._make_tokens is not None
                self._tokens = self._make_tokens()
            return self._tokens

    def __repr__(self) -> str:
        return f"SafetyEngine(confirm={self.confirm!r}, {self.audit!r}, {self.history!r})"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        confirm: ConfirmMode | None = None,
        clock: Callable[[], float] = time.time,
        sandbox: bool = False,
    ) -> SafetyEngine:
        """The installation's engine; configuration errors (mode, TTL, flags) are raised now, files come later.

        `confirm`: the `--confirm` option when given; else `INFOMANIAK_MCP_CONFIRM` from `environ`.
        `sandbox`: a `--sandbox` server: its files live apart from the real account's
        (`state.sandbox_environ`: `<state dir>/sandbox/` unless the paths are set explicitly).
        """
        env: Mapping[str, str] = os.environ if environ is None else environ
        if sandbox:
            env = sandbox_environ(env)
        mode = confirm if confirm is not None else confirm_mode(env.get(CONFIRM_ENV))
        confirm_ttl(env)  # fail at start-up on a bad INFOMANIAK_MCP_CONFIRM_TTL
        return cls(
            audit=AuditLog.from_env(env, clock=clock),
            history=History.from_env(env, clock=clock),
            tokens=lambda: ConfirmationTokens.from_env(env, clock=clock),
            confirm=mode,
        )

    @classmethod
    def in_directory(
        cls,
        directory: Path,
        *,
        clock: Callable[[], float] = time.time,
        ttl: float = DEFAULT_TTL,
        confirm: ConfirmMode = "auto",
        audit_reads: bool = False,
        audit_path: Path | None = None,
    ) -> SafetyEngine:
        """An engine whose files all live in `directory` (tests, embedding)."""
        return cls(
            audit=AuditLog(audit_path or directory / AUDIT_FILE_NAME, clock=clock, audit_reads=audit_reads),
            history=History(directory / HISTORY_FILE_NAME, clock=clock),
            tokens=lambda: ConfirmationTokens(
                load_or_create_secret(directory / SECRET_FILE_NAME), ttl, clock, used_path=directory / USED_FILE_NAME
            ),
            confirm=confirm,
        )

