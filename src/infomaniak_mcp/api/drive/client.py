"""kDrive: `/2/drive`."""

from __future__ import annotations

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore
from infomaniak_mcp.api.drive.models import Drive


class DriveClient:
    """kDrive drives (files and share links come later)."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_drives(self, *, account_id: int | None = None, max_items: int = 5000) -> Paged[Drive]:
        """`GET /2/drive?account_id=` (page paging; the API caps `per_page` at 1000)."""
        params = {"account_id": account_id}
        return await self._http.paginate("/2/drive", params, model=Drive, max_items=max_items)
