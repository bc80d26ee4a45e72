"""Deterministic example values from a compact schema (the sandbox's generated answers, test calls).

`Sampler(spec).value(schema)` returns a value valid against the schema, the same every time:
enums take their first value, formats a canned example (`date-time`, `email`, `uuid`, `ipv4`…;
`timestamp` integers are 2025-01-15 10:00 UTC, in milliseconds for kChat), patterns the documented example or the first
of a few candidates that matches, numbers the smallest sensible value within bounds, arrays one
item, objects every required field plus, near the top, the optional ones. `oneOf` takes the
first branch whose example matches no other branch. Optional fields whose schema cannot be
satisfied (a non-JSON type such as `datetime`, an enum that contradicts its type) are left out;
recursive schemas stop at `max_depth`.

kChat (`millis=True`) follows Mattermost's conventions: times in milliseconds, `delete_at` 0 (a
non-zero value means deleted), and ids (`id`, `*_id`) 26 lowercase alphanumerics derived from the
field name (Mattermost's `NewId` shape; facts §5.9).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from infomaniak_mcp.spec.model import ApiSpec, Operation
from infomaniak_mcp.spec.validate import check, types_of

TIMESTAMP = 1736935200  # 2025-01-15T10:00:00Z
FORMATS: dict[str, Any] = {
    "date-time": "2025-01-15T10:00:00Z",
    "datetime": "2025-01-15T10:00:00Z",
    "date": "2025-01-15",
    "time": "10:00:00",
    "email": "demo@example.ch",
    "idn-email": "demo@example.ch",
    "uri": "https://example.ch/",
    "url": "https://example.ch/",
    "uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "hostname": "example.ch",
    "binary": "",
    "byte": "",
}
PATTERN_CANDIDATES = (
    "example", "a", "abc", "demo-1", "demo_1", "0123456789abcdef", "#ffffff", "blank",
    "0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-4a9f-a165-70867728950e", "md5:0123456789abcdef",
    "1", "A1", "example.ch",
)
MATTERMOST_ID_LENGTH = 26
MATTERMOST_NOT_DELETED = ("delete_at", "deleted_at", "archived_at")


def mattermost_id(seed: str) -> str:
    """A deterministic Mattermost-shaped id (26 characters, a-z and 2-7) for `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:MATTERMOST_ID_LENGTH]


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


OPTIONAL_DEPTH = 2
"""Optional object fields are included down to this depth (deeper objects get required fields only)."""


def _int(value: Any, default: Any) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class Unsatisfiable(ValueError):
    """No value can satisfy this schema (or the sampler cannot find one)."""


class Sampler:
    def __init__(
        self, spec: ApiSpec, *, max_depth: int = 8, optional_depth: int = OPTIONAL_DEPTH, lenient: bool = False,
        millis: bool = False,
    ) -> None:
        self.spec = spec
        self.millis = millis
        """Timestamps in milliseconds (kChat/Mattermost) instead of seconds."""
        self.max_depth = max_depth
        self.optional_depth = optional_depth
        self.lenient = lenient
        """Lenient: for self-contradicting schemas, a best-effort value instead of `Unsatisfiable`."""

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        """A valid example of `schema` (raises `Unsatisfiable` when there is none)."""
        if isinstance(schema, bool):
            if not schema:
                raise Unsatisfiable(name)
            return "sandbox"
        if depth > self.max_depth + 4:
            raise Unsatisfiable(f"{name}: too deep")
        node = self.spec.resolve(schema)
        if not isinstance(node, Mapping):
            return "sandbox"
        if "const" in node:
            return node["const"]
        if node.get("allOf"):
            return self._all_of(node, name, depth)
        for key in ("oneOf", "anyOf"):
            if node.get(key):
                return self._branches(node, key, name, depth)
        kinds = [k for k in types_of(node) if k != "null"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            return self._enum(node, enum, kinds, name)
        kind = kinds[0] if kinds else None
        if kind is None:
            if "x-type" in node and not self.lenient:
                raise Unsatisfiable(f"{name}: type {node['x-type']!r} is not a JSON type")
            if "properties" in node or "required" in node:
                kind = "object"
            elif "items" in node:
                kind = "array"
            elif "type" in node and types_of(node) == ["null"]:
                return None
            else:
                return "sandbox"
        return getattr(self, f"_{kind}")(node, name, depth)

    # ---- composition ------------------------------------------------------------------------
    def _all_of(self, node: Mapping[str, Any], name: str, depth: int) -> Any:
        merged: dict[str, Any] = {}
        scalar: Any = None
        own = {k: v for k, v in node.items() if k != "allOf"}
        for part in [*node["allOf"], *([own] if own.get("properties") or own.get("required") else [])]:
            value = self.value(part, name, depth + 1)
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, dict) and isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **item}
                    else:
                        merged.setdefault(key, item)
            else:
                scalar = value
        if merged or scalar is None:
            return merged
        return scalar

    def _branches(self, node: Mapping[str, Any], key: str, name: str, depth: int) -> Any:
        branches = node[key]
        rest = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}
        for index, branch in enumerate(branches):
            try:
                value = self.value(branch, name, depth + 1)
            except Unsatisfiable:
                continue
            if self.lenient:
                return value
            if rest and check(value, rest, self.spec, name):
                continue
            if key == "oneOf":
                others = [b for i, b in enumerate(branches) if i != index]
                if any(not check(value, other, self.spec, name) for other in others):
                    continue
            return value
        raise Unsatisfiable(f"{name}: no {key} branch could be sampled")

    def _enum(self, node: Mapping[str, Any], enum: list[Any], kinds: list[str], name: str) -> Any:
        for candidate in enum:
            if candidate is None:
                continue
            if self.lenient or not kinds or not check(candidate, {"type": kinds}, self.spec, name):
                return candidate
        raise Unsatisfiable(f"{name}: no enum value has type {kinds}")

    # ---- scalars ----------------------------------------------------------------------------
    def _string(self, node: Mapping[str, Any], name: str, depth: int) -> str:
        fmt = node.get("format")
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            example = node.get("x-example")
            candidates = [str(example)] if example is not None else []
            candidates += [FORMATS[fmt]] if isinstance(fmt, str) and fmt in FORMATS else []
            for candidate in [*candidates, *PATTERN_CANDIDATES]:
                if not check(candidate, node, self.spec, name):
                    return candidate
            if self.lenient:
                return candidates[0] if candidates else PATTERN_CANDIDATES[0]
            raise Unsatisfiable(f"{name}: no candidate matches {pattern}")
        default = node.get("default")
        if isinstance(default, str) and not check(default, node, self.spec, name):
            return default
        if self.millis and fmt is None and _is_id(name):
            candidate = mattermost_id(name)
            if not check(candidate, node, self.spec, name):
                return candidate
        if isinstance(fmt, str) and fmt in FORMATS:
            return str(FORMATS[fmt])
        if fmt == "timestamp":
            return str(TIMESTAMP)
        if name == "result":  # the envelope's result, when a schema leaves it free (AsyncResponse)
            return "asynchronous" if "async" in str(node.get("description", "")).lower() else "success"
        text = (name or "value").strip("_") or "value"
        low = _int(node.get("minLength"), 0)
        high = _int(node.get("maxLength"), None)
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None:
            text = text[:high]
        return text

    def _number_bounds(self, node: Mapping[str, Any], start: float) -> float:
        value = start
        low, high = node.get("minimum"), node.get("maximum")
        ex_low, ex_high = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
        if isinstance(low, int | float) and value < low:
            value = low
        if isinstance(ex_low, int | float) and not isinstance(ex_low, bool) and value <= ex_low:
            value = ex_low + 1
        if isinstance(high, int | float) and value > high:
            value = high
        if isinstance(ex_high, int | float) and not isinstance(ex_high, bool) and value >= ex_high:
            value = ex_high - 1
        return value

    def _integer(self, node: Mapping[str, Any], name: str, depth: int) -> int:
        default = node.get("default")
        if isinstance(default, int) and not isinstance(default, bool) and not check(default, node, self.spec, name):
            return default
        if self.millis and name in MATTERMOST_NOT_DELETED and not check(0, node, self.spec, name):
            return 0
        stamp = TIMESTAMP * 1000 if self.millis else TIMESTAMP
        start = stamp if node.get("format") == "timestamp" or name.endswith("_at") else 1
        return int(self._number_bounds(node, start))

    def _number(self, node: Mapping[str, Any], name: str, depth: int) -> float:
        default = node.get("default")
        if isinstance(default, int | float) and not isinstance(default, bool) and not check(
            default, node, self.spec, name
        ):
            return default
        return self._number_bounds(node, 1.5)

    def _boolean(self, node: Mapping[str, Any], name: str, depth: int) -> bool:
        default = node.get("default")
        return default if isinstance(default, bool) else False

    def _null(self, node: Mapping[str, Any], name: str, depth: int) -> None:
        return None

    # ---- containers -------------------------------------------------------------------------
    def _array(self, node: Mapping[str, Any], name: str, depth: int) -> list[Any]:
        low = _int(node.get("minItems"), 0)
        high = _int(node.get("maxItems"), None)
        count = max(low, 0 if depth >= self.max_depth else 1)
        if high is not None:
            count = min(count, high)
        if count == 0:
            return []
        try:
            item = self.value(node.get("items", {}), name, depth + 1)
        except Unsatisfiable:
            if low == 0:
                return []
            raise
        return [item] * count

    def _object(self, node: Mapping[str, Any], name: str, depth: int) -> dict[str, Any]:
        properties = node.get("properties") or {}
        required = [r for r in node.get("required", ()) if isinstance(r, str)]
        out: dict[str, Any] = {}
        include_optional = depth <= self.optional_depth
        for key, schema in properties.items():
            if key not in required and (not include_optional or depth >= self.max_depth):
                continue
            try:
                out[key] = self.value(schema, key, depth + 1)
            except Unsatisfiable:
                if key in required:
                    raise
        for key in required:
            if key not in out:
                out[key] = "sandbox"
        return out


_SAFE_NAME = re.compile(r"[^a-z0-9_]+")


def sample_value(
    spec: ApiSpec, schema: Any, name: str = "", *, lenient: bool = False, millis: bool = False
) -> Any:
    """`Sampler(spec).value(schema, name)`; with `lenient`, falls back to a best-effort value;
    `millis`: timestamps in milliseconds (kChat)."""
    clean = _SAFE_NAME.sub("_", name.lower())
    try:
        return Sampler(spec, millis=millis).value(schema, clean)
    except Unsatisfiable:
        if not lenient:
            raise
    return Sampler(spec, lenient=True, millis=millis).value(schema, clean)


def example_call(spec: ApiSpec, op: Operation) -> dict[str, Any]:
    """A call of `op` that the spec accepts: `path_params`, required `query` and a JSON `body`.

    Path values are URL-safe examples (integers 1, strings from the parameter name); the body has
    every required field (and, at the top, the optional ones). Used by the tests and the reach bench.
    """
    sampler = Sampler(spec)
    path_params: dict[str, Any] = {}
    for param in op.params_in("path"):
        value = sampler.value(param.schema, _SAFE_NAME.sub("_", param.name.lower()))
        path_params[param.name] = value if isinstance(value, int) and not isinstance(value, bool) else (
            _SAFE_NAME.sub("-", str(value).lower()).strip("-") or param.name
        )
    query = {p.name: sampler.value(p.schema, p.name) for p in op.params_in("query") if p.required}
    call: dict[str, Any] = {"path_params": path_params, "query": query}
    if op.body is not None and op.body_content_type == "application/json":
        body = sampler.value(op.body.get("schema", {}), "body")
        if body not in (None, {}) or op.body_required:
            call["body"] = body
    return call
