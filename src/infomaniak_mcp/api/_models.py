"""Base of every API model, and validation that turns a shape mismatch into a typed error."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from infomaniak_mcp.api.errors import BadResponseError

M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """An object as the API returns it: field names exactly as the API's, unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class ProductObject(ApiModel):
    """The product fields every product-style object carries (web hosting, mail hosting…; facts §7.2–7.8)."""

    id: int
    account_id: int | None = None
    service_id: int | None = None
    service_name: str | None = None
    customer_name: str = ""
    internal_name: str | None = None
    created_at: int | None = None
    expired_at: int | None = None
    has_maintenance: bool = False
    is_locked: bool = False
    has_operation_in_progress: bool = False


def parse_model(model: type[M], data: Any, *, method: str = "", path: str = "") -> M:
    """Validate `data` as `model`; a mismatch is a `BadResponseError` naming the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors(include_url=False, include_input=False)
        loc = ".".join(str(p) for p in problems[0]["loc"]) if problems else ""
        msg = problems[0]["msg"] if problems else "invalid"
        raise BadResponseError(
            code="unexpected_shape",
            description=(
                f"the API's {model.__name__} did not have the expected shape "
                f"({exc.error_count()} problem(s); first: {loc or '(root)'}: {msg})"
            ),
            method=method or None,
            path=path or None,
        ) from None


def parse_list(model: type[M], data: Any, *, method: str = "", path: str = "") -> list[M]:
    """Validate a list of `model` items (the `data` of a list route)."""
    if not isinstance(data, list):
        raise BadResponseError(
            code="unexpected_shape",
            description=f"expected a list of {model.__name__}, got {type(data).__name__}",
            method=method or None,
            path=path or None,
        )
    return [parse_model(model, item, method=method, path=path) for item in data]
