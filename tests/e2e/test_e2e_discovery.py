"""Tool discovery: a small default set, `tools_search` across every toolset, instructions that point to it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from e2e_support import connect, text_of
from e2e_writes_support import FakeWallClock, structured

from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools, toolsets

pytestmark = pytest.mark.anyio
DEFAULTS = {"account", "hosting", "domain", "dns", "api", "tools"}
OWN_BUDGET = 2_500
"""Estimated tokens (chars / 4) the api and tools toolsets may add to tools/list."""


def server(tmp_path: Path, names: list[str] | None = None, tools: list[str] | None = None) -> object:
    engine = SafetyEngine.in_directory(tmp_path / "engine", clock=FakeWallClock())
    return build_server(Settings(), select_tools(names, tools), api=None, safety=engine)


def suggested_selections(hint: str) -> list[set[str]]:
    """Every `--toolsets A[ --tools B]` the hint suggests, resolved by the CLI's own selection."""
    found = re.findall(r"--toolsets ([\w,]+)(?: --tools ([\w,]+))?", hint)
    return [set(select_tools([sets], [tools] if tools else None).names) for sets, tools in found if sets != "all"]


def test_default_toolsets() -> None:
    defaults = {name for name, info in toolsets().items() if info.default}
    assert defaults >= DEFAULTS
    assert {"audit"} & defaults == set()


async def test_tools_search_finds_tools_of_toolsets_that_are_not_enabled(tmp_path: Path) -> None:
    async with connect(server(tmp_path, ["tools"]), "memory", "legacy") as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        audit = structured(await client.call_tool("tools_search", {"query": "show the audit log"}))
        undo = structured(await client.call_tool("tools_search", {"query": "undo my last change", "limit": 3}))
        records = structured(await client.call_tool("tools_search", {"query": "create a dns record", "limit": 3}))
        nothing = await client.call_tool("tools_search", {"query": "zzzqqq"})
    assert listed == {"tools_search"}  # no token needed, nothing else enabled
    first = audit["hits"][0]
    assert first["name"] == "audit_tail"
    assert first["enabled"] is False
    assert "--tools audit_tail" in audit["how_to_enable"]
    assert "--toolsets" in audit["how_to_enable"]
    assert "audit" in audit["how_to_enable"]
    assert undo["hits"][0]["name"] == "history_undo"
    assert undo["hits"][0]["summary"].endswith("(e.g. re-create a deleted DNS record with its old values).")
    assert records["hits"][0]["name"] == "dns_create_record"
    assert records["hits"][0]["read_only"] is False
    assert records["hits"][0]["enabled"] is False
    assert not nothing.is_error
    assert "api_search_operations" in text_of(nothing) or "--toolsets" in text_of(nothing)


async def test_tools_search_knows_what_is_enabled(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        found = structured(await client.call_tool("tools_search", {"query": "create a dns record", "limit": 3}))
        nodejs = structured(await client.call_tool("tools_search", {"query": "restart the node.js app", "limit": 3}))
    assert found["hits"][0] == {**found["hits"][0], "name": "dns_create_record", "enabled": True}
    assert "hosting_apply_nodejs_action" not in listed  # not a core tool: outside the default selection
    hit = next(h for h in nodejs["hits"] if h["name"] == "hosting_apply_nodejs_action")
    assert hit["enabled"] is False


async def test_instructions_lead_to_discovery(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        instructions = client.instructions or ""
        names = {t.name for t in (await client.list_tools()).tools}
    assert "tools_search" in instructions
    assert "api_search_operations" in instructions
    assert {"tools_search", "api_search_operations", "api_describe_operation", "api_call", "api_call_write"} <= names


async def test_the_api_and_tools_toolsets_stay_small(tmp_path: Path) -> None:
    async with connect(server(tmp_path, ["api", "tools"]), "memory", "legacy") as client:
        tools = (await client.list_tools()).tools
    payload = json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools],
                         separators=(",", ":"))
    assert len(payload) // 4 <= OWN_BUDGET


