"""Check a value against a compact schema, and a whole call against its operation, before sending.

`check(value, schema, spec, where)` is a small JSON Schema subset validator over the compact
schemas (`$ref`, `allOf`/`anyOf`/`oneOf`, `type` + `nullable`, `enum`, `const`, string/number/
array bounds, `pattern`, common `format`s, `required`, `properties`, `additionalProperties`). It
returns `Problem`s naming the field (`body.records[0].ttl`) and, for enums, the allowed values.

`prepare_call(spec, method, path, ...)` resolves the operation (a template plus `path_params`, or
a concrete path), validates path parameters, query parameters and the JSON body, and returns the
exact request to send (`PreparedCall`), or raises `CallRefused` with every problem at once. Query
values are serialised the way the API reads them: objects and arrays in bracket notation
(`filter[types][]=A`, Laravel), booleans as 1/0; kChat (Mattermost) gets `true`/`false` and
repeated keys.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from infomaniak_mcp.spec.model import ApiSpec, Operation

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_ALLOWED = 40
_TEAM_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_API_HOSTS = ("api.infomaniak.com",)
_KCHAT_HOST_RE = re.compile(r"^([a-z0-9-]+)\.kchat\.infomaniak\.com$")


@dataclass(frozen=True)
class Problem:
    """One reason a call is refused: the field, what is wrong, and the allowed values when known."""

    field: str
    message: str
    allowed: tuple[Any, ...] | None = None

    def text(self) -> str:
        return f"{self.field}: {self.message}"


class CallRefused(ValueError):
    """The call does not match the spec; nothing was sent."""

    def __init__(self, problems: list[Problem], suggestions: list[str] | None = None) -> None:
        self.problems = problems
        self.suggestions = suggestions or []
        super().__init__("; ".join(p.text() for p in problems))


@dataclass(frozen=True)
class PreparedCall:
    """The exact request `api_call` sends (path encoded, query serialised)."""

    operation: Operation
    path: str
    path_values: dict[str, Any]
    query: dict[str, str | list[str]] = field(default_factory=dict)
    body: Any = None
    team: str | None = None

    @property
    def method(self) -> str:
        return self.operation.method

    def request_line(self) -> str:
        pairs = [(k, v) for k, vals in self.query.items() for v in (vals if isinstance(vals, list) else [vals])]
        query = "&".join(f"{k}={quote(str(v), safe='[],:')}" for k, v in pairs)
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


# ---- values --------------------------------------------------------------------------------------
def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _is(value: Any, kind: str) -> bool:
    actual = json_type(value)
    if kind == "number":
        return actual in ("integer", "number")
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return actual == kind


def types_of(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return [str(kind)] if isinstance(kind, str) else []


def _format_ok(value: str, fmt: str) -> bool:
    checks = {
        "email": lambda v: bool(_EMAIL_RE.match(v)),
        "date": lambda v: bool(_DATE_RE.match(v)),
        "date-time": lambda v: bool(_DATETIME_RE.match(v)),
        "uri": lambda v: bool(urlsplit(v).scheme),
        "url": lambda v: bool(urlsplit(v).scheme),
        "ipv4": lambda v: _ip(v, 4),
        "ipv6": lambda v: _ip(v, 6),
    }
    if fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    check_fn = checks.get(fmt)
    return check_fn(value) if check_fn else True


def _ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


def _shown(values: Any) -> tuple[Any, ...]:
    return tuple(list(values)[:MAX_ALLOWED])


def check(value: Any, schema: Any, spec: ApiSpec, where: str, depth: int = 0) -> list[Problem]:
    """Problems of `value` against a compact schema (empty when it is valid)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, Mapping) or depth > 40:
        return []
    kinds = types_of(schema)
    if value is None:
        if schema.get("nullable") or "null" in kinds or (not kinds and "enum" not in schema and "const" not in schema):
            return []
        return [Problem(where, "must not be null")]
    problems: list[Problem] = []
    for part in schema.get("allOf", ()):
        problems.extend(check(value, part, spec, where, depth + 1))
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if branches:
            results: list[list[Problem]] = [check(value, b, spec, where, depth + 1) for b in branches]
            if all(results):
                fewest: list[Problem] = sorted(results, key=len)[0]
                problems.extend(fewest)
    if "const" in schema and value != schema["const"]:
        problems.append(Problem(where, f"must be {schema['const']!r}", (schema["const"],)))
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum and str(value) not in [str(e) for e in enum]:
        problems.append(Problem(where, f"{value!r} is not an allowed value", _shown(enum)))
    if kinds and not any(_is(value, k) for k in kinds):
        problems.append(Problem(where, f"expected {' or '.join(kinds)}, got {json_type(value)}"))
        return problems
    if isinstance(value, str):
        problems.extend(_check_string(value, schema, where))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        problems.extend(_check_number(value, schema, where))
    elif isinstance(value, list | tuple):
        if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
            problems.append(Problem(where, f"needs at least {schema['minItems']} item(s)"))
        if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
            problems.append(Problem(where, f"takes at most {schema['maxItems']} item(s)"))
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                problems.extend(check(item, items, spec, f"{where}[{index}]", depth + 1))
    elif isinstance(value, Mapping):
        problems.extend(_check_object(value, schema, spec, where, depth))
    return problems


