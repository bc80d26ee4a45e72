"""A compact, model-friendly description of one operation: parameters, body and response shape.

Schemas are rendered as trimmed JSON Schema: `$ref`s inlined (named by their component, hash
prefix removed), `allOf` merged into one object, long enums and property lists cut with a count,
and objects nested deeper than `depth` replaced by `{"type": "object", "cut": …}` so one answer
stays small. The response is shown as its `data` (the envelope `{result, data}` is implied) with
whether it is paginated and how.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from infomaniak_mcp.spec.model import KCHAT_HOST, ApiSpec, Operation, PageStyle
from infomaniak_mcp.spec.scopes import scope_label
from infomaniak_mcp.spec.validate import object_fields, types_of

DEFAULT_DEPTH = 3
CallPageStyle = PageStyle | Literal["mattermost"]
"""How api_call walks a list: the API's own styles (`ApiHttp.paginate`), or Mattermost's (kChat)."""
MATTERMOST_PAGE_SIZE = 200
"""kChat (Mattermost): `page` from 0, `per_page` default 60, at most 200."""
PAGING_NAMES = frozenset({"page", "per_page", "pageSize", "limit", "skip", "cursor"})
MAX_ENUM = 25
MAX_PROPERTIES = 40
MAX_BRANCHES = 5
DESCRIPTION_CHARS = 100
MAX_CHARS = 8000
"""Size budget of one description (JSON characters): depth and lists shrink until it fits."""
COMMON_PARAMS = {
    "page": "page number (api_call walks every page when omitted)",
    "per_page": "items per page",
    "limit": "number of items (offset paging)",
    "skip": "index of the first item, 0-based (offset paging)",
    "order": "default sort order",
    "order_by": "field(s) to sort by",
    "order_for": "per-field sort order: order_for[field]=asc|desc",
    "return": "'total' returns the item count instead of the items",
    "with": "comma list of related data to include (unknown values are refused with the allowed list)",
    "total": "add total and pages to the answer",
}
_HASH_PREFIX = re.compile(r"^[0-9a-f]{8}_")
_KEYS = (
    "type", "format", "const", "default", "nullable", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "deprecated",
)


def component_label(name: str) -> str:
    return _HASH_PREFIX.sub("", name).removeprefix("s24_")


@dataclass(frozen=True)
class ResponseShape:
    """What a success answer holds: `data` (enveloped) or the whole body (kChat), and paging."""

    status: int
    content_type: str | None
    enveloped: bool
    data: Any
    paginated: bool
    is_list: bool = False


def _is_array(spec: ApiSpec, schema: Any, depth: int = 0) -> bool:
    node = spec.resolve(schema)
    if not isinstance(node, Mapping) or depth > 5:
        return False
    if "array" in types_of(node):
        return True
    return any(_is_array(spec, b, depth + 1) for key in ("anyOf", "oneOf") for b in node.get(key, ()))


def response_shape(spec: ApiSpec, op: Operation) -> ResponseShape:
    entry = op.response
    schema = entry.get("schema")
    kind = entry.get("content_type")
    if schema is None:
        return ResponseShape(op.success_status, kind, False, None, False)
    node = spec.resolve(schema)
    parts = node.get("allOf", [node]) if isinstance(node, Mapping) else []
    refs = {p.get("$ref") for p in parts if isinstance(p, Mapping)}
    props, _, _ = object_fields(schema, spec)
    enveloped = "Response" in refs or ("result" in props and "data" in props)
    paginated = "Pagination" in refs or {"total", "pages"} <= set(props)
    data = props.get("data") if enveloped else schema
    return ResponseShape(op.success_status, kind, enveloped, data, paginated, _is_array(spec, data))


def mattermost_size_param(op: Operation) -> str | None:
    """The page-size parameter of a Mattermost list (`per_page`, `pageSize` on a few routes)."""
    return next((name for name in ("per_page", "pageSize") if op.param(name) is not None), None)


def documents_paging(op: Operation) -> bool:
    """Whether the operation takes paging parameters (pages may exist beyond one answer)."""
    return op.method == "GET" and any(p.name in PAGING_NAMES for p in op.params_in("query"))


def pagination_style(spec: ApiSpec, op: Operation) -> CallPageStyle | None:
    """How `api_call` walks every page of a GET list (None: one request)."""
    if op.method != "GET":
        return None
    names = {p.name for p in op.params_in("query")}
    shape = response_shape(spec, op)
    if op.is_kchat:
        paged = "page" in names and mattermost_size_param(op) is not None
        return "mattermost" if paged and shape.is_list else None
    if not shape.enveloped or not shape.is_list:
        return None
    if "cursor" in names:
        return "cursor"
    if {"page", "per_page"} <= names:
        return "page"
    if {"limit", "skip"} <= names:
        return "offset"
    return None


def max_page_size(op: Operation, style: CallPageStyle, default: int = 100) -> int:
    if style == "mattermost":
        return MATTERMOST_PAGE_SIZE
    name = "per_page" if style == "page" else "limit"
    param = op.param(name)
    maximum = param.schema.get("maximum") if param else None
    return int(min(default, maximum)) if isinstance(maximum, int | float) and maximum >= 1 else default


class Renderer:
    def __init__(self, spec: ApiSpec, depth: int, max_properties: int = MAX_PROPERTIES) -> None:
        self.spec = spec
        self.depth = depth
        self.max_properties = max_properties
        self.cut = False

    def render(self, schema: Any, level: int = 0, *, describe: bool = True) -> Any:
        name = schema.get("$ref") if isinstance(schema, Mapping) else None
        node = self.spec.resolve(schema)
        if not isinstance(node, Mapping):
            return {}
        out: dict[str, Any] = {}
        if name:
            out["name"] = component_label(str(name))
        if node.get("allOf"):
            props, required, _ = object_fields(node, self.spec)
            merged = {k: v for k, v in node.items() if k != "allOf"}
            merged.update({"type": "object", "properties": props, "required": required})
            if not props:
                merged = {**merged, **{k: v for p in node["allOf"] for k, v in self.spec.resolve(p).items()
                                       if k not in ("properties", "required", "allOf")}}
            node = merged
        for key in _KEYS:
            if key in node and node[key] not in (None, [], {}):
                out[key] = node[key]
        if "x-type" in node:
            out["type"] = node["x-type"]
        if describe and node.get("description"):
            text = str(node["description"])
            out["description"] = text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            out["enum"] = enum[:MAX_ENUM] + ([f"…(+{len(enum) - MAX_ENUM})"] if len(enum) > MAX_ENUM else [])
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if branches:
                shown = [self.render(b, level, describe=False) for b in branches[:MAX_BRANCHES]]
                out[key] = shown + ([f"…(+{len(branches) - MAX_BRANCHES})"] if len(branches) > MAX_BRANCHES else [])
        kinds = types_of(node)
        if "array" in kinds or "items" in node:
            out["items"] = self.render(node.get("items", {}), level, describe=False)
        props = node.get("properties")
        if isinstance(props, Mapping) and props:
            if level >= self.depth:
                self.cut = True
                out["type"] = "object"
                out["cut"] = f"{len(props)} field(s) not shown (depth {self.depth})"
                return out
            required = [r for r in node.get("required", ()) if isinstance(r, str)]
            if required:
                out["required"] = required
            names = list(props)[: self.max_properties]
            out["properties"] = {n: self.render(props[n], level + 1, describe=level < 2) for n in names}
            if len(props) > self.max_properties:
                self.cut = True
                out["more_properties"] = len(props) - self.max_properties
        return out


def describe_operation(
    spec: ApiSpec, op: Operation, *, depth: int = DEFAULT_DEPTH, max_chars: int | None = None
) -> dict[str, Any]:
    """The compact description (see the module docstring), shrunk to fit `max_chars`.

    Default budget `MAX_CHARS`; asking for more than `DEFAULT_DEPTH` raises it to 3 × `MAX_CHARS`.
    """
    budget = max_chars or (MAX_CHARS if depth <= DEFAULT_DEPTH else 3 * MAX_CHARS)
    out = _describe(spec, op, depth, MAX_PROPERTIES)
    for shallower, count in [(d, MAX_PROPERTIES) for d in range(depth - 1, 0, -1)] + [(1, 15), (1, 8), (0, 8)]:
        if len(json.dumps(out, ensure_ascii=False)) <= budget:
            break
        out = _describe(spec, op, shallower, count)
    return out


def export_notes(spec: ApiSpec, op: Operation) -> list[str]:
    """The bundled export's known gaps (`ApiSpec.notes`) that concern this operation."""
    wanted = []
    if op.is_kchat:
        wanted.append("kChat operations")
    if op.source != "2025-12":
        wanted.append("Methods lost by the 2025-12 export")
    return [note for note in spec.notes if any(note.startswith(prefix) for prefix in wanted)]


