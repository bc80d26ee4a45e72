"""Web hostings and their sites (`/1/web_hostings`, undocumented but public; scope `web`)."""

from __future__ import annotations

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel


class WebHosting(ApiModel):
    """`GET /1/web_hostings[/{id}]` item: a product-style object."""

    id: int
    account_id: int | None = None
    service_id: int | None = None
    service_name: str | None = None
    customer_name: str = ""
    internal_name: str | None = None
    created_at: int | None = None
    expired_at: int | None = None
    has_maintenance: bool = False
    is_locked: bool = False
    has_operation_in_progress: bool = False
    prefix: str | None = None
    ips_identifier: str | None = None
    hosting_root_path: str | None = None
    hosting_type: str | None = None


class SiteApplication(ApiModel):
    id: int | str | None = None
    type: str | None = None
    version: str | None = None
    name: str | None = None
    url: str | None = None
    link_admin: str | None = None
    is_complete: bool | None = None


class Site(ApiModel):
    """`GET /1/web_hostings/{id}/sites[/{site_id}]` item."""

    id: int
    account_id: int | None = None
    customer_name: str | None = None
    hosting_type: str | None = None
    main_fqdn: str | None = None
    directory: str | None = None
    ssl_status: str | None = None
    ssl_issuer: str | None = None
    has_wordpress: bool | None = None
    has_website_builder: bool | None = None
    parent_id: int | None = None
    parent_hosting_name: str | None = None
    applications: list[SiteApplication] = Field(default_factory=list)
