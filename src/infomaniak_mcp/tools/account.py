"""Toolset `account`: organisations and their products (`/1/accounts`, `/1/products`)."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from pydantic import Field

from infomaniak_mcp.api.core.models import Account, Product
from infomaniak_mcp.api.errors import InvalidArgumentError
from infomaniak_mcp.domain.products import (
    KIND_LABELS,
    KINDS,
    OrganisationSummary,
    ProductRow,
    by_expiry,
    is_expiring,
    organisation_summary,
    product_name,
    product_row,
)
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, tool
from infomaniak_mcp.tools.common import AccountId, accounts_for

MAX_PRODUCTS_PER_ORGANISATION = 5000
# A kind as a user means it, over the several service names the API splits it into: "hosting"
# is every web hosting, the Node.js ones (`hosting_3`) included.
KIND_GROUPS: dict[str, frozenset[str]] = {"hosting": frozenset({"hosting", "hosting_3", "web_hosting"})}

Detail = Annotated[
    Literal["concise", "full"],
    Field(description="'concise' (default): names, ids, expiry and set flags; 'full': every field we know."),
]


async def _products_by_account(
    ctx: ToolContext, accounts: list[Account], kind: str | None = None
) -> tuple[dict[int, list[Product]], bool]:
    """Every product of every given organisation, fetched concurrently (the limiter paces them).

    `kind` filters upstream; a grouped kind (`KIND_GROUPS`) fetches everything and keeps the group.
    """
    found: dict[int, list[Product]] = {}
    truncated = False
    group = KIND_GROUPS.get(kind or "")

    async def fetch(account: Account) -> None:
        nonlocal truncated
        page = await ctx.api.core.list_products(
            account_id=account.id, service_name=None if group else kind, max_items=MAX_PRODUCTS_PER_ORGANISATION
        )
        found[account.id] = [p for p in page.items if group is None or p.service_name in group]
        truncated = truncated or page.truncated

    async with anyio.create_task_group() as tg:
        for account in accounts:
            tg.start_soon(fetch, account)
    return found, truncated


class AccountOverview(ToolOutput):
    organisations: list[OrganisationSummary]
    within_days: int
    expiring: list[ProductRow] = Field(
        description="Products expiring within `within_days` (or expired), soonest first."
    )
    locked: list[ProductRow]
    busy: list[ProductRow] = Field(description="Products in maintenance or with an operation in progress.")
    truncated: bool = False

    def to_text(self) -> str:
        lines = []
        for org in self.organisations:
            kinds = ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in org.by_kind.items()) or "no products"
            lines.append(f"Organisation {org.name} (account_id {org.id}): {org.products} products — {kinds}.")
        if self.expiring:
            lines.append(f"Expiring within {self.within_days} days:")
            lines += [
                f"- {r.name} ({KIND_LABELS.get(r.kind, r.kind)}, id {r.id}): {r.expires_on}, {r.days_left} days"
                for r in self.expiring
            ]
        else:
            lines.append(f"Nothing expires within {self.within_days} days.")
        if self.locked:
            lines.append("Locked: " + ", ".join(f"{r.name} ({r.kind}, id {r.id})" for r in self.locked))
        if self.busy:
            lines.append("Busy: " + ", ".join(f"{r.name} ({r.kind}, id {r.id})" for r in self.busy))
        if self.truncated:
            lines.append("Product lists were cut at the safety cap; use account_list_products with filters.")
        return "\n".join(lines)


@tool(toolset="account", read_only=True, title="Account overview", covers=("GET /1/accounts", "GET /1/products"))
async def account_overview(
    ctx: ToolContext,
    within_days: Annotated[int, Field(description="Expiry horizon in days for 'expiring'.", ge=1, le=365)] = 30,
) -> AccountOverview:
    """Summarise every organisation the token can see: product counts by kind, products expiring soon,
    locked and busy products. The best first call: it gives the organisation (account) ids and product
    ids other tools need. Next: account_list_products to list one kind, or a product toolset."""
    accounts = await ctx.api.core.list_accounts()
    products, truncated = await _products_by_account(ctx, accounts)
    now = ctx.clock()
    everything = [p for a in accounts for p in products.get(a.id, [])]
    return AccountOverview(
        organisations=[organisation_summary(a, products.get(a.id, []), now, within_days) for a in accounts],
        within_days=within_days,
        expiring=by_expiry(product_row(p, now) for p in everything if is_expiring(p, now, within_days)),
        locked=[product_row(p, now) for p in everything if p.is_locked],
        busy=[product_row(p, now) for p in everything if p.has_maintenance or p.has_operation_in_progress],
        truncated=truncated,
    )


class ProductList(ToolOutput):
    products: list[ProductRow]
    count: int = Field(description="Products matching the filters (before `limit`).")
    truncated: bool = Field(description="True when `limit` or the safety cap cut the list.")
    note: str | None = None

    def to_text(self) -> str:
        lines = [f"{self.count} product(s)" + (" (list cut; narrow the filters)" if self.truncated else "") + ":"]
        for r in self.products:
            expiry = f", expires {r.expires_on} ({r.days_left} d)" if r.expires_on else ""
            flags = "".join(
                f", {flag}" for flag, on in (("locked", r.locked), ("maintenance", r.maintenance)) if on
            )
            label = KIND_LABELS.get(r.kind, r.kind)
            lines.append(f"- {r.name} — {label}, id {r.id}, org {r.account_id}{expiry}{flags}")
        return "\n".join(lines)


@tool(toolset="account", read_only=True, title="List products", covers=("GET /1/products",))
async def account_list_products(
    ctx: ToolContext,
    kind: Annotated[
        str | None,
        Field(
            description="Product kind (API name): domain, hosting (Node.js too), email_hosting, drive, ksuite, cloud…"
        ),
    ] = None,
    account_id: AccountId = None,
    expiring_within_days: Annotated[
        int | None, Field(description="Only products expiring within this many days (expired included).", ge=0, le=3650)
    ] = None,
    name: Annotated[
        str | None, Field(description="Case-insensitive part of the product name or FQDN.", max_length=253)
    ] = None,
    locked_only: Annotated[bool, Field(description="Only locked products.")] = False,
    limit: Annotated[int, Field(description="Maximum rows returned (sorted by expiry).", ge=1, le=1000)] = 200,
    detail: Detail = "concise",
) -> ProductList:
    """List products of one or every organisation, filtered by kind, expiry, name or lock state, soonest
    expiry first. Organisation ids come from account_overview. Complete across pages: 'truncated' says
    when the list was cut and how to narrow it."""
    if kind is not None and kind not in KIND_LABELS:
        raise InvalidArgumentError.for_field("kind", f"unknown product kind {kind!r}", list(KINDS))
    accounts = await accounts_for(ctx, account_id)
    products, capped = await _products_by_account(ctx, accounts, kind)
    now = ctx.clock()
    needle = name.lower() if name else None
    matching = [
        p
        for a in accounts
        for p in products.get(a.id, [])
        if (expiring_within_days is None or is_expiring(p, now, expiring_within_days))
        and (needle is None or needle in product_name(p).lower() or needle in (p.fqdn or "").lower())
        and (not locked_only or p.is_locked)
    ]
    rows = by_expiry(product_row(p, now, full=detail == "full") for p in matching)
    cut = len(rows) > limit
    return ProductList(
        products=rows[:limit],
        count=len(rows),
        truncated=cut or capped,
        note=(f"Showing {limit} of {len(rows)}; add kind/account_id/name filters or raise limit." if cut else None),
    )