def _check_string(value: str, schema: Mapping[str, Any], where: str) -> list[Problem]:
    problems = []
    if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
        problems.append(Problem(where, f"needs at least {schema['minLength']} character(s)"))
    if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
        problems.append(Problem(where, f"takes at most {schema['maxLength']} character(s)"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if not re.search(pattern, value):
                problems.append(Problem(where, f"does not match the pattern {pattern}"))
        except re.error:
            pass
    fmt = schema.get("format")
    if isinstance(fmt, str) and not _format_ok(value, fmt):
        problems.append(Problem(where, f"is not a valid {fmt}"))
    return problems


def _check_number(value: float, schema: Mapping[str, Any], where: str) -> list[Problem]:
    problems = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        problems.append(Problem(where, f"must be ≥ {low}"))
    if isinstance(high, int | float) and value > high:
        problems.append(Problem(where, f"must be ≤ {high}"))
    low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(low, int | float) and not isinstance(low, bool) and value <= low:
        problems.append(Problem(where, f"must be > {low}"))
    if isinstance(high, int | float) and not isinstance(high, bool) and value >= high:
        problems.append(Problem(where, f"must be < {high}"))
    return problems


def _check_object(
    value: Mapping[str, Any], schema: Mapping[str, Any], spec: ApiSpec, where: str, depth: int
) -> list[Problem]:
    problems = []
    properties = schema.get("properties") or {}
    for name in schema.get("required", ()):
        if name not in value:
            problems.append(Problem(f"{where}.{name}", "required field is missing"))
    for name, item in value.items():
        if name in properties:
            problems.extend(check(item, properties[name], spec, f"{where}.{name}", depth + 1))
        elif isinstance(schema.get("additionalProperties"), Mapping):
            problems.extend(check(item, schema["additionalProperties"], spec, f"{where}.{name}", depth + 1))
        elif schema.get("additionalProperties") is False:
            problems.append(Problem(f"{where}.{name}", "is not a documented field", _shown(properties)))
    return problems


def object_fields(schema: Any, spec: ApiSpec, depth: int = 0) -> tuple[dict[str, Any], list[str], bool]:
    """(properties, required, open) of an object schema, `allOf` parts and `$ref`s merged."""
    schema = spec.resolve(schema)
    if not isinstance(schema, Mapping) or depth > 10:
        return {}, [], True
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required = list(schema.get("required", ()))
    open_ = schema.get("additionalProperties") not in (None, False) or not props
    for part in schema.get("allOf", ()):
        more, req, part_open = object_fields(part, spec, depth + 1)
        props.update(more)
        required.extend(req)
        open_ = open_ and part_open if props else part_open
    if schema.get("anyOf") or schema.get("oneOf"):
        open_ = True
    return props, list(dict.fromkeys(required)), open_


# ---- query parameters -----------------------------------------------------------------------------
def coerce(value: Any, schema: Any, spec: ApiSpec) -> Any:
    """A query value as typed JSON (`"2"` → 2 for integers, `"true"`/`"1"` → True, `"a,b"` → [a, b])."""
    schema = spec.resolve(schema)
    if not isinstance(schema, Mapping):
        return value
    kinds = types_of(schema)
    if isinstance(value, str):
        text = value.strip()
        if "integer" in kinds and re.fullmatch(r"-?\d+", text):
            return int(text)
        if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text) if "." in text else int(text)
        if "boolean" in kinds and text.lower() in ("true", "false", "1", "0"):
            return text.lower() in ("true", "1")
        if "array" in kinds:
            return [coerce(v, schema.get("items", {}), spec) for v in text.split(",") if v]
        return value
    if isinstance(value, list) and "array" in kinds:
        return [coerce(v, schema.get("items", {}), spec) for v in value]
    if isinstance(value, list) and kinds == ["string"]:
        return ",".join(str(v) for v in value)  # a comma list in a string parameter (`with=a,b`)
    if isinstance(value, Mapping):
        props = schema.get("properties") or {}
        return {k: coerce(v, props.get(k, {}), spec) for k, v in value.items()}
    return value


def _scalar(value: Any, kchat: bool) -> str:
    if isinstance(value, bool):
        return ("true" if value else "false") if kchat else ("1" if value else "0")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def serialise_query(name: str, value: Any, schema: Any, spec: ApiSpec, kchat: bool) -> dict[str, str | list[str]]:
    """One parameter's query keys (bracket notation for objects and arrays on Infomaniak)."""
    schema = spec.resolve(schema)
    kinds = types_of(schema) if isinstance(schema, Mapping) else []
    if isinstance(value, Mapping):
        out: dict[str, str | list[str]] = {}
        props = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        for key, item in value.items():
            out.update(serialise_query(f"{name}[{key}]", item, props.get(key, {}), spec, kchat))
        return out
    if isinstance(value, list | tuple):
        items = [_scalar(v, kchat) for v in value]
        if kchat:
            return {name: items}
        if "array" in kinds or name.endswith("]"):
            return {f"{name}[]": items}
        return {name: ",".join(items)}  # a string parameter holding a list (`with=a,b`)
    return {name: _scalar(value, kchat)}


def _bracket(key: str) -> tuple[str, list[str]]:
    base, _, rest = key.partition("[")
    return base, re.findall(r"([^\[\]]*)\]", "[" + rest) if rest else []


def _assign(target: dict[str, Any], parts: list[str], value: Any) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        target[head] = value
        return
    if rest == [""]:
        existing = target.setdefault(head, [])
        if isinstance(existing, list):
            existing.extend(value if isinstance(value, list) else [value])
        return
    _assign(target.setdefault(head, {}), rest, value)


def _query_values(op: Operation, query: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    documented = [p.name for p in op.params_in("query")]
    values: dict[str, Any] = {}
    for key, value in query.items():
        base, parts = _bracket(str(key))
        if op.param(base) is None:
            problems.append(Problem(f"query.{key}", "is not a documented query parameter", _shown(documented)))
            continue
        if not parts:
            values[base] = value
        elif parts == [""]:
            existing = values.setdefault(base, [])
            if isinstance(existing, list):
                existing.extend(value if isinstance(value, list) else [value])
        else:
            holder = values.setdefault(base, {})
            try:
                if not isinstance(holder, dict) or "" in parts[:-1] or parts[0] == "":
                    raise TypeError
                _assign(holder, parts, value)
            except TypeError:
                problems.append(Problem(f"query.{key}", "this bracket notation does not fit the parameter"))
    return values


# ---- the call -------------------------------------------------------------------------------------
def _split_url(path: str, problems: list[Problem]) -> tuple[str, str, str | None]:
    """(path, query string, team from a kChat host) of a path or full URL; a fragment is refused."""
    if "#" in path:
        raise CallRefused([Problem("path", "a '#fragment' is not part of an API request; remove it")])
    if "://" not in path:
        bare, _, query_string = path.partition("?")
        return bare, query_string, None
    parts = urlsplit(path)
    host = (parts.hostname or "").lower()
    team = _KCHAT_HOST_RE.match(host)
    if host not in _API_HOSTS and team is None:
        problems.append(Problem("path", f"host {host!r} is not the Infomaniak API; pass the path only"))
    return parts.path or "/", parts.query, team.group(1) if team else None


def merge_query_string(
    query_string: str, query: Mapping[str, Any] | None, problems: list[Problem]
) -> dict[str, Any]:
    """`query` plus the parameters written after `?` in the path (validated alike; a key in both is refused).

    A repeated key becomes a list. What is sent is rebuilt from the validated values only.
    """
    merged: dict[str, Any] = dict(query or {})
    if not query_string:
        return merged
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        problems.append(Problem("path", f"the query string {query_string!r} cannot be read; pass it as query"))
        return merged
    from_path = _group_pairs(pairs)
    given = {_bracket(str(key))[0] for key in merged}
    for key, value in from_path.items():
        if _bracket(key)[0] in given:
            problems.append(Problem(f"query.{key}", "given both in the path (after '?') and in query; give it once"))
            continue
        merged[key] = value
    return merged


def close_operations(spec: ApiSpec, method: str, path: str, limit: int = 5) -> list[str]:
    """Documented operations whose path looks most like `path` (typos, wrong version), same method first."""
    segments = [s for s in path.split("/") if s]
    scored = []
    for op in spec:
        parts = [s for s in op.path.split("/") if s]
        if len(parts) == len(segments):
            parts = [seg if part.startswith("{") else part for part, seg in zip(parts, segments, strict=True)]
        ratio = difflib.SequenceMatcher(None, "/".join(segments), "/".join(parts)).ratio()
        scored.append((ratio + (0.05 if op.method == method else 0.0), op.key))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [key for _, key in scored[:limit]]


def _unknown_path(spec: ApiSpec, method: str, path: str) -> CallRefused:
    suggestions = close_operations(spec, method, path)
    problem = Problem("path", f"{path!r} is not a documented path; call api_search_operations to find one")
    return CallRefused([problem], suggestions)


def _resolve_operation(
    spec: ApiSpec, method: str, path: str, path_params: Mapping[str, Any], problems: list[Problem]
) -> tuple[Operation, dict[str, str], bool] | None:
    if "{" in path:
        op = spec.get(method, path)
        if op is None:
            if spec.has_template(path):
                problems.append(Problem("method", f"{method} is not documented for {path}", spec.methods_of(path)))
                return None
            raise _unknown_path(spec, method, path)
        values = {n: str(path_params[n]) for n in op.path_names if n in path_params and path_params[n] != ""}
        for name in op.path_names:
            if name not in values:
                problems.append(Problem(f"path_params.{name}", "required path parameter is missing"))
        for name in path_params:
            if name not in op.path_names:
                problems.append(Problem(f"path_params.{name}", "is not a parameter of this path", op.path_names))
        return op, values, True
    matches = spec.match(path)
    if not matches:
        raise _unknown_path(spec, method, path)
    found = spec.find(method, path)
    if found is None:
        template = matches[0].template
        problems.append(Problem("method", f"{method} is not documented for {template}", spec.methods_of(template)))
        return None
    if path_params:
        problems.append(Problem("path_params", "the path is already concrete; give a template with path_params"))
    op, raw = found
    return op, {k: unquote(v) for k, v in raw.items()}, False


def _check_path_values(op: Operation, values: dict[str, str], spec: ApiSpec, problems: list[Problem]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name, raw in values.items():
        param = op.param(name, "path")
        where = f"path_params.{name}"
        if raw.strip() in ("", ".", "..") or "/" in raw:
            problems.append(Problem(where, f"{raw!r} is not a valid path segment"))
            continue
        schema = param.schema if param else {}
        value = coerce(raw, schema, spec)
        problems.extend(check(value, schema, spec, where))
        typed[name] = value
    return typed


def _check_body(op: Operation, body: Any, spec: ApiSpec, problems: list[Problem]) -> None:
    empty = body is None or body == {}
    if op.body is None:
        if not empty:
            problems.append(Problem("body", "this operation takes no body"))
        return
    kind = op.body_content_type
    if kind != "application/json":
        if not empty or op.body_required:
            problems.append(Problem("body", f"this operation takes {kind}, which api_call cannot send"))
        return
    schema = op.body.get("schema", {})
    props, required, open_ = object_fields(schema, spec)
    if empty:
        if op.body_required or required:
            problems.append(Problem("body", "a JSON body is required", _shown(required or props)))
        return
    found = check(body, schema, spec, "body")
    problems.extend(found)
    reported = {p.field for p in found}
    if isinstance(body, Mapping) and props and not open_:
        for name in body:
            if name not in props and f"body.{name}" not in reported:
                problems.append(Problem(f"body.{name}", "is not a documented field", _shown(props)))


def prepare_call(
    spec: ApiSpec,
    method: str,
    path: str,
    *,
    path_params: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    team: str | None = None,
) -> PreparedCall:
    """Validate a call against the spec and build the exact request (see the module docstring)."""
    problems: list[Problem] = []
    method = method.strip().upper()
    if method not in METHODS:
        raise CallRefused([Problem("method", f"{method!r} is not an HTTP method the API uses", METHODS)])
    path, query_string, url_team = _split_url(path.strip(), problems)
    query = merge_query_string(query_string, query, problems)
    if not path.startswith("/"):
        path = "/" + path
    if any(seg in (".", "..") for seg in path.split("/")):
        raise CallRefused([Problem("path", "'.' and '..' segments are not allowed")])
    resolved = _resolve_operation(spec, method, path, path_params or {}, problems)
    if resolved is None:
        raise CallRefused(problems)
    op, values, from_template = resolved
    typed = _check_path_values(op, values, spec, problems)
    team = (team or url_team or "").strip().lower() or None
    if op.is_kchat:
        if team is None:
            problems.append(Problem("team", "kChat operations are served at https://{team}.kchat.infomaniak.com: "
                                            "pass the team's subdomain"))
        elif not _TEAM_RE.match(team):
            problems.append(Problem("team", f"{team!r} is not a kChat team subdomain"))
    elif team is not None:
        problems.append(Problem("team", "only kChat (/api/v4/...) operations take a team"))
    values_by_name = _query_values(op, query or {}, problems)
    serialised: dict[str, str | list[str]] = {}
    for param in op.params_in("query"):
        if param.name not in values_by_name:
            if param.required:
                problems.append(Problem(f"query.{param.name}", "required query parameter is missing"))
            continue
        value = coerce(values_by_name[param.name], param.schema, spec)
        problems.extend(check(value, param.schema, spec, f"query.{param.name}"))
        serialised.update(serialise_query(param.name, value, param.schema, spec, op.is_kchat))
    _check_body(op, body, spec, problems)
    if problems:
        raise CallRefused(problems)
    if from_template:
        concrete = op.path
        for name in op.path_names:
            concrete = concrete.replace("{" + name + "}", quote(values[name], safe="@:"))
    else:
        concrete = path.rstrip("/") if len(path) > 1 else path
    return PreparedCall(
        operation=op,
        path=concrete,
        path_values=typed,
        query=serialised,
        body=None if body == {} and op.body is None else body,
        team=team if op.is_kchat else None,
    )


def _group_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Query pairs as a mapping; a repeated key becomes the list of its values, in order."""
    grouped: dict[str, Any] = {}
    for key, value in pairs:
        if key in grouped:
            previous = grouped[key]
            grouped[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            grouped[key] = value
    return grouped


def check_received(spec: ApiSpec, op: Operation, query: list[tuple[str, str]], body: Any) -> list[Problem]:
    """Problems of a request as a server receives it (the sandbox's generated answers).

    Lenient where the API is: undocumented query parameters and body fields are ignored.
    """
    grouped = _group_pairs(query)
    problems: list[Problem] = []
    values = _query_values(op, grouped, problems)
    problems = [p for p in problems if not p.message.startswith("is not a documented")]
    for param in op.params_in("query"):
        if param.name not in values:
            if param.required:
                problems.append(Problem(f"query.{param.name}", "required query parameter is missing"))
            continue
        problems.extend(check(coerce(values[param.name], param.schema, spec), param.schema, spec,
                              f"query.{param.name}"))
    if op.body is not None and op.body_content_type == "application/json":
        schema = op.body.get("schema", {})
        _, required, _ = object_fields(schema, spec)
        if body is None or body == {}:
            if op.body_required or required:
                problems.extend(Problem(f"body.{name}", "required field is missing") for name in required or ["body"])
        else:
            problems.extend(p for p in check(body, schema, spec, "body") if "is not a documented" not in p.message)
    return problems
