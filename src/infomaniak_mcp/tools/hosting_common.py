"""Shared pieces of the `hosting` toolset: argument types, error conversion, small reads.

The toolset is split by concern (`tools/hosting.py` imports every module and lists them): reads
(`hosting_reads`), Node.js (`hosting_nodejs`), writes (`hosting_writes`, `hosting_ssl`), the
provisioning workflow (`hosting_sites`), the audit (`hosting_audit`), and the operations the
engine runs (`hosting_ops`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from infomaniak_mcp.api.errors import (
    ConflictError,
    ErrorDetail,
    InfomaniakError,
    InvalidArgumentError,
    ManagerSessionError,
    NotFoundError,
)
from infomaniak_mcp.api.hosting.manager import ManagerHostingClient
from infomaniak_mcp.api.hosting.models import Certificate, WebHosting
from infomaniak_mcp.domain.hosting import HostingNameError, Refusal

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

HostingId = Annotated[int, Field(description="Hosting id.", ge=1)]
SiteId = Annotated[int, Field(description="Site id.", ge=1)]
GB = 1024**3
Row = dict[str, Any]
"""Output rows are plain objects in the published schema (their keys are listed in the field's
description): a typed row model per list would cost hundreds of tokens per tool in tools/list."""


def row(model: BaseModel) -> Row:
    """A row model as the plain object published (None fields left out)."""
    return model.model_dump(mode="json", exclude_none=True)


def rows_of(models: Iterable[BaseModel]) -> list[Row]:
    return [row(m) for m in models]


def shown(value: Any, missing: str = "-") -> str:
    """A value for the text answer: `missing` for an absent one (never the word None)."""
    return missing if value is None or value == "" else str(value)


def manager_client(api: InfomaniakApi) -> ManagerHostingClient:
    """The manager-private hosting surface (writes, aliases, Node.js) over `api.manager`."""
    return ManagerHostingClient(api.manager)


def argument_error(field: str, exc: HostingNameError) -> InvalidArgumentError:
    return InvalidArgumentError.for_field(field, str(exc))


def refusal_error(refusals: Sequence[Refusal]) -> InvalidArgumentError | ConflictError:
    """One error for the pre-flight refusals: a retry-later conflict when the hosting is only busy."""
    description = "; ".join(r.message for r in refusals)
    hint = " ".join(dict.fromkeys(r.next_step for r in refusals)) + " Nothing was changed."
    details = [ErrorDetail(code=r.code, description=r.message, attribute=r.field) for r in refusals]
    if all(r.code == "operation_in_progress" for r in refusals):
        return ConflictError(code="operation_in_progress", description=description, details=details, hint=hint)
    return InvalidArgumentError(
        code=refusals[0].code if len(refusals) == 1 else "preflight_refused",
        description=description,
        details=details,
        hint=hint,
    )


def require_manager(api: InfomaniakApi) -> None:
    """Refuse to plan a write when the manager session cannot work (writes only go through it).

    `none` mode, or `manual` mode without both cookies: the error says how to configure them. In
    `auto` mode the browser is read on the first manager call, which reports its own problems.
    """
    manager = api.manager
    if manager.mode == "none" or (manager.mode == "manual" and not manager.session.ready):
        raise ManagerSessionError(
            description="hosting writes go through the manager session (the public API ignores them), and "
            + ("the manager surface is disabled (INFOMANIAK_AUTH_MODE=none)" if manager.mode == "none"
               else "no session is configured (INFOMANIAK_SASESSION / INFOMANIAK_XSRF_TOKEN)"),
        )


async def get_certificate(api: InfomaniakApi, hosting_id: int, site_id: int) -> Certificate | None:
    """The site's certificate, None when it has none (the route answers 404 then)."""
    try:
        return await api.hosting.get_certificate(hosting_id, site_id)
    except NotFoundError:
        return None


def unknown(field: str, problem: str, next_step: str) -> NotFoundError:
    """An id or name that does not exist where it was looked for, as an error on `field`; `next_step` names
    the tool that lists the valid values."""
    return NotFoundError(
        status=404,
        description=f"{field}: {problem}",
        details=[ErrorDetail(code="object_not_found", description=problem, attribute=field)],
        hint=next_step,
    )