@pytest.mark.parametrize(
    ("names", "tools", "query", "wanted"),
    [
        (None, None, "restart the node.js app", "hosting_apply_nodejs_action"),
        (None, None, "enable dnssec on a domain", "domain_set_delegation"),
        (["tools"], None, "show the audit log", "audit_tail"),
        (["dns", "tools"], ["history_list"], "show the audit log", "audit_tail"),
    ],
    ids=["default-nodejs", "default-dnssec", "tools-only", "dns-plus-a-tool"],
)
async def test_following_the_hint_keeps_every_tool_and_adds_the_hit(
    tmp_path: Path, names: list[str] | None, tools: list[str] | None, query: str, wanted: str
) -> None:
    async with connect(server(tmp_path, names, tools), "memory", "legacy") as client:
        enabled = {t.name for t in (await client.list_tools()).tools}
        found = structured(await client.call_tool("tools_search", {"query": query, "limit": 5}))
    assert wanted in [h["name"] for h in found["hits"] if not h["enabled"]]
    hint = found["how_to_enable"]
    assert hint.startswith(f"{wanted} is not enabled")
    selections = suggested_selections(hint)
    assert len(selections) == 2, hint  # --toolsets …, and --toolsets … --tools …
    for selection in selections:
        assert enabled | {wanted} <= selection, (hint, enabled - selection)
    assert "--tools alone" in hint
    if names is None:  # the default selection: named 'default', not its seven toolsets
        assert f"--toolsets default --tools {wanted} " in hint
        assert "account,dns" not in hint


async def test_a_read_only_server_needs_the_specialised_tool_s_toolset_too(tmp_path: Path) -> None:
    engine = SafetyEngine.in_directory(tmp_path / "engine", clock=FakeWallClock())
    read_only = build_server(Settings(), select_tools(read_only=True), api=None, safety=engine)
    async with connect(read_only, "memory", "legacy") as client:
        nodejs = structured(await client.call_tool("tools_search", {"query": "restart the node.js app", "limit": 3}))
        audit = structured(await client.call_tool("tools_search", {"query": "show the audit log", "limit": 3}))
    assert "restart it without --read-only and with --toolsets default,hosting." in nodejs["how_to_enable"]
    assert audit["how_to_enable"].startswith("audit_tail is not enabled. Restart the server with --toolsets "
                                             "default,audit (the default selection plus the whole audit toolset)")


