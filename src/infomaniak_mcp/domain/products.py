"""Product rules and views: kinds, expiry, concise product rows, per-organisation overview.

Pure functions over `api.core.models` (no I/O). `service_name` is the product kind exactly as the
API spells it (`/1/products` `service_name` enum, official spec); `KIND_LABELS` adds the
human name. Dates are Unix seconds upstream and ISO dates in views.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from infomaniak_mcp.api.core.models import Account, Product

DAY = 86_400

# `service_name` enum of `GET /1/products` (official spec, core_ressource) + `web_hosting`
# (used by a third-party CLI for web hostings) and `hosting_3` (Node.js hosting), facts §5.1.
KIND_LABELS: dict[str, str] = {
    "ai_tools": "AI tools",
    "backup": "backup",
    "certificate": "SSL certificate",
    "cloud": "cloud server (VPS)",
    "cloud_hd": "cloud HD",
    "custom_url": "URL shortener",
    "dedicated_server": "dedicated server",
    "domain": "domain",
    "drive": "kDrive",
    "e_ticketing": "e-ticketing",
    "email_hosting": "mail hosting",
    "hosting": "web hosting",
    "hosting_3": "Node.js hosting",  # as third-party clients observed it (facts §5.1)
    "housing": "housing",
    "invitation": "invitation",
    "jelastic": "Jelastic cloud",
    "ksuite": "kSuite",
    "mailing": "newsletter",
    "nas": "NAS",
    "public_cloud": "Public Cloud",
    "radio": "radio streaming",
    "swiss_backup": "Swiss Backup",
    "video": "video streaming",
    "vod": "VOD",
    "web_hosting": "web hosting",
    "website_builder": "website builder",
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)


class ProductRow(BaseModel):
    """One product, concise: name next to id, only the flags that are set."""

    model_config = ConfigDict(extra="forbid")

    id: int
    account_id: int
    kind: str
    name: str
    fqdn: str | None = None
    expires_on: str | None = None
    days_left: int | None = None
    locked: bool | None = None
    maintenance: bool | None = None
    operation_in_progress: bool | None = None
    trial: bool | None = None
    # full detail only
    service_id: int | None = None
    internal_name: str | None = None
    created_on: str | None = None
    description: str | None = None
    tags: list[str] | None = None


def iso_date(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).date().isoformat()


def days_left(expired_at: int | None, now: float) -> int | None:
    """Whole days until expiry (negative once expired); None when the product never expires."""
    if not expired_at:
        return None
    return int((expired_at - now) // DAY)


def product_name(product: Product) -> str:
    return product.customer_name or product.fqdn or product.internal_name or f"{product.service_name} {product.id}"


def product_row(product: Product, now: float, *, full: bool = False) -> ProductRow:
    row = ProductRow(
        id=product.id,
        account_id=product.account_id,
        kind=product.service_name,
        name=product_name(product),
        fqdn=product.fqdn if product.fqdn and product.fqdn != product_name(product) else None,
        expires_on=iso_date(product.expired_at or None),
        days_left=days_left(product.expired_at, now),
        locked=True if product.is_locked else None,
        maintenance=True if product.has_maintenance else None,
        operation_in_progress=True if product.has_operation_in_progress else None,
        trial=True if product.is_trial else None,
    )
    if full:
        row.service_id = product.service_id
        row.internal_name = product.internal_name
        row.created_on = iso_date(product.created_at)
        row.description = product.description or None
        row.tags = [t.name for t in product.tags] or None
    return row


def is_expiring(product: Product, now: float, within_days: int) -> bool:
    """Expires within `within_days` days from now (already expired products count too)."""
    left = days_left(product.expired_at, now)
    return left is not None and left <= within_days


class OrganisationSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    products: int
    by_kind: dict[str, int]
    expiring_soon: int
    locked: int
    blocked: bool | None = None


def organisation_summary(
    account: Account, products: Iterable[Product], now: float, within_days: int
) -> OrganisationSummary:
    items = list(products)
    kinds = Counter(p.service_name for p in items)
    return OrganisationSummary(
        id=account.id,
        name=account.name,
        products=len(items),
        by_kind=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        expiring_soon=sum(is_expiring(p, now, within_days) for p in items),
        locked=sum(p.is_locked for p in items),
        blocked=True if account.is_blocked else None,
    )


def by_expiry(rows: Iterable[ProductRow]) -> list[ProductRow]:
    return sorted(rows, key=lambda r: (r.days_left if r.days_left is not None else 10**9, r.name))
