"""Web hosting through the manager-private surface (`ManagerHttp`, paths relative to `/proxy`).

Why: the public host answers success to `POST /1/web_hostings/{id}/sites` and `.../databases`
with a Bearer token and creates nothing (facts §5.4, MG); the Manager's own proxy performs them.
Every write of the hosting toolset goes through this class, so one surface (and one session
error) applies to all of them; the manager proxies the whole public API with the session, so the
routes HM saw working on the public host (FTP users, certificates) answer here too. Site
aliases and Node.js apps only exist on the manager (facts §5.4).

Long operations answer `{progress_id}`: an async task readable at `/1/async/tasks/{uuid}`.
Routes marked "not evidenced" were not seen anywhere; they follow the shape of their evidenced
neighbours and the sandbox serves them with the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api._models import parse_list, parse_model
from infomaniak_mcp.api.hosting.client import hosting_path
from infomaniak_mcp.api.hosting.models import (
    AsyncTask,
    FtpUser,
    LogStream,
    NodeApp,
    NodeJob,
    Rights,
    SiteAlias,
)

NODE_ACTIONS = ("start", "stop", "restart", "build")


def _manager_hosting(hosting_id: int) -> str:
    return f"/1/hostings/{path_segment(hosting_id)}"


def _progress_id(data: Any) -> str | None:
    if isinstance(data, Mapping):
        value = data.get("progress_id") or data.get("uuid")
        return str(value) if value else None
    return None


def _rights_map(permissions: Mapping[str, Rights]) -> dict[str, dict[str, bool]]:
    return {db: rights.model_dump() for db, rights in permissions.items()}


class ManagerHostingClient:
    """Hosting writes and manager-only reads over `api.manager` (cookie session + XSRF)."""

    def __init__(self, manager: HttpCore) -> None:
        self._http = manager

    # ---- async tasks ------------------------------------------------------------------------
    async def get_task(self, uuid: str) -> AsyncTask:
        """`GET /1/async/tasks/{uuid}` (spec AsyncTask; facts §2): what a progress id became."""
        return await self._http.get_model(AsyncTask, f"/1/async/tasks/{path_segment(uuid)}")

    # ---- sites (facts §5.4: creation payload that works; delete is manager-private) ---------
    async def create_site(
        self, hosting_id: int, *, fqdn: str, directory: str, environment: str, php_version: str | None = None
    ) -> str | None:
        """`POST /proxy/1/web_hostings/{id}/sites` `{fqdn, directory, force_fqdn, environment}` → progress id.

        All four fields are required or the call silently no-ops (MG). `php_version`: not evidenced.
        """
        body: dict[str, Any] = {"fqdn": fqdn, "directory": directory, "force_fqdn": True, "environment": environment}
        if php_version:
            body["php_version"] = php_version
        return _progress_id(await self._http.post(f"{hosting_path(hosting_id)}/sites", body))

    async def delete_site(self, hosting_id: int, site_id: int) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/sites/{site_id}` (facts §5.4, HM)."""
        return bool(await self._http.delete(f"{hosting_path(hosting_id)}/sites/{path_segment(site_id)}"))

    # ---- site aliases (facts §5.4, manager-only) ---------------------------------------------
    async def list_aliases(self, hosting_id: int, site_id: int) -> list[SiteAlias]:
        """`GET /proxy/1/web_hostings/{id}/sites/{site_id}/aliases`."""
        path = f"{hosting_path(hosting_id)}/sites/{path_segment(site_id)}/aliases"
        return parse_list(SiteAlias, await self._http.get(path), method="GET", path=path)

    async def add_aliases(self, hosting_id: int, site_id: int, aliases: list[str]) -> str | None:
        """`POST /proxy/1/web_hostings/{id}/sites/{site_id}/aliases` `{aliases}` → progress id."""
        path = f"{hosting_path(hosting_id)}/sites/{path_segment(site_id)}/aliases"
        return _progress_id(await self._http.post(path, {"aliases": aliases}))

    async def delete_alias(self, hosting_id: int, site_id: int, alias: str) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/sites/{site_id}/aliases/{alias}`."""
        path = f"{hosting_path(hosting_id)}/sites/{path_segment(site_id)}/aliases/{path_segment(alias)}"
        return bool(await self._http.delete(path))

    # ---- databases (facts §5.4: public POST no-ops; manager creates and deletes) -------------
    async def create_database(self, hosting_id: int, name: str, description: str = "") -> str | None:
        """`POST /proxy/1/web_hostings/{id}/databases` `{database_name, description}` → progress id."""
        body = {"database_name": name, "description": description}
        return _progress_id(await self._http.post(f"{hosting_path(hosting_id)}/databases", body))

    async def delete_database(self, hosting_id: int, name: str) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/databases/{database_name}`."""
        return bool(await self._http.delete(f"{hosting_path(hosting_id)}/databases/{path_segment(name)}"))

    # ---- database users ----------------------------------------------------------------------
    async def create_database_user(
        self, hosting_id: int, name: str, password: str, permissions: Mapping[str, Rights]
    ) -> Any:
        """`POST /proxy/1/web_hostings/{id}/database_users` `{name, password, permissions}` (not evidenced)."""
        body = {"name": name, "password": password, "permissions": _rights_map(permissions)}
        return await self._http.post(f"{hosting_path(hosting_id)}/database_users", body)

    async def update_database_user(
        self,
        hosting_id: int,
        name: str,
        *,
        permissions: Mapping[str, Rights],
        password: str | None = None,
    ) -> bool:
        """`PATCH /proxy/1/web_hostings/{id}/database_users/{name}` `{password?, permissions}` (MG tool inventory:
        shared/reference/peer-tools-infomaniak-mcp-agent.json, src/tools/databases.ts; not in facts).

        `permissions` maps EVERY database the user keeps to its rights: a database left out loses
        the user's access.
        """
        body: dict[str, Any] = {"permissions": _rights_map(permissions)}
        if password is not None:
            body["password"] = password
        path = f"{hosting_path(hosting_id)}/database_users/{path_segment(name)}"
        return bool(await self._http.patch(path, body))

    async def delete_database_user(self, hosting_id: int, name: str) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/database_users/{name}` (not evidenced)."""
        return bool(await self._http.delete(f"{hosting_path(hosting_id)}/database_users/{path_segment(name)}"))

    # ---- FTP/SSH users (facts §5.4, §7.5; PATCH from MG's tool inventory, not in facts) -------
    async def create_ftp_user(
        self, hosting_id: int, *, login: str, password: str, connection_type: str, home_directory: str
    ) -> FtpUser:
        """`POST /proxy/1/web_hostings/{id}/users` `{connection_type, login, password, home_directory}`."""
        body = {
            "connection_type": connection_type,
            "login": login,
            "password": password,
            "home_directory": home_directory,
        }
        path = f"{hosting_path(hosting_id)}/users"
        return parse_model(FtpUser, await self._http.post(path, body), method="POST", path=path)

    async def update_ftp_user(
        self,
        hosting_id: int,
        login: str,
        *,
        short_login: str,
        connection_type: str,
        password: str | None = None,
    ) -> bool:
        """`PATCH /proxy/1/web_hostings/{id}/users/{login}` `{login: short, connection_type, password?}`.

        The path takes the full (prefixed) login, the body the short one (MG tool inventory:
        src/tools/ftp-users.ts; not in facts).
        """
        body: dict[str, Any] = {"login": short_login, "connection_type": connection_type}
        if password is not None:
            body["password"] = password
        return bool(await self._http.patch(f"{hosting_path(hosting_id)}/users/{path_segment(login)}", body))

    async def delete_ftp_user(self, hosting_id: int, login: str) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/users/{login}`: the user goes, its files stay."""
        return bool(await self._http.delete(f"{hosting_path(hosting_id)}/users/{path_segment(login)}"))

    # ---- SSL certificates (facts §5.4, §7.15) ------------------------------------------------
    async def request_certificate(
        self,
        hosting_id: int,
        site_id: int,
        *,
        type: str = "free",
        certificate: str | None = None,
        private_key: str | None = None,
        intermediate_certificate: str | None = None,
    ) -> Any:
        """`POST /proxy/1/web_hostings/{id}/certificates` `{site_id, type, certificate?, private_key?, …}`."""
        body: dict[str, Any] = {"site_id": site_id, "type": type}
        for key, value in (
            ("certificate", certificate),
            ("private_key", private_key),
            ("intermediate_certificate", intermediate_certificate),
        ):
            if value:
                body[key] = value
        return await self._http.post(f"{hosting_path(hosting_id)}/certificates", body)

    async def delete_certificate(self, hosting_id: int, site_id: int) -> bool:
        """`DELETE /proxy/1/web_hostings/{id}/certificates/{site_id}`."""
        return bool(await self._http.delete(f"{hosting_path(hosting_id)}/certificates/{path_segment(site_id)}"))

    # ---- Node.js (facts §5.4: manager-only) ---------------------------------------------------
    def _node(self, hosting_id: int, app_id: int) -> str:
        return f"{_manager_hosting(hosting_id)}/nodejs/{path_segment(app_id)}"

    async def get_node_app(self, hosting_id: int, app_id: int) -> NodeApp:
        """`GET /proxy/1/hostings/{id}/nodejs/{vhost_route_id}?with=ips,ssl,environments,storage`."""
        params = {"with": "ips,ssl,environments,storage"}
        return await self._http.get_model(NodeApp, self._node(hosting_id, app_id), params)

    async def node_status(self, hosting_id: int, app_id: int) -> str:
        """`GET /proxy/1/hostings/{id}/nodejs/{vhost_route_id}/actions/status` → Running / Stopped."""
        data = await self._http.get(f"{self._node(hosting_id, app_id)}/actions/status")
        return str(data.get("status", "")) if isinstance(data, Mapping) else str(data or "")

    async def node_jobs(self, hosting_id: int, app_id: int) -> list[NodeJob]:
        """`GET /proxy/1/hostings/{id}/nodejs/{vhost_route_id}/jobs`."""
        path = f"{self._node(hosting_id, app_id)}/jobs"
        return parse_list(NodeJob, await self._http.get(path), method="GET", path=path)

    async def node_aliases(self, hosting_id: int, app_id: int) -> list[SiteAlias]:
        """`GET /proxy/1/hostings/{id}/vhost_route/{vhost_route_id}/aliases`: the app's FQDNs."""
        path = f"{_manager_hosting(hosting_id)}/vhost_route/{path_segment(app_id)}/aliases"
        return parse_list(SiteAlias, await self._http.get(path), method="GET", path=path)

    async def node_log_stream(self, hosting_id: int, app_id: int) -> LogStream:
        """`GET /proxy/1/hostings/{id}/webapp/{vhost_route_id}/stream` → `{endpoint, jwt_token}`."""
        path = f"{_manager_hosting(hosting_id)}/webapp/{path_segment(app_id)}/stream"
        return await self._http.get_model(LogStream, path)

    async def node_action(self, hosting_id: int, app_id: int, action: str) -> Any:
        """`POST /proxy/1/hostings/{id}/nodejs/{vhost_route_id}/actions/{action}` (start/stop/restart/build)."""
        if action not in NODE_ACTIONS:
            raise ValueError(f"unknown Node.js action {action!r}")
        return await self._http.post(f"{self._node(hosting_id, app_id)}/actions/{action}", {})
