"""The official OpenAPI spec, loaded once, and validators for requests and responses.

Spec: the cleaned official export bundled at `src/infomaniak_mcp/spec/*.clean.json.gz` (override with
env `INFOMANIAK_OPENAPI_SPEC`). It is never skipped: a missing spec fails the tests.

Responses are validated with **openapi-core** (`OpenAPI.from_dict` with spec validation disabled,
because the export is not a valid OpenAPI 3.1 document even after cleaning; see the spec README).
Requests are validated per operation with **openapi-schema-validator**'s `OAS31Validator` (a
Draft 2020-12 `jsonschema` validator) over a `referencing` registry holding the document:
openapi-core's own request validation cannot be used here because it fails to deserialize the
spec's `deepObject` parameters (`order_for`, whose schema has no `type`) even when the client does
not send them, and the spec declares `filter` as a form-exploded object while the API (and every
client) uses `filter[source]=www` / `filter[types][]=A` (facts §3).

Before loading, the document is normalized (all three steps are applied to a copy):
1. OAS 3.0 `nullable: true` inside this 3.1 document becomes `type: [T, "null"]` (its evident
   meaning; 3.1 validators ignore `nullable`).
2. Operations that declare the `return` parameter may answer `data: <integer>` (`return=total`,
   facts §3), which their 200 schema does not model: `data` becomes `anyOf [documented, integer]`.
3. Leftover export defects the cleaning kept: `properties: []` (PHP's empty array) becomes `{}`;
   `pattern`s written as PHP regex literals (`/^…$/`) lose their delimiters, and the ones the
   export truncated at a comma (e.g. DNS record `source`, cut inside `{0,61}`) are dropped.
4. Query parameters that `clean_spec.py` inlined from a `$ref` + sibling `schema` override kept only
   the override (e.g. `page` became `{"default": 1}`): the component parameter's schema is merged
   back under the override (so `page` is an integer again, and enum narrowings still apply).
5. `SPEC_EXCEPTIONS` below: the places where the spec disagrees with the facts file. Each one
   names its source. Nothing else is skipped.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SPEC_ENV = "INFOMANIAK_OPENAPI_SPEC"
# The official export, cleaned (`../shared/infomaniak-openapi/clean_spec.py`), bundled gzipped in the package.
BUNDLED_SPEC = (
    Path(__file__).resolve().parents[2] / "src" / "infomaniak_mcp" / "spec" / "infomaniak-openapi-2025-12.clean.json.gz"
)
HOST = "https://api.infomaniak.com"
_URN = "urn:infomaniak-openapi"
_SCHEMAS = "#/components/schemas/"


class SpecValidationError(AssertionError):
    """A request or response does not match the spec."""


@dataclass(frozen=True)
class SpecException:
    """One documented disagreement between the spec and the facts file.

    kind:
    - `optional`: `fields` of component `target` are listed as required but real answers omit them;
    - `type`: property `fields[0]` of component `target` has the type given in `schema`;
    - `data`: the `data` member of the `status` answer of operation `target` ("GET /path") is `schema`.
    """

    kind: Literal["optional", "type", "data"]
    target: str
    reason: str
    fields: tuple[str, ...] = ()
    schema: Mapping[str, Any] = field(default_factory=dict)
    status: str = "200"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": _SCHEMAS + name}


SPEC_EXCEPTIONS: tuple[SpecException, ...] = (
    SpecException(
        "optional",
        "087adaad_Account",
        "Account lists in_process/waiting_payment/blocked_order_id as required top-level fields while "
        "its own properties put them under `order`; the facts example (§7.1) has none at top level.",
        fields=("in_process", "waiting_payment", "blocked_order_id"),
    ),
    SpecException(
        "optional",
        "91ac10ff_Drive",
        "Drive requires `current` and `max`, which are not among its properties; facts §7.11 has neither.",
        fields=("current", "max"),
    ),
    SpecException(
        "type",
        "93e74a89_Mailbox",
        "`is_used_for_account` is typed string; facts §7.9 shows a boolean.",
        fields=("is_used_for_account",),
        schema={"type": "boolean"},
    ),
    SpecException(
        "type",
        "93e74a89_Listedsenders",
        "`locked` is typed string; facts §7.9 shows `{email, locked: false}`.",
        fields=("locked",),
        schema={"type": "boolean"},
    ),
    *(
        SpecException(
            "type",
            "93e74a89_MailboxRedirection",
            f"`{name}` is typed string; facts §7.10 shows a boolean.",
            fields=(name,),
            schema={"type": "boolean"},
        )
        for name in ("is_enabled", "has_dont_deliver", "has_forward_spam")
    ),
    SpecException(
        "data",
        "GET /1/accounts/{account_id}/products",
        "data is typed `string` (shape not captured, facts §5.1); it is the account's products, "
        "as on /1/products.",
        schema={"type": "array", "items": _ref("087adaad_Product")},
    ),
    SpecException(
        "data",
        "GET /1/accounts/{account_id}/tags",
        "data is typed `string`; it is the list of Tag objects {id, name, color, product_count} "
        "(facts §5.2, §7.14).",
        schema={"type": "array", "items": _ref("087adaad_Tag")},
    ),
    SpecException(
        "data",
        "GET /2/accounts/{account}/users",
        "data is typed as ONE Userorpendinguser although the route is a paginated list "
        "(facts §5.2, §7.13).",
        schema={"type": "array", "items": _ref("087adaad_Userorpendinguser")},
    ),
    SpecException(
        "data",
        "GET /3/drive/{drive_id}/files/{file_id}/files",
        "data is `oneOf [array<DirectoryV3>, array<FileV3>]`, which rejects every folder holding both "
        "kinds and every empty folder; it is an array of directories or files (facts §5.8, AK).",
        schema={"type": "array", "items": {"anyOf": [_ref("91ac10ff_DirectoryV3"), _ref("91ac10ff_FileV3")]}},
    ),
)


# ---- loading ------------------------------------------------------------------------------------
def spec_path() -> Path:
    """The spec to validate against: env `INFOMANIAK_OPENAPI_SPEC`, else the copy bundled in the package."""
    env = os.environ.get(SPEC_ENV)
    path = Path(env) if env else BUNDLED_SPEC
    if not path.is_file():
        raise FileNotFoundError(f"OpenAPI spec not found at {path} (set {SPEC_ENV} or restore {BUNDLED_SPEC})")
    return path


@functools.cache
def raw_spec() -> dict[str, Any]:
    """Loaded once per session. Never skipped: a missing spec is a failure, not a pass."""
    path = spec_path()
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    data: dict[str, Any] = json.loads(raw)
    return data


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _repair(node: Any) -> None:
    """Steps 1 and 3 of the module docstring, in place."""
    if isinstance(node, dict):
        if node.get("properties") == []:
            node["properties"] = {}
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern.startswith("/"):
            if len(pattern) > 1 and pattern.endswith("/"):
                node["pattern"] = pattern[1:-1]
            else:
                del node["pattern"]
        if node.pop("nullable", None) is True:
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _repair(value)
    elif isinstance(node, list):
        for value in node:
            _repair(value)


def _data_holder(spec: dict[str, Any], operation: dict[str, Any], status: str) -> dict[str, Any] | None:
    """The schema object whose `properties.data` describes the answer's data."""
    response = _resolve(spec, operation.get("responses", {}).get(status))
    if not isinstance(response, dict):
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    for part in (schema or {}).get("allOf", [schema]):
        part = _resolve(spec, part)
        if isinstance(part, dict) and "data" in part.get("properties", {}):
            return part
    return None


