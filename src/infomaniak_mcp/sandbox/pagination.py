"""Query parsing, filtering, ordering and the three pagination styles (facts §3).

1. page/per_page: top-level `total, page, pages, items_per_page` next to `data`, added when
   `page` or `per_page` is sent. `return=total` answers only the count as `data`.
2. limit/skip: only on routes that document it (`/1/products`, mailboxes…); plain `data`,
   no metadata (the client stops on a short page).
3. cursor (kDrive v3): `cursor` + `limit` (5–1000, default 10); top-level `cursor` (next cursor
   or null), `has_more`, `response_at`.

Without paging parameters a page-style list answers everything up to an implicit cap (100, as
HM observed on DNS records) and says nothing about the rest, so clients must page. When only
`page` is sent the page size is the route's default (100; kDrive v2 documents 10).
kDrive v2 lists always page (default 10 per page, max 1000) and always carry the metadata
(sandbox choice: the spec's Pagination members are optional there).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ok, rule, validation_failed

JSON = dict[str, Any]
IMPLICIT_CAP = 100


# ---- scalar query parameters --------------------------------------------------------------------
def q_str(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value is not None and value != "" else None


def q_int(
    request: Request, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    raw = q_str(request, name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise validation_failed(
            rule("validation_rule_integer", name, f"The {name} must be an integer.")
        ) from None
    if minimum is not None and value < minimum:
        raise validation_failed(
            rule("validation_rule_min", name, f"The {name} must be at least {minimum}.", [minimum])
        )
    if maximum is not None and value > maximum:
        raise validation_failed(
            rule("validation_rule_max", name, f"The {name} may not be greater than {maximum}.", [maximum])
        )
    return value


def q_bool(request: Request, name: str) -> bool | None:
    raw = q_str(request, name)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise validation_failed(rule("validation_rule_boolean", name, f"The {name} field must be true or false."))


def q_list(request: Request, name: str) -> list[str]:
    """`name=a,b`, `name[]=a&name[]=b` and `name[0]=a` forms, in order."""
    out: list[str] = []
    for key, value in request.query_params.multi_items():
        if (
            key == name
            or key == f"{name}[]"
            or (key.startswith(f"{name}[") and key[len(name) + 1 : -1].isdigit())
        ):
            out.extend(v for v in value.split(",") if v)
    return out


def q_filters(request: Request) -> dict[str, list[str]]:
    """Deep-object filters: `filter[source]=www`, `filter[types][]=A` → {"source": ["www"], …}."""
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if not key.startswith("filter[") or "]" not in key:
            continue
        name = key[len("filter[") : key.index("]")]
        out.setdefault(name, []).append(value)
    return out


def check_with(request: Request, allowed: Sequence[str] | None) -> set[str]:
    """`with=a,b` / `with[]=a`; unknown values → 422 listing the allowed ones (facts §1)."""
    values = set(q_list(request, "with"))
    if allowed is None:
        return values
    unknown = sorted(values - set(allowed))
    if unknown:
        raise validation_failed(
            rule("validation_rule_in", "with", "The selected with is invalid.", list(allowed))
        )
    return values


def check_in(attribute: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise validation_failed(
            rule("validation_rule_in", attribute, f"The selected {attribute} is invalid.", list(allowed))
        )


# ---- search and order ---------------------------------------------------------------------------
def search(items: Iterable[JSON], term: str | None, keys: Sequence[str]) -> list[JSON]:
    if not term:
        return list(items)
    needle = term.lower()
    return [it for it in items if any(needle in str(it.get(k) or "").lower() for k in keys)]


def order(
    items: list[JSON],
    request: Request,
    allowed: Mapping[str, Callable[[JSON], Any]],
    *,
    dir_param: str = "order",
) -> list[JSON]:
    """`order_by` (one field, comma list or array) + `order` asc|desc + `order_for[field]`."""
    fields_ = q_list(request, "order_by")
    direction = q_str(request, dir_param) or "asc"
    check_in(dir_param, direction.lower(), ("asc", "desc"))
    if not fields_:
        return items
    for name in fields_:
        check_in("order_by", name, list(allowed))
    per_field: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key.startswith("order_for[") and key.endswith("]"):
            check_in(key, value.lower(), ("asc", "desc"))
            per_field[key[len("order_for[") : -1]] = value.lower()
    result = list(items)
    for name in reversed(fields_):  # stable sorts, last key first
        desc = per_field.get(name, direction.lower()) == "desc"
        getter = allowed[name]
        result.sort(key=lambda it, g=getter: _sort_key(g(it)), reverse=desc)  # type: ignore[misc]
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)


def field_getter(name: str) -> Callable[[JSON], Any]:
    return lambda it: it.get(name)


# ---- the three styles ---------------------------------------------------------------------------
def paged(
    request: Request,
    items: Sequence[Any],
    *,
    default_per_page: int = IMPLICIT_CAP,
    max_per_page: int | None = None,
    limit_skip: bool = False,
    always_paged: bool = False,
    cap: int = IMPLICIT_CAP,
    size_param: str = "per_page",
) -> Response:
    """Answer a page-style list (see module docstring); `size_param` names the page-size parameter."""
    ret = q_str(request, "return")
    if ret is not None:
        check_in("return", ret, ("total",))
        return ok(len(items))
    page = q_int(request, "page", minimum=1)
    per_page = q_int(request, size_param, minimum=1, maximum=max_per_page)
    if limit_skip and page is None and per_page is None:
        limit = q_int(request, "limit", minimum=1)
        skip = q_int(request, "skip", minimum=0)
        if limit is not None or skip is not None:
            start = skip or 0
            return ok(list(items[start : start + (limit if limit is not None else cap)]))
    if page is not None or per_page is not None or always_paged:
        page = page or 1
        per_page = per_page or default_per_page
        total = len(items)
        start = (page - 1) * per_page
        return ok(
            list(items[start : start + per_page]),
            extra={
                "total": total,
                "page": page,
                "pages": max(1, math.ceil(total / per_page)),
                "items_per_page": per_page,
            },
        )
    return ok(list(items[:cap]))


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise validation_failed(rule("validation_rule_cursor", "cursor", "The cursor is invalid.")) from None
    if not isinstance(offset, int) or offset < 0:
        raise validation_failed(rule("validation_rule_cursor", "cursor", "The cursor is invalid."))
    return offset


def cursored(request: Request, items: Sequence[Any], *, now: int) -> Response:
    """Answer a cursor-style list (kDrive v3)."""
    limit = q_int(request, "limit", minimum=5, maximum=1000) or 10
    raw = q_str(request, "cursor")
    offset = decode_cursor(raw) if raw is not None else 0
    chunk = list(items[offset : offset + limit])
    has_more = offset + limit < len(items)
    return ok(
        chunk,
        extra={
            "cursor": encode_cursor(offset + limit) if has_more else None,
            "has_more": has_more,
            "response_at": now,
        },
    )
