"""Who may call what: bearer tokens and scopes, manager sessions, the 60/min window.

Public API (facts §1, §4, §10.3-4):
- `Authorization: Bearer <token>` on every `/1/`, `/2/`, `/3/` route. Absent, unknown or revoked
  token → 401 `not_authorized`.
- Each route declares one scope (`accounts`, `user_info`, `domain:read`, `domain:write`,
  `dns:read`, `dns:write`, `web`, `mail`, `drive`, `kchat`…). A token lacking it → 403
  `access_denied` whose description names the missing scope (AM). A `…:write` scope implies the
  matching `…:read` (sandbox choice; no source says otherwise). Routes with no scope (async
  tasks) accept any valid token.
- 60 requests per sliding 60 s window per token → 429 `too_many_request` "Too many request" with
  `Retry-After` = whole seconds until the oldest request leaves the window. The header is a
  GUESS (facts §4: no source shows `Retry-After` on a real 429); the `rate_limit_burst` fault
  with `retry_after: null` answers without it. Rejected requests
  (401/429) do not count. The window runs on `rate_clock` (real monotonic time by default).

Manager surface `/proxy/...` (facts §1 manager-private, HM `errors.ts`):
- cookie `SASESSION` must name a live session, else 401 `not_authorized` (JSON envelope; the HTML
  login page variant is available as the `html_login` fault). Bearer tokens are ignored there.
- header `X-XSRF-TOKEN` must equal the URL-decoded value of cookie `MANAGER-XSRF-TOKEN`, and that
  value must be the session's current token, on every method, else 419 `token_mismatch`.
- Rotation: every `ROTATE_EVERY` accepted requests the response sets a new `MANAGER-XSRF-TOKEN`
  cookie and the old value stops working at once. A 419 response also carries the current token
  cookie, so a client that takes cookies from responses recovers with one retry, and one that
  never does keeps failing.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

ALL_SCOPES: frozenset[str] = frozenset(
    {
        "accounts",
        "user_info",
        "domain:read",
        "domain:write",
        "dns:read",
        "dns:write",
        "web",
        "mail",
        "drive",
        "kchat",
        "workspace:mail",
        "workspace:calendar",
        "workspace:contact",
    }
)

SANDBOX_TOKEN = "sbx-full-0b7e4c2a9d1f46e8a3c5b7d9e1f3a5c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9"
"""Bearer token with every scope (also the key to the `/_sandbox/` admin routes)."""
SANDBOX_TOKEN_DNS_READ = "sbx-dnsread-5d2f8a1c3e6b4d7f9a2c4e6b8d1f3a5c7e9b2d4f6a8c1e3b5d7f9a2c4e6b8d1f"
"""Bearer token with only `dns:read`."""
SANDBOX_TOKEN_REVOKED = "sbx-revoked-9f1e3d5c7b9a2e4d6c8b1a3f5e7d9c2b4a6f8e1d3c5b7a9f2e4d6c8b1a3f5e7d"
"""A revoked token: always 401."""

SANDBOX_TOKENS: dict[str, frozenset[str]] = {
    SANDBOX_TOKEN: ALL_SCOPES,
    SANDBOX_TOKEN_DNS_READ: frozenset({"dns:read"}),
    SANDBOX_TOKEN_REVOKED: frozenset(),
}
SANDBOX_REVOKED_TOKENS: frozenset[str] = frozenset({SANDBOX_TOKEN_REVOKED})

SANDBOX_SASESSION = "sbx-session-3c9a7e5b1d8f4a2c6e0b9d7f5a3c1e8b"
"""Value of the `SASESSION` cookie of the seeded manager session."""
SANDBOX_XSRF_TOKEN = "sbx-xsrf-7a1c3e5b9d2f4a6c8e0b1d3f5a7c9e2b"
"""Initial value of the `MANAGER-XSRF-TOKEN` cookie (and of the `X-XSRF-TOKEN` header)."""

ROTATE_EVERY = 5
"""The manager rotates the XSRF token after this many accepted requests of a session."""

RATE_LIMIT_WINDOW = 60.0


def has_scope(granted: frozenset[str], required: str) -> bool:
    if required in granted:
        return True
    if required.endswith(":read"):
        return required[: -len(":read")] + ":write" in granted
    return False


@dataclass
class ManagerSession:
    """One browser session on the manager."""

    session_id: str
    user_id: int
    xsrf: str
    accepted: int = 0
    generation: int = 0

    def rotate(self) -> str:
        self.generation += 1
        digest = hashlib.sha256(f"{self.session_id}:{self.generation}".encode()).hexdigest()
        self.xsrf = f"sbx-xsrf-{digest[:32]}"
        return self.xsrf

    def count_accepted(self) -> str | None:
        """Count one accepted request; returns the new token when it is time to rotate."""
        self.accepted += 1
        if self.accepted % ROTATE_EVERY == 0:
            return self.rotate()
        return None

    def __repr__(self) -> str:  # never show the secrets
        return f"ManagerSession(user_id={self.user_id}, generation={self.generation})"


@dataclass
class RateLimiter:
    """Sliding window: at most `limit` accepted requests per `window` seconds per key."""

    limit: int
    clock: Callable[[], float]
    window: float = RATE_LIMIT_WINDOW
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def acquire(self, key: str) -> int | None:
        """Record a request; return None when allowed, else the Retry-After in seconds."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def reset(self) -> None:
        self._hits.clear()
