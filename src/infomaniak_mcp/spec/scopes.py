"""API token scopes per path family (facts §1: no official catalogue exists; these are the names seen).

`required_scope(method, path)` answers the scope a personal API token needs for an operation, or
None when no source names one (the product's scope is then unknown: the Manager lists products
when a token is created). `…:read` scopes only cover GET; a `…:write` scope covers both.
"""

from __future__ import annotations

# (path prefix, read scope, write scope); the first matching prefix wins.
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("/1/async/", "", ""),  # any valid token (sandbox choice; no source names a scope)
    ("/1/accounts", "accounts", "accounts"),
    ("/2/accounts", "accounts", "accounts"),
    ("/1/products", "accounts", "accounts"),
    ("/2/profile", "user_info", "user_info"),
    ("/1/profile", "user_info", "user_info"),
    ("/2/zones", "dns:read", "dns:write"),
    ("/1/zones", "dns:read", "dns:write"),
    ("/2/domains", "domain:read", "domain:write"),
    ("/1/domain", "domain:read", "domain:write"),
    ("/1/mail_hostings", "mail", "mail"),
    ("/1/web_hostings", "web", "web"),
    ("/1/hostings", "web", "web"),
    ("/2/drive", "drive", "drive"),
    ("/3/drive", "drive", "drive"),
    ("/api/v4/", "kchat", "kchat"),
)
ANY_TOKEN = ""
"""Returned for routes any valid token may call."""


def required_scope(method: str, path: str) -> str | None:
    """The scope an operation needs: a name, `ANY_TOKEN` ("") for none, or None when unknown."""
    reading = method.upper() in ("GET", "HEAD")
    for prefix, read, write in _FAMILIES:
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return read if reading else write
    return None


def scope_label(method: str, path: str) -> str:
    """Human text for a search hit: the scope, 'any token' or 'unknown'."""
    scope = required_scope(method, path)
    if scope is None:
        return "unknown (pick the product when creating the token)"
    return scope or "any valid token"
