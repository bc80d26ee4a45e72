"""Build-time compaction of an OpenAPI document into the bundled compact form (used by `build.py`).

What is kept is what describing, validating and generating need: for schemas `type`, `enum`,
`const`, `format`, `pattern`, bounds, `required`, `properties`, `items`, `additionalProperties`,
`allOf`/`anyOf`/`oneOf`, `nullable`, `default`, `deprecated` and a short description; for
operations the summary, a short description, tags, operationId, parameters, the JSON request body,
the success responses and the error codes per status. Examples, titles and long texts go.

Repairs applied on the way (the export is not valid OpenAPI 3.1; see the spec README):
- a type that is not a JSON type: `bool` → boolean, `int` → integer, `float`/`double` → number;
  any other (`datetime`, `timestamp`, `''`, `Address`…) is dropped and kept as `x-type` (the
  schema then accepts any value; the sandbox leaves such optional fields out of its answers);
- PHP regex literals `/^…$/` lose their delimiters; patterns the export cut at a comma are dropped;
- `properties: []` (PHP's empty array) becomes `{}`; `allOf` written as an object becomes a list;
- `$ref`s are rewritten to short component names (`{"$ref": "2f8071fd_api_dns_dns_record"}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
TYPE_ALIASES = {"bool": "boolean", "int": "integer", "float": "number", "double": "number"}
SCHEMA_REF = "#/components/schemas/"
SUMMARY_CHARS = 120
DESCRIPTION_CHARS = 300
PROPERTY_DESCRIPTION_CHARS = 140

_KEEP_VALUES = ("enum", "const", "default")
_BOUNDS = (
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "minItems", "maxItems", "uniqueItems", "multipleOf",
)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
_NOTE_RE = re.compile(r"<note>\s*<strong>([^<]*)</strong>\s*:?", re.IGNORECASE)

RefMapper = Callable[[str], str]


def short_text(text: Any, limit: int) -> str:
    """Plain one-line text (HTML and Markdown noise removed), cut at `limit` characters."""
    if not isinstance(text, str):
        return ""
    value = _NOTE_RE.sub(r" \1:", text)
    value = _TAG_RE.sub(" ", value).replace("*", "").replace("`", "").replace("#", "")
    value = _SPACE_RE.sub(" ", value).strip()
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    sentence = cut.rfind(". ")
    if sentence > limit // 2:
        return cut[: sentence + 1]
    return cut.rsplit(" ", 1)[0] + "…"


def repair_pattern(pattern: Any) -> str | None:
    """A usable regex, or None for a pattern the export broke."""
    if not isinstance(pattern, str) or not pattern:
        return None
    text: str = pattern
    if text.startswith("/"):
        if len(text) > 1 and text.endswith("/"):
            text = text[1:-1]
        else:
            return None  # cut at a comma by the export (e.g. DNS `source`)
    try:
        re.compile(text)
    except re.error:
        return None
    return text


def _type(value: Any, out: dict[str, Any]) -> None:
    kinds = value if isinstance(value, list) else [value]
    good: list[str] = []
    for kind in kinds:
        if isinstance(kind, str) and kind in JSON_TYPES:
            good.append(kind)
        elif isinstance(kind, str) and kind in TYPE_ALIASES:
            good.append(TYPE_ALIASES[kind])
        elif isinstance(kind, str):
            out["x-type"] = kind
    if "null" in good and len(good) > 1:
        good.remove("null")
        out["nullable"] = True
    if len(good) == 1:
        out["type"] = good[0]
    elif good:
        out["type"] = good


def compact_schema(node: Any, ref: RefMapper, *, describe: bool = True) -> Any:
    """The compact copy of one schema (see the module docstring); `ref` maps component refs."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping):
        return {}
    if isinstance(node.get("$ref"), str):
        target = node["$ref"]
        if target.startswith(SCHEMA_REF):
            return {"$ref": ref(target[len(SCHEMA_REF):])}
        return {}
    out: dict[str, Any] = {}
    if "type" in node:
        _type(node["type"], out)
    if node.get("nullable") is True:
        out["nullable"] = True
    for key in _KEEP_VALUES:
        if key in node and not isinstance(node[key], Mapping):
            out[key] = node[key]
    if isinstance(out.get("enum"), list):
        out["enum"] = [v for v in out["enum"] if v is not None] or out.pop("enum")
        if out.get("enum") and None in node["enum"]:
            out["nullable"] = True
    if isinstance(node.get("format"), str) and node["format"] and node["format"] != "string":
        out["format"] = node["format"]
    pattern = repair_pattern(node.get("pattern"))
    if pattern is not None:
        out["pattern"] = pattern
        if isinstance(node.get("example"), str | int | float):
            out["x-example"] = node["example"]
    for key in _BOUNDS:
        value = node.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and key != "uniqueItems":
            out[key] = value
        elif key == "uniqueItems" and value is True:
            out[key] = True
    if node.get("deprecated") is True:
        out["deprecated"] = True
    if describe:
        text = short_text(node.get("description"), PROPERTY_DESCRIPTION_CHARS)
        if text:
            out["description"] = text
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        out["properties"] = {
            str(name): compact_schema(value, ref) for name, value in properties.items() if isinstance(value, Mapping)
        }
    elif properties == []:
        out["properties"] = {}
    required = node.get("required")
    if isinstance(required, list):
        names = [r for r in required if isinstance(r, str)]
        if names:
            out["required"] = list(dict.fromkeys(names))
    items = node.get("items")
    if isinstance(items, Mapping):
        out["items"] = compact_schema({k: v for k, v in items.items() if k != "schema"}, ref)
    elif isinstance(items, list) and items and isinstance(items[0], Mapping):
        out["items"] = compact_schema(items[0], ref)
    extra = node.get("additionalProperties")
    if isinstance(extra, bool):
        out["additionalProperties"] = extra
    elif isinstance(extra, Mapping):
        out["additionalProperties"] = compact_schema(extra, ref)
    for key in ("allOf", "anyOf", "oneOf"):
        parts = node.get(key)
        if isinstance(parts, Mapping):  # `allOf` written as an object
            parts = [parts[k] for k in sorted(parts, key=str)]
        if isinstance(parts, list):
            compacted = [compact_schema(p, ref) for p in parts if isinstance(p, Mapping)]
            if compacted:
                out[key] = compacted
    if "type" not in out and out.get("properties") and "x-type" not in out:
        out["type"] = "object"
    return out


def schema_refs(node: Any) -> set[str]:
    """Component names referenced anywhere in a compact schema."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            target = current.get("$ref")
            if isinstance(target, str):
                found.add(target)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def original_refs(node: Any) -> set[str]:
    """`#/components/...` references anywhere in an original document fragment."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            target = current.get("$ref")
            if isinstance(target, str) and target.startswith("#/components/"):
                found.add(target)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def error_codes(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> list[str]:
    """The `error.code` enum of an error answer's schema (original document), if it documents one."""
    node = resolve(schema)
    if not isinstance(node, Mapping) or depth > 6:
        return []
    codes: list[str] = []
    error = node.get("properties", {}).get("error") if isinstance(node.get("properties"), Mapping) else None
    error = resolve(error)
    if isinstance(error, Mapping) and isinstance(error.get("properties"), Mapping):
        code = resolve(error["properties"].get("code"))
        if isinstance(code, Mapping) and isinstance(code.get("enum"), list):
            codes.extend(str(c) for c in code["enum"] if c is not None)
    parts = node.get("allOf")
    if isinstance(parts, list):
        for part in parts:
            codes.extend(error_codes(part, resolve, depth + 1))
    return list(dict.fromkeys(codes))
