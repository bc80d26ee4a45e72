"""The hosting operations: the only code of the toolset that writes (run by the engine from stored steps).

Every write goes through the manager surface (`ManagerHostingClient`, facts §5.4) and is
serialised per hosting: resource ids are `hosting:<id>/...`, so the engine's lock root is the
hosting (Infomaniak answers `operation_in_progress` to concurrent operations). A hosting stays
busy for a while after a change: a write it refuses with 409 `operation_in_progress` (nothing
done) waits until the hosting is free (`retry_when_busy`: polls `has_operation_in_progress`,
with progress, at most `FREE_WAIT` seconds) and is sent once more; that is what lets the steps
of one plan (provisioning) follow each other, and a free hosting costs no extra request. Still
busy at the deadline is a `ConflictError` that says to retry later. Long
operations answer a `progress_id`; `_await_task` polls it, then the operation reads the result
back, so a call that answered success without doing anything (the public-API trap) fails loudly.

| operation | params | after | undo |
|---|---|---|---|
| `hosting.create_site` | hosting_id, fqdn, directory, environment, php_version | site | delete_site |
| `hosting.delete_site` | hosting_id, site_id | None | — |
| `hosting.add_aliases` | hosting_id, site_id, aliases | alias names | remove_alias each |
| `hosting.remove_alias` | hosting_id, site_id, alias | None | add_aliases |
| `hosting.create_database` | hosting_id, name, description | database | delete_database |
| `hosting.delete_database` | hosting_id, name | None | — |
| `hosting.create_database_user` | hosting_id, name, grants | user | delete_database_user |
| `hosting.update_database_user` | hosting_id, name, grants, rotate_password | user | grants back (no rotation) |
| `hosting.delete_database_user` | hosting_id, name | None | re-create, same grants, new password |
| `hosting.create_ftp_user` | hosting_id, login, connection_type, home_directory | user | delete_ftp_user |
| `hosting.update_ftp_user` | hosting_id, login, connection_type, rotate_password | user | type back (no rotation) |
| `hosting.delete_ftp_user` | hosting_id, login | None | re-create (files were kept), new password |
| `hosting.request_certificate` | hosting_id, site_id or fqdn, type, material? | certificate | delete (if none before) |
| `hosting.delete_certificate` | hosting_id, site_id | None | free: request again |
| `hosting.nodejs_action` | hosting_id, app_id, action | {status} | stop ↔ start |

A write with no answer in time is re-read (`hosting_reconcile`): created and there / deleted and gone is applied
(undone as usual), else not applied, or unknown while the hosting is busy; updates get a hint.

Passwords are generated here (`secrets`), at apply time: they are never in a plan, a token, an
argument or a log line. The step's `data` carries `password` once, for the caller; history
stores `data` with secret-named keys redacted, and audit entries never contain step data.
Custom certificate material is kept in `MATERIAL` (in memory, like confirmation tokens) and
steps carry only its reference, so private keys never appear in plans, history or audit.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from infomaniak_mcp.api.errors import ApiError, ConflictError, InvalidArgumentError, NotFoundError
from infomaniak_mcp.api.hosting.manager import ManagerHostingClient
from infomaniak_mcp.api.hosting.models import Certificate, Database, DatabaseUser, FtpUser, Site
from infomaniak_mcp.domain.hosting import (
    RIGHTS_LEVELS,
    alias_resource,
    certificate_resource,
    database_resource,
    database_user_resource,
    ftp_user_resource,
    generate_password,
    nodejs_resource,
    rights_level,
    site_resource,
)
from infomaniak_mcp.safety.executor import PollTimeout, StepResult
from infomaniak_mcp.safety.inverse import NotReversible, generic_drift, present, register_inverse
from infomaniak_mcp.safety.operations import OperationContext, OperationFn, operation, resource_reader
from infomaniak_mcp.safety.plan import AppliedStep, Step
from infomaniak_mcp.safety.redact import register_secret

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

Value = dict[str, Any]
NODE_STATUS_AFTER = {"start": "Running", "stop": "Stopped", "restart": "Running", "build": "Running"}
FREE_WAIT = 300.0  # seconds a write waits for its hosting's previous operation (bounded by the poll deadline)


# ---- values: what plans, history and undo compare (stable fields only) -------------------------
def site_value(site: Site) -> Value:
    return {"id": site.id, "fqdn": site.main_fqdn, "directory": site.directory, "type": site.hosting_type}


def database_value(db: Database) -> Value:
    users = {p.user: rights_level(p.rights) for p in db.permissions if p.user}
    return {"name": db.name, "description": db.description or "", "users": dict(sorted(users.items()))}


def user_grants_of(user: DatabaseUser) -> dict[str, str]:
    return dict(sorted((p.database, rights_level(p.rights)) for p in user.permissions if p.database))


def database_user_value(user: DatabaseUser) -> Value:
    return {"name": user.name, "rights": user_grants_of(user)}


def ftp_user_value(user: FtpUser) -> Value:
    return {"login": user.login, "connection_type": user.connection_type, "home_directory": user.home_directory}


def certificate_value(cert: Certificate) -> Value:
    return {"site_id": cert.site_id, "type": cert.type, "status": cert.status, "fingerprint": cert.fingerprint_sha256}


# ---- custom certificate material (kept out of plans) --------------------------------------------
class MaterialStore:
    """PEM material by reference (`pem:<sha256>`), in memory, bounded, expiring."""

    def __init__(self, *, size: int = 64, ttl: float = 1800.0) -> None:
        self._items: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()
        self._size = size
        self._ttl = ttl

    def put(self, material: dict[str, str]) -> str:
        digest = hashlib.sha256("\0".join(material[k] for k in sorted(material)).encode()).hexdigest()
        ref = f"pem:{digest[:32]}"
        self._items[ref] = (time.monotonic() + self._ttl, dict(material))
        self._items.move_to_end(ref)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        for value in material.values():
            if "PRIVATE KEY" in value:
                register_secret(value.strip())
        return ref

    def get(self, ref: str) -> dict[str, str]:
        item = self._items.get(ref)
        if item is None or item[0] < time.monotonic():
            raise InvalidArgumentError(
                code="certificate_material_expired",
                description="the certificate material of this plan is no longer in memory (server restarted or "
                "the plan is older than 30 minutes)",
                hint="Call hosting_set_certificate again with the PEM material; nothing was changed.",
            )
        return item[1]


MATERIAL = MaterialStore()


# ---- helpers ----------------------------------------------------------------------------------
def _manager(op: OperationContext) -> ManagerHostingClient:
    return ManagerHostingClient(op.api.manager)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _refused_as_busy(exc: ConflictError) -> bool:
    """A write the hosting refused because an operation is in progress: proof that it did nothing."""
    return exc.code == "operation_in_progress" and (exc.method or "").upper() in WRITE_METHODS


async def _wait_until_free(op: OperationContext, hosting_id: int) -> None:
    """Poll the hosting (with progress) until it has no operation in progress; a retry-later conflict
    when it is still busy after `FREE_WAIT` seconds (or the engine's shorter poll deadline)."""
    try:
        await op.poll(
            lambda: op.api.hosting.get_hosting(hosting_id),
            lambda h: not h.has_operation_in_progress,
            deadline=min(op.poll_deadline, FREE_WAIT),
            describe=lambda h: f"waiting for the operation in progress on hosting {hosting_id}",
        )
    except PollTimeout as exc:
        raise ConflictError(
            code="operation_in_progress",
            description=f"hosting {hosting_id} still had an operation in progress after waiting {exc.elapsed:.0f} s",
        ) from None


def retry_when_busy(fn: OperationFn) -> OperationFn:
    """Run a hosting operation; when its write is refused as busy, wait for the hosting and run it once more.

    Every hosting operation sends exactly one write, after its reads. When that write is refused
    with 409 `operation_in_progress` (the hosting did nothing), the hosting is polled until free
    and the operation runs again; a free hosting costs no extra request. Any other error,
    including other 409s (`object_already_exists`), goes through unchanged.
    """

    @functools.wraps(fn)
    async def run(op: OperationContext, params: dict[str, Any]) -> StepResult:
        try:
            return await fn(op, params)
        except ConflictError as exc:
            if not _refused_as_busy(exc):
                raise
        await _wait_until_free(op, int(params["hosting_id"]))
        return await fn(op, params)

    return run


def hosting_operation(name: str) -> Callable[[OperationFn], OperationFn]:
    """`@operation(name)` for a hosting write, through `retry_when_busy`."""

    def register(fn: OperationFn) -> OperationFn:
        return operation(name)(retry_when_busy(fn))

    return register


async def _await_task(op: OperationContext, progress_id: str | None, what: str) -> dict[str, Any]:
    """Wait for the async task behind a progress id; its `response` (empty when there was no task)."""
    if not progress_id:
        return {}
    manager = _manager(op)
    task = await op.poll(
        lambda: manager.get_task(progress_id),
        lambda t: t.done,
        describe=lambda t: f"{what}: {t.status}",
    )
    if task.status == "failed":
        detail = (task.error or {}).get("description") or (task.error or {}).get("code") or "no detail"
        raise ApiError(code="task_failed", description=f"{what} failed upstream: {detail}")
    return task.response


def _not_created(what: str) -> ApiError:
    return ApiError(
        code="not_created",
        description=f"the API answered success but {what} does not exist afterwards (a silently ignored write)",
        hint="Nothing was created; check the manager session (writes need it) and retry.",
    )


def _grants(params: Mapping[str, Any]) -> dict[str, Any]:
    return {db: RIGHTS_LEVELS[level] for db, level in dict(params.get("grants") or {}).items() if level != "none"}


async def site_by_fqdn(api: InfomaniakApi, hosting_id: int, fqdn: str) -> Site | None:
    sites = await api.hosting.list_sites(hosting_id, with_=())
    return next((s for s in sites.items if (s.main_fqdn or "").lower() == fqdn), None)


def _secret_data(data: Value, password: str) -> Value:
    """Step data carrying a generated password for the caller (history redacts the key)."""
    register_secret(password)
    return {**data, "password": password, "note": "shown once: store it now"}


# ---- sites -------------------------------------------------------------------------------------
@hosting_operation("hosting.create_site")
async def _create_site(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, fqdn = int(params["hosting_id"]), str(params["fqdn"])
    progress = await _manager(op).create_site(
        hosting_id,
        fqdn=fqdn,
        directory=params["directory"],
        environment=params.get("environment", "apache_php"),
        php_version=params.get("php_version"),
    )
    await _await_task(op, progress, f"creating the site {fqdn}")
    site = await site_by_fqdn(op.api, hosting_id, fqdn)
    if site is None:
        raise _not_created(f"the site {fqdn}")
    return StepResult(resource=site_resource(hosting_id, site.id), after=site_value(site), data={"site_id": site.id})


@hosting_operation("hosting.delete_site")
async def _delete_site(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, site_id = int(params["hosting_id"]), int(params["site_id"])
    await _manager(op).delete_site(hosting_id, site_id)
    return StepResult(resource=site_resource(hosting_id, site_id), after=None)


@hosting_operation("hosting.add_aliases")
async def _add_aliases(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, site_id = int(params["hosting_id"]), int(params["site_id"])
    manager = _manager(op)
    progress = await manager.add_aliases(hosting_id, site_id, list(params["aliases"]))
    await _await_task(op, progress, "adding aliases")
    names = sorted(a.name for a in await manager.list_aliases(hosting_id, site_id))
    missing = sorted(set(params["aliases"]) - set(names))
    if missing:
        raise _not_created(f"the alias(es) {', '.join(missing)}")
    return StepResult(resource=f"{site_resource(hosting_id, site_id)}/aliases", after=names)


@hosting_operation("hosting.remove_alias")
async def _remove_alias(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, site_id, alias = int(params["hosting_id"]), int(params["site_id"]), str(params["alias"])
    await _manager(op).delete_alias(hosting_id, site_id, alias)
    return StepResult(resource=alias_resource(hosting_id, site_id, alias), after=None)


# ---- databases and their users -----------------------------------------------------------------
@hosting_operation("hosting.create_database")
async def _create_database(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, name = int(params["hosting_id"]), str(params["name"])
    progress = await _manager(op).create_database(hosting_id, name, str(params.get("description") or ""))
    await _await_task(op, progress, f"creating the database {name}")
    try:
        database = await op.api.hosting.get_database(hosting_id, name)
    except NotFoundError:
        raise _not_created(f"the database {name}") from None
    return StepResult(resource=database_resource(hosting_id, name), after=database_value(database))


@hosting_operation("hosting.delete_database")
async def _delete_database(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, name = int(params["hosting_id"]), str(params["name"])
    await _manager(op).delete_database(hosting_id, name)
    return StepResult(resource=database_resource(hosting_id, name), after=None)


@hosting_operation("hosting.create_database_user")
async def _create_database_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, name = int(params["hosting_id"]), str(params["name"])
    password = generate_password()
    register_secret(password)
    await _manager(op).create_database_user(hosting_id, name, password, _grants(params))
    user = await op.api.hosting.get_database_user(hosting_id, name)
    return StepResult(
        resource=database_user_resource(hosting_id, name),
        after=database_user_value(user),
        data=_secret_data({"user": name}, password),
    )


@hosting_operation("hosting.update_database_user")
async def _update_database_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, name = int(params["hosting_id"]), str(params["name"])
    password = generate_password() if params.get("rotate_password") else None
    if password:
        register_secret(password)
    await _manager(op).update_database_user(hosting_id, name, permissions=_grants(params), password=password)
    user = await op.api.hosting.get_database_user(hosting_id, name)
    data = _secret_data({"user": name}, password) if password else None
    return StepResult(resource=database_user_resource(hosting_id, name), after=database_user_value(user), data=data)


@hosting_operation("hosting.delete_database_user")
async def _delete_database_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, name = int(params["hosting_id"]), str(params["name"])
    await _manager(op).delete_database_user(hosting_id, name)
    return StepResult(resource=database_user_resource(hosting_id, name), after=None)


# ---- FTP/SSH users ------------------------------------------------------------------------------
@hosting_operation("hosting.create_ftp_user")
async def _create_ftp_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id = int(params["hosting_id"])
    password = generate_password()
    register_secret(password)
    user = await _manager(op).create_ftp_user(
        hosting_id,
        login=str(params["login"]),
        password=password,
        connection_type=str(params["connection_type"]),
        home_directory=str(params["home_directory"]),
    )
    return StepResult(
        resource=ftp_user_resource(hosting_id, user.login),
        after=ftp_user_value(user),
        data=_secret_data({"login": user.login}, password),
    )


@hosting_operation("hosting.update_ftp_user")
async def _update_ftp_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, login = int(params["hosting_id"]), str(params["login"])
    password = generate_password() if params.get("rotate_password") else None
    if password:
        register_secret(password)
    await _manager(op).update_ftp_user(
        hosting_id,
        login,
        short_login=str(params["short_login"]),
        connection_type=str(params["connection_type"]),
        password=password,
    )
    users = await op.api.hosting.list_ftp_users(hosting_id)
    user = next((u for u in users.items if u.login == login), None)
    if user is None:
        raise _not_created(f"the FTP/SSH user {login}")
    data = _secret_data({"login": login}, password) if password else None
    return StepResult(resource=ftp_user_resource(hosting_id, login), after=ftp_user_value(user), data=data)


@hosting_operation("hosting.delete_ftp_user")
async def _delete_ftp_user(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, login = int(params["hosting_id"]), str(params["login"])
    await _manager(op).delete_ftp_user(hosting_id, login)
    return StepResult(resource=ftp_user_resource(hosting_id, login), after=None)


# ---- certificates ------------------------------------------------------------------------------
@hosting_operation("hosting.request_certificate")
async def _request_certificate(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id = int(params["hosting_id"])
    site_id = params.get("site_id")
    if site_id is None:  # provisioning: the site was created by an earlier step of the same plan
        site = await site_by_fqdn(op.api, hosting_id, str(params["fqdn"]))
        if site is None:
            raise ApiError(code="site_not_found", description=f"no site {params['fqdn']} on hosting {hosting_id}")
        site_id = site.id
    material = MATERIAL.get(str(params["material"])) if params.get("material") else {}
    answer = await _manager(op).request_certificate(
        hosting_id,
        int(site_id),
        type=str(params.get("type", "free")),
        certificate=material.get("certificate"),
        private_key=material.get("private_key"),
        intermediate_certificate=material.get("chain") or None,
    )
    progress = str(answer.get("progress_id") or answer.get("uuid") or "") if isinstance(answer, dict) else ""
    await _await_task(op, progress or None, "requesting the certificate")
    try:
        cert = await op.api.hosting.get_certificate(hosting_id, int(site_id))
    except NotFoundError:
        raise _not_created(f"a certificate for site {site_id}") from None
    return StepResult(resource=certificate_resource(hosting_id, int(site_id)), after=certificate_value(cert))


@hosting_operation("hosting.delete_certificate")
async def _delete_certificate(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, site_id = int(params["hosting_id"]), int(params["site_id"])
    await _manager(op).delete_certificate(hosting_id, site_id)
    return StepResult(resource=certificate_resource(hosting_id, site_id), after=None)


# ---- Node.js ------------------------------------------------------------------------------------
@hosting_operation("hosting.nodejs_action")
async def _nodejs_action(op: OperationContext, params: dict[str, Any]) -> StepResult:
    hosting_id, app_id, action = int(params["hosting_id"]), int(params["app_id"]), str(params["action"])
    manager = _manager(op)
    answer = await manager.node_action(hosting_id, app_id, action)
    status = await manager.node_status(hosting_id, app_id)
    data = {"job": answer.get("resource_id")} if isinstance(answer, dict) and answer.get("resource_id") else None
    return StepResult(resource=nodejs_resource(hosting_id, app_id), after={"status": status}, data=data)


# ---- readers (history_undo checks that nothing changed since) -----------------------------------
@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/sites/(?P<site_id>\d+)$")
async def _read_site(api: InfomaniakApi, hosting_id: str, site_id: str) -> Value | None:
    try:
        return site_value(await api.hosting.get_site(int(hosting_id), int(site_id), with_=()))
    except NotFoundError:
        return None


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/sites/(?P<site_id>\d+)/aliases$")
async def _read_aliases(api: InfomaniakApi, hosting_id: str, site_id: str) -> list[str] | None:
    try:
        aliases = await ManagerHostingClient(api.manager).list_aliases(int(hosting_id), int(site_id))
    except NotFoundError:
        return None
    return sorted(a.name for a in aliases)


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/sites/(?P<site_id>\d+)/aliases/(?P<alias>[^/]+)$")
async def _read_alias(api: InfomaniakApi, hosting_id: str, site_id: str, alias: str) -> Value | None:
    try:
        aliases = await ManagerHostingClient(api.manager).list_aliases(int(hosting_id), int(site_id))
    except NotFoundError:
        return None
    found = next((a for a in aliases if a.name == alias), None)
    return {"name": found.name, "is_main": found.is_main} if found else None


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/databases/(?P<name>[^/]+)$")
async def _read_database(api: InfomaniakApi, hosting_id: str, name: str) -> Value | None:
    try:
        return database_value(await api.hosting.get_database(int(hosting_id), name))
    except NotFoundError:
        return None


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/database_users/(?P<name>[^/]+)$")
async def _read_database_user(api: InfomaniakApi, hosting_id: str, name: str) -> Value | None:
    try:
        return database_user_value(await api.hosting.get_database_user(int(hosting_id), name))
    except NotFoundError:
        return None


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/users/(?P<login>[^/]+)$")
async def _read_ftp_user(api: InfomaniakApi, hosting_id: str, login: str) -> Value | None:
    users = await api.hosting.list_ftp_users(int(hosting_id))
    return next((ftp_user_value(u) for u in users.items if u.login == login), None)


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/certificates/(?P<site_id>\d+)$")
async def _read_certificate(api: InfomaniakApi, hosting_id: str, site_id: str) -> Value | None:
    try:
        return certificate_value(await api.hosting.get_certificate(int(hosting_id), int(site_id)))
    except NotFoundError:
        return None


@resource_reader("hosting", r"^hosting:(?P<hosting_id>\d+)/nodejs/(?P<app_id>\d+)$")
async def _read_nodejs(api: InfomaniakApi, hosting_id: str, app_id: str) -> Value | None:
    try:
        return {"status": await ManagerHostingClient(api.manager).node_status(int(hosting_id), int(app_id))}
    except NotFoundError:
        return None


# ---- inverses -----------------------------------------------------------------------------------
def _value(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise NotReversible(f"the {what} was not recorded")
    return value


def _step(operation: str, params: Value, resource: str, description: str, before: Any = None) -> Step:
    return Step(operation=operation, params=params, resource=resource, description=description, before=before)


class _Inverse:
    """Drift check: the resource must still be exactly what the write left (`generic_drift`)."""

    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        return generic_drift(applied, current)


class _DeleteCreated(_Inverse):
    """Undo a creation: delete what was created (its id/name from the post-state)."""

    def __init__(self, operation: str, key: str, resource: Any, label: str) -> None:
        self.operation, self.key, self.resource, self.label = operation, key, resource, label

    def build(self, applied: AppliedStep) -> list[Step]:
        after = _value(applied.after, f"created {self.label}")
        hosting_id = int(applied.step.params["hosting_id"])
        ident = after.get({"site_id": "id", "name": "name", "login": "login"}[self.key])
        if ident in (None, ""):
            raise NotReversible(f"the created {self.label}'s id was not recorded")
        return [
            _step(
                self.operation,
                {"hosting_id": hosting_id, self.key: ident},
                self.resource(hosting_id, ident),
                f"Delete the {self.label} {after.get('fqdn') or ident}",
                dict(after),
            )
        ]


class _UserGrants:
    """A database user's rights also show in each database's `users` (`database_value`): `project` tells the
    drift check what this step did there, so a database created by the same write is not seen as drifted."""

    def project(self, applied: AppliedStep, resource: str, value: Any) -> Any:
        before, after = applied.before, applied.after
        rights = dict(after.get("rights") or {}) if isinstance(after, Mapping) else {}
        known = dict(before.get("rights") or {}) if isinstance(before, Mapping) else {}
        hosting_id = int(applied.step.params["hosting_id"])
        touched = next((db for db in {*rights, *known} if database_resource(hosting_id, db) == resource), None)
        if touched is None or not isinstance(value, Mapping):
            return value
        name = str(applied.step.params["name"])  # the user's full name in every database-user operation
        users = {user: level for user, level in dict(value.get("users") or {}).items() if user != name}
        if touched in rights:
            users[name] = rights[touched]
        return {**value, "users": dict(sorted(users.items()))}


class _DeleteCreatedUser(_UserGrants, _DeleteCreated):
    pass


class _RemoveAddedAliases(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        params = applied.step.params
        hosting_id, site_id = int(params["hosting_id"]), int(params["site_id"])
        return [
            _step(
                "hosting.remove_alias",
                {"hosting_id": hosting_id, "site_id": site_id, "alias": alias},
                alias_resource(hosting_id, site_id, alias),
                f"Remove the alias {alias}",
                {"name": alias, "is_main": False},
            )
            for alias in params["aliases"]
        ]


class _AddRemovedAlias(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        params = applied.step.params
        hosting_id, site_id, alias = int(params["hosting_id"]), int(params["site_id"]), str(params["alias"])
        return [
            _step(
                "hosting.add_aliases",
                {"hosting_id": hosting_id, "site_id": site_id, "aliases": [alias]},
                f"{site_resource(hosting_id, site_id)}/aliases",
                f"Add the alias {alias} back",
            )
        ]


class _RecreateDatabaseUser(_UserGrants, _Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        before = _value(applied.before, "deleted database user")
        hosting_id = int(applied.step.params["hosting_id"])
        name = str(before["name"])
        return [
            _step(
                "hosting.create_database_user",
                {"hosting_id": hosting_id, "name": name, "grants": dict(before.get("rights") or {})},
                database_user_resource(hosting_id, name),
                f"Re-create the database user {name} with its rights (new password, shown once)",
            )
        ]


class _RestoreGrants(_UserGrants, _Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        if applied.step.params.get("rotate_password"):
            raise NotReversible("a password rotation cannot be undone (the old password is not kept)")
        before = _value(applied.before, "database user")
        hosting_id, name = int(applied.step.params["hosting_id"]), str(before["name"])
        return [
            _step(
                "hosting.update_database_user",
                {"hosting_id": hosting_id, "name": name, "grants": dict(before.get("rights") or {})},
                database_user_resource(hosting_id, name),
                f"Restore the rights of {name}",
                applied.after,
            )
        ]


class _RecreateFtpUser(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        before = _value(applied.before, "deleted FTP/SSH user")
        params = applied.step.params
        hosting_id, login = int(params["hosting_id"]), str(before["login"])
        return [
            _step(
                "hosting.create_ftp_user",
                {
                    "hosting_id": hosting_id,
                    "login": str(params.get("short_login") or login),
                    "connection_type": before.get("connection_type") or "ftp",
                    "home_directory": before.get("home_directory") or "/",
                },
                ftp_user_resource(hosting_id, login),
                f"Re-create the {before.get('connection_type') or 'FTP/SSH'} user {login} "
                "(files were kept; new password)",
            )
        ]


class _RestoreFtpType(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        params = applied.step.params
        if params.get("rotate_password"):
            raise NotReversible("a password rotation cannot be undone (the old password is not kept)")
        before = _value(applied.before, "FTP/SSH user")
        return [
            _step(
                "hosting.update_ftp_user",
                {**params, "connection_type": before.get("connection_type"), "rotate_password": False},
                applied.resource,
                f"Switch {params['login']} back to {before.get('connection_type') or 'its previous type'}",
                applied.after,
            )
        ]


class _UndoCertificateRequest(_Inverse):
    def drift(self, applied: AppliedStep, current: Any) -> str | None:
        """A certificate lives on its own: a free one goes from pending to ok (or into an ACME error) and
        renews, changing status and fingerprint, without anyone replacing it. Drift is a certificate
        that is gone, of another type, or a custom one with another fingerprint (replaced)."""
        now, after = present(current), applied.after if isinstance(applied.after, dict) else {}
        if now is None:
            return f"{applied.resource} no longer exists"
        if now.get("type") != after.get("type"):
            return f"{applied.resource} was replaced by a {now.get('type') or 'different'} certificate since"
        if after.get("type") != "free" and now.get("fingerprint") != after.get("fingerprint"):
            return f"{applied.resource} was replaced by another certificate since"
        return None

    def build(self, applied: AppliedStep) -> list[Step]:
        if applied.before is not None:
            raise NotReversible("the certificate replaced another one, which cannot be restored")
        after = _value(applied.after, "certificate")
        hosting_id, site_id = int(applied.step.params["hosting_id"]), int(after["site_id"])
        return [
            _step(
                "hosting.delete_certificate",
                {"hosting_id": hosting_id, "site_id": site_id},
                certificate_resource(hosting_id, site_id),
                f"Remove the certificate of site {site_id}",
                dict(after),
            )
        ]


class _RequestFreeAgain(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        before = _value(applied.before, "removed certificate")
        if before.get("type") != "free":
            kind = before.get("type") or "non-free"
            raise NotReversible(f"a removed {kind} certificate cannot be restored (its key is not kept)")
        hosting_id, site_id = int(applied.step.params["hosting_id"]), int(applied.step.params["site_id"])
        return [
            _step(
                "hosting.request_certificate",
                {"hosting_id": hosting_id, "site_id": site_id, "type": "free"},
                certificate_resource(hosting_id, site_id),
                f"Request a free certificate for site {site_id} again",
            )
        ]


class _NodeOpposite(_Inverse):
    def build(self, applied: AppliedStep) -> list[Step]:
        params = applied.step.params
        opposite = {"stop": "start", "start": "stop"}.get(str(params["action"]))
        if opposite is None:
            raise NotReversible(f"a Node.js {params['action']} cannot be undone")
        return [
            _step(
                "hosting.nodejs_action",
                {**params, "action": opposite},
                applied.resource,
                f"{opposite.capitalize()} the Node.js app {params['app_id']}",
                applied.after,
            )
        ]


register_inverse("hosting.create_site", _DeleteCreated("hosting.delete_site", "site_id", site_resource, "site"))
register_inverse(
    "hosting.create_database", _DeleteCreated("hosting.delete_database", "name", database_resource, "database")
)
register_inverse(
    "hosting.create_database_user",
    _DeleteCreatedUser("hosting.delete_database_user", "name", database_user_resource, "database user"),
)
register_inverse(
    "hosting.create_ftp_user", _DeleteCreated("hosting.delete_ftp_user", "login", ftp_user_resource, "FTP/SSH user")
)
register_inverse("hosting.add_aliases", _RemoveAddedAliases())
register_inverse("hosting.remove_alias", _AddRemovedAlias())
register_inverse("hosting.delete_database_user", _RecreateDatabaseUser())
register_inverse("hosting.update_database_user", _RestoreGrants())
register_inverse("hosting.delete_ftp_user", _RecreateFtpUser())
register_inverse("hosting.update_ftp_user", _RestoreFtpType())
register_inverse("hosting.request_certificate", _UndoCertificateRequest())
register_inverse("hosting.delete_certificate", _RequestFreeAgain())
register_inverse("hosting.nodejs_action", _NodeOpposite())