def _describe(spec: ApiSpec, op: Operation, depth: int, max_properties: int) -> dict[str, Any]:
    renderer = Renderer(spec, depth, max_properties)
    out: dict[str, Any] = {"operation": op.key, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    out["product"] = op.product
    out["scope"] = scope_label(op.method, op.path)
    if op.deprecated:
        out["deprecated"] = True
    if op.is_kchat:
        out["host"] = f"{KCHAT_HOST}{op.path} (pass team=<subdomain>); plain Mattermost JSON, no envelope"
    params: dict[str, dict[str, Any]] = {}
    for location in ("path", "query", "header"):
        for param in op.params_in(location):
            view = renderer.render(param.schema, 1, describe=False)
            if param.required:
                view["required"] = True
            if location == "query" and param.name in COMMON_PARAMS:
                view["description"] = COMMON_PARAMS[param.name]
            elif param.description:
                view["description"] = param.description
            if param.deprecated:
                view["deprecated"] = True
            if location == "header":
                view["note"] = "header; not sent by api_call"
            params.setdefault(location, {})[param.name] = view
    if "path" in params:
        out["path_params"] = params["path"]
    if "query" in params:
        out["query_params"] = params["query"]
    if "header" in params:
        out["header_params"] = params["header"]
    if op.body:
        body: dict[str, Any] = {"content_type": op.body.get("content_type")}
        if op.body.get("required"):
            body["required"] = True
        body["schema"] = renderer.render(op.body.get("schema", {}))
        out["body"] = body
    shape = response_shape(spec, op)
    response: dict[str, Any] = {"status": shape.status}
    if shape.content_type and shape.content_type != "application/json":
        response["content_type"] = shape.content_type
    if shape.enveloped:
        response["envelope"] = "{result: 'success', data: …}"
    style = pagination_style(spec, op)
    if style == "mattermost":
        response["paginated"] = "page from 0, per_page ≤ 200 (api_call fetches every page)"
    elif style:
        response["paginated"] = f"{style} (api_call fetches every page)"
    elif shape.paginated or documents_paging(op):
        first = "0" if op.is_kchat else "1"
        response["paginated"] = f"one page per call: pass page (from {first}) and per_page to read the others"
    if shape.data is not None:
        response["data"] = renderer.render(shape.data)
    out["response"] = response
    errors = {status: codes for status, codes in op.errors.items() if codes}
    if errors:
        out["errors"] = errors
    notes = export_notes(spec, op)
    if op.source != "2025-12":
        notes.append(f"merged from the {op.source} export: the Dec 2025 export lost it (may have changed since)")
    if renderer.cut:
        notes.append(f"schemas cut at depth {depth} / {max_properties} fields to keep this short; "
                     "ask for a larger depth to see more")
    if op.body and op.body.get("content_type") != "application/json":
        notes.append(f"the body is {op.body.get('content_type')}: api_call sends JSON only")
    if notes:
        out["notes"] = notes
    return out
