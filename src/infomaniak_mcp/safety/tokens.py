"""Confirmation tokens: proof that a human-approved plan is the one being applied.

When a client cannot elicit, a write tool answers `confirmation_required` with a plan and a
token. The same tool called again with the same arguments plus `confirmation_token` redeems it.

Token = `imc_` + base64url(payload ‖ tag), where payload = version (1 byte) ‖ token id (16 random
bytes) ‖ expiry (unsigned 64-bit milliseconds since the epoch) ‖ binding (first 16 bytes of
SHA-256 over tool name, canonical arguments and principal), and tag = HMAC-SHA256(secret,
payload) with a per-installation secret (`load_or_create_secret`). The recognisable prefix lets
`redact_text` scrub tokens from any log line.

`redeem` checks, in this order, and raises `ConfirmationError(reason)` at the first failure (with the
pending plan the token names as `plan`, when this process holds one: the refusal's audit shows what
was tried without rebuilding anything):

| reason | meaning |
|---|---|
| `malformed` | not a token of ours (prefix, encoding, length, version) |
| `bad_signature` | the HMAC tag does not match: forged or altered |
| `expired` | older than its time to live |
| `already_used` | redeemed before (remembered in memory and in a file, so a restart does not allow replay) |
| `unknown` | valid, but not issued by this process (after a restart: plans are kept in memory only) |
| `foreign_principal` | issued to another principal |
| `tool_mismatch` | issued for another tool |
| `arguments_mismatch` | issued for other arguments |

Only a fully successful redemption consumes the token (a foreign or mismatched attempt does not
burn the owner's token); the check-and-consume is atomic, so of two concurrent redemptions
exactly one wins. The returned `StoredPlan` holds the plan (and its steps) stored at issue time:
apply runs those stored steps, never re-derived ones. Arguments are bound without the
`confirmation_token` argument itself. Comparisons of secrets and digests are constant-time.
Tokens and the secret are never logged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import logging
import os
import secrets
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.config import ConfigError, env_number
from infomaniak_mcp.safety.plan import Plan, canonical_json
from infomaniak_mcp.safety.state import (
    atomic_write,
    ensure_private_dir,
    locked_append,
    process_lock,
    state_dir,
)

log = logging.getLogger(__name__)

TOKEN_PREFIX = "imc_"
TTL_ENV = "INFOMANIAK_MCP_CONFIRM_TTL"
DEFAULT_TTL = 120.0
MIN_TTL = 10.0
MAX_TTL = 900.0
SECRET_FILE_NAME = "confirm-secret.key"
USED_FILE_NAME = "used-tokens"
SECRET_BYTES = 32
DEFAULT_MAX_PENDING_PER_PRINCIPAL = 1000
DEFAULT_MAX_PENDING = 20_000
EXCLUDED_ARGUMENTS = frozenset({"confirmation_token"})

_VERSION = 1
_PAYLOAD = struct.Struct(">B16sQ16s")  # version, id, expiry ms, binding
_TAG_BYTES = 32
_TOKEN_BYTES = _PAYLOAD.size + _TAG_BYTES

Reason = Literal[
    "malformed",
    "bad_signature",
    "expired",
    "already_used",
    "unknown",
    "foreign_principal",
    "tool_mismatch",
    "arguments_mismatch",
]
REASONS: tuple[Reason, ...] = get_args(Reason)

REASON_MESSAGES: dict[Reason, str] = {
    "malformed": "the confirmation token is not a valid token; call the tool again without "
    "confirmation_token to get a new plan and token",
    "bad_signature": "the confirmation token's signature is invalid (altered or forged token); nothing was "
    "changed",
    "expired": "the confirmation token expired; call the tool again without confirmation_token to get a "
    "fresh plan",
    "already_used": "the confirmation token was already used; each token confirms one apply only",
    "unknown": "the confirmation token was not issued by this server session (it may have restarted); call "
    "the tool again without confirmation_token",
    "foreign_principal": "the confirmation token belongs to another user of this server",
    "tool_mismatch": "the confirmation token was issued for another tool",
    "arguments_mismatch": "the arguments differ from the ones the token was issued for; call the tool again "
    "with exactly the same arguments, or without confirmation_token for a new plan",
}


class ConfirmationError(Exception):
    """A confirmation token was refused; `reason` is one of `REASONS`. Nothing was changed.

    `plan`: the pending plan the token names, when it names one this process still holds (for the
    refusal's audit entry: what was tried); None for a forged, malformed or unknown token.
    """

    def __init__(self, reason: Reason, plan: Plan | None = None) -> None:
        self.reason: Reason = reason
        self.message = REASON_MESSAGES[reason]
        self.plan = plan
        super().__init__(f"{reason}: {self.message}")

    def to_dict(self) -> dict[str, str]:
        return {"error": "confirmation_refused", "reason": self.reason, "description": self.message}


class StoredPlan(BaseModel):
    """What the server remembered when it issued a token (kept in memory only)."""

    model_config = ConfigDict(extra="forbid")

    token_id: str
    tool: str
    principal: str
    arguments: dict[str, Any] = Field(repr=False)
    arguments_digest: str
    plan: Plan
    issued_at: float
    expires_at: float


def confirm_ttl(environ: Mapping[str, str] | None = None) -> float:
    """Token lifetime in seconds from `INFOMANIAK_MCP_CONFIRM_TTL` (default 120, allowed 10–900)."""
    return env_number(os.environ if environ is None else environ, TTL_ENV, DEFAULT_TTL, MIN_TTL, MAX_TTL)


def _check_ttl(value: float) -> float:
    if not MIN_TTL <= value <= MAX_TTL:
        raise ConfigError(TTL_ENV, f"{value:g} seconds is out of range (allowed 10–900)")
    return float(value)


def load_or_create_secret(path: Path | None = None) -> bytes:
    """The per-installation HMAC secret: 32 random bytes in a 0600 file, created on first use.

    Default path: `<state dir>/confirm-secret.key`. Creation is race-free (written to a temporary
    file, then hard-linked into place). A file with looser permissions is tightened to 0600.
    """
    target = path or state_dir() / SECRET_FILE_NAME
    ensure_private_dir(target.parent)
    try:
        return _read_secret(target)
    except FileNotFoundError:
        pass
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, secrets.token_bytes(SECRET_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, target)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(target)


def _read_secret(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("confirmation secret %s had mode %o; tightening to 0600", path, mode)
        path.chmod(0o600)
    data = path.read_bytes()
    if len(data) != SECRET_BYTES:
        raise ValueError(
            f"confirmation secret {path} is corrupt ({len(data)} bytes, expected {SECRET_BYTES}); "
            "delete it to create a new one (pending confirmation tokens become invalid)"
        )
    return data


def bound_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments a token binds: all of them except `confirmation_token`."""
    return {k: v for k, v in arguments.items() if k not in EXCLUDED_ARGUMENTS}


def arguments_digest(arguments: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the bound arguments."""
    return hashlib.sha256(canonical_json(bound_arguments(arguments)).encode("utf-8")).hexdigest()


def binding_digest(tool: str, arguments: Mapping[str, Any], principal: str) -> bytes:
    """16-byte digest binding a token to tool name + canonical arguments + principal."""
    text = canonical_json({"tool": tool, "arguments": bound_arguments(arguments), "principal": principal})
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or any(c not in _B64_ALPHABET for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class ConfirmationTokens:
    """Issues and redeems confirmation tokens for one server process.

    `used_path`: file of redeemed token ids (`<id hex> <expiry ms>` per line), read at start and
    pruned of expired ids, so a restart does not allow a replay within the TTL. `None` keeps
    them in memory only (tests).

    Pending plans are bounded per principal (`max_pending_per_principal`: a principal's oldest
    pending plan is forgotten when it asks for one more) and overall (`max_pending`: the oldest
    plan of the principal holding the most is forgotten), so one user of a shared HTTP server
    cannot push out another user's pending confirmations.
    """

    def __init__(
        self,
        secret: bytes,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        *,
        used_path: Path | None = None,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_per_principal: int = DEFAULT_MAX_PENDING_PER_PRINCIPAL,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the confirmation secret must be at least 16 bytes")
        if max_pending < 1 or max_pending_per_principal < 1:
            raise ValueError("the pending-plan bounds must be at least 1")
        self._secret = secret
        self._ttl = _check_ttl(ttl)
        self._clock = clock
        self._used_path = used_path
        self._max_pending = max_pending
        self._max_per_principal = max_pending_per_principal
        self._lock = threading.Lock()
        self._pending: dict[str, StoredPlan] = {}
        self._by_principal: dict[str, OrderedDict[str, None]] = {}  # principal → its pending ids, oldest first
        self._used: dict[str, int] = {}
        self._appended = 0
        if used_path is not None:
            ensure_private_dir(used_path.parent)
            self._load_used()

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, clock: Callable[[], float] = time.time
    ) -> ConfirmationTokens:
        """Secret and used-id file in the state directory, TTL from `INFOMANIAK_MCP_CONFIRM_TTL`."""
        directory = state_dir(environ)
        ttl = confirm_ttl(environ)
        secret = load_or_create_secret(directory / SECRET_FILE_NAME)
        return cls(secret, ttl, clock, used_path=directory / USED_FILE_NAME)

    def __repr__(self) -> str:
        return f"ConfirmationTokens(ttl={self._ttl:g}, pending={len(self._pending)})"

    @property
    def ttl(self) -> float:
        return self._ttl

    # -- issue -------------------------------------------------------------------------------

    def issue(
        self, tool: str, arguments: Mapping[str, Any], principal: str, plan: Plan
    ) -> tuple[str, _dt.datetime]:
        """A token for `plan`, bound to tool + arguments + principal; returns (token, expires_at UTC)."""
        now = self._clock()
        exp_ms = round((now + self._ttl) * 1000)
        raw_id = secrets.token_bytes(16)
        payload = _PAYLOAD.pack(_VERSION, raw_id, exp_ms, binding_digest(tool, arguments, principal))
        tag = hmac.new(self._secret, payload, hashlib.sha256).digest()
        stored = StoredPlan(
            token_id=raw_id.hex(),
            tool=tool,
            principal=principal,
            arguments=bound_arguments(arguments),
            arguments_digest=arguments_digest(arguments),
            plan=plan.model_copy(deep=True),
            issued_at=now,
            expires_at=exp_ms / 1000,
        )
        with self._lock:
            self._prune_pending(now)
            self._pending[stored.token_id] = stored
            own = self._by_principal.setdefault(principal, OrderedDict())
            own[stored.token_id] = None
            while len(own) > self._max_per_principal:
                self._forget(next(iter(own)))
            while len(self._pending) > self._max_pending:
                largest = max(self._by_principal.values(), key=len)
                self._forget(next(iter(largest)))
        expires_at = _dt.datetime.fromtimestamp(exp_ms / 1000, _dt.UTC)
        return TOKEN_PREFIX + _b64encode(payload + tag), expires_at

    def _prune_pending(self, now: float) -> None:
        for key in [k for k, v in self._pending.items() if v.expires_at <= now]:
            self._forget(key)

    def _forget(self, token_id: str) -> None:
        """Drop one pending plan (under `_lock`)."""
        stored = self._pending.pop(token_id, None)
        if stored is None:
            return
        own = self._by_principal.get(stored.principal)
        if own is not None:
            own.pop(token_id, None)
            if not own:
                del self._by_principal[stored.principal]

    def pending_count(self, principal: str | None = None) -> int:
        """How many plans wait for confirmation (of `principal`, or in all)."""
        with self._lock:
            if principal is None:
                return len(self._pending)
            return len(self._by_principal.get(principal, ()))

    # -- redeem ------------------------------------------------------------------------------

    def redeem(self, token: str, tool: str, arguments: Mapping[str, Any], principal: str) -> StoredPlan:
        """Check `token` for this call and consume it; the stored plan, or `ConfirmationError`."""
        raw_id, exp_ms, binding = self._verify_signature(token)
        token_id = raw_id.hex()
        with self._lock:
            now = self._clock()
            stored = self._pending.get(token_id)
            tried = stored.plan if stored is not None else None
            if int(now * 1000) >= exp_ms:
                self._forget(token_id)
                raise ConfirmationError("expired", tried)
            if token_id in self._used:
                raise ConfirmationError("already_used")
            if stored is None:
                raise ConfirmationError("unknown")
            if not _same(stored.principal, principal):
                raise ConfirmationError("foreign_principal", tried)
            if not _same(stored.tool, tool):
                raise ConfirmationError("tool_mismatch", tried)
            if not _same(stored.arguments_digest, arguments_digest(arguments)):
                raise ConfirmationError("arguments_mismatch", tried)
            if not hmac.compare_digest(binding, binding_digest(tool, arguments, principal)):
                raise ConfirmationError("arguments_mismatch", tried)
            self._used[token_id] = exp_ms
            self._forget(token_id)
            self._persist_used(token_id, exp_ms, now)
        return stored

    def _verify_signature(self, token: str) -> tuple[bytes, int, bytes]:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise ConfirmationError("malformed")
        try:
            raw = _b64decode(token[len(TOKEN_PREFIX) :])
        except (ValueError, binascii.Error):
            raise ConfirmationError("malformed") from None
        if len(raw) != _TOKEN_BYTES:
            raise ConfirmationError("malformed")
        payload, tag = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        version, raw_id, exp_ms, binding = _PAYLOAD.unpack(payload)
        if version != _VERSION:
            raise ConfirmationError("malformed")
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(tag, expected):
            raise ConfirmationError("bad_signature")
        return raw_id, exp_ms, binding

    # -- used ids ----------------------------------------------------------------------------

    def _load_used(self) -> None:
        path = self._used_path
        assert path is not None
        now_ms = int(self._clock() * 1000)
        with process_lock(path):
            try:
                lines = path.read_text(encoding="ascii").splitlines()
            except FileNotFoundError:
                return
            stale = False
            for line in lines:
                parts = line.split()
                if len(parts) != 2 or not parts[1].isdigit():
                    stale = True
                    continue
                if int(parts[1]) <= now_ms:
                    stale = True
                    continue
                self._used[parts[0]] = int(parts[1])
            if stale:
                self._rewrite_used()

    def _rewrite_used(self) -> None:
        assert self._used_path is not None
        text = "".join(f"{k} {v}\n" for k, v in self._used.items())
        atomic_write(self._used_path, text.encode("ascii"))
        self._appended = 0

    def _persist_used(self, token_id: str, exp_ms: int, now: float) -> None:
        now_ms = int(now * 1000)
        for key in [k for k, v in self._used.items() if v <= now_ms]:
            del self._used[key]
        if self._used_path is None:
            return
        with locked_append(self._used_path) as fd:
            os.write(fd, f"{token_id} {exp_ms}\n".encode("ascii"))
            os.fsync(fd)
        self._appended += 1
        if self._appended >= 256:
            with process_lock(self._used_path):
                self._rewrite_used()
