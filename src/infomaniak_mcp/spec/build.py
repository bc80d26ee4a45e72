"""Regenerate the bundled compact spec (`operations.json.gz`) from the official exports.

    uv run python -m infomaniak_mcp.spec.build                 # from ../shared/infomaniak-openapi
    uv run python -m infomaniak_mcp.spec.build --check         # fail if the committed file is stale
    uv run python -m infomaniak_mcp.spec.build --source DIR --out FILE

Inputs (see `shared/infomaniak-openapi/README.md`):
- `infomaniak-openapi-merged-2025-12.clean.json`: the base (552 paths / 748 operations);
- `2025-12/<product>.json`: only to know which product file each path came from;
- `2026-04/mail-products-extract.json` and `2024-05/api-reference-developer-tools.yaml`: the
  methods the 2025-12 export lost on its own paths (mailbox PUT/PATCH/DELETE, forwarding PATCH),
  newest copy first, plus the mail-hosting and profile paths only the May 2024 export has (e.g.
  `GET /1/mail_hostings`). Each merged operation says where it came from (`source`). kChat paths of
  the 2024 copy (no `/api/v4` prefix) and the radio/video/vod products are not merged.

The same corrections as the contract tests' `SPEC_EXCEPTIONS` (facts file disagreements) are
applied (`CORRECTIONS`), so describing, validating and the sandbox's generated answers agree with
what the contract tests check. The output is deterministic (sorted keys, gzip mtime 0). The 2024
YAML needs PyYAML (a development dependency; the runtime never reads YAML).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infomaniak_mcp.spec.compact import (
    DESCRIPTION_CHARS,
    SUMMARY_CHARS,
    compact_schema,
    error_codes,
    schema_refs,
    short_text,
)

log = logging.getLogger("infomaniak_mcp.spec.build")

FORMAT = 1
HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2].parent / "shared" / "infomaniak-openapi"
DEFAULT_OUT = HERE / "operations.json.gz"
BASE_FILE = "infomaniak-openapi-merged-2025-12.clean.json"
EXTRACT_2026 = "2026-04/mail-products-extract.json"
EXPORT_2024 = "2024-05/api-reference-developer-tools.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
# Path families whose 2024-only paths are merged (the products kept in the bundle; kChat excluded).
FAMILIES_2024 = ("/1/mail_hostings", "/2/profile")
NAMESPACE_2024 = "s24_"

PRODUCTS: dict[str, tuple[str, str]] = {
    # 2025-12 file stem → (product label, what it covers)
    "core_ressource": ("core", "Accounts, products, profile, users, teams, async tasks, reference data"),
    "domain_zones": ("domain", "Domains and DNS zones/records"),
    "mail": ("mail", "Mail hostings, mailboxes, aliases, redirections, filters"),
    "kdrive": ("kdrive", "kDrive: drives, files, shares, users"),
    "kchat": ("kchat", "kChat (Mattermost API, served per team at https://{team}.kchat.infomaniak.com)"),
    "swiss_backup": ("swiss_backup", "Swiss Backup products and slots"),
    "aitools": ("ai", "AI tools (LLM API products)"),
    "url_shortner": ("url_shortener", "URL shortener"),
    "newsletter": ("newsletter", "Newsletter: campaigns, mailing lists, subscribers"),
    "public_cloud": ("public_cloud", "Public Cloud: projects, Kubernetes (KaaS), databases (DBaaS)"),
    "kmeet": ("kmeet", "kMeet rooms"),
}


@dataclass(frozen=True)
class Correction:
    """One known disagreement between the spec and the facts file (mirrors the contract tests)."""

    kind: str  # optional | type | data
    target: str
    reason: str
    fields: tuple[str, ...] = ()
    schema: Mapping[str, Any] | None = None


CORRECTIONS: tuple[Correction, ...] = (
    Correction("optional", "087adaad_Account", "facts §7.1: these live under `order`",
               ("in_process", "waiting_payment", "blocked_order_id")),
    Correction("optional", "91ac10ff_Drive", "facts §7.11: not among Drive's properties", ("current", "max")),
    Correction("type", "93e74a89_Mailbox", "facts §7.9: a boolean", ("is_used_for_account",), {"type": "boolean"}),
    Correction("type", "93e74a89_Listedsenders", "facts §7.9: a boolean", ("locked",), {"type": "boolean"}),
    *(
        Correction("type", "93e74a89_MailboxRedirection", "facts §7.10: a boolean", (name,), {"type": "boolean"})
        for name in ("is_enabled", "has_dont_deliver", "has_forward_spam")
    ),
    Correction("data", "GET /1/accounts/{account_id}/products", "facts §5.1: the account's products",
               schema={"type": "array", "items": {"$ref": "087adaad_Product"}}),
    Correction("data", "GET /1/accounts/{account_id}/tags", "facts §5.2, §7.14: Tag objects",
               schema={"type": "array", "items": {"$ref": "087adaad_Tag"}}),
    Correction("data", "GET /2/accounts/{account}/users", "facts §5.2, §7.13: a paginated list",
               schema={"type": "array", "items": {"$ref": "087adaad_Userorpendinguser"}}),
    Correction("data", "GET /3/drive/{drive_id}/files/{file_id}/files", "facts §5.8: directories or files",
               schema={"type": "array", "items": {"anyOf": [{"$ref": "91ac10ff_DirectoryV3"},
                                                            {"$ref": "91ac10ff_FileV3"}]}}),
)

NOTES: tuple[str, ...] = (
    "Built from the official 'API Reference - Developer tools' export of ~Dec 2025 (11 admin-relevant "
    "product files merged, then cleaned); radio, video, VOD and e-ticket are not bundled.",
    "Methods lost by the 2025-12 export on its own paths (mailbox PUT/PATCH/DELETE, forwarding PATCH) are "
    "merged from the Apr 2026 extract or the May 2024 export; mail-hosting and profile paths only the "
    "May 2024 export has are merged too, and may have been withdrawn since (operation `source`).",
    "Six schemas referenced by the export are missing from it (ApiError, AppError, Error, SuccessResponse, "
    "PaginatedSuccessResponse, TotalSuccessResponse): they are permissive stubs here.",
    "kChat operations (/api/v4/...) are served by each team's host https://{team}.kchat.infomaniak.com, "
    "not api.infomaniak.com as the export's `servers` says; they answer plain Mattermost JSON (no envelope).",
    "The spec marks many response fields required that real answers omit, and some types are not JSON "
    "types (datetime, timestamp…): such fields accept any value here.",
    "Path placeholders the export does not declare are string path parameters here; path parameters "
    "declared without a placeholder are optional query parameters.",
)


class BuildError(RuntimeError):
    pass


def _load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _load_yaml(path: Path) -> dict[str, Any]:
    yaml: Any = importlib.import_module("yaml")  # dev dependency, build time only
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=loader)  # a safe loader (CSafeLoader/SafeLoader)
    return data


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                return None
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            return None
    return node


def _normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@dataclass
class Source:
    """One input document and how its component names map into the bundle."""

    label: str
    doc: Mapping[str, Any]
    namespace: str = ""
    local_components: bool = True

    def ref(self, name: str) -> str:
        if not self.local_components:
            return name  # the 2026 extract has no components: its refs mean the base's
        return self.namespace + name

    def param_bases(self) -> dict[tuple[str, str], dict[str, Any]]:
        out: dict[tuple[str, str], dict[str, Any]] = {}
        params = self.doc.get("components", {}).get("parameters", {})
        for value in params.values() if isinstance(params, Mapping) else ():
            if isinstance(value, Mapping) and "name" in value and isinstance(value.get("schema"), Mapping):
                out.setdefault((str(value["name"]), str(value.get("in", ""))), dict(value["schema"]))
        return out


def _parameter(source: Source, raw: Any, bases: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any] | None:
    override = None
    node = raw
    if isinstance(raw, Mapping) and "$ref" in raw:
        sibling = raw.get("schema")
        override = dict(sibling) if isinstance(sibling, Mapping) and sibling else None
        node = _resolve(source.doc, raw)
    if not isinstance(node, Mapping) or "name" not in node or "in" not in node:
        return None
    schema: Any = node.get("schema") if isinstance(node.get("schema"), Mapping) else {}
    if override is not None:
        schema = override if "type" in override else {**schema, **override}
    base = bases.get((str(node["name"]), str(node["in"])))
    untyped = isinstance(schema, Mapping) and "type" not in schema and "$ref" not in schema
    leaf_enum = isinstance(schema, Mapping) and "enum" in schema and (base or {}).get("type") == "object"
    if base is not None and untyped and not leaf_enum:  # a deepObject leaf enum stays as is
        schema = {**base, **schema}
    out: dict[str, Any] = {"name": str(node["name"]), "in": str(node["in"])}
    if node.get("required") is True or node["in"] == "path":
        out["required"] = True
    text = short_text(node.get("description") or (schema or {}).get("description"), 160)
    if text:
        out["description"] = text
    out["schema"] = compact_schema(schema, source.ref, describe=False)
    for key in ("style", "explode"):
        if key in node:
            out[key] = node[key]
    if node.get("deprecated") is True:
        out["deprecated"] = True
    return out


def _body(source: Source, raw: Any) -> dict[str, Any] | None:
    body = _resolve(source.doc, raw)
    if not isinstance(body, Mapping):
        return None
    content = body.get("content")
    if not isinstance(content, Mapping) or not content:
        return None
    kind = "application/json" if "application/json" in content else sorted(content)[0]
    media: Mapping[str, Any] = content[kind] if isinstance(content.get(kind), Mapping) else {}
    out: dict[str, Any] = {"content_type": kind, "schema": compact_schema(media.get("schema") or {}, source.ref)}
    if body.get("required") is True:
        out["required"] = True
    return out


def _responses(source: Source, raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    success: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, Mapping):
        return success, errors
    for status, value in raw.items():
        status = str(status)
        response = _resolve(source.doc, value)
        content = response.get("content") if isinstance(response, Mapping) else None
        if status.startswith("2"):
            entry: dict[str, Any] = {}
            if isinstance(content, Mapping) and content:
                kind = "application/json" if "application/json" in content else sorted(content)[0]
                entry["content_type"] = kind
                media = content.get(kind)
                if kind == "application/json" and isinstance(media, Mapping) and media.get("schema"):
                    entry["schema"] = compact_schema(media["schema"], source.ref)
            success[status] = entry
        elif status[:1] in "345":
            codes: list[str] = []
            if isinstance(content, Mapping) and isinstance(content.get("application/json"), Mapping):
                schema = content["application/json"].get("schema")
                codes = error_codes(schema, lambda n: _resolve(source.doc, n))
            errors[status] = codes
    return success, errors


def compact_operation(
    source: Source, path: str, method: str, operation: Mapping[str, Any], product: str,
    path_params: list[Any] | None = None,
) -> dict[str, Any]:
    bases = source.param_bases()
    params: list[dict[str, Any]] = []
    loose: dict[str, Any] = {}
    for raw in [*(path_params or []), *(operation.get("parameters") or [])]:
        param = _parameter(source, raw, bases)
        if param is None:
            continue
        if param["in"] == "any":  # export defect: these are body fields
            loose[param["name"]] = param["schema"]
            continue
        params = [p for p in params if (p["name"], p["in"]) != (param["name"], param["in"])] + [param]
    params = _repair_path_params(path, params)
    op: dict[str, Any] = {
        "method": method.upper(),
        "path": path,
        "summary": short_text(operation.get("summary"), SUMMARY_CHARS) or f"{method.upper()} {path}",
        "product": product,
        "source": source.label,
    }
    description = short_text(operation.get("description"), DESCRIPTION_CHARS)
    if description and description != op["summary"]:
        op["description"] = description
    tags = [str(t) for t in operation.get("tags") or [] if isinstance(t, str)]
    if tags:
        op["tags"] = tags
    if isinstance(operation.get("operationId"), str):
        op["operation_id"] = operation["operationId"]
    if operation.get("deprecated") is True:
        op["deprecated"] = True
    op["params"] = params
    body = _body(source, operation.get("requestBody"))
    if loose:
        body = body or {"content_type": "application/json", "schema": {"type": "object", "properties": {}}}
        body["schema"].setdefault("properties", {}).update(loose)
    if body is not None:
        op["body"] = body
    op["responses"], op["errors"] = _responses(source, operation.get("responses"))
    return op


def _repair_path_params(path: str, params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Placeholders the export does not declare become string path parameters; declared path
    parameters the template lacks become optional query parameters (export defects, see NOTES)."""
    names = re.findall(r"\{([^/{}]+)\}", path)
    out = []
    for param in params:
        if param["in"] == "path" and param["name"] not in names:
            param = {**param, "in": "query", "required": False,
                     "description": "declared as a path parameter by the export, which has no such placeholder"}
            param.pop("style", None)
        out.append(param)
    declared = {p["name"] for p in out if p["in"] == "path"}
    for name in names:
        if name not in declared:
            out.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "not declared by the export"})
    return out