def unknown_hosting(hosting_id: int) -> NotFoundError:
    return unknown("hosting_id", f"no hosting {hosting_id} in your organisations",
                   "Call hosting_list_hostings for the hosting ids.")


async def get_hosting(api: InfomaniakApi, hosting_id: int) -> WebHosting:
    try:
        return await api.hosting.get_hosting(hosting_id)
    except NotFoundError:
        raise unknown_hosting(hosting_id) from None


# kind → (what it names, the tool listing the valid values of a hosting, what to read in its answer)
LOOKUPS = {
    "site_id": ("site", "hosting_list_sites", "site ids"),
    "app_id": ("Node.js app", "hosting_list_sites", "app ids (app_id of its Node.js sites)"),
    "database": ("database", "hosting_list_databases", "database names"),
    "database_user": ("database user", "hosting_list_databases", "database user names"),
    "ftp_user": ("FTP/SSH user", "hosting_list_ftp_users", "logins"),
}
# Other hostings searched for a site or app id given with the wrong hosting (error path only): one listing, then
# one request per hosting. With more, no search at all (the hint says so): a typo costs at most 1 + 1 + 5 requests.
MAX_LOOKUP_HOSTINGS = 5


async def _hosting_of(api: InfomaniakApi, hosting_id: int, what: str, value: Any) -> tuple[int | None, int]:
    """The other hosting of the organisations that has site (`what` = site_id) or Node.js app (app_id) `value`,
    and how many other hostings were left unsearched (all of them when they are more than MAX_LOOKUP_HOSTINGS)."""
    hostings = await api.hosting.list_hostings()
    others = [h for h in hostings.items if h.id != hosting_id]
    if len(others) > MAX_LOOKUP_HOSTINGS:
        return None, len(others)
    for other in others:
        sites = await api.hosting.list_sites(other.id, with_=())
        if any((s.id if what == "site_id" else s.vhost_route_id) == value for s in sites.items):
            return other.id, 0
    return None, 0


async def not_found_on(
    api: InfomaniakApi, hosting_id: int, kind: str, value: Any, *, field: str | None = None
) -> NotFoundError:
    """Why `value` (a `LOOKUPS` kind or `hosting_id`, passed as `field`) is not on `hosting_id`: the hosting itself
    does not exist, the site/app is on another hosting of the organisations (named), or the tool that lists them."""
    field = field or kind
    try:
        await api.hosting.get_hosting(hosting_id)
    except NotFoundError:
        return unknown_hosting(hosting_id)
    if kind == "hosting_id":  # the hosting exists but a route of it answered 404: nothing more precise to say
        return unknown_hosting(hosting_id)
    what, lister, where = LOOKUPS[kind]
    if kind in ("site_id", "app_id"):
        try:
            elsewhere, unsearched = await _hosting_of(api, hosting_id, kind, value)
        except InfomaniakError:
            elsewhere, unsearched = None, 0
        if elsewhere is not None:
            return unknown(field, f"{what} {value} is on hosting {elsewhere}, not on hosting {hosting_id}",
                           f"Call again with hosting_id={elsewhere}.")
        if unsearched:
            return unknown(field, f"no {what} {value} on hosting {hosting_id}",
                           f"Call {lister} hosting_id={hosting_id} for the valid {where}; your {unsearched} other "
                           f"hostings were not searched (more than {MAX_LOOKUP_HOSTINGS}): if the {what} is on one, "
                           "hosting_list_hostings lists them.")
    return unknown(field, f"no {what} {value} on hosting {hosting_id}",
                   f"Call {lister} hosting_id={hosting_id} for the valid {where}.")


@asynccontextmanager
async def looking_up(
    api: InfomaniakApi, hosting_id: int, kind: str, value: Any, *, field: str | None = None
) -> AsyncIterator[None]:
    """A 404 inside the block means `value` is not on `hosting_id`: raised as `not_found_on`'s field error."""
    try:
        yield
    except NotFoundError:
        raise await not_found_on(api, hosting_id, kind, value, field=field) from None


def iso_date(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).date().isoformat() if ts else None


def iso_time(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="minutes") if ts else None


def days_left(ts: int | None, now: float) -> int | None:
    return int((ts - now) // 86_400) if ts else None
