"""Accounts (organisations), products and the token owner's profile.

Routes: `/1/accounts`, `/1/products`, `/2/profile`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel


class Tag(ApiModel):
    id: int
    name: str = ""
    color: int | None = None
    product_count: int | None = None


class Account(ApiModel):
    """`GET /1/accounts` item: an organisation."""

    id: int
    name: str = ""
    legal_entity_type: str | None = None
    created_at: int | None = None
    timezone: str | None = None
    locale: str | None = None
    language_id: int | None = None
    website: str | None = None
    phone: str | None = None
    type: str | None = None
    beta: bool | None = None
    support_level: int | None = None
    has_2fa_required: bool | None = None
    is_customer: bool | None = None
    is_sso: bool | None = None
    billing: bool | None = None
    mailing: bool | None = None
    workspace_only: bool | None = None
    no_access: bool | None = None
    is_blocked: bool | None = None
    blocked_at: int | None = None
    nb_users: int | None = None
    nb_invitations: int | None = None
    count_owners: int | None = None
    vat_number: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    ksuite_id: int | None = None


class ProductRights(ApiModel):
    technical: bool | None = None
    statistic: bool | None = None
    check: bool | None = None
    sale: bool | None = None


class Product(ApiModel):
    """`GET /1/products` item: any product of an organisation (domain, hosting, mail, drive…)."""

    id: int
    account_id: int
    service_id: int | None = None
    service_name: str
    customer_name: str = ""
    internal_name: str | None = None
    fqdn: str | None = None
    created_at: int | None = None
    expired_at: int | None = None
    deleted_at: int | None = None
    version: int | None = None
    unique_id: int | None = None
    description: str | None = None
    bill_reference: str | None = None
    has_maintenance: bool = False
    is_locked: bool = False
    has_operation_in_progress: bool = False
    is_free: bool | None = None
    is_zero_price: bool | None = None
    is_trial: bool | None = None
    rights: ProductRights | None = None
    tags: list[Tag] = Field(default_factory=list)
    parent_id: int | None = None
    parent_service_id: int | None = None
    parent_service_name: str | None = None
    is_managed_by_partner: bool | None = None
    is_transferable: bool | None = None


class Profile(ApiModel):
    """`GET /2/profile`: the user who owns the API token."""

    id: int
    login: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    is_sso: bool | None = None
    current_account_id: int | None = None
    double_auth: bool | None = None
    double_auth_method: str | None = None
    otp: bool | None = None
    sms: bool | None = None
    sms_phone: str | None = None
    yubikey: bool | None = None
    infomaniak_application: bool | None = None
    remaining_rescue_code: int | None = None
    date_last_changed_password: int | None = None
    last_login_at: int | None = None
    language: Any = None
    country: Any = None
    timezone: Any = None
    preferences: dict[str, Any] | None = None
