"""Toolset `tools`: find the right tool for an intent across every toolset, enabled or not.

The default set stays small (`tools/__init__.py` marks the default toolsets); `tools_search`
loads every toolset's declarations (`registry.all_specs(None)`: importing a toolset module only
registers its tools) and ranks them (`rank_tools`) with the same BM25 and word rules as the API
operation search (`spec/search.py`) over the tool name, title and description, plus its toolset's
title and description, and the words people use for what the tools say (`TOOL_SYNONYMS`: "who
changed… yesterday" → the audit log, "undo" → history, "expire" → certificates and audits). A hit
must match enough of the query's content words; a question favours read tools, a write verb write
tools. The answer says how to enable the best hit of the kind asked (`--toolsets default,…`,
`--tools`), or, when no curated tool fits, the documented API operation that does (the API search,
run here) and what the public API lacks. tools_search never lists itself.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import (
    DEFAULT_SELECTION,
    ToolOutput,
    ToolSpec,
    all_specs,
    get_spec,
    select_tools,
    tool,
    toolsets,
)
from infomaniak_mcp.spec.search import (
    GENERIC_WEIGHT,
    GENERIC_WORDS,
    SYNONYMS,
    Bm25,
    content_words,
    known_gaps,
    query_terms,
    read_phrases,
    search_operations,
    stem,
    tokens,
    weak,
    words_of,
)

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
            return self.how_to_enable
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


TOOL_SYNONYMS = {
    # questions about past changes: the audit log and the write history
    "who": "log", "yesterday": "log history newest", "today": "log history newest", "week": "log history newest",
    "when": "log history", "did": "history applied", "happen": "log history", "log": "audit",
    "trail": "audit log", "undo": "history revert", "revert": "history undo", "rollback": "history undo",
    "restor": "history undo",
    # expiry and certificates
    "expir": "expiry expiring certificate audit", "expiry": "expiring certificate audit", "renew": "expiry",
    "renewal": "expiry", "certificat": "ssl https", "ssl": "certificate https", "https": "certificate ssl",
    "tls": "certificate ssl", "letsencrypt": "certificate ssl",
    # other words people use for what the tools say
    "check": "audit verify", "verify": "audit check", "health": "audit", "problem": "audit", "issue": "audit",
    "app": "nodejs node", "node": "nodejs", "nameserver": "delegation", "mail": "mx", "email": "mx",
    **dict.fromkeys(("mx", "txt", "cname", "aaaa", "srv", "caa", "ns", "ptr"), "record dns"),
}
"""Stem of a query word → words the tools use for it (weight `TOOL_SYNONYM_WEIGHT`, and they count as
matching the word): on top of the API search's synonyms (`spec.search.SYNONYMS`)."""
TOOL_SYNONYM_WEIGHT = 0.7
FILLER = frozenset({"enable", "disable", "old", "last", "latest", "ok", "okay", "fine", "correctly", "properly",
                    "work", "working", "please", "help", "everything", "thing", "things", "stuff", "currently"})
"""Words that never make a tool relevant on their own (besides the API search's generic verbs)."""
QUESTION_WORDS = frozenset({"who", "what", "which", "when", "where", "why", "how", "is", "are", "does", "do", "did",
                            "has", "have", "can", "any", "check", "show", "list", "find", "verify", "get", "view",
                            "see", "audit", "read", "tell", "whats"})
WRITE_WORDS = frozenset({"create", "add", "delete", "remove", "set", "enable", "disable", "start", "stop", "restart",
                         "build", "renew", "install", "request", "rotate", "change", "update", "edit", "undo",
                         "revert", "rename", "make", "provision", "move", "transfer", "order", "buy", "register",
                         "cancel", "import", "apply", "reset", "switch", "deploy", "fix", "put", "rollback"})
INTENT_FACTOR = 1.5
"""A question ranks read tools × this; a change (a write verb) ranks write tools × this."""
COVERAGE_FLOOR = 0.4
MIN_COVERAGE = 0.5
"""A hit must match at least this share of the query's content words (itself or a synonym)..."""
COVERAGE_SLACK = 0.34
"""... and no more than this share fewer than the best hit does."""


def intent(query: str) -> str | None:
    """"question" (asks about the state: read tools), "change" (a write verb), or None."""
    words = words_of(query)
    if not words:
        return None
    if words[0] in QUESTION_WORDS or query.rstrip().endswith("?"):
        return "question"
    return "change" if any(w in WRITE_WORDS for w in words) else None


def _alternatives(word: str) -> set[str]:
    """The stems that count as matching a query word: itself and its synonyms (the tools' own, else
    the API search's)."""
    extra = TOOL_SYNONYMS.get(stem(word)) or SYNONYMS.get(word, "")
    return {stem(word), *tokens(extra)}


@dataclass(frozen=True)
class _ToolIndex:
    """The BM25 index of the declared tools and each one's own words, built once per set of specs."""

    specs: tuple[ToolSpec, ...]
    index: Bm25
    own: tuple[frozenset[str], ...]


_INDEX: list[_ToolIndex] = []  # the last one built; specs never change once their toolsets are loaded


