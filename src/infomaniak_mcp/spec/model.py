"""The bundled compact spec at run time: `load_spec()` (lazy, cached), `ApiSpec`, `Operation`.

Nothing here runs at import time: the ~130 kB gzipped document (1.3 MB of JSON, ~30 ms to load)
is read on the first `load_spec()` call, i.e. the first time a tool searches, describes or calls
an operation, or the sandbox answers an operation it does not model statefully.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

BUNDLED = Path(__file__).resolve().parent / "operations.json.gz"
KCHAT_PREFIX = "/api/v4/"
KCHAT_HOST = "https://{team}.kchat.infomaniak.com"
PageStyle = Literal["page", "offset", "cursor"]
Location = Literal["path", "query", "header"]
_PARAM_RE = re.compile(r"\{([^/{}]+)\}")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    description: str = ""
    style: str | None = None
    explode: bool | None = None
    deprecated: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameter:
        return cls(
            name=str(data["name"]),
            location=str(data["in"]),
            required=bool(data.get("required", False)),
            schema=data.get("schema") or {},
            description=str(data.get("description", "")),
            style=data.get("style"),
            explode=data.get("explode"),
            deprecated=bool(data.get("deprecated", False)),
        )


@dataclass(frozen=True)
class Operation:
    """One documented operation (METHOD + path template) of the compact spec."""

    method: str
    path: str
    summary: str
    product: str
    source: str
    description: str = ""
    tags: tuple[str, ...] = ()
    operation_id: str = ""
    deprecated: bool = False
    params: tuple[Parameter, ...] = ()
    body: Mapping[str, Any] | None = None
    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    errors: Mapping[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        return cls(
            method=str(data["method"]),
            path=str(data["path"]),
            summary=str(data.get("summary", "")),
            product=str(data.get("product", "core")),
            source=str(data.get("source", "2025-12")),
            description=str(data.get("description", "")),
            tags=tuple(data.get("tags", ())),
            operation_id=str(data.get("operation_id", "")),
            deprecated=bool(data.get("deprecated", False)),
            params=tuple(Parameter.from_dict(p) for p in data.get("params", ())),
            body=data.get("body"),
            responses=data.get("responses", {}),
            errors=data.get("errors", {}),
        )

    @property
    def key(self) -> str:
        """`"GET /2/zones/{zone}/records"`: how tools name an operation."""
        return f"{self.method} {self.path}"

    @property
    def is_kchat(self) -> bool:
        return self.path.startswith(KCHAT_PREFIX)

    def params_in(self, location: str) -> tuple[Parameter, ...]:
        return tuple(p for p in self.params if p.location == location)

    def param(self, name: str, location: str = "query") -> Parameter | None:
        return next((p for p in self.params if p.name == name and p.location == location), None)

    @property
    def path_names(self) -> tuple[str, ...]:
        return tuple(_PARAM_RE.findall(self.path))

    @property
    def success_status(self) -> int:
        """The documented success status (lowest 2xx; 200 when none is documented)."""
        codes = sorted(int(c) for c in self.responses if c.isdigit())
        return codes[0] if codes else 200

    @property
    def response(self) -> Mapping[str, Any]:
        return self.responses.get(str(self.success_status), {})

    @property
    def body_required(self) -> bool:
        return bool(self.body and self.body.get("required"))

    @property
    def body_content_type(self) -> str | None:
        return str(self.body["content_type"]) if self.body else None


def _template_regex(template: str) -> re.Pattern[str]:
    parts = _PARAM_RE.split(template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<p{i // 2}>[^/]+)" for i, p in enumerate(parts))
    return re.compile("^" + regex + "$")


@dataclass(frozen=True)
class PathMatch:
    template: str
    values: dict[str, str]
    """Path parameter name → raw (still percent-encoded) segment."""


class ApiSpec:
    """Operations, component schemas and notes of the compact spec, with lookups."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: tuple[Operation, ...] = tuple(Operation.from_dict(o) for o in document["operations"])
        self.schemas: Mapping[str, Any] = document["schemas"]
        self.notes: tuple[str, ...] = tuple(document.get("notes", ()))
        self.products: Mapping[str, str] = document.get("products", {})
        self._by_key = {op.key: op for op in self.operations}
        by_path: dict[str, list[Operation]] = {}
        for op in self.operations:
            by_path.setdefault(op.path, []).append(op)
        self._by_path = by_path
        templates = sorted(by_path, key=lambda t: (-_literal_segments(t), len(_PARAM_RE.findall(t)), t))
        self._matchers = [(t, _template_regex(t), _PARAM_RE.findall(t)) for t in templates]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)

    def get(self, method: str, template: str) -> Operation | None:
        return self._by_key.get(f"{method.upper()} {template}")

    def methods_of(self, template: str) -> tuple[str, ...]:
        return tuple(op.method for op in self._by_path.get(template, ()))

    def has_template(self, template: str) -> bool:
        return template in self._by_path

    def match(self, path: str) -> list[PathMatch]:
        """Templates matching a concrete path, most literal first."""
        path = path.split("?", 1)[0]
        if len(path) > 1:
            path = path.rstrip("/")
        found = []
        for template, regex, names in self._matchers:
            hit = regex.match(path)
            if hit:
                found.append(PathMatch(template, {n: hit.group(f"p{i}") for i, n in enumerate(names)}))
        return found

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a concrete request addresses (most literal template documenting `method`)."""
        for candidate in self.match(path):
            op = self.get(method, candidate.template)
            if op is not None:
                return op, candidate.values
        return None

    def resolve(self, schema: Any) -> Any:
        """Follow `$ref`s to a component (a missing component resolves to `{}`)."""
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema and seen < 50:
            schema = self.schemas.get(str(schema["$ref"]), {})
            seen += 1
        return schema

    def products_of(self, operations: Iterable[Operation]) -> list[str]:
        return sorted({op.product for op in operations})


def _literal_segments(template: str) -> int:
    return sum(1 for seg in template.split("/") if seg and "{" not in seg)


def read_document(path: Path = BUNDLED) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


@functools.cache
def load_spec() -> ApiSpec:
    """The bundled spec, loaded on first use and kept for the life of the process."""
    return ApiSpec(read_document())
