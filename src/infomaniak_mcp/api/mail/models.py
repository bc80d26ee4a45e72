"""Mail hostings (service mail) and mailboxes (`/1/mail_hostings`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel, ProductObject
from infomaniak_mcp.api.core.models import Tag


class MailHosting(ProductObject):
    """`GET /1/mail_hostings` item (`ServiceMail`)."""

    main_fqdn: str | None = None
    main_fqdn_idn: str | None = None
    is_free: bool | None = None
    is_zero_price: bool | None = None
    unique_id: int | None = None
    bill_reference: str | None = None
    bill_periodicity: int | None = None
    quota: int | None = None
    used: int | None = None
    total: int | None = None
    description: str | None = None
    tags: list[Tag] = Field(default_factory=list)


class ListedSender(ApiModel):
    email: str
    locked: bool | str | None = None


class Mailbox(ApiModel):
    """`GET /1/mail_hostings/{id}/mailboxes` item; addressed by `mailbox_name` (the local part)."""

    mailbox_name: str
    mailbox: str | None = None
    mailbox_idn: str | None = None
    mailbox_id: int | None = None
    type: Any = None
    note: str | None = None
    is_limited: bool | None = None
    is_free_mail: bool | None = None
    is_active: bool | None = None
    created_at: int | None = None
    password_last_changed_at: int | None = None
    size: int | None = None
    size_checked_at: int | None = None
    imap_last_login_at: int | None = None
    pop3_last_login_at: int | None = None
    operation_in_progress: bool | None = None
    aliases: list[str] = Field(default_factory=list)
    has_redirection: bool | None = None
    has_auto_responder: bool | None = None
    has_move_spam: bool | None = None
    has_mail_filtering: bool | None = None
    authorized_senders: list[ListedSender] = Field(default_factory=list)
    blocked_senders: list[ListedSender] = Field(default_factory=list)
    has_dkim_signature: bool | None = None
    is_removable: bool | None = None
    count_devices: int | None = None
