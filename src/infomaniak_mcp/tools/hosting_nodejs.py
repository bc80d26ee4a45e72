"""Node.js apps of a Node.js hosting (`hosting_3`): configuration, live status, jobs, log stream.

The apps of a hosting are listed by `hosting_list_sites` (a Node.js site names its app:
`app_id`, the `vhost_route_id` of the manager routes). Everything here is manager-private
(facts §5.4): without a manager session `hosting_get_nodejs_app` fails with the error that says
how to refresh it. Start / stop / restart / build is a write (`hosting_apply_nodejs_action`):
it plans, the server confirms, the `hosting.nodejs_action` operation runs it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.domain.hosting import nodejs_resource
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Risk, Step
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.hosting_common import (
    HostingId,
    Row,
    iso_time,
    looking_up,
    manager_client,
    row,
    rows_of,
    shown,
)
from infomaniak_mcp.tools.hosting_ops import NODE_STATUS_AFTER
from infomaniak_mcp.tools.hosting_writes import plan_state, writable_hosting

AppId = Annotated[int, Field(description="Node.js app id (app_id in hosting_list_sites).", ge=1)]
MAX_JOBS = 10
_Row = ConfigDict(extra="forbid")


class JobRow(BaseModel):
    model_config = _Row

    id: str
    action: str | None = None
    status: str
    started: str | None = None


class NodeConfig(BaseModel):
    model_config = _Row

    fqdn: str | None = None
    node_version: str | None = None
    port: int | None = None
    start_command: str | None = None
    build_command: str | None = None
    directory: str | None = None


class NodeAppDetail(ToolOutput):
    hosting_id: int
    app_id: int
    status: str = Field(description="Live status: Running or Stopped.")
    config: Row = Field(description="fqdn, node_version, port, start_command, build_command, directory.")
    domains: list[str]
    jobs: list[Row] = Field(description="Recent jobs, newest first: id, action, status, started.")
    log_stream: str = Field(description="Live logs (SSE); log_token is its Bearer (~1 h).")
    log_token: str

    def to_text(self) -> str:
        c = self.config
        jobs = "; ".join(f"{j.get('action', '?')} {j['status']} {j.get('started', '')}".strip() for j in self.jobs)
        return "\n".join(
            [
                f"Node.js app {self.app_id} {shown(c.get('fqdn'))} on hosting {self.hosting_id}: {self.status}",
                f"Node {shown(c.get('node_version'))}, port {shown(c.get('port'))}, "
                f"start '{shown(c.get('start_command'))}', build '{shown(c.get('build_command'))}', "
                f"dir {shown(c.get('directory'))}",
                f"Domains: {', '.join(self.domains)}",
                f"Recent jobs: {jobs or 'none'}",
                f"Logs: curl -N -H 'Authorization: Bearer <log_token>' {self.log_stream}",
            ]
        )


@tool(toolset="hosting", read_only=True, title="Get a Node.js app", core=False)
async def hosting_get_nodejs_app(ctx: ToolContext, hosting_id: HostingId, app_id: AppId) -> NodeAppDetail:
    """Show a Node.js app: Node version, port, start/build commands, domains, live status, recent jobs and
    a live log stream reference (manager session required)."""
    manager = manager_client(ctx.api)
    async with looking_up(ctx.api, hosting_id, "app_id", app_id):
        app = await manager.get_node_app(hosting_id, app_id)
    status = await manager.node_status(hosting_id, app_id)
    jobs = await manager.node_jobs(hosting_id, app_id)
    domains = await manager.node_aliases(hosting_id, app_id)
    stream = await manager.node_log_stream(hosting_id, app_id)
    port = app.setting("port")
    config = NodeConfig(
        fqdn=app.main_fqdn,
        node_version=str(app.setting("node_version", "version") or "") or None,
        port=int(port) if isinstance(port, int | str) and str(port).isdigit() else None,
        start_command=app.setting("start_command"),
        build_command=app.setting("build_command"),
        directory=app.directory,
    )
    return NodeAppDetail(
        hosting_id=hosting_id,
        app_id=app_id,
        status=status,
        config=row(config),
        domains=[d.name for d in domains],
        jobs=rows_of(
            JobRow(id=j.resource_id, action=j.action, status=j.status, started=iso_time(j.created_at))
            for j in jobs[:MAX_JOBS]
        ),
        log_stream=stream.endpoint,
        log_token=stream.jwt_token,
    )


@tool(toolset="hosting", read_only=False, destructive=True, title="Node.js app action", core=False)
async def hosting_apply_nodejs_action(
    ctx: ToolContext,
    hosting_id: HostingId,
    app_id: AppId,
    action: Annotated[
        Literal["start", "stop", "restart", "build"],
        Field(description="stop: down until started; build: build command + relaunch."),
    ],
) -> Plan:
    """Start, stop, restart or build a Node.js app. Follow a build with hosting_get_nodejs_app (jobs, logs)."""
    hosting = await writable_hosting(ctx, hosting_id)
    manager = manager_client(ctx.api)
    async with looking_up(ctx.api, hosting.id, "app_id", app_id):
        app = await manager.get_node_app(hosting.id, app_id)
    status = await manager.node_status(hosting.id, app_id)
    expected = NODE_STATUS_AFTER[action]
    if action in ("start", "stop") and status == expected:
        raise InvalidArgumentError(
            code="nothing_to_change", description=f"the app {app.main_fqdn or app_id} is already {status}",
            hint="Use restart to relaunch it, or pick another action.",
        )
    resource = nodejs_resource(hosting.id, app_id)
    before = {"status": status}
    name = f"{app.main_fqdn} ({app_id})" if app.main_fqdn else str(app_id)
    label = f"{action.capitalize()} the Node.js app {name}"
    risk: Risk = "high" if action == "stop" else "low"
    return Plan(
        summary=label + (" — it stays down until started again" if action == "stop" else ""),
        steps=[
            Step(
                operation="hosting.nodejs_action",
                params={"hosting_id": hosting.id, "app_id": app_id, "action": action},
                resource=resource,
                description=label,
                before=before,
            )
        ],
        diff=[DiffEntry(resource=resource, field="status", before=status, after=expected)],
        risk=risk,
        target_name=app.main_fqdn or str(app_id) if risk == "high" else "",
        fingerprint=plan_state(hosting, app=before),
        reversible=action in ("start", "stop"),
    )
