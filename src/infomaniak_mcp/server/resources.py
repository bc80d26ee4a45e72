"""Resources: every `@resource` template of the selected toolsets becomes an MCP resource template.

Like tools, each gets ONE generic reader: its signature is the template's URI parameters plus
`ctx: Context`; it builds the same `ToolContext` as a tool call (settings, principal, API client,
clock) and renders the content. An `InfomaniakError` becomes a `ResourceError` carrying the same
one-line explanation and next step as a tool error; anything else is masked and logged.

Besides them, every server has `infomaniak://plans/{plan_id}` (JSON): the whole plan of a large
write whose `confirmation_required` result shows only its first steps (`server/outcome.py`). The
plans are kept in memory, per server (`ServerDeps.plans`, a `PlanStore`: the last `size`, each for
`keep` seconds), redacted, and readable only by the principal that asked for them (not listed on a
read-only server).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from infomaniak_mcp.api.errors import InfomaniakError
from infomaniak_mcp.server.deps import PLAN_URI, PlanStore, ServerDeps
from infomaniak_mcp.server.errors import error_text, new_ref
from infomaniak_mcp.server.manifest import ResourceEntry
from infomaniak_mcp.server.registry import ResourceSpec, resource_specs

logger = logging.getLogger("infomaniak_mcp.server")
__all__ = ["PLAN_URI", "PlanStore", "register_lazy_resources", "register_plan_resource", "register_resources"]
CTX_PARAM = "ctx"


def _make_reader(spec: ResourceSpec, deps: ServerDeps) -> Callable[..., Awaitable[str]]:
    async def resource_reader(**kwargs: Any) -> str:
        ctx = kwargs.pop(CTX_PARAM)
        tool_ctx = deps.tool_context(ctx, deps.principal_resolver(ctx))
        try:
            return str(await spec.fn(tool_ctx, **kwargs))
        except InfomaniakError as error:
            raise ResourceError(error_text(error)) from None
        except Exception:
            ref = new_ref()
            logger.exception("resource %s failed (ref %s)", spec.uri_template, ref)
            raise ResourceError(f"internal error, see server log, ref {ref}") from None

    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in list(inspect.signature(spec.fn).parameters.values())[1:]
    ]
    params.append(inspect.Parameter(CTX_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Context))
    setattr(resource_reader, "__signature__", inspect.Signature(params, return_annotation=str))  # noqa: B010
    resource_reader.__annotations__ = {p.name: p.annotation for p in params} | {"return": str}
    resource_reader.__name__ = spec.name
    return resource_reader


def _make_lazy_reader(entry: ResourceEntry, deps: ServerDeps) -> Callable[..., Awaitable[str]]:
    """A reader registered from the manifest: imports the toolset module on the first read."""

    async def lazy_resource_reader(**kwargs: Any) -> str:
        importlib.import_module(entry.module)
        spec = next((r for r in resource_specs([entry.toolset]) if r.uri_template == entry.uri_template), None)
        if spec is None:
            raise ResourceError(f"{entry.uri_template} is in the manifest but not in the code")
        return await _make_reader(spec, deps)(**kwargs)

    params = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str)
        for name in re.findall(r"{(\w+)}", entry.uri_template)
    ]
    params.append(inspect.Parameter(CTX_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Context))
    setattr(lazy_resource_reader, "__signature__", inspect.Signature(params, return_annotation=str))  # noqa: B010
    lazy_resource_reader.__annotations__ = {p.name: p.annotation for p in params} | {"return": str}
    lazy_resource_reader.__name__ = entry.name
    return lazy_resource_reader


def _register(server: MCPServer[Any], meta: ResourceSpec | ResourceEntry, reader: Callable[..., Any]) -> None:
    server.resource(
        meta.uri_template, name=meta.name, title=meta.title, description=meta.description, mime_type=meta.mime_type
    )(reader)


def register_lazy_resources(server: MCPServer[Any], entries: list[ResourceEntry], deps: ServerDeps) -> None:
    """Resource templates from the manifest: the toolset module is imported on the first read."""
    for entry in entries:
        _register(server, entry, _make_lazy_reader(entry, deps))


def register_resources(server: MCPServer[Any], specs: list[ResourceSpec], deps: ServerDeps) -> None:
    """Resource templates of imported toolsets."""
    for spec in specs:
        _register(server, spec, _make_reader(spec, deps))


# ---- the whole plan of a large write --------------------------------------------------------------


def register_plan_resource(server: MCPServer[Any], deps: ServerDeps) -> None:
    """`infomaniak://plans/{plan_id}`: the whole plan of a large write (module docstring), from this
    server's `deps.plans`; registered once by `build_server`; not on a read-only server (it makes no plans)."""
    if deps.read_only:
        return

    async def write_plan(plan_id: str, ctx: Context[Any, Any]) -> str:
        text = deps.plans.read(plan_id, deps.principal_resolver(ctx))
        if text is None:
            raise ResourceError(
                f"no plan {plan_id}: it expired or was not made for you; call the write tool again for a fresh plan"
            )
        return text

    server.resource(
        PLAN_URI, name="write_plan", title="Whole plan of a large write", mime_type="application/json",
        description="Every step and change of a large write plan, whose tool result shows only the first ones.",
    )(write_plan)