async def test_the_api_sentence_only_for_tools_whose_operations_the_api_tools_reach(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        nodejs = structured(await client.call_tool("tools_search", {"query": "restart the node.js app", "limit": 5}))
        dnssec = structured(await client.call_tool("tools_search", {"query": "enable dnssec", "limit": 5}))
    assert nodejs["how_to_enable"].startswith("hosting_apply_nodejs_action")
    assert "api_call" not in nodejs["how_to_enable"]  # a manager-surface tool: no public API operation
    assert dnssec["how_to_enable"].startswith("domain_set_delegation")
    assert "api_call / api_call_write reach PUT /2/domains/{domain}/nameservers" in dnssec["how_to_enable"]


async def test_covering_tools_say_whether_they_are_enabled(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        enabled = {t.name for t in (await client.list_tools()).tools}
        found = structured(await client.call_tool("api_search_operations", {"query": "enable dnssec", "limit": 2}))
        records = structured(await client.call_tool("api_search_operations", {"query": "create dns record",
                                                                                "limit": 1}))
        described = structured(await client.call_tool("api_describe_operation", {
            "method": "POST", "path": "/2/domains/{domain}/dnssec/enable"}))
    first = found["hits"][0]
    assert first["path"] == "/2/domains/{domain}/dnssec/enable"
    assert first.get("covered_by") is None
    assert first["covered_by_not_enabled"] == ["domain_set_delegation"]
    for selection in suggested_selections(found["note"]):
        assert enabled | {"domain_set_delegation"} <= selection
    assert "dns_create_record" in records["hits"][0]["covered_by"]  # enabled: preferred as before
    assert "domain_set_delegation" not in (described.get("covered_by") or [])
    assert "--toolsets" in described["description"]["curated_not_enabled"]


# Intents a model asks tools_search from the default selection: the tool(s) that must come first.
INTENTS = [
    ("who changed DNS yesterday", {"audit_search", "audit_tail", "history_list"}, 1),
    ("who changed DNS yesterday", {"audit_search"}, 2),
    ("what did I change", {"history_list"}, 1),
    ("what did I change", {"audit_tail", "audit_search"}, 3),
    ("show the audit log", {"audit_tail", "audit_search"}, 1),
    ("undo last change", {"history_undo"}, 1),
    ("revert my last write", {"history_undo"}, 1),
    ("check which certificates expire", {"hosting_audit_hostings"}, 1),
    ("which SSL certificates are expiring", {"hosting_audit_hostings"}, 1),
    ("vérifier les certificats SSL", {"hosting_audit_hostings"}, 2),
    ("is my SPF ok", {"dns_audit_zones"}, 1),
    ("export my zone", {"dns_export_zone"}, 1),
    ("set nameservers", {"domain_set_delegation"}, 1),
    ("enable DNSSEC", {"domain_set_delegation"}, 1),
    ("start node app", {"hosting_apply_nodejs_action"}, 1),
    ("restart my website", {"hosting_apply_nodejs_action"}, 1),
    ("renew my domain", {"domain_list_domains"}, 1),
    ("add MX record for mail", {"dns_create_record"}, 1),
    ("create a dns record", {"dns_create_record"}, 1),
]


@pytest.mark.parametrize(("query", "wanted", "within"), INTENTS, ids=[f"{q}-top{k}" for q, _, k in INTENTS])
async def test_intents_find_their_tool_first(tmp_path: Path, query: str, wanted: set[str], within: int) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        found = structured(await client.call_tool("tools_search", {"query": query}))
    names = [hit["name"] for hit in found["hits"]]
    assert wanted & set(names[:within]), names
    assert "tools_search" not in names  # never itself


@pytest.mark.parametrize(
    ("query", "operation", "runner"),
    [
        ("list mailboxes", "GET /1/mail_hostings/{mail_hosting_id}/mailboxes", "api_call runs it"),
        ("create a kDrive share link", "POST /2/drive/{drive_id}/files/{file_id}/link", "api_call_write runs it"),
        ("delete old backups", "DELETE /1/swiss_backups/", "api_call_write runs it"),
    ],
)
async def test_no_curated_fit_names_the_api_operation(tmp_path: Path, query: str, operation: str, runner: str) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        result = await client.call_tool("tools_search", {"query": query})
    found = structured(result)
    assert found["hits"] == []  # no unrelated curated tool, no 'every hit is already in your tool list'
    assert found["how_to_enable"].startswith("No curated tool fits. The public API has it: " + operation)
    assert f"api_search_operations '{query}'" in found["how_to_enable"]
    assert runner in found["how_to_enable"]
    assert text_of(result) == found["how_to_enable"]


async def test_a_question_gets_the_enable_hint_of_a_read_tool(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        certificates = structured(await client.call_tool("tools_search", {"query": "check which certificates expire"}))
        who = structured(await client.call_tool("tools_search", {"query": "who changed DNS yesterday"}))
        undo = structured(await client.call_tool("tools_search", {"query": "undo last change"}))
    assert certificates["how_to_enable"].startswith("hosting_audit_hostings is not enabled.")  # not the write
    assert "hosting_list_sites" in certificates["how_to_enable"]  # listed read tools that help meanwhile
    assert "hosting_list_sites" in [hit["name"] for hit in certificates["hits"]]
    assert who["how_to_enable"].startswith(("audit_tail is not enabled.", "audit_search is not enabled."))
    assert "--toolsets default,audit " in who["how_to_enable"]
    assert undo["how_to_enable"] == "The best fit, history_undo, is already in your tool list."


async def test_a_change_no_tool_makes_says_what_the_api_lacks(tmp_path: Path) -> None:
    async with connect(server(tmp_path), "memory", "legacy") as client:
        renew = structured(await client.call_tool("tools_search", {"query": "renew my domain"}))
        vps = structured(await client.call_tool("tools_search", {"query": "restart a VPS"}))
    assert [hit["name"] for hit in renew["hits"]] == ["domain_list_domains"]  # no delegation write
    assert "No curated tool makes this change" in renew["how_to_enable"]
    assert "renewals and transfers are not in the bundled spec" in renew["how_to_enable"]
    assert "VPS / Cloud servers are not in the public API" in vps["how_to_enable"]


def test_the_tool_index_is_built_once_for_every_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """The specs never change: tools_search (and api_search_operations' weak-result notes) reuse one BM25
    index and one set of words per tool."""
    from infomaniak_mcp.tools import tools as tools_module

    tools_module.rank_tools("warm up", 3)
    built: list[object] = []
    real = tools_module.Bm25

    def counted(documents: list[list[str]]) -> object:
        built.append(documents)
        return real(documents)

    monkeypatch.setattr(tools_module, "Bm25", counted)
    first = tools_module.rank_tools("list dns records", 3)
    second = tools_module.rank_tools("renew a certificate", 3)
    assert built == []
    assert first
    assert second
    assert tools_module.rank_tools("list dns records", 3) == first
