"""The `infomaniak-mcp` command.

```
infomaniak-mcp [--sandbox] [--transport stdio|http] [--host H] [--port N]
               [--toolsets a,b|default,c|all] [--tools t1,t2] [--exclude-tools t3] [--read-only]
               [--confirm auto|elicit]
infomaniak-mcp tools [--all] [--json] [selection options]
infomaniak-mcp call TOOL [--args JSON] [--sandbox] [selection options]
infomaniak-mcp audit verify [--log PATH]
infomaniak-mcp sandbox --port N [--host 127.0.0.1]
infomaniak-mcp --version
```

Exit codes: 0 success, 1 the tool answered an error (`call`) or the audit log is broken
(`audit verify`, which names the first broken line), 2 configuration or usage error (the
message names the variable or option; serving, `tools` and `call` check every setting, `.env`
included, before anything starts; `call` refuses an argument the tool does not have; `audit
verify` of a log that does not exist), 3 (`call` of a write tool outside a terminal)
confirmation required: nothing was applied, the plan is printed without its token (it dies with
the one-shot server).
`--confirm elicit` (or `INFOMANIAK_MCP_CONFIRM=elicit`) makes every write wait for a human
through elicitation; clients that cannot elicit are refused.

The default command serves MCP; `tools`, `call` and `audit verify` are shell commands (their
output goes to stdout, logs to stderr). Heavy modules (the MCP SDK, uvicorn, the sandbox, the
safety engine) are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from infomaniak_mcp import __version__
from infomaniak_mcp.config import ConfigError, Settings, load_environment, load_settings
from infomaniak_mcp.server.registry import (
    RegistryError,
    Selection,
    ToolSpec,
    all_specs,
    select_tools,
    toolsets,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp_types import CallToolResult

    from infomaniak_mcp.safety.engine import SafetyEngine
    from infomaniak_mcp.sandbox.faults import FaultConfig

EXIT_OK = 0
EXIT_TOOL_ERROR = 1
EXIT_USAGE = 2
EXIT_CONFIRMATION_REQUIRED = 3
EXIT_INTERRUPTED = 130
UNCONFIRMABLE = ("Nothing has changed: this is the plan only. `call` cannot confirm a write without a terminal; "
                 "confirm it through an MCP client, or run the command in a terminal.")


def _out(text: str) -> None:
    """Command output (never used while serving stdio)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not between 1 and 65535")
    return port


