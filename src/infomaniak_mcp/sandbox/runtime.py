"""Per-app mutable runtime: state, faults, rate limiter, recorded exchanges, reset."""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from infomaniak_mcp.sandbox.auth import RateLimiter
from infomaniak_mcp.sandbox.faults import FaultConfig, FaultRule
from infomaniak_mcp.sandbox.state import SandboxState

SECRET_HEADERS = frozenset({"authorization", "cookie", "x-xsrf-token", "set-cookie", "proxy-authorization"})
HISTORY_SIZE = 1000
REDACTED = "[redacted]"
# Body keys whose (string) values are secrets the client sends: generated passwords, private keys.
# A local rule on purpose: the sandbox is an oracle and shares no code with the client it checks.
SECRET_BODY_KEY = re.compile(r"(^|_)(password|passwd|passphrase|secret|private_key|api_key|token)$", re.IGNORECASE)


def redact_body(value: Any) -> Any:
    """`value` with the string values of secret-named keys replaced by `[redacted]`, recursively."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and SECRET_BODY_KEY.search(k) and isinstance(v, str) and v
            else redact_body(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    return value


@dataclass(frozen=True)
class RecordedExchange:
    """One request and its answer, secrets removed (for contract tests and `/_sandbox/requests`).

    Secret headers are dropped when the exchange is built; `SandboxRuntime.record` redacts the
    secret-named keys of the request body and of the response (a generated password, a Node.js
    log-stream `jwt_token` is never kept in plain text).

    `route` is the matched route template (the spec template for documented operations) or None
    when nothing matched / a fault or the front door answered. `query` keeps repeated keys.
    """

    method: str
    path: str
    route: str | None
    surface: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    response: Any

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class SandboxRuntime:
    def __init__(
        self,
        state: SandboxState,
        faults: FaultConfig,
        limiter: RateLimiter | None,
        recorder: list[RecordedExchange] | None,
        fresh_state: Callable[[], SandboxState],
    ) -> None:
        self.state = state
        self.faults = faults
        self.limiter = limiter
        self.recorder = recorder
        self.history: deque[RecordedExchange] = deque(maxlen=HISTORY_SIZE)
        self.request_count = 0
        self._fresh_state = fresh_state
        self._start_time = state.clock.now()
        self._initial_rules: list[FaultRule] = [copy.copy(r) for r in faults.rules]

    def next_request_id(self) -> str:
        self.request_count += 1
        return f"sbx-{self.request_count:010d}"

    def record(self, exchange: RecordedExchange) -> None:
        exchange = replace(exchange, body=redact_body(exchange.body), response=redact_body(exchange.response))
        self.history.append(exchange)
        if self.recorder is not None:
            self.recorder.append(exchange)

    def reset(self) -> None:
        """Back to the data, clock and faults the app started with."""
        self.state.clock.set(self._start_time)
        self.state.replace_with(self._fresh_state())
        self.faults.rules[:] = [copy.copy(r) for r in self._initial_rules]
        if self.limiter is not None:
            self.limiter.reset()
        self.history.clear()
