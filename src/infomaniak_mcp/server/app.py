"""The MCP server: every selected `ToolSpec` becomes an MCP tool through ONE generic wrapper.

`build_server(settings, selection, api=...)` returns an `MCPServer`. For each spec it creates a
wrapper whose signature is the spec's typed parameters (keyword-only) plus `ctx: Context`, and
whose return annotation is the spec's output model, so the SDK publishes the `inputSchema` from
the typed parameters (with their `Field` descriptions) and the `outputSchema` from the model.

- Read tools (`run_tool`): answer `not_configured` (with how to create a token) when there is no
  API client; build the `ToolContext`; run the body; return `structuredContent` (the model) plus
  its concise text; map `InfomaniakError` (also the first one inside an exception group: tools
  fetch concurrently in task groups) to an `isError` result and mask anything else (logged
  with a ref); audit the call when `INFOMANIAK_MCP_AUDIT_READS=1`.
- Write tools (`server/writes.py`): the signature also carries `confirmation_token` and two
  resolved parameters (plan, human confirmation); the confirmation wrapper refuses in read-only
  mode, confirms (elicitation or token), applies the stored steps, audits and records history.

- What the SDK refuses before either runs, `InfomaniakServer.call_tool` answers: arguments that
  fail the input schema are `invalid_argument` naming each field (write tools: audited `rejected`),
  and a write's elicitation answer that does not fit the form is `confirmation_refused` (audited `rejected`).

No tool has code of its own here: `is_tool_wrapper(fn)` tells whether a registered function is
the generic wrapper (the registry tests assert it for every tool). The lifespan owns the API
client and closes it when the server stops.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import CodeType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from mcp_types import Tool as MCPTool
from pydantic import BaseModel, ValidationError

from infomaniak_mcp import __version__
from infomaniak_mcp.api._http import SANDBOX_NOTE, watch_generated
from infomaniak_mcp.api.errors import NotConfiguredError
from infomaniak_mcp.api.ratelimit import WaitReporter, report_waits
from infomaniak_mcp.config import TOKEN_HELP, ConfigError, Secret, Settings
from infomaniak_mcp.safety.engine import ConfirmMode, SafetyEngine
from infomaniak_mcp.safety.redact import register_secret
from infomaniak_mcp.server.deps import (
    CALL_PROGRESS,
    PRINCIPAL_SCOPE_KEY,
    CallProgress,
    PrincipalResolver,
    ServerDeps,
    has_request,
    local_principal,
    request_principal,
)
from infomaniak_mcp.server.errors import (
    ConfirmationRefusedError,
    ReadOnlyModeError,
    ToolNotEnabledError,
    UnknownToolError,
    error_result,
    failure_result,
    invalid_arguments_error,
    unknown_arguments_error,
)
from infomaniak_mcp.server.instructions import build_instructions
from infomaniak_mcp.server.logs import configure_logging
from infomaniak_mcp.server.manifest import ResourceEntry, ToolEntry, load_manifest
from infomaniak_mcp.server.outcome import TOKEN_PARAM
from infomaniak_mcp.server.registry import Selection, ToolSpec, all_specs, get_spec, resource_specs, toolsets
from infomaniak_mcp.server.resources import register_lazy_resources, register_plan_resource, register_resources
from infomaniak_mcp.server.schemas import compact_output_schema, compact_schema
from infomaniak_mcp.server.writes import refuse_call, run_write, write_parameters

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi
    from infomaniak_mcp.sandbox.faults import FaultConfig

__all__ = [
    "PRINCIPAL_SCOPE_KEY",
    "ApiSetup",
    "InfomaniakServer",
    "ServerState",
    "build_server",
    "create_api",
    "is_tool_wrapper",
    "local_principal",
    "request_principal",
    "sandbox_faults",
    "sandbox_settings",
    "structured",
]

logger = logging.getLogger("infomaniak_mcp.server")

SERVER_NAME = "infomaniak-mcp"
SERVER_TITLE = "Infomaniak"
SERVER_DESCRIPTION = (
    "Administer an Infomaniak account: organisations and products, web hosting, domains, DNS, "
    "mail, kDrive, users and teams."
)
CTX_PARAM = "ctx"
SANDBOX_URL = "http://sandbox.localhost"

_LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


@dataclass(frozen=True)
class ServerState:
    """What the lifespan yields (reachable as `ctx.request_context.lifespan_context`)."""

    settings: Settings
    api: InfomaniakApi | None
    selection: Selection
    safety: SafetyEngine


async def run_tool(
    spec: ToolSpec, deps: ServerDeps, ctx: Context[Any, Any], arguments: dict[str, Any]
) -> CallToolResult:
    """Run one read tool call through the common checks and error mapping."""
    principal = deps.principal_resolver(ctx)
    error: Any = None
    try:
        if not spec.read_only:  # write tools go through server/writes.py, never here
            raise ReadOnlyModeError(description=f"{spec.name} changes the account and cannot run as a read.")
        if deps.api is None and spec.requires_api:
            raise NotConfiguredError(description=TOKEN_HELP)
        output = await spec.fn(deps.tool_context(ctx, principal), **arguments)
        if not isinstance(output, spec.output_model):
            raise TypeError(f"{spec.name} returned {type(output).__name__}, not {spec.output_model.__name__}")
        result = CallToolResult(
            content=[TextContent(type="text", text=output.to_text())],
            structured_content=structured(output),
        )
        outcome = "ok"
    except MCPError:
        raise  # protocol-level (elicitation, input required): the SDK answers it
    except Exception as exc:  # an InfomaniakError, possibly inside a task group's ExceptionGroup
        result, outcome, error = failure_result(spec.name, exc)
    if deps.safety.audit.audit_reads:
        await _audit_read(deps, spec, principal, arguments, outcome, error)
    return result


async def _audit_read(
    deps: ServerDeps, spec: ToolSpec, principal: str, arguments: dict[str, Any], outcome: str, error: Any
) -> None:
    try:
        await deps.safety.audit.append_async(
            principal=principal, tool=spec.name, phase="read", outcome=outcome, arguments=arguments, error=error
        )
    except Exception as exc:  # a read is not refused because its audit failed; the operator is told
        logger.error("audit entry for read %s could not be written: %s", spec.name, exc)


WAIT_REPORT_INTERVAL = 5.0
"""Seconds between two wait reports of one tool call (concurrent fetches queue together)."""
WAIT_PROGRESS_STEP = 0.001
"""How much a wait report advances the call's progress value (progress values must grow)."""


