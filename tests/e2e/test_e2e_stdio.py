"""stdio in a real subprocess: the handshake works and stdout carries only the protocol.

Independent of `uv run`: the server is started as `sys.executable -m infomaniak_mcp`. Any line on
stdout that is not JSON-RPC would reach the client as a transport exception (and an SDK log line);
both are collected and must stay empty.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _session(params: StdioServerParameters, errlog: Any, problems: list[Exception]) -> Client:
    async def on_message(message: Any) -> None:
        if isinstance(message, Exception):
            problems.append(message)

    return Client(stdio_client(params, errlog=errlog), message_handler=on_message, mode="legacy")


async def test_stdio_sandbox_handshake_and_clean_stdout(
    isolated_cwd: Path, caplog: pytest.LogCaptureFixture
) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "infomaniak_mcp", "--sandbox"],
        env={"INFOMANIAK_MCP_LOG_LEVEL": "INFO"},  # plenty of stderr logging while serving
        cwd=str(isolated_cwd),
    )
    problems: list[Exception] = []
    with (isolated_cwd / "stderr.log").open("w+", encoding="utf-8") as errlog:
        async with await _session(params, errlog, problems) as client:
            assert client.protocol_version == "2025-11-25"
            assert client.server_info is not None
            assert client.server_info.name == "infomaniak-mcp"
            assert "sandbox" in (client.instructions or "")
            names = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("account_overview", {})
    assert {"account_overview", "account_list_products", "dns_list_records"} <= names
    assert not result.is_error, result
    assert result.structured_content
    assert problems == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("mcp.client")]


NOISY_SERVER = textwrap.dedent(
    """
    import sys
    import anyio
    from infomaniak_mcp import tools as catalog
    from infomaniak_mcp.config import Settings
    from infomaniak_mcp.server.app import build_server
    from infomaniak_mcp.server.context import ToolContext
    from infomaniak_mcp.server.registry import ToolOutput, ToolsetInfo, select_tools, tool
    from infomaniak_mcp.transports.stdio import serve_stdio

    class Said(ToolOutput):
        said: str

    async def noisy_get_print(ctx: ToolContext) -> Said:
        \"\"\"Print to stdout, as a careless library would.\"\"\"
        print("STRAY PRINT FROM A TOOL")
        sys.stdout.write("STRAY WRITE FROM A TOOL\\n")
        sys.stdout.flush()
        return Said(said="printed")

    class Api:
        async def aclose(self) -> None:
            print("STRAY PRINT AT SHUTDOWN")

    catalog.TOOLSETS = {"noisy": ToolsetInfo("noisy", "Noisy", "Prints.", "infomaniak_mcp.tools", True)}
    tool(toolset="noisy", read_only=True, title="Print")(noisy_get_print)
    anyio.run(serve_stdio, build_server(Settings(), select_tools(), api=Api()))
    """
)


async def test_stray_prints_never_reach_the_protocol_stream(isolated_cwd: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-c", NOISY_SERVER], cwd=str(isolated_cwd))
    problems: list[Exception] = []
    with (isolated_cwd / "stderr.log").open("w+", encoding="utf-8") as errlog:
        async with await _session(params, errlog, problems) as client:
            first = await client.call_tool("noisy_get_print", {})
            second = await client.call_tool("noisy_get_print", {})
        errlog.seek(0)
        stderr = errlog.read()
    assert first.structured_content == {"said": "printed"}
    assert second.structured_content == {"said": "printed"}
    assert problems == []
    assert stderr.count("STRAY PRINT FROM A TOOL") == 2
    assert stderr.count("STRAY WRITE FROM A TOOL") == 2


LOADED_MODULES = textwrap.dedent(
    """
    import json, sys
    from infomaniak_mcp import cli
    from infomaniak_mcp.config import load_settings

    ns = cli.build_parser().parse_args(["--toolsets", "dns"])
    server = cli._make_server(ns, load_settings({}), cli._selection(ns))
    import infomaniak_mcp.transports.stdio
    print(json.dumps(sorted(sys.modules)))
    """
)


def test_stdio_start_loads_only_what_it_uses(isolated_cwd: Path) -> None:
    """Serving stdio loads neither the HTTP transport, the sandbox, nor any toolset module: tools are
    listed from the manifest and their module is imported on first call."""
    done = subprocess.run(  # noqa: S603  # our own fixed script, run by this interpreter
        [sys.executable, "-c", LOADED_MODULES],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
        cwd=isolated_cwd,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "infomaniak_mcp.transports.stdio" in loaded
    for absent in ("infomaniak_mcp.transports.http", "infomaniak_mcp.sandbox", "infomaniak_mcp.tools.account"):
        assert absent not in loaded, absent
    assert [m for m in loaded if m.startswith("infomaniak_mcp.tools.")] == []


SPEC_AT_START = textwrap.dedent(
    """
    import json, sys
    from infomaniak_mcp import cli
    from infomaniak_mcp.config import load_settings

    ns = cli.build_parser().parse_args([])
    server = cli._make_server(ns, load_settings({}), cli._selection(ns))
    import infomaniak_mcp.transports.stdio
    from infomaniak_mcp.spec import model, search

    print(json.dumps({
        "api_toolset": "infomaniak_mcp.tools.api" in sys.modules,
        "spec_loaded": model.load_spec.cache_info().currsize,
        "index_built": search.index_for.cache_info().currsize,
        "sandbox": "infomaniak_mcp.sandbox" in sys.modules,
    }))
    """
)


def test_stdio_start_with_the_default_toolsets_does_not_load_the_spec(isolated_cwd: Path) -> None:
    """The api toolset is on by default, but its module and the bundled spec load on first use, not at start-up."""
    done = subprocess.run(  # noqa: S603  # our own fixed script, run by this interpreter
        [sys.executable, "-c", SPEC_AT_START],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
        cwd=isolated_cwd,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"api_toolset": False, "spec_loaded": 0, "index_built": 0, "sandbox": False}