def _iter_operations(doc: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any], list[Any]]]:
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        shared: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in METHODS:
            if isinstance(item.get(method), Mapping):
                yield str(path), method, item[method], shared


def _product_of(source_dir: Path) -> dict[str, str]:
    owners: dict[str, str] = {}
    for stem, (label, _) in PRODUCTS.items():
        doc = _load_json(source_dir / "2025-12" / f"{stem}.json")
        for path in doc.get("paths", {}):
            owners[str(path)] = label
    return owners


def _product_for_path(path: str, owners: Mapping[str, str]) -> str:
    if path in owners:
        return owners[path]
    if path.startswith("/api/v4"):
        return "kchat"
    if path.startswith("/1/mail_hostings"):
        return "mail"
    return "core"


def _component(sources: Mapping[str, Source], name: str) -> Any:
    """The original component schema behind a bundle name (namespaced names belong to their source)."""
    for source in sources.values():
        if source.namespace and name.startswith(source.namespace):
            return source.doc.get("components", {}).get("schemas", {}).get(name[len(source.namespace):]), source
    base = sources["2025-12"]
    return base.doc.get("components", {}).get("schemas", {}).get(name), base


def _apply_corrections(operations: list[dict[str, Any]], schemas: dict[str, Any]) -> None:
    by_key = {f"{op['method']} {op['path']}": op for op in operations}
    for fix in CORRECTIONS:
        if fix.kind == "optional":
            component = schemas[fix.target]
            missing = set(fix.fields) - set(component.get("required", []))
            if missing:
                raise BuildError(f"stale correction {fix.target}: {sorted(missing)} not required")
            component["required"] = [f for f in component["required"] if f not in fix.fields]
        elif fix.kind == "type":
            component = schemas[fix.target]
            if fix.fields[0] not in component.get("properties", {}):
                raise BuildError(f"stale correction {fix.target}.{fix.fields[0]}")
            component["properties"][fix.fields[0]] = dict(fix.schema or {})
        else:
            response = by_key[fix.target]["responses"].get("200", {}).get("schema", {})
            holder = next((p for p in response.get("allOf", [response]) if "data" in p.get("properties", {})), None)
            if holder is None:
                raise BuildError(f"stale correction {fix.target}")
            holder["properties"]["data"] = json.loads(json.dumps(fix.schema))


