"""The server's local state directory and the small file helpers the safety modules share.

Confirmation secret, used-token ids, audit log and write history live in one private directory:

1. `$INFOMANIAK_MCP_STATE_DIR` when set;
2. else `$XDG_STATE_HOME/infomaniak-mcp` when `XDG_STATE_HOME` is an absolute path;
3. else `~/.local/state/infomaniak-mcp`.

The directory is created with mode 0700 and every file in it with mode 0600.

A `--sandbox` server keeps its own state in `<state dir>/sandbox/` (`sandbox_environ`), so demo
writes never mix with the real account's audit log and history, unless `INFOMANIAK_MCP_STATE_DIR`
(or, for the audit log, `INFOMANIAK_MCP_AUDIT_LOG`) is set explicitly: then that is used as is.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from infomaniak_mcp.config import ConfigError

STATE_DIR_ENV = "INFOMANIAK_MCP_STATE_DIR"
APP_DIR_NAME = "infomaniak-mcp"
SANDBOX_DIR_NAME = "sandbox"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The state directory chosen from the environment (not created; see `ensure_private_dir`)."""
    env = os.environ if environ is None else environ
    override = env.get(STATE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    xdg = env.get("XDG_STATE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / APP_DIR_NAME
    home = env.get("HOME", "").strip()
    base = Path(home) if home else Path.home()
    return base / ".local" / "state" / APP_DIR_NAME


def sandbox_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`environ` for a sandbox server: the state directory is `<state dir>/sandbox` unless
    `INFOMANIAK_MCP_STATE_DIR` is set explicitly (the audit log follows it unless
    `INFOMANIAK_MCP_AUDIT_LOG` is set: an explicit path is always honoured)."""
    env = dict(os.environ if environ is None else environ)
    if not env.get(STATE_DIR_ENV, "").strip():
        env[STATE_DIR_ENV] = str(state_dir(env) / SANDBOX_DIR_NAME)
    return env


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; a directory we create gets mode 0700."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def env_flag(environ: Mapping[str, str] | None, name: str, default: bool = False) -> bool:
    """A boolean environment variable (`1/true/yes/on` or `0/false/no/off`); anything else fails."""
    env = os.environ if environ is None else environ
    if name not in env:
        return default
    raw = env[name].strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(name, f"{env[name]!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def fsync_dir(path: Path) -> None:
    """Persist a directory entry change (file created or renamed) on POSIX file systems."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace `path` with `data` atomically: temporary file, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def open_append(path: Path) -> int:
    """Open `path` for appending (created 0600); returns the descriptor. Fsyncs the directory on creation."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    if created:
        fsync_dir(path.parent)
    return fd


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (one `write` in practice for small records), then flush to disk."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def process_lock(path: Path) -> threading.Lock:
    """One lock per file path for this process, shared by every object that writes that file."""
    key = os.path.abspath(path)
    with _PROCESS_LOCKS_GUARD:
        lock = _PROCESS_LOCKS.get(key)
        if lock is None:
            lock = _PROCESS_LOCKS[key] = threading.Lock()
        return lock


@contextlib.contextmanager
def exclusive(fd: int) -> Iterator[None]:
    """Hold an `fcntl.flock` exclusive lock on `fd` (serialises writers in other processes)."""
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked_append(path: Path) -> Iterator[int]:
    """Process lock + file lock around an append descriptor for `path`."""
    with process_lock(path):
        fd = open_append(path)
        try:
            with exclusive(fd):
                yield fd
        finally:
            os.close(fd)
