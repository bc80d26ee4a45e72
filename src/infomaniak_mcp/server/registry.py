"""The tool registry: every tool is declared once, as data, with `@tool(...)`.

A tool is an `async def` whose first parameter is the `ToolContext` and whose other parameters
are its typed inputs (`Annotated[T, Field(description=...)]`); it returns a `ToolOutput`
subclass (its output model). The decorator records a `ToolSpec`; `server/app.py` turns the
selected specs into MCP tools. This module never imports the MCP SDK, so tools and tests can use
it without paying for the SDK.

```python
@tool(toolset="dns", read_only=True, title="List DNS records")
async def dns_list_records(ctx: ToolContext, zone: Annotated[str, Field(description="…")]) -> RecordList:
    \"\"\"List the records of a DNS zone. …\"\"\"
```

A write tool (`read_only=False`, `destructive=` required) returns a `safety.plan.Plan` instead:
its body only reads the current state and describes the change. Its published output model is
`server.outcome.WriteOutcome`, and the server's confirmation wrapper (`server/writes.py`) adds
the `confirmation_token` argument, confirms, applies the stored steps, audits and records
history (see docs/writing-tools.md).

Selection (`select_tools`) implements `--toolsets`, `--tools`, `--exclude-tools` and
`--read-only`; read-only mode filters write tools out here and is checked again at call time
by the server wrapper.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict

VERBS = frozenset(
    {"list", "get", "create", "update", "delete", "set", "add", "remove", "enable", "disable", "audit",
     "search", "describe", "call", "tail", "undo", "find", "rotate", "request", "install", "start",
     "stop", "restart", "build", "check", "export", "import", "apply", "verify", "overview", "provision"}
)
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


class ToolOutput(BaseModel):
    """Base of every tool's output model: structured content plus a concise text rendering."""

    model_config = ConfigDict(extra="forbid")

    def to_text(self) -> str:
        """Short text for clients that only show text; override for a friendlier rendering."""
        data = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx."})


def first_sentence(text: str) -> str:
    """The first sentence of `text`'s first paragraph, on one line.

    A sentence ends at a full stop followed by a space or the end, outside parentheses, and not
    one ending an abbreviation (`e.g.`, `i.e.`, `etc.`…): "Revert a write (e.g. re-create a
    record). Refuses…" → "Revert a write (e.g. re-create a record)."
    """
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    depth = 0
    for i, char in enumerate(paragraph):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "." and depth == 0 and paragraph[i + 1 : i + 2] in ("", " "):
            word = paragraph[: i + 1].rsplit(" ", 1)[-1].lstrip("([\"'").lower()
            if word not in ABBREVIATIONS:
                return paragraph[: i + 1]
    return paragraph


@dataclass(frozen=True)
class ToolsetInfo:
    """A named group of tools; its `instructions` join the server instructions when enabled."""

    name: str
    title: str
    description: str
    module: str
    default: bool = False
    instructions: str = ""


@dataclass(frozen=True)
class ToolSpec:
    name: str
    toolset: str
    read_only: bool
    title: str
    description: str
    fn: Callable[..., Awaitable[Any]]  # ToolOutput (reads) or Plan (writes)
    output_model: type[ToolOutput]
    parameters: tuple[inspect.Parameter, ...]
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """The description's first sentence (`first_sentence`)."""
        return first_sentence(self.description)

    @property
    def covers(self) -> tuple[str, ...]:
        """Documented operations this tool does ("GET /2/zones/{zone}/records"); see `tool(covers=)`."""
        return tuple(self.extra.get("covers", ()))

    @property
    def core(self) -> bool:
        """False for specialised tools left out of the default selection (`@tool(core=False)`)."""
        return bool(self.extra.get("core", True))

    @property
    def requires_api(self) -> bool:
        """False for tools that work without an Infomaniak token (audit log, history)."""
        return bool(self.extra.get("requires_api", True))

    @property
    def annotations(self) -> dict[str, Any]:
        """All four MCP hints, always explicit (the title is the tool's own `title`, not repeated here)."""
        return {
            "readOnlyHint": self.read_only,
            "destructiveHint": False if self.read_only else self.destructive,
            "idempotentHint": True if self.read_only else self.idempotent,
            "openWorldHint": self.open_world,
        }


_REGISTRY: dict[str, ToolSpec] = {}
# Parameter names the confirmation wrapper adds to write tools (a tool may not declare them).
RESERVED_PARAMETERS = frozenset({"confirmation_token", "plan_attempt_", "human_confirmation_"})
_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


class RegistryError(ValueError):
    """A tool declaration or a selection is wrong."""