def _progress_token(ctx: Context[Any, Any]) -> Any:
    meta = ctx.request_context.meta
    if isinstance(meta, Mapping):
        return meta.get("progress_token") or meta.get("progressToken")
    return getattr(meta, "progress_token", None)


def wait_reporter(ctx: Context[Any, Any], tool: str, progress: CallProgress) -> WaitReporter:
    """What tells the client that a call waits (rate limit, retry backoff): a progress notification when
    it gave a progressToken, else a log message notification; always a server log line (info)."""
    last = [float("-inf")]

    async def report(seconds: float, reason: str) -> None:
        now = time.monotonic()
        if now - last[0] < WAIT_REPORT_INTERVAL:
            return
        last[0] = now
        message = f"waiting {seconds:.0f} s for {reason}"
        logger.info("tool %s: %s", tool, message)
        if not has_request(ctx):
            return
        # A progress notification reaches a client that asked for progress (a no-op otherwise; in-process
        # clients get it through their callback without a token in _meta); without a token, a log message.
        progress.value += WAIT_PROGRESS_STEP
        await ctx.report_progress(progress.value, progress.total, message)
        if _progress_token(ctx) is not None:
            return
        with warnings.catch_warnings():  # logging is deprecated in the 2026-07-28 era; older clients show it
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await ctx.log("info", f"{tool}: {message}", logger_name=SERVER_NAME)

    return report


