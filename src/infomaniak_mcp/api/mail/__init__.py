"""Mail hostings and mailboxes."""

from infomaniak_mcp.api.mail.client import MailClient
from infomaniak_mcp.api.mail.models import ListedSender, Mailbox, MailHosting

__all__ = ["ListedSender", "MailClient", "MailHosting", "Mailbox"]