def _merge_candidates(
    base: Mapping[str, Any], newer: Source, older: Source
) -> list[tuple[Source, str, str, Mapping[str, Any], list[Any]]]:
    have = {(m, p) for p, m, _, _ in _iter_operations(base)}
    base_shapes = {(m, _normalised(p)) for m, p in have}
    chosen: dict[tuple[str, str], tuple[Source, str, str, Mapping[str, Any], list[Any]]] = {}
    for source in (newer, older):
        for path, method, operation, shared in _iter_operations(source.doc):
            key = (method, path)
            if key in have or key in chosen:
                continue
            on_base_path = path in base.get("paths", {})
            new_family = (
                source is older
                and path.startswith(FAMILIES_2024)
                and (method, _normalised(path)) not in base_shapes
            )
            if on_base_path or new_family:
                chosen[key] = (source, path, method, operation, shared)
    return [chosen[k] for k in sorted(chosen, key=lambda k: (k[1], k[0]))]


def build(source_dir: Path) -> dict[str, Any]:
    """The compact document (see the module docstring)."""
    base_path = source_dir / BASE_FILE
    if not base_path.is_file():
        raise BuildError(f"{base_path} not found (pass --source)")
    base_doc = _load_json(base_path)
    sources = {
        "2025-12": Source("2025-12", base_doc),
        "2026-04": Source("2026-04", _load_json(source_dir / EXTRACT_2026), local_components=False),
        "2024-05": Source("2024-05", _load_yaml(source_dir / EXPORT_2024), namespace=NAMESPACE_2024),
    }
    owners = _product_of(source_dir)
    operations = [
        compact_operation(sources["2025-12"], path, method, op, owners.get(path, "core"), shared)
        for path, method, op, shared in _iter_operations(base_doc)
    ]
    merged = _merge_candidates(base_doc, sources["2026-04"], sources["2024-05"])
    for source, path, method, op, shared in merged:
        operations.append(compact_operation(source, path, method, op, _product_for_path(path, owners), shared))
    operations.sort(key=lambda o: (o["path"], METHODS.index(o["method"].lower())))

    schemas: dict[str, Any] = {}
    pending = sorted(schema_refs(operations))
    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        original, source = _component(sources, name)
        if isinstance(original, Mapping):
            schemas[name] = compact_schema(original, source.ref)
        else:
            schemas[name] = {"description": "stub: missing from the published export", "x-missing": True}
        pending.extend(sorted(schema_refs(schemas[name]) - set(schemas)))
    _apply_corrections(operations, schemas)
    return {
        "format": FORMAT,
        "source": {
            "base": BASE_FILE,
            "base_sha256": hashlib.sha256(base_path.read_bytes()).hexdigest(),
            "merged": [f"{m.upper()} {p} ({s.label})" for s, p, m, _, _ in merged],
        },
        "notes": list(NOTES),
        "corrections": [
            f"{c.kind} {c.target} {', '.join(c.fields)}: {c.reason}".replace("  ", " ") for c in CORRECTIONS
        ],
        "products": {label: text for label, text in PRODUCTS.values()},
        "operations": operations,
        "schemas": dict(sorted(schemas.items())),
    }


def serialise(document: Mapping[str, Any]) -> bytes:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infomaniak_mcp.spec.build", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="shared/infomaniak-openapi directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="compact spec to write")
    parser.add_argument("--check", action="store_true", help="fail when --out differs from a fresh build")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    document = build(args.source)
    data = serialise(document)
    count = len(document["operations"])
    if args.check:
        current = args.out.read_bytes() if args.out.is_file() else b""
        if gzip.decompress(current or serialise({})) != gzip.decompress(data):
            log.error("%s is stale: run python -m infomaniak_mcp.spec.build", args.out)
            return 1
        log.info("%s is up to date (%d operations)", args.out, count)
        return 0
    args.out.write_bytes(data)
    log.info("wrote %s: %d operations, %d schemas, %d bytes", args.out, count, len(document["schemas"]), len(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