def with_generated_note(result: Any, generated: list[str], *, structured_note: bool = False) -> Any:
    """`result` with the sandbox's note when one of its answers was example data generated from the spec
    (a share link of "url" must not be reported as real): the one place that says so, for every tool.

    It is one more text block naming the requests; with `structured_note` (the tool's output model has a
    `note` field) the structured `note` carries it too, so a client reading only structured content sees it.
    """
    if not generated or not isinstance(result, CallToolResult):
        return result
    shown = ", ".join(dict.fromkeys(generated[:3]))
    result.content.append(TextContent(type="text", text=f"Note: {SANDBOX_NOTE} ({shown})."))
    data = result.structured_content
    if structured_note and isinstance(data, dict) and not result.is_error:
        note = data.get("note")
        data["note"] = f"{note} {SANDBOX_NOTE}." if isinstance(note, str) and note else f"{SANDBOX_NOTE}."
    return result
    text = " ".join(getattr(block, "text", "") for block in result.content)
    if SANDBOX_NOTE not in text:
        shown = ", ".join(dict.fromkeys(generated[:3]))
        result.content.append(TextContent(type="text", text=f"Note: {SANDBOX_NOTE} ({shown})."))
    return result


def _drop_optional_nulls(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        if key not in dumped:
            continue
        value = getattr(model, name)
        if value is None and not info.is_required():
            del dumped[key]
        elif isinstance(value, BaseModel) and isinstance(dumped[key], dict):
            _drop_optional_nulls(value, dumped[key])
        elif isinstance(value, list | tuple) and isinstance(dumped[key], list):
            for item, item_dumped in zip(value, dumped[key], strict=False):
                if isinstance(item, BaseModel) and isinstance(item_dumped, dict):
                    _drop_optional_nulls(item, item_dumped)
        elif isinstance(value, dict) and isinstance(dumped[key], dict):
            for item_key, item in value.items():
                item_dumped = dumped[key].get(str(item_key))
                if isinstance(item, BaseModel) and isinstance(item_dumped, dict):
                    _drop_optional_nulls(item, item_dumped)
    return dumped


def structured(output: BaseModel) -> dict[str, Any]:
    """The JSON structured content of an output model, without the nulls of optional fields.

    Concise by default: an optional field left at None is omitted (the schema allows it); a
    required field keeps its explicit null.
    """
    return _drop_optional_nulls(output, output.model_dump(mode="json", by_alias=True))


def _make_wrapper(spec: ToolSpec, deps: ServerDeps) -> Callable[..., Awaitable[CallToolResult]]:
    async def tool_wrapper(**kwargs: Any) -> CallToolResult:
        if spec.read_only:
            ctx = kwargs.pop(CTX_PARAM)
            return await run_tool(spec, deps, ctx, kwargs)
        return await run_write(spec, deps, kwargs[CTX_PARAM], kwargs)

    if spec.read_only:
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in spec.parameters]
        params.append(inspect.Parameter(CTX_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Context))
    else:
        params = write_parameters(spec, deps)
    annotations: dict[str, Any] = {p.name: p.annotation for p in params if p.annotation is not p.empty}
    annotations["return"] = spec.output_model
    # The SDK reads the signature (schemas, resolvers) and the annotations (to find the Context parameter).
    setattr(tool_wrapper, "__signature__", inspect.Signature(params, return_annotation=spec.output_model))  # noqa: B010
    tool_wrapper.__annotations__ = annotations
    tool_wrapper.__name__ = tool_wrapper.__qualname__ = spec.name
    tool_wrapper.__doc__ = spec.description
    setattr(tool_wrapper, "__tool_spec__", spec)  # noqa: B010
    return tool_wrapper


def _wrapper_code() -> CodeType:
    for const in _make_wrapper.__code__.co_consts:
        if isinstance(const, CodeType) and const.co_name == "tool_wrapper":
            return const
    raise RuntimeError("tool_wrapper code object not found")  # pragma: no cover


_WRAPPER_CODE = _wrapper_code()


def is_tool_wrapper(fn: Callable[..., Any]) -> bool:
    """True when `fn` is the generic wrapper (every registered tool must be)."""
    spec = getattr(fn, "__tool_spec__", None)
    return getattr(fn, "__code__", None) is _WRAPPER_CODE and isinstance(spec, ToolSpec)


def register_settings_secrets(settings: Settings) -> None:
    """Teach the redactor the configured secret values (token, session cookies, HTTP token)."""
    for secret in (settings.api_token, settings.sasession, settings.xsrf_token, settings.http_token):
        if secret is not None:
            register_secret(secret.reveal())


