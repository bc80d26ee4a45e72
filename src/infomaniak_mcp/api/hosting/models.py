"""Web hosting objects (`/1/web_hostings/...` public reads, `/proxy/...` manager surface; facts §5.4, §7.3–7.5, §7.15).

None of these routes is in an official spec: field names come from third-party observations (HM,
MG), so every model ignores unknown fields and defaults what may be missing. Fields marked
"guess" are not evidenced anywhere (the sandbox serves them; the real API may not).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from infomaniak_mcp.api._models import ApiModel, ProductObject


class WebHosting(ProductObject):
    """`GET /1/web_hostings[/{id}]` item: a product-style object (facts §7.3)."""

    prefix: str | None = None
    ips_identifier: str | None = None
    hosting_root_path: str | None = None
    hosting_type: str | None = None
    disk_used: int | None = None  # guess: bytes used on the hosting's disk
    disk_quota: int | None = None  # guess: bytes allowed

    @property
    def is_nodejs(self) -> bool:
        return self.service_name == "hosting_3"


class SiteApplication(ApiModel):
    id: int | str | None = None
    type: str | None = None
    version: str | None = None
    name: str | None = None
    url: str | None = None
    link_admin: str | None = None
    is_complete: bool | None = None


class SiteIp(ApiModel):
    host: str
    type: str = ""


class SiteEnvironment(ApiModel):
    """`with=environments` item; `version` is the PHP (or Node.js) version (guess, not evidenced)."""

    name: str | None = None
    version: str | None = None
    is_current: bool | None = None


class Site(ApiModel):
    """`GET /1/web_hostings/{id}/sites[/{site_id}]` item (facts §7.4)."""

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
    vhost_route_id: int | None = None  # Node.js sites: the app id the manager's Node.js routes take
    applications: list[SiteApplication] = Field(default_factory=list)
    ips: list[SiteIp] = Field(default_factory=list)
    environments: list[SiteEnvironment] = Field(default_factory=list)

    @property
    def php_version(self) -> str | None:
        current = [e for e in self.environments if e.is_current] or self.environments
        return next((e.version for e in current if e.version), None)


class SiteAlias(ApiModel):
    """`GET /proxy/1/web_hostings/{id}/sites/{site_id}/aliases` item (manager; facts §5.4)."""

    name: str
    fqdn_idn: str | None = None
    can_update_dns: bool | None = None
    is_synonym: bool | None = None
    is_main: bool = False
    is_protected: bool = False
    is_preview: bool | None = None


class Rights(ApiModel):
    read: bool = False
    write: bool = False
    admin: bool = False


class DatabaseGrant(ApiModel):
    """`permissions[]` item of a database (`user`) or of a database user (`database`)."""

    user: str | None = None
    database: str | None = None
    rights: Rights = Field(default_factory=Rights)


class DatabaseApplication(ApiModel):
    id: str | int | None = None
    type: str | None = None
    name: str | None = None
    location: str | None = None


class Database(ApiModel):
    """`GET /1/web_hostings/{id}/databases[/{name}]` item (facts §7.5)."""

    name: str
    description: str | None = None
    application: DatabaseApplication | None = None
    disk_used: int | None = None
    permissions: list[DatabaseGrant] = Field(default_factory=list)
    backups: list[int] = Field(default_factory=list)
    operation_in_progress: bool = False


class DatabaseUser(ApiModel):
    """`GET /1/web_hostings/{id}/database_users[/{name}]` item (facts §7.5)."""

    name: str
    applications: list[Any] = Field(default_factory=list)
    permissions: list[DatabaseGrant] = Field(default_factory=list)
    is_temporary: bool = False
    operation_in_progress: bool = False
    is_unlocked: bool | None = None
    protected: bool = False
    link: str | None = None


class FtpUser(ApiModel):
    """`GET /1/web_hostings/{id}/users` item: an FTP (SFTP only) or SSH user (facts §7.5)."""

    login: str
    environment: str | None = None
    is_active: bool = True
    has_ssh: bool = False
    is_temporary: bool = False
    home_directory: str | None = None

    @property
    def connection_type(self) -> str:
        return "ssh" if self.has_ssh else "ftp"


class Certificate(ApiModel):
    """`GET /1/web_hostings/{id}/certificates/{site_id}` (facts §7.15)."""

    site_id: int | None = None
    status: str | None = None
    type: str | None = None
    sub_type: str | None = None
    issuer: str | None = None
    organization: str | None = None
    main_fqdn: str | None = None
    emitted_at: int | None = None
    expired_at: int | None = None
    fingerprint_sha256: str | None = None
    is_valid: bool | None = None
    is_expired: bool | None = None
    is_selfsigned: bool | None = None
    ignored_identifiers: list[str] = Field(default_factory=list)
    error_identifiers: list[str] = Field(default_factory=list)
    error_on_certificate: str | None = None
    last_attempt_at: int | None = None


class AsyncTask(ApiModel):
    """`GET /1/async/tasks/{uuid}` (spec `AsyncTask`): what a `progress_id` points to."""

    uuid: str
    status: str = "running"  # executed | failed | running | spooled
    response: dict[str, Any] = Field(default_factory=dict)
    error: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.status in ("executed", "failed")


class NodeApp(ApiModel):
    """`GET /proxy/1/hostings/{id}/nodejs/{vhost_route_id}` (manager; facts §5.4, HM `nodejs.ts`)."""

    id: int
    main_fqdn: str | None = None
    preview_url: str | None = None
    directory: str | None = None
    ssl_status: str | None = None
    state: str | None = None
    ips: list[SiteIp] = Field(default_factory=list)
    storage: dict[str, Any] | None = None
    environments: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None

    def setting(self, *names: str) -> Any:
        """First of `names` found in the environment object (its field names vary between captures)."""
        for source in (self.environment or {}, self.environments or {}):
            for name in names:
                if source.get(name) not in (None, ""):
                    return source[name]
        return None


class NodeJob(ApiModel):
    """`GET /proxy/1/hostings/{id}/nodejs/{vhost_route_id}/jobs` item (HM `nodejs.ts`)."""

    resource_id: str
    status: str = ""
    action: str | None = None  # guess
    created_at: int | None = None
    finished_at: int | None = None  # guess


class LogStream(ApiModel):
    """`GET /proxy/1/hostings/{id}/webapp/{vhost_route_id}/stream`: SSE endpoint + short-lived JWT."""

    endpoint: str
    jwt_token: str = Field(default="", repr=False)  # a bearer for the stream: never in a repr or log
