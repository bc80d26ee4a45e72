"""Configuration: read once at start from the environment (and a `.env` file), validated.

A wrong value fails at start with `ConfigError` naming the variable. Secrets are kept in
`Secret` wrappers whose `repr`/`str` never show the value, so a settings object can be logged.

| variable | meaning | default |
|---|---|---|
| `INFOMANIAK_API_TOKEN` | personal API token (Manager → API tokens) | none: tools explain how to create one |
| `INFOMANIAK_API_URL` | public API base URL | `https://api.infomaniak.com` |
| `INFOMANIAK_MANAGER_URL` | manager-private surface base URL | `https://manager.infomaniak.com` |
| `INFOMANIAK_AUTH_MODE` | manager session: `manual` (env cookies), `auto` (browser), `none` | `manual` |
| `INFOMANIAK_SASESSION` | manager `SASESSION` cookie (manual mode) | none |
| `INFOMANIAK_XSRF_TOKEN` | manager `MANAGER-XSRF-TOKEN` value (manual mode) | none |
| `INFOMANIAK_MCP_HTTP_TOKEN` | bearer token the HTTP transport requires | none (HTTP refuses to start) |
| `INFOMANIAK_RATE_LIMIT` | requests per minute per API token, 1–60 | `60` |
| `INFOMANIAK_TIMEOUT` | deadline of one HTTP request, seconds, 1–300 | `30` |
| `INFOMANIAK_REQUEST_DEADLINE` | whole request incl. queueing, retries, back-off, seconds, 10–900 | `90` |
| `INFOMANIAK_MCP_LOG_LEVEL` | stderr log level | `WARNING` |
| `INFOMANIAK_MCP_ENV_FILE` | the `.env` file to read | `./.env` |

`load_environment()` is the one source of truth: the process environment over the `.env` file.
`Settings.environ` keeps that mapping, and every other setting is read from it (not from
`os.environ`): the safety engine's `INFOMANIAK_MCP_CONFIRM`, `_CONFIRM_TTL`, `_STATE_DIR`,
`_AUDIT_LOG`, `_AUDIT_READS` (`SafetyEngine.from_env(settings.environ)`) and the sandbox's
`INFOMANIAK_SANDBOX_FAULTS`; the CLI checks them all at start (exit 2 naming the variable).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.infomaniak.com"
DEFAULT_MANAGER_URL = "https://manager.infomaniak.com"
MAX_RATE_PER_MINUTE = 60
DEFAULT_REQUEST_DEADLINE = 90.0
"""Seconds one logical request may take in all (queueing, attempts, back-off); `INFOMANIAK_REQUEST_DEADLINE`."""

AuthMode = Literal["manual", "auto", "none"]
_AUTH_MODES: tuple[AuthMode, ...] = ("manual", "auto", "none")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

TOKEN_HELP = (
    "No Infomaniak API token is configured. Create one in the Manager: "
    "https://manager.infomaniak.com/v3/ng/accounts/token/list → 'Create a token', choose the "
    "scopes this server needs (accounts, domain:read, dns:read, web, mail, drive; add domain:write "
    "and dns:write for changes), confirm with your password, copy the token (shown once) and set "
    "INFOMANIAK_API_TOKEN in the MCP client's configuration or in a .env file. "
    "To try the server without an account, start it with --sandbox."
)


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class Secret:
    """A secret string that never shows itself in repr/str/logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    api_token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    manager_url: str = DEFAULT_MANAGER_URL
    auth_mode: AuthMode = "manual"
    sasession: Secret | None = None
    xsrf_token: Secret | None = None
    http_token: Secret | None = None
    rate_limit_per_minute: int = MAX_RATE_PER_MINUTE
    request_timeout: float = 30.0
    request_deadline: float = DEFAULT_REQUEST_DEADLINE
    log_level: str = "WARNING"
    # Raw INFOMANIAK_MCP_* values (may hold secrets such as INFOMANIAK_MCP_HTTP_TOKENS): never in repr.
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)
    # The whole environment the settings were read from (process env over `.env`), for the settings
    # read elsewhere (safety engine, sandbox faults); None: not loaded, those read `os.environ`.
    environ: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def has_token(self) -> bool:
        return self.api_token is not None

    @property
    def has_manager_session(self) -> bool:
        return self.sasession is not None and self.xsrf_token is not None


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: `KEY=value` lines, `#` comments, optional `export `, optional quotes."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ConfigError(f"{path}:{number}", "expected KEY=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, f"{value!r} is not an http(s) URL, e.g. {default}")
    return value.rstrip("/")