class InfomaniakServer(MCPServer[ServerState]):
    """`MCPServer` publishing compact tool schemas (`server/schemas.py`), with lazy toolsets.

    Tools listed from the manifest (`server/manifest.py`) are registered with the SDK only when
    first called: start-up imports no toolset module and builds no tool schema.
    """

    _compact_tools: list[MCPTool] | None = None
    _deps: ServerDeps | None = None
    _pending: dict[str, ToolEntry] | None = None

    def register_spec(self, spec: ToolSpec) -> None:
        assert self._deps is not None
        self.add_tool(
            _make_wrapper(spec, self._deps),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=ToolAnnotations(**spec.annotations),
            structured_output=True,
        )

    def _materialize(self, name: str) -> None:
        entry = (self._pending or {}).pop(name, None)
        if entry is None:
            return
        importlib.import_module(entry.module)
        spec = get_spec(name)
        if spec is None:
            raise RuntimeError(f"{name} is in the tool manifest but not in {entry.module}; regenerate the manifest")
        self.register_spec(spec)

    async def list_tools(self) -> list[MCPTool]:
        if self._compact_tools is None:
            eager = [
                tool.model_copy(
                    update={
                        "input_schema": compact_schema(tool.input_schema),
                        "output_schema": compact_output_schema(tool.output_schema),
                    }
                )
                for tool in await super().list_tools()
            ]
            lazy = [MCPTool.model_validate(entry.listing) for entry in (self._pending or {}).values()]
            self._compact_tools = sorted([*eager, *lazy], key=lambda tool: tool.name)
        return self._compact_tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[ServerState, Any] | None = None
    ) -> Any:
        """The SDK's call, with our answers for what it refuses before our wrapper runs.

        Arguments that fail the input schema → `invalid_argument` naming each field, with a next
        step (write tools: audited `rejected / invalid_arguments`); a write whose human confirmation
        answer does not fit the form → `confirmation_refused` (`invalid_answer`), audited `rejected`.
        """
        self._materialize(name)
        tool = self._tool_manager.get_tool(name)
        spec: ToolSpec | None = getattr(tool.fn, "__tool_spec__", None) if tool is not None else None
        deps = self._deps
        if deps is None or (tool is not None and spec is None):
            return await super().call_tool(name, arguments, context)
        if context is None:
            context = Context(mcp_server=self, subscriptions=self._subscriptions)
        arguments = arguments or {}
        if spec is None:
            return await self._not_exposed(deps, name, arguments, context)
        accepted = [p.name for p in spec.parameters] + ([] if spec.read_only else [TOKEN_PARAM])
        unknown = sorted(set(arguments) - set(accepted))
        if unknown:
            error = unknown_arguments_error(name, unknown, accepted)
            logger.info("tool %s refused unknown arguments: %s", name, unknown)
            if spec.read_only:
                return error_result(error)
            return await refuse_call(spec, deps, context, arguments, "invalid_arguments", error)
        progress = CallProgress()
        progress_token = CALL_PROGRESS.set(progress)
        try:
            with report_waits(wait_reporter(context, name, progress)), watch_generated() as generated:
                result = await super().call_tool(name, arguments, context)
            return with_generated_note(result, generated, structured_note="note" in spec.output_model.model_fields)
        except ToolError as exc:
            if isinstance(exc, UnexpectedToolError):
                raise
            # Our wrapper answers everything itself; what the SDK still raises is its own argument
            # check (raised straight from the ValidationError) or, for a write, a resolver's refusal
            # (wrapped again, so its cause is a ToolError): the elicitation answer did not fit the form.
            if isinstance(exc.__cause__, ValidationError):
                error = invalid_arguments_error(exc.__cause__)
                logger.info("tool %s refused arguments: %s", name, [d.attribute for d in error.details])
                if spec.read_only:
                    return error_result(error)
                return await refuse_call(spec, deps, context, arguments, "invalid_arguments", error)
            if spec.read_only:
                raise
            refused = ConfirmationRefusedError(
                description="the confirmation answer does not match the form; nothing was changed",
                reason="invalid_answer",
                hint="Call the tool again; the user must accept with confirm = true (or type the exact name).",
            )
            return await refuse_call(spec, deps, context, arguments, "invalid_confirmation_answer", refused)
        finally:
            CALL_PROGRESS.reset(progress_token)

    async def _not_exposed(
        self, deps: ServerDeps, name: str, arguments: dict[str, Any], context: Context[ServerState, Any]
    ) -> CallToolResult:
        """A call to a tool this server does not list: a write under --read-only (refused and audited),
        a declared tool not enabled (how to enable it, keeping the current selection), or no tool at all."""
        from infomaniak_mcp.tools.tools import enable_hint

        declared = {spec.name: spec for spec in all_specs(None)}
        spec = declared.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, sorted(declared), n=3, cutoff=0.6)
            shown = [f"{c} ({'enabled' if c in deps.enabled_tools else 'not enabled'})" for c in close]
            hint = (f"Did you mean {', '.join(shown)}? " if shown else "") + UnknownToolError.default_next_step
            logger.info("call to unknown tool %r", name[:80])
            return error_result(UnknownToolError(description=f"no tool is named {name[:80]!r}", hint=hint))
        if not spec.read_only and deps.read_only:
            error = ReadOnlyModeError(
                description=f"{name} changes the account and this server runs with --read-only: write tools are "
                "hidden and refused. Nothing was changed."
            )
            return await refuse_call(spec, deps, context, arguments, "read_only_mode", error)
        hint = enable_hint(deps.enabled_tools, [spec], read_only=deps.read_only)
        return error_result(ToolNotEnabledError(
            description=f"{name} (toolset {spec.toolset}) exists but is not enabled on this server", hint=hint
        ))

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        entry = (self._pending or {}).get(name)
        if entry is not None:
            schema = entry.listing.get("inputSchema")
            return schema if isinstance(schema, dict) else None
        return super()._tool_input_schema(name)


