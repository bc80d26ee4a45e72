"""kDrive drives (`/2/drive`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel
from infomaniak_mcp.api.core.models import Tag


class Drive(ApiModel):
    """`GET /2/drive` item."""

    id: int
    name: str = ""
    product_id: int | None = None
    account_id: int | None = None
    account: str | None = None
    size: int | None = None
    used_size: int | None = None
    created_at: int | None = None
    updated_at: int | None = None
    expired_at: int | None = None
    in_maintenance: bool = False
    maintenance_reason: str | None = None
    maintenance_at: int | None = None
    is_locked: bool = False
    is_demo: bool | None = None
    role: str | None = None
    account_admin: bool | None = None
    users_count: int | None = None
    users_quota: int | None = None
    invitations_count: int | None = None
    description: str | None = None
    bill_reference: str | None = None
    status: str | None = None
    version: str | None = None
    users: dict[str, Any] | None = None
    teams: dict[str, Any] | None = None
    capabilities: dict[str, Any] | None = None
    tags: list[Tag] = Field(default_factory=list)
