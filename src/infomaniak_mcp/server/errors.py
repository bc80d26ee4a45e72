"""Error mapping: what the model sees when a tool fails.

- `InfomaniakError` (the one error tree, `api/errors.py`) → an `isError` result whose text is
  `"<code>: <description> — Next step: <next step>"` and whose `structuredContent` is
  `error.to_dict()` (the SDK client never validates an error result against the output schema).
- An exception group (from an `anyio` task group: concurrent fetches) is flattened: its first
  `InfomaniakError` leaf is mapped as above (`known_error`), so a failed fetch keeps its code; a
  task that crashed beside it is logged (error level, redacted), not reported.
- The SDK's argument validation failure (`ValidationError`) → `invalid_argument` naming each
  field (`invalid_arguments_error`), when the SDK refuses a call's arguments (`InfomaniakServer.call_tool`).
- Anything else → masked: `"internal_error: internal error, see server log, ref <ref>"`; the
  traceback goes to stderr (redacted) under the same ref, so an operator can find it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar, NamedTuple

from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError

from infomaniak_mcp.api.errors import ErrorDetail, InfomaniakError, InvalidArgumentError
from infomaniak_mcp.safety.redact import redact, redact_text

logger = logging.getLogger("infomaniak_mcp.server")


@dataclass
class ReadOnlyModeError(InfomaniakError):
    """A write tool was called while the server runs with `--read-only`."""

    code: str = "read_only_mode"
    default_next_step: ClassVar[str] = (
        "This server was started with --read-only; restart it without --read-only to allow changes, "
        "or use a read tool instead."
    )


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def first_known_error(exc: BaseException) -> InfomaniakError | None:
    """`exc` itself when it is an `InfomaniakError`, else the first one inside (nested) exception groups.

    Only looks (logs nothing): for a decision taken before the answer is built, which then goes
    through `known_error` / `failure_result` (they log the group's crashes, once).
    """
    return next((leaf for leaf in _leaves(exc) if isinstance(leaf, InfomaniakError)), None)


def known_error(exc: BaseException, *, tool: str = "") -> InfomaniakError | None:
    """`exc` itself when it is an `InfomaniakError`, else the first one inside (nested) exception groups.

    The group's other leaves that are not `InfomaniakError` (a task that crashed beside a failed
    fetch) are logged at error level with their traceback (redacted by the log handler): the
    answer names the known error only, the crash is not lost.
    """
    known = first_known_error(exc)
    if known is not None:
        for leaf in _leaves(exc):
            if not isinstance(leaf, InfomaniakError):
                logger.error(
                    "tool %s: an unexpected %s failed beside %s", tool, type(leaf).__name__, known.code, exc_info=leaf
                )
    return known


def invalid_arguments_error(exc: ValidationError) -> InvalidArgumentError:
    """The SDK's argument validation failure as `invalid_argument`, one detail per field.

    pydantic's messages name the rule (and the allowed values of an enum), never the input value.
    """
    details: list[ErrorDetail] = []
    for item in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "arguments"
        details.append(ErrorDetail(code=item["type"], description=item["msg"], attribute=field))
    shown = "; ".join(f"{d.attribute}: {d.description}" for d in details[:5])
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return InvalidArgumentError(description=f"invalid arguments: {shown}{more}", details=details)


def unknown_arguments_error(tool: str, unknown: list[str], valid: list[str]) -> InvalidArgumentError:
    """`invalid_argument` for arguments `tool` does not have (one detail per key, the valid ones listed)."""
    listed = ", ".join(valid) or "none"
    details = [
        ErrorDetail(code="unknown_argument", description=f"{tool} has no parameter {key}", attribute=key, values=valid)
        for key in unknown
    ]
    return InvalidArgumentError(
        description=f"{tool} has no parameter {', '.join(unknown)}; its parameters: {listed}. Nothing was done.",
        details=details,
        hint=f"Call {tool} again with only its parameters ({listed}); check their spelling.",
    )


@dataclass
class ToolNotEnabledError(InfomaniakError):
    """A declared tool this server does not expose (not in its toolsets, excluded, or hidden by --read-only)."""

    code: str = "tool_not_enabled"
    default_next_step: ClassVar[str] = "Call tools_search to see how to enable it, or use a listed tool."


@dataclass
class UnknownToolError(InfomaniakError):
    """A tool name no toolset declares."""

    code: str = "unknown_tool"
    default_next_step: ClassVar[str] = (
        "Call tools_search with the task in words to find the right tool (api_search_operations finds any "
        "documented API operation)."
    )


def error_text(error: InfomaniakError) -> str:
    """One line for the model: code, plain explanation, what to do next."""
    return redact_text(f"{error.code}: {error.description} — Next step: {error.next_step}")


def error_result(error: InfomaniakError) -> CallToolResult:
    """The `isError` result for a known error."""
    payload: dict[str, Any] = redact(error.to_dict())
    return CallToolResult(
        content=[TextContent(type="text", text=error_text(error))],
        structured_content=payload,
        is_error=True,
    )


def new_ref() -> str:
    """A short id that ties a masked error to its server log line."""
    return secrets.token_hex(4)


def internal_error_result(tool: str, exc: BaseException, *, ref: str | None = None) -> CallToolResult:
    """Log `exc` (redacted, stderr) under a fresh ref and return the masked `isError` result."""
    ref = ref or new_ref()
    logger.error("tool %s failed with an unexpected %s (ref %s)", tool, type(exc).__name__, ref, exc_info=exc)
    text = (
        f"internal_error: internal error, see server log, ref {ref} — "
        "Next step: retry once; if it fails again, report the ref to the server operator."
    )
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content={
            "error": "internal_error",
            "kind": "InternalError",
            "description": "internal error, see server log",
            "next_step": "Retry once; if it fails again, report the ref to the server operator.",
            "ref": ref,
        },
        is_error=True,
    )


class Failure(NamedTuple):
    """A failed call's answer: the `isError` result, its outcome code, and what the audit keeps of it."""

    result: CallToolResult
    code: str
    error: dict[str, Any]