def _manifest_entries(selection: Selection) -> tuple[dict[str, ToolEntry], list[ResourceEntry]] | None:
    """The manifest entries of every selected tool and resource, or None if it does not cover them all."""
    manifest = load_manifest()
    catalog = toolsets()
    entries = {name: manifest.tools.get(name) for name in selection.names}
    if any(e is None or e.toolset not in catalog or catalog[e.toolset].module != e.module for e in entries.values()):
        return None
    if any(not manifest.covers(t, catalog[t].module) for t in selection.toolsets if t in catalog):
        return None
    resources = [r for r in manifest.resources if r.toolset in selection.toolsets]
    return {name: e for name, e in entries.items() if e is not None}, resources


def build_server(
    settings: Settings,
    selection: Selection,
    *,
    api: InfomaniakApi | None,
    principal_resolver: PrincipalResolver = request_principal,
    sandbox: bool = False,
    clock: Callable[[], float] | None = None,
    safety: SafetyEngine | None = None,
    confirm: ConfirmMode | None = None,
    lazy: bool = True,
) -> MCPServer[ServerState]:
    """The MCP server exposing `selection`; it owns `api` and closes it when it stops.

    `principal_resolver` names the caller of each call (default: the HTTP bearer token's name, else
    the local user); `sandbox` adds a note to the instructions and (default engine) keeps the safety
    files in the sandbox's own state area; `clock` pins `ToolContext.clock`.
    `safety` holds the confirmation tokens, audit log, history and locks (default: from
    `settings.environ`, with confirmation mode `confirm`, else `INFOMANIAK_MCP_CONFIRM`; a wrong
    value raises `ConfigError` now; nothing is written until a write happens).
    `lazy`: list tools from the manifest and import a toolset only when one of its tools is called
    (falls back to importing everything when the manifest does not cover the selection).
    """
    configure_logging(settings.log_level)
    register_settings_secrets(settings)
    engine = safety if safety is not None else SafetyEngine.from_env(settings.environ, confirm=confirm, sandbox=sandbox)
    if sandbox:
        logger.warning(
            "sandbox mode: a simulated account, nothing reaches Infomaniak; its audit log (%s) and write history "
            "(%s) are kept apart from the real account's",
            engine.audit.path,
            engine.history.path,
        )
    deps = ServerDeps(
        settings=settings,
        api=api,
        read_only=selection.read_only,
        principal_resolver=principal_resolver,
        safety=engine,
        clock=clock,
        enabled_tools=frozenset(selection.names),
    )
    state = ServerState(settings=settings, api=api, selection=selection, safety=engine)

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        try:
            yield state
        finally:
            if api is not None:
                await api.aclose()

    server = InfomaniakServer(
        name=SERVER_NAME,
        title=SERVER_TITLE,
        description=SERVER_DESCRIPTION,
        instructions=build_instructions(
            selection.toolsets,
            toolsets(),
            read_only=selection.read_only,
            sandbox=sandbox,
            configured=api is not None,
        ),
        version=__version__,
        lifespan=lifespan,
        log_level=cast(_LogLevel, settings.log_level),
    )
    server._deps = deps
    # Read-only filtering happens in `select_tools` (write tools are not listed); the wrapper
    # refuses them again at call time, whatever the selection says.
    covered = _manifest_entries(selection) if lazy else None
    if covered is not None:
        server._pending = dict(covered[0])
        register_lazy_resources(server, covered[1], deps)
    else:
        for spec in selection.tools:
            server.register_spec(spec)
        register_resources(server, resource_specs(selection.toolsets), deps)
    register_plan_resource(server, deps)
    return server