def tool(
    *,
    toolset: str,
    read_only: bool,
    title: str,
    destructive: bool | None = None,
    idempotent: bool = False,
    open_world: bool = False,
    requires_api: bool = True,
    covers: tuple[str, ...] = (),
    core: bool = True,
) -> Callable[[_F], _F]:
    """Declare a tool. `read_only` has no default; write tools must also say `destructive`.

    A read tool returns a `ToolOutput` subclass; a write tool returns a `Plan` (its output model
    becomes `WriteOutcome`). `requires_api=False` lets a tool run without an API token.
    `covers` names the documented operations the tool does (`"GET /2/zones/{zone}/records"`), so
    `api_search_operations` points to it first. `core=False` keeps a specialised tool out of the
    default selection (it is listed when its toolset is named with `--toolsets`, or by `--tools`),
    to keep the default `tools/list` small; `tools_search` finds it either way.
    """

    def decorator(declared: _F) -> _F:
        fn: Callable[..., Any] = declared
        name = fn.__name__
        if not _NAME_RE.match(name) or not name.startswith(f"{toolset}_"):
            raise RegistryError(f"tool {name!r}: name must be snake_case and start with '{toolset}_'")
        if name in _REGISTRY:
            raise RegistryError(f"tool {name!r} is declared twice")
        if not inspect.iscoroutinefunction(fn):
            raise RegistryError(f"tool {name!r} must be an async function")
        if not read_only and destructive is None:
            raise RegistryError(f"write tool {name!r} must say whether it is destructive")
        doc = " ".join((inspect.getdoc(fn) or "").split())  # one paragraph: fewer tokens
        if not doc:
            raise RegistryError(f"tool {name!r} needs a docstring (its description)")
        hints = get_type_hints(fn, include_extras=True)
        output = _output_model(name, read_only, hints.get("return"))
        params = list(inspect.signature(fn).parameters.values())
        if not params or params[0].name != "ctx":
            raise RegistryError(f"tool {name!r}: first parameter must be 'ctx: ToolContext'")
        reserved = sorted(RESERVED_PARAMETERS & {p.name for p in params})
        if reserved:
            raise RegistryError(f"tool {name!r}: parameter name(s) {reserved} are reserved for the server")
        resolved = tuple(p.replace(annotation=hints.get(p.name, p.annotation)) for p in params[1:])
        _REGISTRY[name] = ToolSpec(
            name=name,
            toolset=toolset,
            read_only=read_only,
            title=title,
            description=doc,
            fn=fn,
            output_model=output,
            parameters=resolved,
            destructive=bool(destructive),
            idempotent=idempotent,
            open_world=open_world,
            extra=({} if requires_api else {"requires_api": False})
            | ({"covers": tuple(covers)} if covers else {})
            | ({} if core else {"core": False}),
        )
        return declared

    return decorator


def _output_model(name: str, read_only: bool, annotation: Any) -> type[ToolOutput]:
    """The published output model: the declared `ToolOutput` (reads) or `WriteOutcome` (writes → `Plan`)."""
    if read_only:
        if not (inspect.isclass(annotation) and issubclass(annotation, ToolOutput)):
            raise RegistryError(f"tool {name!r} must return a ToolOutput subclass")
        return annotation
    from infomaniak_mcp.safety.plan import Plan
    from infomaniak_mcp.server.outcome import WriteOutcome

    if annotation is not Plan:
        raise RegistryError(
            f"write tool {name!r} must return a Plan (its body only reads and plans; the server "
            "confirms and applies: see docs/writing-tools.md)"
        )
    return WriteOutcome


def toolsets() -> dict[str, ToolsetInfo]:
    from infomaniak_mcp.tools import TOOLSETS

    return TOOLSETS


def load_toolsets(names: Iterable[str]) -> None:
    """Import the modules of the named toolsets (their `@tool` declarations register them)."""
    catalog = toolsets()
    for name in names:
        importlib.import_module(catalog[name].module)


def load_toolsets_for(names: Iterable[str]) -> None:
    """Import the modules of the toolsets that own these operations or resource ids (`dns.x`, `dns:zone`).

    A plan may need an operation (or `history_undo` a resource reader) of a toolset that is not
    enabled; its module registers them on import. Names of no known toolset are ignored.
    """
    catalog = toolsets()
    wanted = {name.replace(":", ".").split(".", 1)[0] for name in names}
    load_toolsets(sorted(n for n in wanted if n in catalog))


def all_specs(names: Iterable[str] | None = None) -> list[ToolSpec]:
    """Specs of the named toolsets (all toolsets when None), loading them as needed."""
    wanted = list(toolsets()) if names is None else list(names)
    load_toolsets(wanted)
    return [spec for spec in _REGISTRY.values() if spec.toolset in wanted]


def get_spec(name: str) -> ToolSpec | None:
    return _REGISTRY.get(name)


@dataclass(frozen=True)
class ResourceSpec:
    """A readable MCP resource template of a toolset (e.g. a zone file), declared with `@resource`.

    `fn(ctx: ToolContext, **uri_params) -> str` renders the content when a client reads the URI;
    the server registers the templates of the selected toolsets next to their tools.
    """

    uri_template: str
    toolset: str
    name: str
    title: str
    description: str
    mime_type: str
    fn: Callable[..., Awaitable[str]]


_RESOURCES: dict[str, ResourceSpec] = {}


