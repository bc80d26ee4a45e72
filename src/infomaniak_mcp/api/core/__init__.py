"""Accounts (organisations), products, profile."""

from infomaniak_mcp.api.core.client import CoreClient
from infomaniak_mcp.api.core.models import Account, Product, ProductRights, Profile, Tag

__all__ = ["Account", "CoreClient", "Product", "ProductRights", "Profile", "Tag"]
