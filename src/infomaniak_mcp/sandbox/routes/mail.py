"""Mail hostings, mailboxes, aliases, forwarding (facts §5.7, §7.8–7.10; spec mail file, S24, S26).

Mailboxes are addressed by their local part (`mailbox_name`). Aliases are local parts on the
mailbox object and full addresses on `/aliases`. Forwarding keeps the spec spelling
`redirect_adresses`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok
from infomaniak_mcp.sandbox.pagination import field_getter, order, paged, q_filters, q_int, q_str, search
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routing import RouteTable, path_int, state_of
from infomaniak_mcp.sandbox.state import public

JSON = dict[str, Any]
routes = RouteTable()
MAILBOX_ORDER = {"mailIDN": field_getter("mailbox_idn"), "created_at": field_getter("created_at")}
_TRUE = ("1", "true")


def mail_hosting_of(request: Request) -> JSON:
    mail_id = path_int(request, "mail_hosting_id", "Mail hosting")
    hosting = state_of(request).mail_hostings.get(mail_id)
    if hosting is None or hosting["account_id"] not in visible_account_ids(request):
        raise ApiError(404, "object_not_found", "Mail hosting not found")
    return hosting


def mailbox_of(request: Request, hosting: JSON) -> JSON:
    name = str(request.path_params["mailbox_name"]).lower()
    if "@" in name:  # the API wants the local part; a full address is not found
        raise ApiError(404, "object_not_found", "Mailbox not found")
    box = state_of(request).mailboxes[hosting["id"]].get(name)
    if box is None:
        raise ApiError(404, "object_not_found", "Mailbox not found")
    return box


@routes.get("/1/mail_hostings", scope="mail")  # S24 "List products" (ServiceMail, page); facts §5.7, §7.8
async def list_mail_hostings(request: Request) -> Response:
    allowed = visible_account_ids(request)
    account_id = q_int(request, "account_id")
    items = [
        public(h)
        for h in state_of(request).mail_hostings.values()
        if h["account_id"] in allowed and (account_id is None or h["account_id"] == account_id)
    ]
    items = search(items, q_str(request, "search"), ("customer_name", "main_fqdn"))
    return paged(request, items)


@routes.get("/1/mail_hostings/{mail_hosting_id}", scope="mail")  # S24; facts §5.7
async def show_mail_hosting(request: Request) -> Response:
    return ok(public(mail_hosting_of(request)))


def _flag(box: JSON, key: str) -> bool:
    if key == "has_alias":
        return bool(box["aliases"])
    if key == "has_redirection":
        return bool(box["has_redirection"])
    if key == "has_responder":
        return bool(box["has_auto_responder"])
    if key == "has_anti_spam":
        return bool(box["has_move_spam"])
    if key == "is_using_imap":
        return "imap_last_login_at" in box
    if key == "is_using_pop3":
        return "pop3_last_login_at" in box
    raise KeyError(key)


@routes.get("/1/mail_hostings/{mail_hosting_id}/mailboxes", scope="mail")  # spec (Mailbox, page+limit/skip)
async def list_mailboxes(request: Request) -> Response:
    hosting = mail_hosting_of(request)
    boxes = list(state_of(request).mailboxes[hosting["id"]].values())
    filters = q_filters(request)
    for key in (
        "has_alias",
        "has_redirection",
        "has_responder",
        "has_anti_spam",
        "is_using_imap",
        "is_using_pop3",
    ):
        if key in filters:
            wanted = filters[key][-1].lower() in _TRUE
            boxes = [b for b in boxes if _flag(b, key) == wanted]
    views = search([public(b) for b in boxes], q_str(request, "search"), ("mailbox_name", "mailbox"))
    return paged(request, order(views, request, MAILBOX_ORDER), limit_skip=True)


@routes.get("/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}", scope="mail")  # spec (Mailbox)
async def show_mailbox(request: Request) -> Response:
    return ok(public(mailbox_of(request, mail_hosting_of(request))))


@routes.get("/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/aliases", scope="mail")  # spec
async def list_mailbox_aliases(request: Request) -> Response:
    box = mailbox_of(request, mail_hosting_of(request))
    return ok({"enabled_alias": 1 if box["aliases"] else 0, "aliases": list(box["full_aliases"])})


@routes.get(
    "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/forwarding_addresses", scope="mail"
)  # spec (MailboxRedirection; `redirect_adresses` spelling)
async def list_forwarding(request: Request) -> Response:
    box = mailbox_of(request, mail_hosting_of(request))
    return ok(public(box["_forwarding"]))