def sandbox_settings(settings: Settings) -> Settings:
    """`settings` pointed at the in-process sandbox, with its demo credentials."""
    from infomaniak_mcp.sandbox import SANDBOX_SASESSION, SANDBOX_TOKEN, SANDBOX_XSRF_TOKEN

    return replace(
        settings,
        api_url=SANDBOX_URL,
        manager_url=SANDBOX_URL,
        auth_mode="manual",
        api_token=Secret(SANDBOX_TOKEN),
        sasession=Secret(SANDBOX_SASESSION),
        xsrf_token=Secret(SANDBOX_XSRF_TOKEN),
    )


def sandbox_faults(environ: Mapping[str, str] | None) -> FaultConfig:
    """The sandbox's fault rules from `INFOMANIAK_SANDBOX_FAULTS` in `environ` (`os.environ` when None);
    `ConfigError` naming the variable if wrong (the one place that conversion happens)."""
    from infomaniak_mcp.sandbox.faults import ENV_VAR, FaultConfig, FaultConfigError

    try:
        return FaultConfig.from_env(environ)
    except FaultConfigError as exc:
        raise ConfigError(ENV_VAR, str(exc).removeprefix(f"{ENV_VAR}: ")) from None


class ApiSetup(NamedTuple):
    """What `create_api` decided: effective settings, the client (None without a token), its clock."""

    settings: Settings
    api: InfomaniakApi | None
    clock: Callable[[], float] | None = None


def create_api(settings: Settings, *, sandbox: bool = False, faults: FaultConfig | None = None) -> ApiSetup:
    """The API client the server will own: the in-process sandbox, the real API, or none (no token).

    With `sandbox`, the settings point at the sandbox (URLs and demo credentials), the clock is
    the sandbox's business clock, so tools and the simulated account agree on "today", and the
    fault rules are `faults` (already parsed by the caller), else `INFOMANIAK_SANDBOX_FAULTS` in
    `settings.environ` (`ConfigError` if wrong).
    """
    if not sandbox and not settings.has_token:
        return ApiSetup(settings, None)
    from infomaniak_mcp.api.client import InfomaniakApi

    if not sandbox:
        return ApiSetup(settings, InfomaniakApi.from_settings(settings))
    import httpx2

    from infomaniak_mcp.sandbox import SandboxClock, create_app

    if faults is None:
        faults = sandbox_faults(settings.environ)
    business_clock = SandboxClock.today()
    transport = httpx2.ASGITransport(app=create_app(clock=business_clock, faults=faults))
    effective = sandbox_settings(settings)
    api = InfomaniakApi.from_settings(effective, transport=transport, manager_transport=transport)
    return ApiSetup(effective, api, lambda: float(business_clock.now()))
