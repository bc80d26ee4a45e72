"""Hosting writes whose request got no answer in time: the executor's reconcilers (`safety.executor`).

A create that is there, or a delete that is gone, is applied (with the state the operation itself
records, so undo works as usual); otherwise not applied, or unknown while the hosting is busy (the
write may still be running there). Updates, aliases and Node.js actions cannot be told apart from
a read: they are reported unknown, with how to check by hand.
"""

from __future__ import annotations

from infomaniak_mcp.domain.hosting import certificate_resource, site_resource
from infomaniak_mcp.safety.executor import NOT_APPLIED, ReconcileResult, StepResult, register_reconciler
from infomaniak_mcp.safety.operations import OperationContext, read_resource
from infomaniak_mcp.safety.plan import Step
from infomaniak_mcp.tools.hosting_ops import site_by_fqdn, site_value

LOST_PASSWORD = "its generated password was not received: set a new one (hosting_update_user, rotate_password)"


async def _absent(op: OperationContext, step: Step) -> ReconcileResult:
    """Not applied, unless the hosting is busy: the write may still be running there (unknown)."""
    hosting = await op.api.hosting.get_hosting(int(step.params["hosting_id"]))
    return None if hosting.has_operation_in_progress else NOT_APPLIED


async def _reconcile_create(op: OperationContext, step: Step) -> ReconcileResult:
    """The site (same fqdn), database or user exists: applied, with its state as the operation records it."""
    hosting_id = int(step.params["hosting_id"])
    if step.operation == "hosting.create_site":
        site = await site_by_fqdn(op.api, hosting_id, str(step.params["fqdn"]))
        if site is not None:
            after = site_value(site)
            return StepResult(resource=site_resource(hosting_id, site.id), after=after, data={"site_id": site.id})
    elif (value := await read_resource(op.api, step.resource)) is not None:
        data = {"note": LOST_PASSWORD} if step.operation.endswith("_user") else None
        return StepResult(resource=step.resource, after=value, data=data)
    return await _absent(op, step)


async def _reconcile_delete(op: OperationContext, step: Step) -> ReconcileResult:
    if await read_resource(op.api, step.resource) is None:
        return StepResult(resource=step.resource, after=None)
    return await _absent(op, step)


async def _reconcile_certificate(op: OperationContext, step: Step) -> ReconcileResult:
    """A certificate on the site where there was none, or other than the one it replaces: applied."""
    hosting_id, site_id = int(step.params["hosting_id"]), step.params.get("site_id")
    if site_id is None:
        site = await site_by_fqdn(op.api, hosting_id, str(step.params["fqdn"]))
        if site is None:
            return NOT_APPLIED  # no site, no certificate request
        site_id = site.id
    resource = certificate_resource(hosting_id, int(site_id))
    now, before = await read_resource(op.api, resource), step.before if isinstance(step.before, dict) else None
    mark = ("type", "fingerprint")
    if now is not None and (before is None or [now.get(k) for k in mark] != [before.get(k) for k in mark]):
        return StepResult(resource=resource, after=now)
    return await _absent(op, step) if now == before else None


async def _cannot_tell(op: OperationContext, step: Step) -> ReconcileResult:
    return None


def _check_by_hand(step: Step) -> str:
    return (
        f"It may have gone through (or still run upstream): re-read {step.resource} (hosting_get_site, "
        "hosting_list_databases, hosting_list_ftp_users) before retrying or undoing."
    )


for _operation, _reconciler in (
    *((f"hosting.create_{what}", _reconcile_create) for what in ("site", "database", "database_user", "ftp_user")),
    *((f"hosting.delete_{what}", _reconcile_delete) for what in ("site", "database", "database_user", "ftp_user")),
    ("hosting.delete_certificate", _reconcile_delete),
    ("hosting.request_certificate", _reconcile_certificate),
    *((f"hosting.{what}", _cannot_tell) for what in ("add_aliases", "remove_alias", "update_database_user",
                                                      "update_ftp_user", "nodejs_action")),
):
    register_reconciler(_operation, _reconciler, hint=_check_by_hand)
