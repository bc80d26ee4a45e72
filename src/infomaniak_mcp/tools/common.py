"""Helpers shared by several toolsets (no tools here)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from infomaniak_mcp.api.core.models import Account
from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.server.context import ToolContext

AccountId = Annotated[int | None, Field(description="Organisation id (account_overview); omit for all.", ge=1)]


async def accounts_for(ctx: ToolContext, account_id: int | None) -> list[Account]:
    """Every organisation of the token, or only `account_id` (refused, listing the valid ids, if unknown)."""
    accounts = await ctx.api.core.list_accounts()
    if account_id is None:
        return accounts
    chosen = [a for a in accounts if a.id == account_id]
    if not chosen:
        raise InvalidArgumentError.for_field(
            "account_id", f"{account_id} is not one of this token's organisations", [a.id for a in accounts]
        )
    return chosen
