"""The whole server stack through a real SDK client: in memory and over streamable HTTP, both eras."""

from __future__ import annotations

import json
import re

import pytest
from e2e_support import API_SECRET, CRASH_SECRET, FakeApi, ServerFactory, connect, text_of

from infomaniak_mcp.config import TOKEN_HELP, Settings
from infomaniak_mcp.server.app import is_tool_wrapper, local_principal
from infomaniak_mcp.server.registry import Selection, get_spec, select_tools

pytestmark = pytest.mark.anyio

ALL_FAKE_TOOLS = {"fake_get_echo", "fake_get_failure", "fake_list_items", "fakewrite_delete_thing"}


async def test_tools_are_listed_with_schemas(make_server: ServerFactory, transport: str, era: str) -> None:
    async with connect(make_server(), transport, era) as client:
        assert client.protocol_version == ("2025-11-25" if era == "legacy" else "2026-07-28")
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) == ALL_FAKE_TOOLS
    echo = listed["fake_get_echo"]
    assert echo.description == "Echo a text with the caller's principal."
    assert echo.title == "Echo"
    assert echo.input_schema["properties"]["text"]["description"] == "Text to send back"
    assert "ctx" not in echo.input_schema["properties"]
    assert echo.output_schema is not None
    assert echo.output_schema["type"] == "object"
    assert set(echo.output_schema["properties"]) == {"text", "principal"}
    assert echo.annotations is not None
    assert echo.annotations.read_only_hint is True
    delete = listed["fakewrite_delete_thing"].annotations
    assert delete is not None
    assert (delete.read_only_hint, delete.destructive_hint) == (False, True)


async def test_call_returns_structured_content_and_text(
    make_server: ServerFactory, transport: str, era: str
) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with connect(make_server(), transport, era) as client:
        result = await client.call_tool("fake_get_echo", {"text": "grüezi"}, progress_callback=on_progress)
    principal = local_principal() if transport == "memory" else "http"
    assert not result.is_error
    assert result.structured_content == {"text": "grüezi", "principal": principal}
    assert json.loads(text_of(result)) == {"text": "grüezi", "principal": principal}
    assert progress == [(1, 1, "echoed")]


async def test_optional_nulls_are_left_out(make_server: ServerFactory, transport: str, era: str) -> None:
    async with connect(make_server(), transport, era) as client:
        result = await client.call_tool("fake_list_items", {})
    assert not result.is_error
    assert result.structured_content == {"items": [{"name": "a"}, {"name": "b", "note": "kept"}], "cursor": None}


async def test_known_error_becomes_an_error_result(
    make_server: ServerFactory, transport: str, era: str
) -> None:
    async with connect(make_server(), transport, era) as client:
        result = await client.call_tool("fake_get_failure", {"kind": "not_found"})
    assert result.is_error
    assert text_of(result) == (
        "object_not_found: Zone example.ch not found — Next step: Call dns_list_zones first."
    )
    assert result.structured_content == {
        "error": "object_not_found",
        "kind": "NotFoundError",
        "description": "Zone example.ch not found",
        "next_step": "Call dns_list_zones first.",
        "status": 404,
    }


