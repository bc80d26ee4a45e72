"""The Infomaniak response envelope: decode, unwrap, keep pagination metadata.

Success: `{"result": "success", "data": ..., "total"?, "page"?, "pages"?, "items_per_page"?,
"cursor"?, "has_more"?, "response_at"?}`. Long operations answer `result: "asynchronous"` (the
data is a task). Anything else, even with HTTP 200, is an error envelope
`{"result": "error", "error": {"code", "description", "errors"?, "context"?}}`.

A body that is not the envelope (HTML login page, truncated or malformed JSON, JSON without
`result`) becomes a `BadResponseError` saying which, with the content type and at most a short
redacted excerpt; never the body itself, which may hold secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

from infomaniak_mcp.api.errors import BadResponseError
from infomaniak_mcp.safety.redact import redact_text

T = TypeVar("T")
U = TypeVar("U")

SUCCESS_RESULTS = frozenset({"success", "asynchronous"})

_EXCERPT_CHARS = 60
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class ApiResponse:
    """One decoded success envelope: `data` plus the metadata the API sent next to it."""

    data: Any
    result: str = "success"
    status: int = 200
    total: int | None = None
    page: int | None = None
    pages: int | None = None
    items_per_page: int | None = None
    cursor: str | None = None
    has_more: bool | None = None
    response_at: int | None = None
    request_id: str | None = None

    @property
    def is_async(self) -> bool:
        """True when the API accepted a long operation (`data` then describes the task)."""
        return self.result == "asynchronous"


@dataclass
class Paged(Generic[T]):
    """All items of a list, fetched page by page up to a hard cap.

    `truncated` is True when the cap (items or requests) stopped the walk while the API said
    more items exist; `total` is the API's count when it sent one (else the count fetched when
    the walk finished).
    """

    items: list[T] = field(default_factory=list)
    total: int | None = None
    truncated: bool = False
    requests: int = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def map(self, fn: Callable[[T], U]) -> Paged[U]:
        return Paged([fn(item) for item in self.items], self.total, self.truncated, self.requests)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def excerpt(text: str) -> str:
    """A short, single-line, redacted excerpt of a body (for error messages only)."""
    match = _TITLE_RE.search(text)
    if match:
        text = "title: " + match.group(1)
    text = _CONTROL_RE.sub(" ", text).strip()
    cut = text[:_EXCERPT_CHARS] + ("…" if len(text) > _EXCERPT_CHARS else "")
    return redact_text(cut)


def _bad(code: str, description: str, **where: Any) -> BadResponseError:
    return BadResponseError(code=code, description=description, **where)


def decode_json_body(
    content: bytes,
    content_type: str,
    *,
    status: int,
    method: str,
    path: str,
    request_id: str | None,
) -> Any:
    """Decode a JSON body or raise `BadResponseError` naming what was wrong with it."""
    where: dict[str, Any] = {"status": status, "method": method, "path": path, "request_id": request_id}
    ctype = content_type.split(";")[0].strip().lower() or "none"
    text = content.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if not stripped:
        raise _bad(
            "empty_response", f"expected a JSON envelope, got an empty body (content-type {ctype})", **where
        )
    if "html" in ctype or stripped[:1] == "<":
        raise _bad(
            "html_response",
            f"expected JSON, got an HTML page (content-type {ctype}; {excerpt(stripped)}); "
            "usually a login page: the token or session was not accepted",
            **where,
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        kind = "truncated_json" if truncated else "malformed_json"
        what = "truncated JSON (the body ends early)" if truncated else f"malformed JSON ({exc.msg})"
        raise _bad(
            kind,
            f"expected a JSON envelope, got {what}; content-type {ctype}, {len(content)} bytes",
            **where,
        ) from None


def unwrap(
    body: Any,
    *,
    status: int,
    method: str,
    path: str,
    request_id: str | None,
) -> ApiResponse:
    """Turn a decoded success envelope into an `ApiResponse` (the caller handles error envelopes)."""
    if not isinstance(body, dict) or "result" not in body:
        shape = type(body).__name__ if not isinstance(body, dict) else "an object without 'result'"
        raise BadResponseError(
            code="missing_envelope",
            description=f"expected the Infomaniak envelope {{result, data}}, got {shape}",
            status=status,
            method=method,
            path=path,
            request_id=request_id,
        )
    cursor = body.get("cursor")
    has_more = body.get("has_more")
    return ApiResponse(
        data=body.get("data"),
        result=str(body["result"]),
        status=status,
        total=_int_or_none(body.get("total")),
        page=_int_or_none(body.get("page")),
        pages=_int_or_none(body.get("pages")),
        items_per_page=_int_or_none(body.get("items_per_page")),
        cursor=cursor if isinstance(cursor, str) and cursor else None,
        has_more=has_more if isinstance(has_more, bool) else None,
        response_at=_int_or_none(body.get("response_at")),
        request_id=request_id,
    )


def is_success(body: Any) -> bool:
    return isinstance(body, dict) and body.get("result") in SUCCESS_RESULTS


def body_request_id(body: Any) -> str | None:
    """Some surfaces put the request id in the body (kChat `request_id`)."""
    if isinstance(body, dict):
        for holder in (body, body.get("error")):
            if isinstance(holder, dict) and isinstance(holder.get("request_id"), str):
                return str(holder["request_id"])
    return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds, or an HTTP date; None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - now)
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds
