"""Redaction: the one place that decides what a secret looks like.

Used by the stderr log filter, error rendering, audit entries and history. Two mechanisms:
- by key: any mapping key that names a secret (token, password, cookie, key, certificate…) has
  its string values replaced by `"[redacted]"`, recursively (booleans, None and numbers are flags
  or counts, not secrets, and stay);
- by value: strings are scrubbed of bearer tokens, cookies, `password=…` (not `…=true`), quoted
  pairs under a secret key (`{"password": "…"}`, `(b'set-cookie', b'…')`), PEM
  blocks, JWT-looking strings, confirmation tokens (`imc_…`) and any value registered with
  `register_secret` (the configured API token, session cookies…).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_SECRET_KEY_RE = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|^key$|cookie|sasession|xsrf|csrf|"
    r"authorization|certificate|credential|jwt|session)",
    re.IGNORECASE,
)
# Keys that contain a secret-looking word but hold no secret.
_SAFE_KEYS = frozenset({"token_type", "expires_at", "has_password", "password_last_changed_at", "session_id"})

_VALUE_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)((?:sasession|manager-xsrf-token|x-xsrf-token|cookie|set-cookie)\s*[:=]\s*)[^\s;,'\"]+"),
    re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),
    # `password=…` in text; a boolean or null value is a flag (`rotate_password: true`), not a secret
    re.compile(r"(?i)((?:password|passwd|secret|token)\s*[=:]\s*)(?!(?:true|false|null|none)(?![^\s&,'\"]))"
               r"[^\s&,'\"]+"),
    # confirmation tokens (safety/tokens.py): `imc_` + base64url
    re.compile(r"(?<![A-Za-z0-9])imc_[A-Za-z0-9_-]{16,}"),
)

# Quoted key/value pairs, as reprs and JSON render them: `{"password": "…"}`, `{'X-XSRF-TOKEN': '…'}`,
# `(b'set-cookie', b'…')` (httpcore's header tuples: the `,` separator only in that tuple form).
# The key is checked with `is_secret_key` (so `token_type`, `session_id` stay); an unquoted value
# (`"rotate_password": true`) is a flag and is never touched.
_QUOTED_PAIR = re.compile(
    r"""(?P<head>(?P<tuple>\(\s*)?b?(?P<kq>["']?)(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]+)(?P=kq)"""
    r"""\s*(?P<sep>[:=,])\s*b?(?P<q>["']))(?P<value>(?:(?!(?P=q))[^\\]|\\.)+)(?P=q)"""
)

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is scrubbed from any string it appears in."""
    if value and len(value) >= 6:
        with _lock:
            _registered.add(value)


def is_secret_key(key: str) -> bool:
    return key not in _SAFE_KEYS and bool(_SECRET_KEY_RE.search(key))


def redact_text(text: str) -> str:
    for secret in sorted(_registered, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _QUOTED_PAIR.sub(_quoted_pair, text)
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(_keep_prefix if pattern.groups else REDACTED, text)
    return text


def _quoted_pair(match: re.Match[str]) -> str:
    if not is_secret_key(match["key"]) or (match["sep"] == "," and match["tuple"] is None):
        return match.group(0)
    return f"{match['head']}{REDACTED}{match['q']}"


def _keep_prefix(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED


def redact(value: Any) -> Any:
    """Return a copy of `value` with secrets removed (mappings by key, strings by pattern).

    Under a secret-named key every non-empty string (or bytes) is replaced, however deeply nested;
    booleans, None and numbers stay (`rotate_password: true`, `certificate: false` are flags).
    """
    return _redact(value, secret=False, text=True)


def redact_keys(value: Any) -> Any:
    """Key-based redaction only (same rule as `redact`), other strings verbatim: for stores that must
    keep values exactly (history: undo needs them; value patterns could mangle a TXT record)."""
    return _redact(value, secret=False, text=False)


def _redact(value: Any, *, secret: bool, text: bool) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _redact(v, secret=secret or (isinstance(k, str) and is_secret_key(k)), text=text)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v, secret=secret, text=text) for v in value]
    if isinstance(value, str | bytes | bytearray):
        if secret and value:
            return REDACTED
        return redact_text(value) if text and isinstance(value, str) else value
    return value


class RedactingFilter(logging.Filter):
    """Logging filter that scrubs every record's rendered message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
