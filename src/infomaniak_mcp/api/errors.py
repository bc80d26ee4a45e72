"""One error tree for everything that can go wrong talking to Infomaniak.

```
InfomaniakError                      base: code, description, next_step, status, details, request_id
├── InvalidArgumentError             a tool argument refused before sending (names the field)
├── NotConfiguredError               no API token (or no manager session) configured
├── ManagerSessionError              manager cookies missing/expired, auto mode found nothing
├── TransportError                   nothing usable came back
│   ├── RequestTimeoutError          the deadline passed (connect, read or whole request)
│   ├── ConnectionFailedError        DNS, refused, reset…
│   └── BadResponseError             non-JSON body, HTML (login page), malformed envelope
└── ApiError                         the API answered with an error envelope
    ├── UnauthorizedError            401 not_authorized
    ├── ForbiddenError               403 access_denied, forbidden…
    │   └── MissingScopeError        403 naming a scope / code all_scopes
    ├── NotFoundError                404 object_not_found, method_not_found…
    ├── ValidationFailedError        422/400 validation_failed (per-attribute `details`)
    ├── TokenMismatchError           419 token_mismatch (manager CSRF)
    ├── ConflictError                409, operation_in_progress
    ├── RateLimitedError             429 too_many_request (`retry_after`)
    └── ServerError                  5xx
```

Every error keeps `status`, `code`, `description`, `details` (the upstream `errors[]` items,
flattened to `{code, description, attribute, values}`) and `request_id`, and carries a
`next_step` sentence for the model. Nothing secret is ever put into an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class ErrorDetail:
    """One item of the upstream `error.errors[]` list."""

    code: str
    description: str = ""
    attribute: str | None = None
    values: list[Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        if self.description:
            out["description"] = self.description
        if self.attribute is not None:
            out["attribute"] = self.attribute
        if self.values is not None:
            out["values"] = self.values
        return out


@dataclass
class InfomaniakError(Exception):
    """Base of the tree. `code` is the upstream error code (or ours for local errors)."""

    code: str = "error"
    description: str = "The request failed."
    status: int | None = None
    details: list[ErrorDetail] = field(default_factory=list)
    request_id: str | None = None
    method: str | None = None
    path: str | None = None
    hint: str | None = None

    default_next_step: ClassVar[str] = "Check the arguments and try again."

    def __post_init__(self) -> None:
        Exception.__init__(self, self.__str__())

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        status = f"HTTP {self.status} " if self.status else ""
        return f"{status}{self.code}: {self.description}{where}"

    @property
    def next_step(self) -> str:
        return self.hint or self.default_next_step

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "error": self.code,
            "kind": type(self).__name__,
            "description": self.description,
            "next_step": self.next_step,
        }
        if self.status is not None:
            out["status"] = self.status
        if self.details:
            out["details"] = [d.to_dict() for d in self.details]
        if self.request_id:
            out["request_id"] = self.request_id
        if self.method and self.path:
            out["request"] = f"{self.method} {self.path}"
        return out


@dataclass
class NotConfiguredError(InfomaniakError):
    code: str = "not_configured"
    default_next_step: ClassVar[str] = (
        "Set INFOMANIAK_API_TOKEN (or start with --sandbox) and restart the server."
    )


@dataclass
class InvalidArgumentError(InfomaniakError):
    """A tool argument was refused locally, before anything was sent; `details` name the field."""

    code: str = "invalid_argument"

    @classmethod
    def for_field(cls, field: str, problem: str, allowed: list[Any] | None = None) -> InvalidArgumentError:
        return cls(
            description=f"{field}: {problem}",
            details=[ErrorDetail(code="invalid", description=problem, attribute=field, values=allowed)],
        )

    @property
    def next_step(self) -> str:
        if self.hint:
            return self.hint
        allowed = next((d.values for d in self.details if d.values), None)
        fields = ", ".join(d.attribute for d in self.details if d.attribute) or "the argument"
        suffix = f" Allowed: {', '.join(map(str, allowed))}." if allowed else ""
        return f"Fix {fields} and call again; nothing was changed.{suffix}"


@dataclass
class ManagerSessionError(InfomaniakError):
    code: str = "manager_session_required"
    default_next_step: ClassVar[str] = (
        "Log in to https://manager.infomaniak.com in your browser, then copy the SASESSION cookie "
        "into INFOMANIAK_SASESSION and the MANAGER-XSRF-TOKEN cookie into INFOMANIAK_XSRF_TOKEN "
        "(or set INFOMANIAK_AUTH_MODE=auto with the 'browser' extra installed) and restart the server."
    )


@dataclass
class TransportError(InfomaniakError):
    code: str = "transport_error"
    default_next_step: ClassVar[str] = "The API could not be reached; retry in a minute."


@dataclass
class RequestTimeoutError(TransportError):
    code: str = "timeout"
    sent: bool = True
    """Whether the request left: a timeout after sending leaves its effect unknown (it may land late)."""
    default_next_step: ClassVar[str] = (
        "The API did not answer before the deadline; retry later or raise INFOMANIAK_TIMEOUT."
    )


@dataclass
class ConnectionFailedError(TransportError):
    code: str = "connection_failed"
    default_next_step: ClassVar[str] = "Check the network and INFOMANIAK_API_URL, then retry."


@dataclass
class BadResponseError(TransportError):
    code: str = "bad_response"
    default_next_step: ClassVar[str] = (
        "The API answered with something that is not its JSON envelope (an HTML login page means the "
        "session or token is not accepted); check the token/session and retry later."
    )


@dataclass
class ApiError(InfomaniakError):
    code: str = "api_error"


@dataclass
class UnauthorizedError(ApiError):
    code: str = "not_authorized"
    default_next_step: ClassVar[str] = (
        "The API token is missing, revoked or expired: create a new one in the Manager "
        "(API tokens) and set INFOMANIAK_API_TOKEN."
    )


@dataclass
class ForbiddenError(ApiError):
    code: str = "access_denied"
    default_next_step: ClassVar[str] = (
        "The token's user has no right on this product or organisation; use an account admin's token "
        "or ask an admin for access."
    )


@dataclass
class MissingScopeError(ForbiddenError):
    scopes: list[str] = field(default_factory=list)

    @property
    def next_step(self) -> str:
        wanted = ", ".join(self.scopes) if self.scopes else "the scope this product needs"
        return (
            f"The API token lacks the scope(s) {wanted}. Scopes cannot be added to an existing token: "
            "create a new token with them in the Manager (API tokens) and set INFOMANIAK_API_TOKEN."
        )


@dataclass
class NotFoundError(ApiError):
    code: str = "object_not_found"
    default_next_step: ClassVar[str] = (
        "The id or name does not exist on this account; list the parent resource first."
    )


@dataclass
class ValidationFailedError(ApiError):
    code: str = "validation_failed"

    @property
    def next_step(self) -> str:
        if self.hint:
            return self.hint
        fields = [d.attribute for d in self.details if d.attribute]
        if fields:
            return f"Fix the field(s) {', '.join(fields)} and call again."
        return "Fix the arguments named in the details and call again."


@dataclass
class TokenMismatchError(ApiError):
    code: str = "token_mismatch"
    default_next_step: ClassVar[str] = ManagerSessionError.default_next_step


@dataclass
class ConflictError(ApiError):
    code: str = "conflict"
    default_next_step: ClassVar[str] = (
        "Another operation is running on this resource; wait until it finishes and try again."
    )


@dataclass
class RateLimitedError(ApiError):
    code: str = "too_many_request"
    retry_after: float | None = None

    @property
    def next_step(self) -> str:
        wait = f"{self.retry_after:g} s" if self.retry_after else "a minute"
        return f"Infomaniak allows 60 requests per minute; wait {wait} and retry."


@dataclass
class ServerError(ApiError):
    code: str = "server_error"
    default_next_step: ClassVar[str] = "Infomaniak had an internal error; retry in a few minutes."


_SCOPE_RE = re.compile(r"\b([a-z_]+(?::[a-z_]+)+|accounts|web|mail|drive|kchat|user_info)\b")


# Error codes whose kind is unambiguous, used when a 2xx carries an error envelope.
_STATUS_FOR_CODE: dict[str, int] = {
    "not_authorized": 401,
    "unauthorized": 401,
    "access_denied": 403,
    "forbidden": 403,
    "all_scopes": 403,
    "object_not_found": 404,
    "not_found": 404,
    "method_not_found": 404,
    "token_mismatch": 419,
    "conflict": 409,
    "object_already_exists": 409,
    "too_many_request": 429,
    "validation_failed": 422,
    "unprocessable_entity": 422,
}


def _details(raw: Any) -> list[ErrorDetail]:
    items: list[ErrorDetail] = []
    if not isinstance(raw, list):
        return items
    for item in raw:
        if not isinstance(item, dict):
            continue
        ctx = item.get("context") if isinstance(item.get("context"), dict) else {}
        values = ctx.get("values") if ctx else None
        items.append(
            ErrorDetail(
                code=str(item.get("code", "")),
                description=str(item.get("description", "")),
                attribute=str(ctx["attribute"]) if ctx and ctx.get("attribute") is not None else None,
                values=list(values) if isinstance(values, list) else None,
            )
        )
        items.extend(_details(item.get("errors")))
    return items


def error_from_response(
    status: int,
    body: Any,
    *,
    method: str | None = None,
    path: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """Build the right `ApiError` from an HTTP status and a decoded error envelope."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {}
    code = str(err.get("code") or "")
    description = str(err.get("description") or err.get("message") or "")
    if not err and isinstance(body, dict) and "status_code" in body and body.get("message"):
        # kChat answers Mattermost's AppError, no envelope (facts §2): {status_code, id, message, request_id}.
        # The message is the description (scope detection reads it); the AppError id is kept beside it.
        app_id = str(body.get("id") or "")
        description = f"{body['message']} ({app_id})" if app_id else str(body["message"])
    details = _details(err.get("errors"))
    common: dict[str, Any] = {
        "status": status,
        "details": details,
        "request_id": request_id,
        "method": method,
        "path": path,
    }
    # A 2xx whose envelope says `result: error` (seen in the wild) is typed by its code.
    kind = status if status >= 400 else _STATUS_FOR_CODE.get(code, status)
    if kind == 401:
        return UnauthorizedError(
            code=code or "not_authorized", description=description or "Authorization required", **common
        )
    if kind == 403:
        scopes = sorted(set(_SCOPE_RE.findall(description))) if "scope" in description.lower() else []
        if code == "all_scopes" or scopes:
            return MissingScopeError(
                code=code or "missing_scope",
                description=description or "Missing scope",
                scopes=scopes,
                **common,
            )
        return ForbiddenError(
            code=code or "access_denied", description=description or "Access denied", **common
        )
    if kind == 404:
        return NotFoundError(
            code=code or "object_not_found", description=description or "Object not found", **common
        )
    if kind == 419:
        return TokenMismatchError(
            code=code or "token_mismatch", description=description or "CSRF token mismatch", **common
        )
    if kind == 409 or code == "operation_in_progress":
        return ConflictError(code=code or "conflict", description=description or "Conflict", **common)
    if kind == 429:
        return RateLimitedError(
            code=code or "too_many_request",
            description=description or "Too many request",
            retry_after=retry_after,
            **common,
        )
    if kind in (400, 422) and (details or "validation" in code or code == "unprocessable_entity"):
        return ValidationFailedError(
            code=code or "validation_failed", description=description or "Validation failed", **common
        )
    if kind >= 500:
        return ServerError(code=code or "server_error", description=description or "Server error", **common)
    return ApiError(code=code or f"http_{status}", description=description or f"HTTP {status}", **common)