def failure_result(tool: str, exc: BaseException, *, prefix: str = "") -> Failure:
    """The answer to a tool call that raised `exc`: a known error (first `InfomaniakError`, also inside
    an exception group; `prefix` goes before its description) as is, anything else masked under a ref."""
    known = known_error(exc, tool=tool)
    if known is None:
        result = internal_error_result(tool, exc)
        ref = (result.structured_content or {})["ref"]
        return Failure(result, "internal_error", {"error": "internal_error", "ref": ref})
    if prefix:
        known = replace(known, description=f"{prefix}: {known.description}")
    logger.info("tool %s answered %s", tool, known.code)
    return Failure(error_result(known), known.code, known.to_dict())


@dataclass
class ConfirmationRefusedError(InfomaniakError):
    """A write's confirmation was refused (bad token, wrong typed name…); nothing was changed.

    `reason` is one of `safety.tokens.REASONS` or `name_mismatch`.
    """

    code: str = "confirmation_refused"
    reason: str = "malformed"
    default_next_step: ClassVar[str] = (
        "Nothing was changed. Call the tool again without confirmation_token to get a fresh plan and token."
    )

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "reason": self.reason}


@dataclass
class HumanConfirmationRequiredError(InfomaniakError):
    """The server requires human confirmation (`--confirm elicit`) and this client cannot elicit."""

    code: str = "human_confirmation_required"
    description: str = (
        "This server is configured so that a human confirms every change (--confirm elicit), and this "
        "client cannot ask its user (it does not support form elicitation). Nothing was changed."
    )
    default_next_step: ClassVar[str] = (
        "Use an MCP client that supports form elicitation, or ask the operator to restart the server "
        "with --confirm auto to confirm with tokens."
    )


@dataclass
class AuditUnavailableError(InfomaniakError):
    """The audit log cannot be written; writes are refused until it is repaired."""

    code: str = "audit_unavailable"
    default_next_step: ClassVar[str] = (
        "Nothing was changed. Ask the operator to run `infomaniak-mcp audit verify` and repair or move the "
        "audit log aside."
    )
