"""Logging: stderr only, secrets redacted, level from settings.

stdout is the MCP protocol on stdio, so every log line goes to stderr. One handler is installed on
the root logger; it carries `RedactingFilter` (message and arguments) and a formatter that scrubs
the rendered line again, so tracebacks and exception texts are redacted too. The handler resolves
`sys.stderr` at each write, so a replaced `sys.stderr` (tests, daemons) is honoured.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from infomaniak_mcp.safety.redact import RedactingFilter, redact_text

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HTTP_LOGGERS = ("httpx2", "httpcore2")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts the whole line (message, exception text, stack)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler bound to whatever `sys.stderr` is at emit time."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: the stream is always the current `sys.stderr`."""


def is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_infomaniak_mcp", False) is True


def configure_logging(level: str = "WARNING") -> logging.Handler:
    """Install (or re-level) the redacting stderr handler on the root logger; idempotent.

    The handler filters at `level`; the root logger is only ever made more verbose (never less),
    so other handlers (a test's log capture, an embedding application) keep what they asked for.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if is_ours(h)), None)
    if handler is None:
        handler = StderrHandler()
        handler._infomaniak_mcp = True  # type: ignore[attr-defined]
        handler.addFilter(RedactingFilter())
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
        root.addHandler(handler)
    handler.setLevel(numeric)
    if root.level == logging.NOTSET or root.level > numeric:
        root.setLevel(numeric)
    # Chatty third-party loggers stay at WARNING unless we debug. The HTTP stack never goes below
    # INFO: its DEBUG lines dump raw request/response headers (cookies, XSRF, bearer) as byte tuples.
    quiet = logging.WARNING if numeric > logging.DEBUG else logging.DEBUG
    logging.getLogger("uvicorn.access").setLevel(quiet)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(max(quiet, logging.INFO))
    return handler
