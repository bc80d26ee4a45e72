"""Every tool a hint, a description or an error message names exists (all toolsets loaded).

A client follows these names literally ("Next step: hosting_list_certificates…"), so a renamed or
never-written tool in a string is a dead end. The scan covers every string literal under
`src/infomaniak_mcp` (docstrings, hints, f-string parts) and flags:

- `<toolset>_<verb>…` with a verb from `registry.VERBS` (how every tool name is built), and
- any `` `<toolset>_…` `` in backticks (how docs and docstrings cite tools and modules),

unless it is a registered tool or a module of the package, or (backticked only) a Python
identifier of the package (argument, attribute, function…) or a whole string literal somewhere
(an error code, a key).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from infomaniak_mcp.server.registry import VERBS, Selection, toolsets

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "src" / "infomaniak_mcp"
# Known offenders in other areas' files, reported to their owners (remove an entry once fixed).
KNOWN_OFFENDERS: frozenset[tuple[str, str]] = frozenset()


def _prefixes() -> str:
    return "|".join(sorted(toolsets()))


def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    prefixes = _prefixes()
    verbs = "|".join(sorted(VERBS))
    verb_form = re.compile(rf"(?<![A-Za-z0-9_./-])(?:{prefixes})_(?:{verbs})(?:_[a-z0-9]+)*\b")
    backticked = re.compile(rf"`((?:{prefixes})_[a-z0-9_]+)")
    return verb_form, backticked


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _known_names(trees: list[ast.AST]) -> set[str]:
    """Identifiers, module names and whole string literals of the package: not tool references."""
    known = {p.stem for p in PACKAGE_ROOT.rglob("*.py")}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                known.add(node.id)
            elif isinstance(node, ast.arg):
                known.add(node.arg)
            elif isinstance(node, ast.Attribute):
                known.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                known.add(node.name)
            elif isinstance(node, ast.keyword) and node.arg:
                known.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                known.add(node.value)
    return known


def references(source: str, known: frozenset[str] = frozenset()) -> set[str]:
    """Tool-looking names mentioned in the string literals of one module's source, less the `known` ones.

    A verb-form name (`hosting_list_x`) is only excused by being a tool or a module; a backticked
    one also by being an identifier or a literal of the package (`hosting_id`, an error code).
    """
    verb_form, backticked = _patterns()
    modules = {p.stem for p in PACKAGE_ROOT.rglob("*.py")}
    found: set[str] = set()
    for _, text in _strings(ast.parse(source)):
        found.update(n for n in (m.group(0) for m in verb_form.finditer(text)) if n not in modules)
        found.update(n for n in (m.group(1) for m in backticked.finditer(text)) if n not in known)
    return found


def test_the_scan_finds_what_it_should() -> None:
    """Guard against a scan that silently finds nothing."""
    source = '''
"""Split in modules: reads (`hosting_reads`) and the workflow (`hosting_workflows`)."""
HINT = "Call hosting_list_certificates, or hosting_remove_alias."
FSTR = f"{1} then dns_create_record."
CODE = "domain_not_on_account"
'''
    assert references(source) == {
        "hosting_reads", "hosting_workflows", "hosting_list_certificates", "hosting_remove_alias", "dns_create_record",
    }
    assert references(source, frozenset({"hosting_reads", "hosting_list_certificates"})) == {
        "hosting_workflows", "hosting_list_certificates", "hosting_remove_alias", "dns_create_record",
    }


def test_every_tool_named_in_the_source_exists(all_selection: Selection) -> None:
    registered = {spec.name for spec in all_selection.tools}
    sources = sorted(PACKAGE_ROOT.rglob("*.py"))
    assert len(sources) > 10
    texts = {path: path.read_text(encoding="utf-8") for path in sources}
    known = frozenset(_known_names([ast.parse(text) for text in texts.values()]) | registered)
    offenders: set[tuple[str, str]] = set()
    for path, text in texts.items():
        relative = path.relative_to(PACKAGE_ROOT).as_posix()
        offenders.update((relative, name) for name in references(text, known) - registered)
    assert sorted(offenders - KNOWN_OFFENDERS) == []
    assert sorted(KNOWN_OFFENDERS - offenders) == [], "fixed: remove these from KNOWN_OFFENDERS"