@pytest.mark.parametrize("kind", ["crash", "bad_output"])
async def test_unknown_exception_is_masked_and_logged_redacted(
    make_server: ServerFactory, transport: str, era: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with connect(make_server(), transport, era) as client:
        result = await client.call_tool("fake_get_failure", {"kind": kind})
    assert result.is_error
    text = text_of(result)
    pattern = r"internal_error: internal error, see server log, ref ([0-9a-f]{8}) — Next step: .+"
    match = re.fullmatch(pattern, text)
    assert match, text
    ref = match.group(1)
    assert result.structured_content is not None
    assert result.structured_content["ref"] == ref
    err = capsys.readouterr().err
    assert f"ref {ref}" in err
    assert "Traceback" in err
    assert CRASH_SECRET not in err
    assert API_SECRET not in err
    assert CRASH_SECRET not in str(result)
    assert API_SECRET not in str(result)
    if kind == "crash":
        assert "RuntimeError" in err
        assert "[redacted]" in err


async def test_argument_validation_error(make_server: ServerFactory, transport: str, era: str) -> None:
    async with connect(make_server(), transport, era) as client:
        result = await client.call_tool("fake_get_failure", {"kind": "meteor"})
    assert result.is_error
    assert "kind" in text_of(result)


async def test_read_only_mode_hides_write_tools(make_server: ServerFactory, transport: str, era: str) -> None:
    async with connect(make_server(read_only=True), transport, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"fake_get_echo", "fake_get_failure", "fake_list_items"}
        result = await client.call_tool("fakewrite_delete_thing", {"name": "x"})
    assert result.is_error
    # hidden, but not "unknown": the answer says why and what to do (nothing ran)
    assert text_of(result).startswith("read_only_mode: fakewrite_delete_thing changes the account")
    assert result.structured_content is not None
    assert result.structured_content["error"] == "read_only_mode"
    assert "without --read-only" in result.structured_content["next_step"]


async def test_read_only_mode_refuses_write_tools_at_call_time(
    make_server: ServerFactory, transport: str, era: str
) -> None:
    """Defence in depth: even if a write tool slipped into a read-only selection, the wrapper refuses it."""
    spec = get_spec("fakewrite_delete_thing")
    assert spec is not None
    slipped = Selection(toolsets=("fakewrite",), names=(spec.name,), read_only=True)
    async with connect(make_server(selection=slipped), transport, era) as client:
        result = await client.call_tool("fakewrite_delete_thing", {"name": "precious"})
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["error"] == "read_only_mode"
    assert text_of(result).startswith("read_only_mode: fakewrite_delete_thing changes the account")
    assert "--read-only" in text_of(result)


async def test_without_token_every_tool_explains_how_to_get_one(
    make_server: ServerFactory, transport: str, era: str
) -> None:
    server = make_server(settings=Settings(), api=None)
    async with connect(server, transport, era) as client:
        if era == "legacy":  # a pinned 2026 client skips server/discover, so it has no instructions
            assert "No Infomaniak API token is configured" in (client.instructions or "")
        for name, args in (("fake_get_echo", {}), ("fakewrite_delete_thing", {"name": "x"})):
            result = await client.call_tool(name, args)
            assert result.is_error
            expected = f"not_configured: {TOKEN_HELP} — Next step: Set INFOMANIAK_API_TOKEN"
            assert text_of(result).startswith(expected)
            assert result.structured_content is not None
            assert result.structured_content["error"] == "not_configured"


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # auto = 2026-07-28 server/discover
async def test_instructions_name_the_products_and_toolsets(make_server: ServerFactory, mode: str) -> None:
    async with connect(make_server(read_only=True), "memory", mode) as client:
        instructions = client.instructions or ""
        info = client.server_info
    for word in ("Infomaniak", "hosting", "domains", "DNS", "mail", "kDrive"):
        assert word in instructions
    assert "account_overview" not in instructions  # the account toolset is not enabled here
    assert "Fake reads for tests." in instructions
    assert "read-only mode" in instructions
    assert info is not None
    assert info.name == "infomaniak-mcp"


@pytest.mark.parametrize("transport_name", ["memory", "http"])
async def test_lifespan_closes_the_api_client(make_server: ServerFactory, transport_name: str) -> None:
    api = FakeApi()
    server = make_server(api=api)
    async with connect(server, transport_name, "legacy") as client:
        await client.call_tool("fake_get_echo", {})
        assert api.closed == 0
    assert api.closed == 1


async def test_every_registered_tool_is_the_generic_wrapper(make_server: ServerFactory) -> None:
    server = make_server(selection=select_tools(["all"]))
    tools = server._tool_manager.list_tools()
    assert {t.name for t in tools} == ALL_FAKE_TOOLS
    for registered in tools:
        spec = get_spec(registered.name)
        assert spec is not None
        assert is_tool_wrapper(registered.fn)
        assert registered.fn is not spec.fn
        assert registered.fn.__tool_spec__ is spec  # type: ignore[attr-defined]
