"""Mail hostings and mailboxes: `/1/mail_hostings`, `/1/mail_hostings/{id}/mailboxes`."""

from __future__ import annotations

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api.mail.models import Mailbox, MailHosting


class MailClient:
    """A mail hosting is a product; its mailboxes are addressed by local part (`mailbox_name`)."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_mail_hostings(
        self, *, account_id: int | None = None, search: str | None = None, max_items: int = 5000
    ) -> Paged[MailHosting]:
        """`GET /1/mail_hostings?account_id=&search=` (page paging)."""
        params = {"account_id": account_id, "search": search}
        return await self._http.paginate("/1/mail_hostings", params, model=MailHosting, max_items=max_items)

    async def list_mailboxes(
        self, mail_hosting_id: int, *, search: str | None = None, max_items: int = 5000
    ) -> Paged[Mailbox]:
        """`GET /1/mail_hostings/{mail_hosting_id}/mailboxes?search=` (page paging)."""
        return await self._http.paginate(
            f"/1/mail_hostings/{path_segment(mail_hosting_id)}/mailboxes",
            {"search": search},
            model=Mailbox,
            max_items=max_items,
        )
