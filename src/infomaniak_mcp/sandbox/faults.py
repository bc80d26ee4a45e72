"""Fault injection: make chosen requests slow, fail, lie or hang.

A rule matches a request by method (`*` = any) and path glob (`fnmatch`, e.g. `/2/zones/*`), and
fires `count` times (None = always). Kinds:

| kind              | effect                                                                   |
|-------------------|--------------------------------------------------------------------------|
| `latency`         | waits `seconds`, then the request continues (several may add up)         |
| `server_error`    | `status` (default 500) with an error envelope (`unexpected_error`)       |
| `rate_limit_burst`| 429 `too_many_request` with `Retry-After: retry_after` (count = burst N); |
|                   | `retry_after: null` sends no header (as every real 429 seen so far)      |
| `malformed_json`  | 200 `application/json` whose body is a truncated JSON document           |
| `html_login`      | the manager's HTML login page: `status` 200, or 302 to `/login` (served) |
| `silent`          | never answers: waits until the client goes away or the task is cancelled |

`Retry-After` on 429 is a sandbox GUESS (facts §4: no source shows the header; it is undocumented),
kept by default (`retry_after` 1 s) because clients that honour it exist; `retry_after: null`
exercises the header-less back-off a client needs against the real API.

Latency rules all apply; then the first other matching rule with shots left decides. Faults
are checked before authentication (they model the network and the front proxies) and never
apply to `/_sandbox/` admin routes or `/login`.

Configuration: in code (`FaultConfig([FaultRule(...)])`), from the JSON of env var
`INFOMANIAK_SANDBOX_FAULTS` (a list of rules or `{"rules": [...]}`), or at runtime with
`POST /_sandbox/faults` (same JSON, appended) and `DELETE /_sandbox/faults` (clears).
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import anyio

FaultKind = Literal["latency", "server_error", "rate_limit_burst", "malformed_json", "html_login", "silent"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ENV_VAR = "INFOMANIAK_SANDBOX_FAULTS"


class FaultConfigError(ValueError):
    """A fault rule could not be understood."""


@dataclass
class FaultRule:
    kind: FaultKind
    method: str = "*"
    path: str = "*"
    count: int | None = None
    seconds: float = 1.0
    status: int | None = None
    retry_after: int | None = 1  # None: no Retry-After header

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultConfigError(
                f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}"
            )
        if self.count is not None and self.count < 0:
            raise FaultConfigError("count must be >= 0 or null")
        if self.kind == "html_login" and self.status not in (None, 200, 302):
            raise FaultConfigError("html_login status must be 200 or 302")
        if self.kind == "server_error" and self.status is not None and not 500 <= self.status <= 599:
            raise FaultConfigError("server_error status must be 5xx")
        if self.retry_after is not None and self.retry_after < 0:
            raise FaultConfigError("retry_after must be >= 0 or null (no Retry-After header)")
        self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method != "*" and self.method != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def consume(self) -> None:
        if self.count is not None:
            self.count -= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "count": self.count,
            "seconds": self.seconds,
            "status": self.status,
            "retry_after": self.retry_after,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultConfigError("each fault rule must be a JSON object")
        allowed = {"kind", "method", "path", "count", "seconds", "status", "retry_after"}
        extra = set(raw) - allowed
        if extra:
            raise FaultConfigError(f"unknown fault rule field(s): {', '.join(sorted(extra))}")
        if "kind" not in raw:
            raise FaultConfigError("a fault rule needs a kind")
        try:
            return cls(
                kind=raw["kind"],
                method=str(raw.get("method", "*")),
                path=str(raw.get("path", "*")),
                count=None if raw.get("count") is None else int(raw["count"]),
                seconds=float(raw.get("seconds", 1.0)),
                status=None if raw.get("status") is None else int(raw["status"]),
                retry_after=None if raw.get("retry_after", 1) is None else int(raw.get("retry_after", 1)),
            )
        except (TypeError, ValueError) as exc:
            raise FaultConfigError(f"invalid fault rule: {exc}") from None


async def _default_sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


@dataclass
class FaultConfig:
    """The active rules. `sleep` is injectable so latency can be tested without waiting."""

    rules: list[FaultRule] = field(default_factory=list)
    sleep: Callable[[float], Awaitable[None]] = _default_sleep

    @classmethod
    def from_json(cls, text: str) -> FaultConfig:
        return cls(rules=parse_rules(text))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaultConfig:
        """The rules of `INFOMANIAK_SANDBOX_FAULTS` in `environ` (default `os.environ`; the server passes
        its settings' environment, `.env` included); `FaultConfigError` naming the variable if wrong."""
        env = os.environ if environ is None else environ
        text = env.get(ENV_VAR, "").strip()
        if not text:
            return cls()
        try:
            return cls.from_json(text)
        except FaultConfigError as exc:
            raise FaultConfigError(f"{ENV_VAR}: {exc}") from None

    def add(self, *rules: FaultRule) -> None:
        self.rules.extend(rules)

    def clear(self) -> None:
        self.rules.clear()

    def select(self, method: str, path: str) -> tuple[float, FaultRule | None]:
        """Total latency to apply and the terminal rule that fires (consuming shots)."""
        delay = 0.0
        terminal: FaultRule | None = None
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            if rule.kind == "latency":
                delay += rule.seconds
                rule.consume()
            elif terminal is None:
                terminal = rule
                rule.consume()
        return delay, terminal


def parse_rules(text: str | bytes) -> list[FaultRule]:
    try:
        raw = json.loads(text)
    except ValueError:
        raise FaultConfigError("fault configuration is not valid JSON") from None
    return rules_from_json(raw)


def rules_from_json(raw: Any) -> list[FaultRule]:
    if isinstance(raw, dict):
        raw = raw.get("rules", [raw])
    if not isinstance(raw, list):
        raise FaultConfigError('fault configuration must be a list of rules or {"rules": [...]}')
    return [FaultRule.from_dict(item) for item in raw]
