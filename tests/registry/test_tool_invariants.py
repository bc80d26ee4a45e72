"""Invariants every tool must keep (all toolsets loaded): names, annotations, schemas, the wrapper."""

from __future__ import annotations

import re
from typing import Any

from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.server.app import is_tool_wrapper
from infomaniak_mcp.server.registry import VERBS, Selection, toolsets

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
# Names the issues give whose verb is its own object: `account_overview` (the best first call),
# `audit_tail`, `audit_search`, `history_list`, `history_undo`, `tools_search`, `api_call` (the toolset is
# the object).
NOUNLESS_VERBS = frozenset({"overview", "tail", "search", "list", "undo", "call"})


def test_every_toolset_declares_tools(all_selection: Selection) -> None:
    catalog = toolsets()
    assert set(all_selection.toolsets) == set(catalog)
    declared = {spec.toolset for spec in all_selection.tools}
    assert declared == set(catalog), f"toolsets without tools: {sorted(set(catalog) - declared)}"


def test_names_are_unique_and_follow_toolset_verb_noun(
    all_selection: Selection, listed_tools: dict[str, dict[str, Any]]
) -> None:
    names = [spec.name for spec in all_selection.tools]
    assert len(names) == len(set(names))
    assert set(listed_tools) == set(names)
    bad = []
    for spec in all_selection.tools:
        rest = spec.name.removeprefix(f"{spec.toolset}_")
        verb, _, noun = rest.partition("_")
        noun_ok = _SNAKE.match(noun) if noun else verb in NOUNLESS_VERBS
        if rest == spec.name or verb not in VERBS or not noun_ok:
            bad.append(spec.name)
        if spec.fn.__name__ != spec.name:
            bad.append(f"{spec.name} (function is named {spec.fn.__name__})")
    assert not bad, f"names not <toolset>_<verb>_<noun> with a verb from registry.VERBS: {bad}"


def test_all_annotations_are_explicit(all_selection: Selection, listed_tools: dict[str, dict[str, Any]]) -> None:
    for spec in all_selection.tools:
        annotations = listed_tools[spec.name].get("annotations", {})
        for hint in HINTS:
            assert isinstance(annotations.get(hint), bool), f"{spec.name}: {hint} is not explicit"
        assert listed_tools[spec.name].get("title"), f"{spec.name}: no title"
        assert "title" not in annotations, f"{spec.name}: title repeated in annotations (tokens)"
        assert annotations["readOnlyHint"] is spec.read_only
        if spec.read_only:
            assert annotations["destructiveHint"] is False, spec.name


def test_schemas_and_descriptions(all_selection: Selection, listed_tools: dict[str, dict[str, Any]]) -> None:
    for spec in all_selection.tools:
        published = listed_tools[spec.name]
        assert published.get("description", "").strip(), f"{spec.name}: no description"
        output = published.get("outputSchema")
        assert isinstance(output, dict), f"{spec.name}: no outputSchema"
        assert output.get("type") == "object", f"{spec.name}: outputSchema is not object-rooted"
        assert output.get("properties"), f"{spec.name}: outputSchema has no properties"
        inputs = published["inputSchema"]
        assert inputs.get("type") == "object", spec.name
        assert "ctx" not in inputs.get("properties", {}), spec.name
        for name, prop in inputs.get("properties", {}).items():
            assert prop.get("description"), f"{spec.name}: argument {name!r} has no description"


def test_every_tool_runs_through_the_generic_wrapper(
    all_selection: Selection, full_server: MCPServer[Any]
) -> None:
    registered = {t.name: t for t in full_server._tool_manager.list_tools()}
    assert set(registered) == {spec.name for spec in all_selection.tools}
    # Write tools in particular are only ever exposed through the wrapper (it re-checks read-only mode).
    for spec in all_selection.tools:
        fn = registered[spec.name].fn
        assert is_tool_wrapper(fn), f"{spec.name} is registered without the generic wrapper"
        assert fn is not spec.fn
        assert fn.__tool_spec__ is spec  # type: ignore[attr-defined]
