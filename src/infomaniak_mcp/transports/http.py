"""Streamable HTTP transport: the SDK's endpoint behind bearer auth, Origin/Host checks and `/healthz`.

```
request ──▶ /healthz ─────────────────────────────▶ 200 {"status": "ok"}   (no auth)
        └─▶ Host/Origin check (403/421) ─▶ bearer check (401) ─▶ SDK app at /mcp
                                                   │
                                        principal name in the ASGI scope → ToolContext.principal
```

- Tokens: `INFOMANIAK_MCP_HTTP_TOKEN` (principal `"http"`) and `INFOMANIAK_MCP_HTTP_TOKENS`
  (`name=token,name2=token2`, or `@/path/file` with one `name=token` per line, `#` comments).
  Every presented token is compared with every configured one (`hmac.compare_digest`, no early
  exit). The server refuses to start without a token.
- Host/Origin: the SDK's `TransportSecuritySettings` (DNS-rebinding protection): loopback hosts
  plus the bound host plus `INFOMANIAK_MCP_HTTP_ALLOWED_HOSTS`; Origin absent or loopback plus
  `INFOMANIAK_MCP_HTTP_ALLOWED_ORIGINS` (comma-separated lists).
- Both protocol eras on the one `/mcp` endpoint: 2025-11-25 with sessions (initialize
  handshake, `Mcp-Session-Id`, a session only usable by the principal that opened it) and
  2026-07-28 stateless requests (routed by the SDK on the `MCP-Protocol-Version` header).

uvicorn is imported only by `serve_http`, so stdio never pays for it here.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from infomaniak_mcp.config import ConfigError, Secret, Settings
from infomaniak_mcp.safety.redact import register_secret
from infomaniak_mcp.server.app import PRINCIPAL_SCOPE_KEY

logger = logging.getLogger("infomaniak_mcp.http")

HEALTH_PATH = "/healthz"
MCP_PATH = "/mcp"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_VAR = "INFOMANIAK_MCP_HTTP_TOKEN"
TOKENS_VAR = "INFOMANIAK_MCP_HTTP_TOKENS"
HOSTS_VAR = "INFOMANIAK_MCP_HTTP_ALLOWED_HOSTS"
ORIGINS_VAR = "INFOMANIAK_MCP_HTTP_ALLOWED_ORIGINS"
MIN_TOKEN_LENGTH = 16
DEFAULT_PRINCIPAL = "http"

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_WILDCARD_BINDS = ("0.0.0.0", "::", "")  # noqa: S104  # names to recognise, not to bind
_TOKEN_HINT = "generate one with `openssl rand -hex 32`"


@dataclass(frozen=True)
class HttpToken:
    """One accepted bearer token and the principal name it authenticates."""

    name: str
    token: Secret


def _check_token(variable: str, value: str) -> None:
    if any(c.isspace() for c in value):
        raise ConfigError(variable, "a token contains whitespace; paste it exactly")
    if len(value) < MIN_TOKEN_LENGTH:
        raise ConfigError(variable, f"a token is shorter than {MIN_TOKEN_LENGTH} characters; {_TOKEN_HINT}")


def _token_entries(raw: str) -> list[str]:
    if not raw.startswith("@"):
        return [e.strip() for e in raw.split(",") if e.strip()]
    path = Path(raw[1:].strip()).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(TOKENS_VAR, f"cannot read the token file {path}: {exc.strerror or exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def load_http_tokens(settings: Settings) -> list[HttpToken]:
    """The accepted tokens; `ConfigError` naming the variable on any malformed entry."""
    tokens: list[HttpToken] = []
    if settings.http_token is not None:
        _check_token(TOKEN_VAR, settings.http_token.reveal())
        tokens.append(HttpToken(DEFAULT_PRINCIPAL, settings.http_token))
    raw = settings.extra.get(TOKENS_VAR, "").strip()
    for number, entry in enumerate(_token_entries(raw) if raw else [], start=1):
        name, sep, value = entry.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            # The entry itself may be a token: never echo it.
            raise ConfigError(TOKENS_VAR, f"entry {number} is not name=token")
        if not _NAME_RE.match(name):
            raise ConfigError(TOKENS_VAR, f"entry {number}: the name must be letters, digits, '_.@-' (≤ 64)")
        _check_token(TOKENS_VAR, value)
        tokens.append(HttpToken(name, Secret(value)))
    names = [t.name for t in tokens]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(TOKENS_VAR, f"principal name(s) used twice: {', '.join(duplicates)}")
    values = [t.token.reveal() for t in tokens]
    if len(set(values)) != len(values):
        raise ConfigError(TOKENS_VAR, "two principals share the same token; give each its own")
    return tokens


class BearerAuthenticator:
    """Maps an `Authorization: Bearer …` header to a principal name, in constant time per token."""

    def __init__(self, tokens: Sequence[HttpToken]) -> None:
        self._tokens = [(t.name, t.token.reveal().encode("utf-8")) for t in tokens]

    def principal(self, authorization: bytes | None) -> str | None:
        if not authorization:
            return None
        scheme, _, value = authorization.strip().partition(b" ")
        presented = value.strip()
        if scheme.lower() != b"bearer" or not presented:
            return None
        matched: str | None = None
        for name, token in self._tokens:  # always every token: no early exit
            if hmac.compare_digest(presented, token):
                matched = name
        return matched


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def transport_security(settings: Settings, host: str = DEFAULT_HOST) -> TransportSecuritySettings:
    """DNS-rebinding protection: loopback (+ the bound host, + configured) Host; loopback Origin."""
    hosts = [h for name in _LOOPBACK_HOSTS for h in (name, f"{name}:*")]
    if host not in _WILDCARD_BINDS and host not in ("127.0.0.1", "localhost", "::1"):
        bound = f"[{host}]" if ":" in host else host
        hosts += [bound, f"{bound}:*"]
    hosts += _split(settings.extra.get(HOSTS_VAR, ""))
    origins = [o for name in _LOOPBACK_HOSTS for scheme in ("http", "https") for o in
               (f"{scheme}://{name}", f"{scheme}://{name}:*")]
    origins += _split(settings.extra.get(ORIGINS_VAR, ""))
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    payload = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class McpHttpApp:
    """ASGI app: `/healthz`, then Host/Origin and bearer checks, then the SDK's Starlette app.

    Lifespan events pass through to the SDK app (it runs the session manager and the server's
    lifespan, once).
    """

    def __init__(
        self, inner: ASGIApp, authenticator: BearerAuthenticator, security: TransportSecuritySettings
    ) -> None:
        self.inner = inner
        self.authenticator = authenticator
        self.security = TransportSecurityMiddleware(security)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.inner(scope, receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        if scope.get("path") == HEALTH_PATH and scope.get("method") in ("GET", "HEAD"):
            await _send_json(send, 200, {"status": "ok"})
            return
        rejection = await self.security.validate_request(Request(scope), is_post=False)
        if rejection is not None:
            await rejection(scope, receive, send)
            return
        authorization = next((v for k, v in scope.get("headers", ()) if k == b"authorization"), None)
        principal = self.authenticator.principal(authorization)
        if principal is None:
            challenge = b'Bearer realm="infomaniak-mcp"'
            if authorization:
                challenge += b', error="invalid_token"'
            await _send_json(
                send,
                401,
                {"error": "invalid_token" if authorization else "unauthorized",
                 "error_description": f"A valid bearer token is required ({TOKEN_VAR} / {TOKENS_VAR})."},
                [(b"www-authenticate", challenge)],
            )
            return
        user = AuthenticatedUser(AccessToken(token=f"principal:{principal}", client_id=principal, scopes=[]))
        # `user` binds 2025-era sessions to the principal that opened them (SDK session owners).
        await self.inner({**scope, PRINCIPAL_SCOPE_KEY: principal, "user": user}, receive, send)


def build_http_app(
    server: MCPServer[Any],
    settings: Settings,
    *,
    host: str = DEFAULT_HOST,
    tokens: Sequence[HttpToken] | None = None,
) -> McpHttpApp:
    """The ASGI app serving `server`; raises `ConfigError` when no bearer token is configured."""
    accepted = list(load_http_tokens(settings) if tokens is None else tokens)
    if not accepted:
        raise ConfigError(
            TOKEN_VAR,
            f"the HTTP transport requires a bearer token: set {TOKEN_VAR} ({_TOKEN_HINT}) "
            f"or {TOKENS_VAR}=name=token,… and send it as 'Authorization: Bearer <token>'",
        )
    for token in accepted:
        register_secret(token.token.reveal())
    security = transport_security(settings, host)
    inner = server.streamable_http_app(streamable_http_path=MCP_PATH, transport_security=security, host=host)
    return McpHttpApp(inner, BearerAuthenticator(accepted), security)


async def serve_http(
    app: McpHttpApp, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "WARNING"
) -> None:
    """Serve `app` with uvicorn until interrupted."""
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("serving MCP over HTTP on %s: reachable beyond this machine; put TLS in front", host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=log_level.lower(),
        lifespan="on",
        ws="none",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    logger.info("MCP endpoint: http://%s:%d%s", host, port, MCP_PATH)
    await uvicorn.Server(config).serve()