def _selection_options() -> argparse.ArgumentParser:
    """Options shared by serving, `tools` and `call` (SUPPRESS: a subcommand never resets them)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("tool selection")
    group.add_argument("--toolsets", action="append", default=argparse.SUPPRESS, metavar="LIST",
                       help="comma-separated toolsets to enable; 'default' is the default selection (combinable: "
                       "default,audit), 'all' every toolset")
    group.add_argument("--tools", action="append", default=argparse.SUPPRESS, metavar="LIST",
                       help="comma-separated extra tools (alone: only these tools)")
    group.add_argument("--exclude-tools", action="append", default=argparse.SUPPRESS, metavar="LIST",
                       help="comma-separated tools to leave out")
    group.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                       help="expose read tools only (write tools are also refused at call time)")
    group.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS,
                       help="use the built-in simulated Infomaniak account instead of the real API")
    group.add_argument("--confirm", choices=("auto", "elicit"), default=argparse.SUPPRESS,
                       help="how writes are confirmed: auto (ask the human when the client can, else "
                       "confirmation tokens; default) or elicit (a human must confirm; no tokens)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _selection_options()
    parser = argparse.ArgumentParser(
        prog="infomaniak-mcp",
        description="MCP server administering an Infomaniak account (hosting, domains, DNS, mail, kDrive).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio",
                        help="stdio (default) or streamable HTTP (needs INFOMANIAK_MCP_HTTP_TOKEN)")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="HTTP port (default 8000)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    tools = commands.add_parser("tools", parents=[common], help="list the enabled tools")
    tools.add_argument("--all", action="store_true", help="list the tools of every toolset")
    tools.add_argument("--json", action="store_true", help="machine-readable output")

    call = commands.add_parser(
        "call", parents=[common], help="run one tool and print its JSON result",
        description="Run one tool and print its JSON result on stdout. A write asks for confirmation on the "
        "terminal; without a terminal it only plans.",
        epilog="exit codes: 0 done; 1 the tool answered an error; 2 configuration or usage error; "
        "3 confirmation required: a write was only planned (no terminal to confirm), nothing was applied.",
    )
    call.add_argument("tool", metavar="TOOL")
    call.add_argument("--args", default="{}", metavar="JSON", help="the tool's arguments as a JSON object")

    audit = commands.add_parser("audit", help="check the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_commands.add_parser("verify", help="verify the hash chain; report the first broken line")
    verify.add_argument("--log", metavar="PATH", help="the audit log (default: INFOMANIAK_MCP_AUDIT_LOG or "
                        "the state directory's audit.jsonl)")

    sandbox = commands.add_parser("sandbox", help="serve the simulated Infomaniak API on loopback")
    sandbox.add_argument("--port", type=_port, required=True)
    sandbox.add_argument("--host", default="127.0.0.1")
    return parser


def _selection(ns: argparse.Namespace, *, extra_tools: Sequence[str] = ()) -> Selection:
    return select_tools(
        getattr(ns, "toolsets", None),
        [*getattr(ns, "tools", []), *extra_tools] or None,
        getattr(ns, "exclude_tools", None),
        read_only=bool(getattr(ns, "read_only", False)),
    )


def _summary(spec: ToolSpec, limit: int = 120) -> str:
    """The description's first sentence, cut to fit a terminal line."""
    sentence = spec.summary
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def cmd_tools(ns: argparse.Namespace, settings: Settings) -> int:
    check_settings(ns, settings)
    enabled = {s.name for s in _selection(ns).tools}
    specs = sorted(all_specs(None), key=lambda s: s.name) if ns.all else list(_selection(ns).tools)
    catalog = toolsets()
    if ns.json:
        rows = [
            {"name": s.name, "toolset": s.toolset, "read_only": s.read_only, "title": s.title,
             "summary": s.summary, "description": " ".join(s.description.split()), "enabled": s.name in enabled,
             "default_toolset": catalog[s.toolset].default if s.toolset in catalog else False}
            for s in specs
        ]
        _out(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not specs:
        _out("no tools enabled")
        return EXIT_OK
    width = max(len(s.name) for s in specs)
    set_width = max(len(s.toolset) for s in specs)
    for s in specs:
        mark = "" if not ns.all else ("  " if s.name in enabled else "- ")
        kind = "read " if s.read_only else "WRITE"
        _out(f"{mark}{s.name:<{width}}  {s.toolset:<{set_width}}  {kind}  {_summary(s)}")
    if ns.all:
        _out("\n('- ' = not enabled with the current selection)")
    return EXIT_OK


class CheckedSettings(NamedTuple):
    """What `check_settings` parsed, handed on so nothing is parsed twice."""

    engine: SafetyEngine
    faults: FaultConfig | None  # the sandbox's fault rules (with --sandbox only)


def check_settings(ns: argparse.Namespace, settings: Settings) -> CheckedSettings:
    """Every start-time setting read outside `load_settings`, from the same environment (`.env`
    included): the safety engine's (`INFOMANIAK_MCP_CONFIRM`, `_CONFIRM_TTL`, `_AUDIT_READS`…) and,
    with `--sandbox`, `INFOMANIAK_SANDBOX_FAULTS`. `ConfigError` naming the variable; nothing written."""
    from infomaniak_mcp.safety.engine import SafetyEngine

    sandbox = bool(getattr(ns, "sandbox", False))
    engine = SafetyEngine.from_env(settings.environ, confirm=getattr(ns, "confirm", None), sandbox=sandbox)
    if not sandbox:
        return CheckedSettings(engine, None)
    from infomaniak_mcp.server.app import sandbox_faults

    return CheckedSettings(engine, sandbox_faults(settings.environ))


def _make_server(ns: argparse.Namespace, settings: Settings, selection: Selection) -> MCPServer[Any]:
    from infomaniak_mcp.server.app import build_server, create_api

    checked = check_settings(ns, settings)
    sandbox = bool(getattr(ns, "sandbox", False))
    setup = create_api(settings, sandbox=sandbox, faults=checked.faults)
    return build_server(
        setup.settings, selection, api=setup.api, sandbox=sandbox, clock=setup.clock, safety=checked.engine
    )


async def _ask_on_terminal(context: Any, params: Any) -> Any:
    """Elicitation for `call` in a terminal: the plan on stderr, the answer from stdin."""
    import anyio.to_thread
    from mcp_types import ElicitResult

    properties = (getattr(params, "requested_schema", None) or {}).get("properties", {})
    _err(str(getattr(params, "message", "")))
    typed = "name" in properties
    sys.stderr.write("Type the name to confirm (empty: decline): " if typed else "Apply this change? [y/N] ")
    sys.stderr.flush()
    line = await anyio.to_thread.run_sync(sys.stdin.readline)
    if not line:
        return ElicitResult(action="cancel")
    answer = line.strip()
    if typed:
        return ElicitResult(action="accept", content={"name": answer}) if answer else ElicitResult(action="decline")
    if answer.lower() in ("y", "yes"):
        return ElicitResult(action="accept", content={"confirm": True})
    return ElicitResult(action="decline")


async def _call_tool(
    server: MCPServer[Any], tool: str, arguments: dict[str, Any], *, interactive: bool = False
) -> CallToolResult:
    from mcp import Client

    async with Client(server, elicitation_callback=_ask_on_terminal if interactive else None) as client:
        return await client.call_tool(tool, arguments)


def cmd_call(ns: argparse.Namespace, settings: Settings) -> int:
    import anyio

    try:
        arguments = json.loads(ns.args)
    except json.JSONDecodeError as exc:
        _err(f"--args: not valid JSON ({exc.msg} at position {exc.pos})")
        return EXIT_USAGE
    if not isinstance(arguments, dict):
        _err("--args: must be a JSON object, e.g. '{\"zone\": \"example.ch\"}'")
        return EXIT_USAGE
    selection = _selection(ns, extra_tools=[ns.tool])
    spec = next((s for s in selection.tools if s.name == ns.tool), None)
    if spec is None:
        why = "it is a write tool and --read-only is set" if selection.read_only else "it is excluded"
        _err(f"tool {ns.tool} is not enabled: {why}")
        return EXIT_USAGE
    known = [p.name for p in spec.parameters] + ([] if spec.read_only else ["confirmation_token"])
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        _err(f"--args: {ns.tool} has no parameter {', '.join(unknown)}; its parameters: {', '.join(known) or 'none'}")
        return EXIT_USAGE
    server = _make_server(ns, settings, selection)
    # In a terminal, writes are confirmed by the human right there (elicitation); otherwise they
    # stop at confirmation_required: tokens only live as long as this one-shot server.
    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    result = anyio.run(functools.partial(_call_tool, server, ns.tool, arguments, interactive=interactive))
    text = "\n".join(block.text for block in result.content if getattr(block, "type", None) == "text")  # type: ignore[union-attr]
    structured = result.structured_content
    planned_only = (structured or {}).get("status") == "confirmation_required"
    if structured is not None and planned_only:
        # The token died with this one-shot server: printing it would invite a second process to use it.
        structured = {**structured, "message": UNCONFIRMABLE, "confirmation_token": None, "expires_at": None}
    if structured is not None:
        _out(json.dumps(structured, indent=2, ensure_ascii=False))
    elif not result.is_error:
        _out(text)
    if result.is_error:
        _err(text)
        return EXIT_TOOL_ERROR
    if planned_only:
        _err(f"Nothing was applied (exit code {EXIT_CONFIRMATION_REQUIRED}): the write was only planned. A "
             "confirmation token only works inside the server process that issued it, which has ended, so none "
             "is printed. A script must confirm writes through an MCP client (a long-running server); a human "
             "can run this command in a terminal and confirm there.")
        return EXIT_CONFIRMATION_REQUIRED
    return EXIT_OK


def cmd_serve(ns: argparse.Namespace, settings: Settings) -> int:
    import anyio

    selection = _selection(ns)
    if ns.transport == "http":
        from infomaniak_mcp.transports.http import build_http_app, load_http_tokens, serve_http

        tokens = load_http_tokens(settings)  # fail on a missing/bad token before anything starts
        app = build_http_app(_make_server(ns, settings, selection), settings, host=ns.host, tokens=tokens)
        anyio.run(lambda: serve_http(app, host=ns.host, port=ns.port, log_level=settings.log_level))
        return EXIT_OK
    from infomaniak_mcp.transports.stdio import serve_stdio

    anyio.run(serve_stdio, _make_server(ns, settings, selection))
    return EXIT_OK


def cmd_audit(ns: argparse.Namespace) -> int:
    from pathlib import Path

    from infomaniak_mcp.safety.audit import default_audit_path, verify

    path = (Path(ns.log).expanduser() if ns.log else default_audit_path(load_environment())).resolve()
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        where = "--log" if ns.log else "INFOMANIAK_MCP_AUDIT_LOG / the state directory"
        _err(f"infomaniak-mcp: audit log {path} {what} (from {where}): nothing to verify")
        return EXIT_USAGE
    report = verify(path)
    if report.ok:
        _out(f"audit log {path}: OK, {report.entries} entr{'y' if report.entries == 1 else 'ies'}, chain intact")
        return EXIT_OK
    where = f" at line {report.first_broken_line}" if report.first_broken_line is not None else ""
    _out(f"audit log {path}: BROKEN{where}: {report.reason} ({report.entries} intact entries before it)")
    return EXIT_TOOL_ERROR


def cmd_sandbox(ns: argparse.Namespace) -> int:
    from infomaniak_mcp.sandbox import serve
    from infomaniak_mcp.server.app import sandbox_faults
    from infomaniak_mcp.server.logs import configure_logging

    configure_logging("INFO")  # show where it listens
    faults = sandbox_faults(load_environment())  # `.env` included, like the server; ConfigError → main
    try:
        serve(host=ns.host, port=ns.port, faults=faults)  # blocks until interrupted
    except ValueError as exc:  # not a loopback address
        _err(f"infomaniak-mcp sandbox: {exc}")
        return EXIT_USAGE
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        if ns.command == "sandbox":
            return cmd_sandbox(ns)
        if ns.command == "audit":
            return cmd_audit(ns)
        settings = load_settings()
        from infomaniak_mcp.server.logs import configure_logging

        configure_logging(settings.log_level)
        if ns.command == "tools":
            return cmd_tools(ns, settings)
        if ns.command == "call":
            return cmd_call(ns, settings)
        return cmd_serve(ns, settings)
    except ConfigError as exc:
        _err(f"infomaniak-mcp: configuration error: {exc}")
        return EXIT_USAGE
    except RegistryError as exc:
        _err(f"infomaniak-mcp: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
