"""Compact tool schemas: same meaning, fewer tokens in `tools/list`.

Pydantic's JSON schemas carry noise a model does not need: an auto-generated `title` on every
property and model, `"default": null` on optional fields, and `anyOf: [{type: X}, {type: null}]`
for `X | None`. `compact_schema` removes the first two and folds the third into
`type: [X, "null"]` (equivalent in JSON Schema 2020-12). Descriptions, enums, bounds, `required`
and `$defs` are kept, so the client validates exactly the same documents. Output schemas also
lose their descriptions (`compact_output_schema`).
"""

from __future__ import annotations

from typing import Any

_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")


def _fold_nullable(node: dict[str, Any]) -> dict[str, Any]:
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2:
        return node
    null = [o for o in options if o == {"type": "null"}]
    other = [o for o in options if o != {"type": "null"}]
    if len(null) != 1 or len(other) != 1:
        return node
    inner = other[0]
    if set(inner) - {"type", "format", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern"}:
        return node
    if not isinstance(inner.get("type"), str):
        return node
    folded = {k: v for k, v in node.items() if k != "anyOf"}
    folded.update(inner)
    folded["type"] = [inner["type"], "null"]
    if "enum" in inner and None not in inner["enum"]:
        folded["enum"] = [*inner["enum"], None]
    return folded


def compact_output_schema(schema: Any) -> Any:
    """The output schema as published: the top-level fields with their types, nothing deeper.

    The model reads results, not their schema: field names carry the meaning and each tool's
    text rendering explains the result. Nested objects and arrays are published as plain
    `object`/`array` (no `$defs`, no descriptions, no `additionalProperties`), so the schema is
    a looser but honest contract: clients still validate `structuredContent` against it. The
    full models stay in the code (and in the registry snapshots' `outputModel`).
    """
    if not isinstance(schema, dict):
        return schema
    full = compact_schema(schema)
    properties = {name: _shallow(sub) for name, sub in full.get("properties", {}).items()}
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if full.get("required"):
        out["required"] = full["required"]
    return out


def _shallow(schema: Any) -> Any:
    """A property's schema reduced to its type(s) and enum, with nested structure cut."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema or "allOf" in schema:
        return {"type": "object"}
    if "anyOf" in schema or "oneOf" in schema:
        options = [_shallow(o) for o in schema.get("anyOf") or schema.get("oneOf") or []]
        types: list[str] = []
        for option in options:
            kind = option.get("type", "object") if isinstance(option, dict) else "object"
            for t in kind if isinstance(kind, list) else [kind]:
                if t not in types:
                    types.append(t)
        return {"type": types[0] if len(types) == 1 else types}
    out = {k: v for k, v in schema.items() if k in ("type", "enum")}
    return out or {}


def compact_schema(schema: Any) -> Any:
    """A copy of `schema` without auto titles / null defaults, with `X | None` folded."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value)
    return _fold_nullable(out)
