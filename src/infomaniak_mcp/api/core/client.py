"""Accounts, products and profile: `/1/accounts`, `/1/products`, `/2/profile`."""

from __future__ import annotations

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api._models import parse_list
from infomaniak_mcp.api.core.models import Account, Product, Profile


class CoreClient:
    """Organisations (`accounts`), their products, and the token owner's profile."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_accounts(self) -> list[Account]:
        """`GET /1/accounts`: every organisation the token's user belongs to (not paged)."""
        return parse_list(Account, await self._http.get("/1/accounts"), method="GET", path="/1/accounts")

    async def get_account(self, account_id: int) -> Account:
        """`GET /1/accounts/{account_id}`."""
        return await self._http.get_model(Account, f"/1/accounts/{path_segment(account_id)}")

    async def list_products(
        self,
        *,
        account_id: int | None = None,
        service_name: str | None = None,
        customer_name: str | None = None,
        fqdn: str | None = None,
        internal_name: str | None = None,
        product_id: int | None = None,
        service_id: int | None = None,
        max_items: int = 5000,
    ) -> Paged[Product]:
        """`GET /1/products` (page paging), filtered; every page up to `max_items`."""
        params = {
            "account_id": account_id,
            "service_name": service_name,
            "customer_name": customer_name,
            "fqdn": fqdn,
            "internal_name": internal_name,
            "product_id": product_id,
            "service_id": service_id,
        }
        return await self._http.paginate("/1/products", params, model=Product, max_items=max_items)

    async def get_profile(self) -> Profile:
        """`GET /2/profile`: the user who owns the token (2FA flags included)."""
        return await self._http.get_model(Profile, "/2/profile")