def _tool_index() -> _ToolIndex:
    specs = tuple(sorted((s for s in all_specs(None) if s.name != "tools_search"), key=lambda s: s.name))
    if _INDEX and len(_INDEX[0].specs) == len(specs) and all(
        a is b for a, b in zip(_INDEX[0].specs, specs, strict=True)
    ):
        return _INDEX[0]
    catalog = toolsets()
    docs = [
        _document(s, f"{catalog[s.toolset].title} {catalog[s.toolset].description}" if s.toolset in catalog else "")
        for s in specs
    ]
    built = _ToolIndex(
        specs=specs,
        index=Bm25(docs),
        own=tuple(frozenset(tokens(f"{s.name.replace('_', ' ')} {s.title} {s.description}")) for s in specs),
    )
    _INDEX[:] = [built]
    return built


def rank_tools(query: str, limit: int) -> list[tuple[ToolSpec, float]]:
    """The declared tools of every toolset that fit `query`, best first (tools_search itself never).

    BM25 over each tool's name, title, description and toolset, with the API search's word rules
    plus `TOOL_SYNONYMS`. A hit must match enough of the query's content words (generic verbs and
    `FILLER` aside: `MIN_COVERAGE`, `COVERAGE_SLACK`) and scores by the share it matches; the
    query's `intent` favours read or write tools. An empty list: no curated tool fits.
    """
    built = _tool_index()
    specs, index, own = built.specs, built.index, built.own
    query = unicodedata.normalize("NFKD", query).encode("ascii", "ignore").decode()  # vérifier → verifier
    content = [w for w in content_words(query) if w not in FILLER]
    terms = query_terms(read_phrases(query))
    for word in content:
        for term in tokens(TOOL_SYNONYMS.get(stem(word), "")):
            terms[term] = max(terms.get(term, 0.0), TOOL_SYNONYM_WEIGHT)
    if content:
        minor = {stem(w) for w in words_of(query) if w in GENERIC_WORDS or w in FILLER}
        minor -= {stem(w) for w in content}
        terms = {t: (GENERIC_WEIGHT if t in minor else weight) for t, weight in terms.items()}
    alternatives = [_alternatives(w) for w in content]
    wanted = intent(query)
    scored: list[tuple[ToolSpec, float, float]] = []
    for i, spec in enumerate(specs):
        # Matched by the tool's own words: its toolset's description would make every tool of it match.
        coverage = (sum(1 for alts in alternatives if alts & own[i]) / len(alternatives) if alternatives else 1.0)
        score = index.score(i, terms) * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage)
        if (wanted == "question" and spec.read_only) or (wanted == "change" and not spec.read_only):
            score *= INTENT_FACTOR
        if score > 0 and coverage >= MIN_COVERAGE:
            scored.append((spec, score, coverage))
    best = max((c for _, _, c in scored), default=0.0)
    ranked = sorted(((s, score) for s, score, c in scored if c >= best - COVERAGE_SLACK),
                    key=lambda x: (-x[1], x[0].name))
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
    return ToolHits(hits=hits, how_to_enable=_advice(ctx, query, [spec for spec, _ in ranked]))


def _advice(ctx: ToolContext, query: str, ranked: list[ToolSpec]) -> str:
    """What to do with the hits: enable the best one of the kind the query asks for (a read tool
    for a question, a write for a change), unless it is already listed; when no curated tool fits
    (or none makes the change asked), the API operation to use instead, and what the API lacks."""
    wanted = intent(query)
    if not ranked:
        return "No curated tool fits. " + _api_advice(ctx, query)
    kind = [spec for spec in ranked if spec.read_only == (wanted == "question")] if wanted else ranked
    best = (kind or ranked)[0]
    if best.name in ctx.enabled_tools:
        how = f"The best fit, {best.name}, is already in your tool list."
    else:
        how = f"{best.name} is not enabled. " + enable_hint(ctx.enabled_tools, [best], read_only=ctx.read_only)
        listed = [spec.name for spec in kind if spec.name in ctx.enabled_tools][:3]
        if listed:
            how += f" Listed already, they may help meanwhile: {', '.join(listed)}."
    if wanted == "change":
        if not kind:
            how += " No curated tool makes this change; these only read. " + _api_advice(ctx, query)
        else:
            how += "".join(f" {gap}" for gap in known_gaps(query, uncurated=True))
    return how


def _api_advice(ctx: ToolContext, query: str) -> str:
    """The documented API operation for `query` (the API search, run here), or what the spec lacks."""
    from infomaniak_mcp.spec.model import load_spec

    words = " ".join(w for w in words_of(query) if w not in FILLER)
    hits = search_operations(load_spec(), words, limit=1)
    gaps = known_gaps(query, uncurated=True)
    if hits and not weak(hits):
        op = hits[0].operation
        usable = "api_call" if op.method == "GET" else "api_call_write"
        if ctx.read_only and op.method != "GET":
            usable = "nothing here (this server is read-only)"
        advice = (f"The public API has it: {op.method} {op.path} ({op.summary}); api_search_operations "
                  f"'{query}' lists it and its neighbours, {usable} runs it.")
    else:
        advice = f"Try api_search_operations '{query}'" + (": it finds nothing strong either." if hits or gaps
                                                          else ", or other words.")
    advice += "".join(f" {gap}" for gap in gaps)
    search = get_spec("api_search_operations")
    if search is not None and search.name not in ctx.enabled_tools:
        advice += " api_search_operations is not enabled: " + enable_hint(ctx.enabled_tools, [search], reach=False,
                                                                          read_only=ctx.read_only)
    return advice