def resource(*, toolset: str, uri_template: str, title: str, mime_type: str = "text/plain") -> Callable[[_F], _F]:
    """Declare a resource template whose `{params}` are the function's parameters after `ctx`."""

    def decorator(declared: _F) -> _F:
        doc = " ".join((inspect.getdoc(declared) or "").split())
        if not doc:
            raise RegistryError(f"resource {declared.__name__!r} needs a docstring (its description)")
        _RESOURCES[uri_template] = ResourceSpec(
            uri_template, toolset, declared.__name__, title, doc, mime_type, declared
        )
        return declared

    return decorator


def resource_specs(names: Iterable[str]) -> list[ResourceSpec]:
    """Resource templates of the named toolsets (loading them as needed)."""
    wanted = list(names)
    load_toolsets(wanted)
    return [spec for spec in _RESOURCES.values() if spec.toolset in wanted]


@dataclass(frozen=True)
class Selection:
    """What the server exposes: toolsets, tool names, read-only flag.

    `tools` (the `ToolSpec`s) imports the toolset modules on first access; the server itself
    works from `names` and the manifest (`server/manifest.py`) so start-up imports no toolset.
    """

    toolsets: tuple[str, ...]
    names: tuple[str, ...]
    read_only: bool

    @functools.cached_property
    def tools(self) -> tuple[ToolSpec, ...]:
        load_toolsets(self.toolsets)
        specs = [_REGISTRY.get(name) for name in self.names]
        missing = [n for n, s in zip(self.names, specs, strict=True) if s is None]
        if missing:
            raise RegistryError(f"tool(s) {', '.join(missing)} are in the manifest but not in the code; "
                                "regenerate it: uv run python -m infomaniak_mcp.server.manifest")
        return tuple(s for s in specs if s is not None)


@dataclass(frozen=True)
class _Entry:
    """What selection needs to know of a tool (from the manifest, or from its imported spec)."""

    name: str
    toolset: str
    read_only: bool
    core: bool


def _entries(names: Iterable[str]) -> list[_Entry]:
    """Entries of the named toolsets: from the manifest when it covers them, else by importing them."""
    from infomaniak_mcp.server.manifest import load_manifest

    manifest = load_manifest()
    catalog = toolsets()
    out: list[_Entry] = []
    for name in names:
        if manifest.covers(name, catalog[name].module):
            out += [_Entry(e.name, e.toolset, e.read_only, e.core) for e in manifest.toolset_entries(name)]
        else:
            out += [_Entry(s.name, s.toolset, s.read_only, s.core) for s in all_specs([name])]
    return out


DEFAULT_SELECTION = "default"
"""`--toolsets default`: what no `--toolsets` gives (the core tools of the default toolsets)."""


def _split(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def select_tools(
    toolset_names: Sequence[str] | None = None,
    tool_names: Sequence[str] | None = None,
    exclude_tools: Sequence[str] | None = None,
    *,
    read_only: bool = False,
) -> Selection:
    """Resolve the CLI selection into the tools to expose.

    - no `--toolsets` and no `--tools`: the core tools of the default toolsets;
    - `--toolsets default`: the same, combinable (`default,audit`: plus the whole audit toolset;
      `default,hosting`: the whole hosting toolset, its specialised tools too);
    - `--toolsets all`: every toolset;
    - `--tools a,b`: those tools in addition to the chosen toolsets (alone: only them);
    - `--exclude-tools`: removed last; `--read-only`: write tools dropped.
    Unknown names raise `RegistryError` listing the valid ones.
    """
    catalog = toolsets()
    requested = _split(toolset_names)
    extra_tools = _split(tool_names)
    excluded = set(_split(exclude_tools))
    defaults = [n for n, info in catalog.items() if info.default]
    core_only: set[str] = set()  # toolsets chosen as part of the default selection: their core tools only
    unknown = [n for n in requested if n not in catalog and n not in ("all", DEFAULT_SELECTION)]
    if unknown:  # `all,typo` too: a typo is never silently covered by `all`
        raise RegistryError(
            f"unknown toolset(s) {', '.join(unknown)}; valid: all, {DEFAULT_SELECTION}, {', '.join(catalog)}"
        )
    if "all" in requested:
        chosen = list(catalog)
    elif requested:
        named = [n for n in requested if n != DEFAULT_SELECTION]
        chosen = list(dict.fromkeys([*(defaults if DEFAULT_SELECTION in requested else []), *named]))
        core_only = set(chosen) - set(named)
    elif extra_tools:
        chosen = []
    else:
        chosen = defaults
        core_only = set(defaults)

    specs = {e.name: e for e in _entries(chosen) if e.core or e.toolset not in core_only}
    if extra_tools or excluded:
        everything = {e.name: e for e in _entries(catalog)}
        unknown = [n for n in [*extra_tools, *excluded] if n not in everything]
        if unknown:
            raise RegistryError(
                f"unknown tool(s) {', '.join(unknown)}; run 'infomaniak-mcp tools --all' to list them"
            )
        for name in extra_tools:
            specs[name] = everything[name]
    selected = [s for n, s in specs.items() if n not in excluded and (s.read_only or not read_only)]
    used = tuple(dict.fromkeys([*chosen, *(s.toolset for s in selected)]))
    return Selection(toolsets=used, names=tuple(sorted(s.name for s in selected)), read_only=read_only)