def env_number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """A number from `env[name]` within [low, high] (default when unset); else `ConfigError` naming it."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a number (allowed {low:g}–{high:g})") from None
    if not low <= value <= high:
        raise ConfigError(name, f"{raw} is out of range (allowed {low:g}–{high:g})")
    return value


def load_environment(environ: Mapping[str, str] | None = None, *, env_file: Path | None = None) -> dict[str, str]:
    """`environ` (default `os.environ`) over the `.env` file (process env wins); nothing validated."""
    base = dict(os.environ if environ is None else environ)
    file_name = base.get("INFOMANIAK_MCP_ENV_FILE")
    path = env_file or (Path(file_name) if file_name else Path.cwd() / ".env")
    if path.is_file():
        return {**parse_env_file(path), **base}
    if file_name:
        raise ConfigError("INFOMANIAK_MCP_ENV_FILE", f"{file_name} does not exist")
    return base


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: Path | None = None) -> Settings:
    """Build settings from `environ` (default `os.environ`) over the `.env` file; process env wins."""
    env = load_environment(environ, env_file=env_file)

    mode = env.get("INFOMANIAK_AUTH_MODE", "").strip().lower() or "manual"
    if mode not in _AUTH_MODES:
        raise ConfigError("INFOMANIAK_AUTH_MODE", f"{mode!r} is not one of {', '.join(_AUTH_MODES)}")
    log_level = env.get("INFOMANIAK_MCP_LOG_LEVEL", "").strip().upper() or "WARNING"
    if log_level not in _LOG_LEVELS:
        raise ConfigError("INFOMANIAK_MCP_LOG_LEVEL", f"{log_level!r} is not one of {', '.join(_LOG_LEVELS)}")
    rate = env_number(env, "INFOMANIAK_RATE_LIMIT", MAX_RATE_PER_MINUTE, 1, MAX_RATE_PER_MINUTE)
    if rate != int(rate):
        raise ConfigError("INFOMANIAK_RATE_LIMIT", "must be a whole number of requests per minute")
    token = _secret(env, "INFOMANIAK_API_TOKEN")
    if token is not None and any(c.isspace() for c in token.reveal()):
        raise ConfigError("INFOMANIAK_API_TOKEN", "contains whitespace; paste the token exactly as shown")
    sasession = _secret(env, "INFOMANIAK_SASESSION")
    xsrf = _secret(env, "INFOMANIAK_XSRF_TOKEN")
    if (sasession is None) != (xsrf is None) and mode == "manual":
        missing = "INFOMANIAK_XSRF_TOKEN" if xsrf is None else "INFOMANIAK_SASESSION"
        raise ConfigError(missing, "the manager session needs both INFOMANIAK_SASESSION and INFOMANIAK_XSRF_TOKEN")

    return Settings(
        api_token=token,
        api_url=_url(env, "INFOMANIAK_API_URL", DEFAULT_API_URL),
        manager_url=_url(env, "INFOMANIAK_MANAGER_URL", DEFAULT_MANAGER_URL),
        auth_mode=mode,  # checked against _AUTH_MODES above
        sasession=sasession,
        xsrf_token=xsrf,
        http_token=_secret(env, "INFOMANIAK_MCP_HTTP_TOKEN"),
        rate_limit_per_minute=int(rate),
        request_timeout=env_number(env, "INFOMANIAK_TIMEOUT", 30.0, 1, 300),
        request_deadline=env_number(env, "INFOMANIAK_REQUEST_DEADLINE", DEFAULT_REQUEST_DEADLINE, 10, 900),
        log_level=log_level,
        extra={k: v for k, v in env.items() if k.startswith("INFOMANIAK_MCP_")},
        environ=env,
    )
