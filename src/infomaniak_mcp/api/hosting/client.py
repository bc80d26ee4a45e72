"""Web hosting reads on the public API (`/1/web_hostings/...`, scope `web`; facts §5.4, §7.3–7.5, §7.15).

Reads answer on the public host with a Bearer token, so they keep working without a manager
session. Writes (and the manager-only reads: aliases, Node.js) are `ManagerHostingClient`'s
(`api/hosting/manager.py`): the public host silently ignores some of them (facts §5.4).
"""

from __future__ import annotations

from collections.abc import Sequence

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api.hosting.models import Certificate, Database, DatabaseUser, FtpUser, Site, WebHosting

SITE_DETAIL_WITH = ("applications", "ips", "environments", "ssl_infos")


def hosting_path(hosting_id: int) -> str:
    return f"/1/web_hostings/{path_segment(hosting_id)}"


class HostingClient:
    """Public-API reads of web hostings, sites, databases, users and certificates."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_hostings(
        self, *, account_id: int | None = None, max_items: int = 5000
    ) -> Paged[WebHosting]:
        """`GET /1/web_hostings?account_id=` (facts §5.4, PY probe)."""
        return await self._http.paginate(
            "/1/web_hostings", {"account_id": account_id}, model=WebHosting, max_items=max_items
        )

    async def get_hosting(self, hosting_id: int) -> WebHosting:
        """`GET /1/web_hostings/{hosting_id}` (facts §5.4, §7.3)."""
        return await self._http.get_model(WebHosting, hosting_path(hosting_id))

    async def list_sites(
        self, hosting_id: int, *, with_: Sequence[str] = ("applications",), max_items: int = 5000
    ) -> Paged[Site]:
        """`GET /1/web_hostings/{hosting_id}/sites?with=applications` (facts §5.4, §7.4), every page."""
        params = {"with": ",".join(with_) if with_ else None}
        return await self._http.paginate(
            f"{hosting_path(hosting_id)}/sites", params, model=Site, max_items=max_items
        )

    async def get_site(
        self, hosting_id: int, site_id: int, *, with_: Sequence[str] = ("applications",)
    ) -> Site:
        """`GET /1/web_hostings/{hosting_id}/sites/{site_id}` (facts §5.4: `with` values)."""
        params = {"with": ",".join(with_) if with_ else None}
        path = f"{hosting_path(hosting_id)}/sites/{path_segment(site_id)}"
        return await self._http.get_model(Site, path, params)

    async def list_databases(self, hosting_id: int, *, max_items: int = 2000) -> Paged[Database]:
        """`GET /1/web_hostings/{hosting_id}/databases` (facts §5.4, §7.5)."""
        path = f"{hosting_path(hosting_id)}/databases"
        return await self._http.paginate(path, model=Database, max_items=max_items)

    async def get_database(self, hosting_id: int, name: str) -> Database:
        """`GET /1/web_hostings/{hosting_id}/databases/{database_name}` (facts §5.4)."""
        return await self._http.get_model(Database, f"{hosting_path(hosting_id)}/databases/{path_segment(name)}")

    async def list_database_users(self, hosting_id: int, *, max_items: int = 2000) -> Paged[DatabaseUser]:
        """`GET /1/web_hostings/{hosting_id}/database_users` (facts §5.4, §7.5)."""
        path = f"{hosting_path(hosting_id)}/database_users"
        return await self._http.paginate(path, model=DatabaseUser, max_items=max_items)

    async def get_database_user(self, hosting_id: int, name: str) -> DatabaseUser:
        """`GET /1/web_hostings/{hosting_id}/database_users/{user_name}` (facts §5.4)."""
        path = f"{hosting_path(hosting_id)}/database_users/{path_segment(name)}"
        return await self._http.get_model(DatabaseUser, path)

    async def list_ftp_users(self, hosting_id: int, *, max_items: int = 2000) -> Paged[FtpUser]:
        """`GET /1/web_hostings/{hosting_id}/users`: FTP/SSH users (facts §5.4, §7.5)."""
        return await self._http.paginate(f"{hosting_path(hosting_id)}/users", model=FtpUser, max_items=max_items)

    async def get_certificate(self, hosting_id: int, site_id: int) -> Certificate:
        """`GET /1/web_hostings/{hosting_id}/certificates/{site_id}` (facts §5.4, §7.15); 404 = none."""
        path = f"{hosting_path(hosting_id)}/certificates/{path_segment(site_id)}"
        return await self._http.get_model(Certificate, path)
