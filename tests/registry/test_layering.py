"""Layering rules, checked by scanning every import statement (AST) under src/infomaniak_mcp.

- `sandbox/` is an independent oracle: it never imports our API client, server or tools.
- Only `server/`, `transports/` and `cli.py` import the MCP SDK (`mcp`, `mcp_types`).
- `api/` never imports `server/`, `tools/`, `sandbox/`, `transports/` or the CLI.
- `domain/` holds pure rules: among our modules it imports only `domain/` and the API models.

Every import counts: top level, inside functions, under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import infomaniak_mcp

PACKAGE_ROOT = Path(infomaniak_mcp.__file__).parent
PACKAGE = "infomaniak_mcp"
SDK = ("mcp", "mcp_types")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            yield prefix
            for alias in node.names:  # `from pkg import submodule` imports pkg.submodule
                yield f"{prefix}.{alias.name}"


def sources() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE_ROOT).parts
    return rel[0] if len(rel) > 1 else path.stem


def violations(rule: str, paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE_ROOT)} imports {name} ({rule})"
        for path in paths
        for name in sorted(set(imports_of(path)))
        if within(name, *forbidden)
    ]


def test_the_scan_sees_imports() -> None:
    """Guard against a scan that silently finds nothing."""
    app = PACKAGE_ROOT / "server" / "app.py"
    names = set(imports_of(app))
    assert "mcp.server.mcpserver" in names
    assert "infomaniak_mcp.server.registry" in names
    assert len(sources()) > 10


def test_sandbox_is_independent() -> None:
    paths = [p for p in sources() if layer(p) == "sandbox"]
    assert paths
    forbidden = tuple(f"{PACKAGE}.{name}" for name in ("api", "server", "tools", "transports", "cli"))
    assert not violations("the sandbox is an independent oracle", paths, forbidden + SDK)


def test_only_server_transports_and_cli_import_the_sdk() -> None:
    paths = [p for p in sources() if layer(p) not in ("server", "transports", "cli")]
    assert not violations("only server/, transports/ and cli.py may import the MCP SDK", paths, SDK)


def test_api_does_not_import_upper_layers() -> None:
    paths = [p for p in sources() if layer(p) == "api"]
    assert paths
    forbidden = tuple(f"{PACKAGE}.{name}" for name in ("server", "tools", "sandbox", "transports", "cli"))
    assert not violations("api/ is the bottom layer", paths, forbidden)


@pytest.mark.parametrize("path", [p for p in sources() if layer(p) == "domain"], ids=lambda p: p.name)
def test_domain_imports_only_api_models(path: Path) -> None:
    bad = []
    for name in sorted(set(imports_of(path))):
        if not within(name, PACKAGE) or within(name, f"{PACKAGE}.domain"):
            continue
        parts = name.split(".")
        is_api_model = parts[:2] == [PACKAGE, "api"] and any(p in ("models", "_models") for p in parts[2:])
        if not is_api_model:
            bad.append(name)
    assert not bad, f"domain/{path.name} imports {bad}: domain/ may import only api models"
