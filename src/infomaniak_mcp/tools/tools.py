"""Toolset `tools`: find the right tool for an intent across every toolset, enabled or not.

The default set stays small (`tools/__init__.py` marks the default toolsets); `tools_search`
loads every toolset's declarations (`registry.all_specs(None)`: importing a toolset module only
registers its tools) and ranks them with the same BM25 and word rules as the API operation search
(`spec/search.py`) over the tool name, title and description, plus its toolset's title and
description. Each hit says its toolset and whether that toolset is on by default; the answer
says how to enable one (`--toolsets`, `--tools`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import (
    DEFAULT_SELECTION,
    ToolOutput,
    ToolSpec,
    all_specs,
    select_tools,
    tool,
    toolsets,
)
from infomaniak_mcp.spec.search import Bm25, query_terms, tokens

SUMMARY_CHARS = 220


class ToolHit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    toolset: str
    summary: str
    read_only: bool
    enabled: bool = Field(description="Already in this server's tool list.")


class ToolHits(ToolOutput):
    hits: list[ToolHit]
    how_to_enable: str

    def to_text(self) -> str:
        if not self.hits:
            return "No tool matches. " + self.how_to_enable
        lines = [f"{len(self.hits)} tool(s):"]
        for hit in self.hits:
            kind = "read" if hit.read_only else "write"
            where = "enabled" if hit.enabled else "not enabled"
            lines.append(f"- {hit.name} ({hit.toolset}, {where}, {kind}): {hit.summary}")
        lines.append(self.how_to_enable)
        return "\n".join(lines)


def _summary(spec: ToolSpec) -> str:
    first = spec.summary
    return first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"


def _document(spec: ToolSpec, toolset_text: str) -> list[str]:
    name_words = spec.name.replace("_", " ")
    return tokens(name_words) * 3 + tokens(spec.title) * 2 + tokens(spec.description) + tokens(toolset_text)


def current_toolsets(enabled: frozenset[str]) -> list[str]:
    """The toolsets this server's tools come from (catalog order); the default ones when unknown."""
    catalog = toolsets()
    owner = {spec.name: spec.toolset for spec in all_specs(None)}
    used = {owner[name] for name in enabled if name in owner}
    return [name for name, info in catalog.items() if (name in used if used else info.default)]


def current_selection(enabled: frozenset[str], *, read_only: bool = False) -> list[str]:
    """The shortest `--toolsets` words that give at least this server's tools: `default` (the
    default selection) plus the toolsets of the tools it has beyond it, when it has all of the
    default selection; else its toolsets by name."""
    current = current_toolsets(enabled)
    base = set(select_tools([DEFAULT_SELECTION], read_only=read_only).names)
    if not base <= enabled:
        return current
    owner = {spec.name: spec.toolset for spec in all_specs(None)}
    beyond = {owner[name] for name in enabled - base if name in owner}
    return [DEFAULT_SELECTION, *(name for name in current if name in beyond)]


def enable_hint(enabled: frozenset[str], wanted: list[ToolSpec], *, reach: bool = True, read_only: bool = False) -> str:
    """How to restart this server with `wanted` added, keeping every tool it has now.

    `--toolsets` lists the current toolsets (`default` for the default selection) plus the wanted
    ones; `--tools` names tools on top of `--toolsets` (alone it selects only the tools named, which
    would drop everything else). `read_only` (the server runs with --read-only): a wanted write tool
    needs a restart without --read-only, and only the GET operations are offered through api_call
    meanwhile.
    """
    current = current_selection(enabled, read_only=read_only)
    sets = list(dict.fromkeys(spec.toolset for spec in wanted))
    names = ",".join(spec.name for spec in wanted)
    added = [name for name in sets if name not in current]
    if current[:1] == [DEFAULT_SELECTION]:
        why = "the default selection" + (f" plus the whole {', '.join(added)} toolset{'s' if len(added) > 1 else ''}"
                                         if added else "")
    elif added:
        why = f"this server's toolsets plus {', '.join(added)}"
    else:
        why = "whole toolsets; the default lists fewer"
    everything = ",".join(dict.fromkeys([*current, *sets]))
    kept = set(select_tools([",".join(current)]).names)
    writes = [spec.name for spec in wanted if not spec.read_only]
    if read_only and writes:
        hint = (
            f"{', '.join(writes)} change{'s' if len(writes) == 1 else ''} the account and this server runs with "
            "--read-only, which hides every write tool: restart it without --read-only"
            + ("." if all(spec.name in kept for spec in wanted) else f" and with --toolsets {everything}.")
        )
    else:
        hint = (
            f"Restart the server with --toolsets {everything} ({why}), or with --toolsets {','.join(current)} "
            f"--tools {names} (--tools alone would select only those tools); --toolsets all enables everything."
        )
        if writes:
            hint += " Write tools are hidden under --read-only."
    reachable = [str(key) for spec in wanted for key in spec.covers]
    if read_only:
        reachable = [key for key in reachable if key.startswith("GET ")]
    if reach and reachable:
        via = "api_call reaches" if read_only else "api_call / api_call_write reach"
        hint += f" Until then, {via} {'; '.join(dict.fromkeys(reachable))}."
    return hint


def rank_tools(query: str, limit: int) -> list[tuple[ToolSpec, float]]:
    """Every declared tool of every toolset, best match first."""
    catalog = toolsets()
    specs = sorted(all_specs(None), key=lambda s: s.name)
    docs = [
        _document(s, f"{catalog[s.toolset].title} {catalog[s.toolset].description}" if s.toolset in catalog else "")
        for s in specs
    ]
    index = Bm25(docs)
    terms = query_terms(query)
    scored = [(spec, index.score(i, terms)) for i, spec in enumerate(specs)]
    ranked = sorted((x for x in scored if x[1] > 0), key=lambda x: (-x[1], x[0].name))
    return ranked[:limit]


@tool(toolset="tools", read_only=True, title="Search tools", requires_api=False)
async def tools_search(
    ctx: ToolContext,
    query: Annotated[str, Field(description="The task in words.", min_length=1, max_length=300)],
    limit: Annotated[int, Field(description="Maximum hits.", ge=1, le=25)] = 8,
) -> ToolHits:
    """Find the tool for a task among ALL toolsets of this server, enabled or not, and how to enable
    it. Use it when no listed tool fits; else api_search_operations reaches every API operation."""
    ranked = rank_tools(query, limit)
    hits = [
        ToolHit(
            name=spec.name,
            toolset=spec.toolset,
            summary=_summary(spec),
            read_only=spec.read_only,
            enabled=spec.name in ctx.enabled_tools,
        )
        for spec, _ in ranked
    ]
    missing = next((spec for spec, _ in ranked if spec.name not in ctx.enabled_tools), None)
    if not hits:
        how = (
            "Try other words, or api_search_operations: it finds every documented API operation, "
            + ("readable with api_call (this server is read-only)." if ctx.read_only
               else "callable with api_call / api_call_write.")
            + " --toolsets all enables every tool."
        )
    elif missing is None:
        how = "Every hit is already in your tool list."
    else:
        how = f"{missing.name} is not enabled. " + enable_hint(ctx.enabled_tools, [missing], read_only=ctx.read_only)
    return ToolHits(hits=hits, how_to_enable=how)