def _merge_parameter_bases(spec: dict[str, Any]) -> None:
    bases: dict[tuple[str, str], dict[str, Any]] = {}
    for param in spec["components"].get("parameters", {}).values():
        if isinstance(param, dict) and "name" in param and isinstance(param.get("schema"), dict):
            bases.setdefault((param["name"], param.get("in", "")), param["schema"])
    for _path, _method, operation in _iter_operations(spec):
        for param in operation.get("parameters", []):
            base = bases.get((param.get("name", ""), param.get("in", "")))
            override = param.get("schema")
            if base is None or not isinstance(override, dict) or "type" in override:
                continue
            if "enum" in override and base.get("type") == "object":
                continue  # deepObject `order_for[field]=asc`: the enum describes the leaf values
            param["schema"] = {**copy.deepcopy(base), **override}


def _normalize(raw: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(raw)
    _repair(spec)
    _merge_parameter_bases(spec)
    for _path, _method, operation in _iter_operations(spec):
        names = {_resolve(spec, p).get("name") for p in operation.get("parameters", [])}
        holder = _data_holder(spec, operation, "200")
        if "return" in names and holder is not None:
            data = holder["properties"]["data"]
            branches = data.get("oneOf", []) + data.get("anyOf", []) if isinstance(data, dict) else []
            if {"type": "integer"} not in branches:
                holder["properties"]["data"] = {"anyOf": [data, {"type": "integer"}]}
    schemas = spec["components"]["schemas"]
    for exc in SPEC_EXCEPTIONS:
        if exc.kind == "optional":
            component = schemas[exc.target]
            missing = set(exc.fields) - set(component.get("required", []))
            assert not missing, f"stale SPEC_EXCEPTIONS entry for {exc.target}: {missing} not required"
            component["required"] = [f for f in component["required"] if f not in exc.fields]
        elif exc.kind == "type":
            component = schemas[exc.target]
            assert exc.fields[0] in component["properties"], f"stale SPEC_EXCEPTIONS entry {exc}"
            component["properties"][exc.fields[0]] = dict(exc.schema)
        else:
            method, path = exc.target.split(" ", 1)
            holder = _data_holder(spec, spec["paths"][path][method.lower()], exc.status)
            assert holder is not None, f"stale SPEC_EXCEPTIONS entry {exc.target}"
            holder["properties"]["data"] = dict(exc.schema)
    return spec


def _iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(operation, dict):
                yield path, method, operation


@functools.cache
def normalized_spec() -> dict[str, Any]:
    return _normalize(raw_spec())


@functools.cache
def _openapi() -> Any:
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(normalized_spec(), config=Config(spec_validator_cls=None))


@functools.cache
def _registry() -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resource(_URN, Resource.from_contents(normalized_spec(), DRAFT202012))


def _validator(pointer: str) -> Any:
    from openapi_schema_validator import OAS31Validator

    return OAS31Validator({"$ref": _URN + pointer}, registry=_registry())


# ---- operations and templates ------------------------------------------------------------------
@functools.cache
def documented_operations() -> frozenset[tuple[str, str]]:
    """(METHOD, template) of every operation in the spec."""
    return frozenset((m.upper(), p) for p, m, _ in _iter_operations(raw_spec()))


@functools.cache
def _template_index() -> tuple[tuple[re.Pattern[str], str, int], ...]:
    index = []
    for path in raw_spec()["paths"]:
        regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"
        literal = sum(1 for seg in path.split("/") if seg and not seg.startswith("{"))
        index.append((re.compile(regex), path, literal))
    return tuple(sorted(index, key=lambda item: (-item[2], item[1])))


def template_for(path: str, method: str | None = None) -> str | None:
    """The spec template of a concrete path (`/2/zones/example.ch/records` → `/2/zones/{zone}/records`).

    With `method`, only templates documenting that method are considered. The most literal
    match wins.
    """
    path = path.split("?", 1)[0]
    ops = documented_operations()
    for regex, template, _ in _template_index():
        if regex.match(path) and (method is None or (method.upper(), template) in ops):
            return template
    return None


def _operation(method: str, template: str) -> dict[str, Any]:
    item = normalized_spec()["paths"].get(template)
    if not item or method.lower() not in item:
        raise SpecValidationError(f"{method.upper()} {template} is not a documented operation")
    operation: dict[str, Any] = item[method.lower()]
    return operation


# ---- responses ---------------------------------------------------------------------------------
def validate_response(method: str, path_template: str, status: int, body: Any) -> None:
    """Validate an answer body against the spec's schema for that operation and status (openapi-core)."""
    from openapi_core.testing import MockRequest, MockResponse

    operation = _operation(method, path_template)
    if str(status) not in operation.get("responses", {}):
        raise SpecValidationError(
            f"{method.upper()} {path_template}: status {status} is not documented "
            f"(documented: {', '.join(sorted(operation.get('responses', {})))})"
        )
    request = MockRequest(HOST, method.lower(), path_template, path_pattern=path_template)
    response = MockResponse(json.dumps(body).encode(), status_code=status, content_type="application/json")
    try:
        _openapi().validate_response(request, response)
    except Exception as exc:
        raise SpecValidationError(
            f"{method.upper()} {path_template} {status}: {_describe(exc)}\nbody: {json.dumps(body)[:2000]}"
        ) from None


def _describe(exc: BaseException) -> str:
    parts = [type(exc).__name__]
    cause: BaseException | None = exc
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        if errors:
            parts.extend(_explain(e) for e in list(errors)[:10])
            break
        cause = cause.__cause__ or cause.__context__
        if cause is not None:
            parts.append(repr(cause)[:300])
    return "; ".join(parts)


def _explain(error: Any) -> str:
    """The most specific reason of a jsonschema error (descending into anyOf/oneOf branches)."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return f"{'/'.join(map(str, error.absolute_path))}: {error.message}"


# ---- requests ----------------------------------------------------------------------------------
def _parameters(method: str, template: str) -> list[tuple[int, dict[str, Any]]]:
    spec = normalized_spec()
    out = []
    for index, param in enumerate(_operation(method, template).get("parameters", [])):
        resolved = _resolve(spec, param)
        if isinstance(resolved, dict) and "name" in resolved:
            out.append((index, resolved))
    return out


def _bracket_parts(key: str) -> tuple[str, list[str]]:
    base, _, rest = key.partition("[")
    return base, re.findall(r"([^\[\]]*)\]", "[" + rest) if rest else []


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds:
        try:
            return float(value)
        except ValueError:
            return value
    if "boolean" in kinds and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


def validate_request(method: str, path_template: str, query: Mapping[str, Any], body: Any) -> None:
    """Validate a request's query parameters and JSON body against the spec's operation.

    `query` maps each key as sent (`filter[types][]`, `page`…) to a string or a list of strings.
    Every key must name a documented query parameter; values are coerced to the parameter's type
    and validated; required query parameters must be present; the body must match the request
    body schema (an empty body is fine when none is documented).
    """
    spec = normalized_spec()
    operation = _operation(method, path_template)
    params = {p["name"]: (i, p) for i, p in _parameters(method, path_template) if p.get("in") == "query"}
    problems: list[str] = []
    grouped: dict[str, list[tuple[list[str], str]]] = {}
    for key, raw_values in query.items():
        values = raw_values if isinstance(raw_values, list) else [raw_values]
        base, parts = _bracket_parts(key)
        if base not in params:
            problems.append(f"query parameter {key!r} is not documented")
            continue
        grouped.setdefault(base, []).extend((parts, str(v)) for v in values)
    for name, (_index, param) in params.items():
        if param.get("required") and name not in grouped:
            problems.append(f"required query parameter {name!r} is missing")
    for name, entries in grouped.items():
        index, param = params[name]
        schema = _resolve(spec, param.get("schema", {}))
        pointer = _pointer("paths", path_template, method.lower(), "parameters", str(index), "schema")
        if "$ref" in operation["parameters"][index]:
            pointer = operation["parameters"][index]["$ref"] + "/schema"
        value = _assemble(entries, schema, spec)
        if isinstance(value, _Leaves):
            for leaf in value.items:
                problems.extend(f"{name}: {_explain(e)}" for e in _validator(pointer).iter_errors(leaf))
        else:
            problems.extend(f"{name}: {_explain(e)}" for e in _validator(pointer).iter_errors(value))
    request_body = _resolve(spec, operation.get("requestBody"))
    empty = body is None or body == {} or body == b""
    if isinstance(request_body, dict) and "application/json" in request_body.get("content", {}):
        if empty and request_body.get("required"):
            problems.append("a JSON body is required")
        elif not empty:
            body_pointer = (
                _pointer("paths", path_template, method.lower(), "requestBody", "content", "application/json")
                + "/schema"
            )
            if "$ref" in operation["requestBody"]:
                body_pointer = operation["requestBody"]["$ref"] + "/content/application~1json/schema"
            problems.extend(f"body/{_explain(e)}" for e in _validator(body_pointer).iter_errors(body))
    elif not empty:
        problems.append("a body was sent but the operation documents none")
    if problems:
        raise SpecValidationError(
            f"{method.upper()} {path_template} request: "
            + "; ".join(problems)
            + f"\nquery={dict(query)} body={body}"
        )


@dataclass
class _Leaves:
    """deepObject values validated one by one (the spec gives the schema of the leaf values)."""

    items: list[Any]


def _assemble(entries: list[tuple[list[str], str]], schema: Mapping[str, Any], spec: dict[str, Any]) -> Any:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if all(not parts for parts, _ in entries):
        values = [v for _, v in entries]
        if "array" in kinds:
            items = _resolve(spec, schema.get("items", {}))
            split = [x for v in values for x in v.split(",") if x]
            return [_coerce(x, items) for x in split]
        return _coerce(values[-1], schema)
    if "enum" in schema and "properties" not in schema:  # deepObject `order_for[field]=asc`
        return _Leaves([_coerce(v, schema) for _, v in entries])
    if "object" in kinds or "properties" in schema:
        props = schema.get("properties", {})
        obj: dict[str, Any] = {}
        for parts, value in entries:
            key = parts[0] if parts else ""
            prop = _resolve(spec, props.get(key, {}))
            prop_kinds = prop.get("type")
            prop_kinds = prop_kinds if isinstance(prop_kinds, list) else [prop_kinds]
            if "array" in prop_kinds or parts[1:] == [""]:
                obj.setdefault(key, []).append(_coerce(value, _resolve(spec, prop.get("items", {}))))
            else:
                obj[key] = _coerce(value, prop)
        return obj
    if "array" in kinds:  # `order_by[]=a`
        items = _resolve(spec, schema.get("items", {}))
        return [_coerce(v, items) for _, v in entries]
    return _Leaves([_coerce(v, schema) for _, v in entries])
