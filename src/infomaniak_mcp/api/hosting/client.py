"""Web hostings and sites: `/1/web_hostings`, `/1/web_hostings/{id}/sites[/{site_id}]`."""

from __future__ import annotations

from collections.abc import Sequence

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api.hosting.models import Site, WebHosting


class HostingClient:
    """Reads of web hostings (writes mostly need the manager surface, see `api.manager`)."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_hostings(
        self, *, account_id: int | None = None, max_items: int = 5000
    ) -> Paged[WebHosting]:
        """`GET /1/web_hostings?account_id=`."""
        return await self._http.paginate(
            "/1/web_hostings", {"account_id": account_id}, model=WebHosting, max_items=max_items
        )

    async def get_hosting(self, hosting_id: int) -> WebHosting:
        """`GET /1/web_hostings/{hosting_id}`."""
        return await self._http.get_model(WebHosting, f"/1/web_hostings/{path_segment(hosting_id)}")

    async def list_sites(
        self, hosting_id: int, *, with_: Sequence[str] = ("applications",), max_items: int = 5000
    ) -> Paged[Site]:
        """`GET /1/web_hostings/{hosting_id}/sites?with=applications`."""
        params = {"with": ",".join(with_) if with_ else None}
        return await self._http.paginate(
            f"/1/web_hostings/{path_segment(hosting_id)}/sites", params, model=Site, max_items=max_items
        )

    async def get_site(
        self, hosting_id: int, site_id: int, *, with_: Sequence[str] = ("applications",)
    ) -> Site:
        """`GET /1/web_hostings/{hosting_id}/sites/{site_id}`."""
        params = {"with": ",".join(with_) if with_ else None}
        path = f"/1/web_hostings/{path_segment(hosting_id)}/sites/{path_segment(site_id)}"
        return await self._http.get_model(Site, path, params)
