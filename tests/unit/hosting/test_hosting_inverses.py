"""Undo of hosting operations: which applied steps can be reverted, into what, and when undo must refuse."""

from __future__ import annotations

from typing import Any

import pytest

from infomaniak_mcp.safety.inverse import NotReversible, build_inverse_plan, drift_reasons, step_inverse
from infomaniak_mcp.safety.plan import AppliedStep, Step
from infomaniak_mcp.tools import hosting  # noqa: F401  (registers the hosting operations and inverses)
from infomaniak_mcp.tools.hosting_ops import MaterialStore


def applied(
    operation: str, params: dict[str, Any], resource: str, before: Any = None, after: Any = None
) -> AppliedStep:
    step = Step(operation=operation, params=params, resource=resource, description="x", before=before)
    return AppliedStep(step=step, resource=resource, before=before, after=after)


def ops(steps: list[Step]) -> list[tuple[str, dict[str, Any]]]:
    return [(s.operation, s.params) for s in steps]


def test_creations_are_undone_by_deleting_what_was_created() -> None:
    site = applied("hosting.create_site", {"hosting_id": 7, "fqdn": "a.ch"}, "hosting:7/sites/9",
                   after={"id": 9, "fqdn": "a.ch"})
    assert ops(step_inverse(site)) == [("hosting.delete_site", {"hosting_id": 7, "site_id": 9})]
    user = applied("hosting.create_ftp_user", {"hosting_id": 7, "login": "ci"}, "hosting:7/users/p_ci",
                   after={"login": "p_ci", "connection_type": "ftp", "home_directory": "/"})
    assert ops(step_inverse(user)) == [("hosting.delete_ftp_user", {"hosting_id": 7, "login": "p_ci"})]
    with pytest.raises(NotReversible):
        step_inverse(applied("hosting.create_database", {"hosting_id": 7, "name": "p_db"}, "hosting:7/databases/p_db"))


def test_deletions_that_can_be_restored_and_those_that_cannot() -> None:
    db_user = applied("hosting.delete_database_user", {"hosting_id": 7, "name": "p_u"}, "hosting:7/database_users/p_u",
                      before={"name": "p_u", "rights": {"p_db": "read"}})
    assert ops(step_inverse(db_user)) == [
        ("hosting.create_database_user", {"hosting_id": 7, "name": "p_u", "grants": {"p_db": "read"}})
    ]
    ftp = applied("hosting.delete_ftp_user", {"hosting_id": 7, "login": "p_ci", "short_login": "ci"},
                  "hosting:7/users/p_ci", before={"login": "p_ci", "connection_type": "ssh", "home_directory": "/x"})
    assert ops(step_inverse(ftp)) == [
        ("hosting.create_ftp_user", {"hosting_id": 7, "login": "ci", "connection_type": "ssh", "home_directory": "/x"})
    ]
    free = applied("hosting.delete_certificate", {"hosting_id": 7, "site_id": 9}, "hosting:7/certificates/9",
                   before={"site_id": 9, "type": "free"})
    assert ops(step_inverse(free)) == [("hosting.request_certificate", {"hosting_id": 7, "site_id": 9, "type": "free"})]
    custom = applied("hosting.delete_certificate", {"hosting_id": 7, "site_id": 9}, "hosting:7/certificates/9",
                     before={"site_id": 9, "type": "custom"})
    with pytest.raises(NotReversible, match="key is not kept"):
        step_inverse(custom)
    for operation, params in (("hosting.delete_site", {"hosting_id": 7, "site_id": 9}),
                              ("hosting.delete_database", {"hosting_id": 7, "name": "p_db"})):
        with pytest.raises(NotReversible):
            step_inverse(applied(operation, params, "hosting:7/x"))


def test_updates_rotations_and_nodejs() -> None:
    rights = applied("hosting.update_database_user",
                     {"hosting_id": 7, "name": "p_u", "grants": {"p_db": "admin"}, "rotate_password": False},
                     "hosting:7/database_users/p_u", before={"name": "p_u", "rights": {"p_db": "read"}},
                     after={"name": "p_u", "rights": {"p_db": "admin"}})
    assert ops(step_inverse(rights))[0][1]["grants"] == {"p_db": "read"}
    rotated = rights.model_copy(update={"step": rights.step.model_copy(update={"params": {
        **rights.step.params, "rotate_password": True}})})
    with pytest.raises(NotReversible, match="rotation"):
        step_inverse(rotated)
    stop = applied("hosting.nodejs_action", {"hosting_id": 8, "app_id": 5, "action": "stop"}, "hosting:8/nodejs/5",
                   before={"status": "Running"}, after={"status": "Stopped"})
    assert ops(step_inverse(stop)) == [("hosting.nodejs_action", {"hosting_id": 8, "app_id": 5, "action": "start"})]
    restart = applied("hosting.nodejs_action", {"hosting_id": 8, "app_id": 5, "action": "restart"}, "hosting:8/x")
    with pytest.raises(NotReversible):
        step_inverse(restart)


def test_aliases_and_drift() -> None:
    added = applied("hosting.add_aliases", {"hosting_id": 7, "site_id": 9, "aliases": ["a.x.ch", "b.x.ch"]},
                    "hosting:7/sites/9/aliases", before=["x.ch"], after=["a.x.ch", "b.x.ch", "x.ch"])
    plan, skipped = build_inverse_plan([added], tool="history_undo", summary="undo", target_name="x")
    assert plan is not None
    assert skipped == []
    assert [s.params["alias"] for s in plan.steps] == ["a.x.ch", "b.x.ch"]
    assert drift_reasons([added], {"hosting:7/sites/9/aliases": ["a.x.ch", "b.x.ch", "x.ch"]}) == []
    assert drift_reasons([added], {"hosting:7/sites/9/aliases": ["a.x.ch", "b.x.ch", "c.x.ch", "x.ch"]})


def test_material_store_keeps_pem_by_reference() -> None:
    store = MaterialStore(size=2)
    first = store.put({"certificate": "C1", "private_key": "-----BEGIN PRIVATE KEY-----k1"})
    assert first.startswith("pem:")
    assert store.put({"certificate": "C1", "private_key": "-----BEGIN PRIVATE KEY-----k1"}) == first
    assert store.get(first)["certificate"] == "C1"
    store.put({"certificate": "C2", "private_key": "k2"})
    store.put({"certificate": "C3", "private_key": "k3"})
    with pytest.raises(Exception, match="no longer in memory"):
        store.get(first)


def test_a_database_granted_by_a_later_step_of_the_same_write_has_not_drifted() -> None:
    """Provisioning records the database (no users yet), then creates its user with rights on it."""
    db = applied("hosting.create_database", {"hosting_id": 7, "name": "p_db"}, "hosting:7/databases/p_db",
                 after={"name": "p_db", "description": "", "users": {}})
    user = applied("hosting.create_database_user", {"hosting_id": 7, "name": "p_u", "grants": {"p_db": "read_write"}},
                   "hosting:7/database_users/p_u", after={"name": "p_u", "rights": {"p_db": "read_write"}})
    now = {"hosting:7/databases/p_db": {"name": "p_db", "description": "", "users": {"p_u": "read_write"}},
           "hosting:7/database_users/p_u": {"name": "p_u", "rights": {"p_db": "read_write"}}}
    assert drift_reasons([db, user], now) == []
    # a user granted by someone else since is still a drift, and so is a change of the plan's own grant
    other = {**now, "hosting:7/databases/p_db": {"name": "p_db", "description": "",
                                                "users": {"p_u": "read_write", "p_x": "read"}}}
    assert drift_reasons([db, user], other) == ["hosting:7/databases/p_db changed since the write was applied"]
    lowered = {**now, "hosting:7/databases/p_db": {"name": "p_db", "description": "", "users": {"p_u": "read"}}}
    assert drift_reasons([db, user], lowered) == ["hosting:7/databases/p_db changed since the write was applied"]
    # alone (its user never created: failure at step 3), the database is compared with what was recorded
    assert drift_reasons([db], {"hosting:7/databases/p_db": {"name": "p_db", "description": "", "users": {}}}) == []


def test_grant_changes_of_a_later_step_are_projected_on_the_database() -> None:
    db = applied("hosting.create_database", {"hosting_id": 7, "name": "p_db"}, "hosting:7/databases/p_db",
                 after={"name": "p_db", "description": "", "users": {"p_u": "read"}})
    revoke = applied("hosting.update_database_user", {"hosting_id": 7, "name": "p_u", "grants": {}},
                     "hosting:7/database_users/p_u", before={"name": "p_u", "rights": {"p_db": "read"}},
                     after={"name": "p_u", "rights": {}})
    now = {"hosting:7/databases/p_db": {"name": "p_db", "description": "", "users": {}},
           "hosting:7/database_users/p_u": {"name": "p_u", "rights": {}}}
    assert drift_reasons([db, revoke], now) == []
    grant8 = {"hosting_id": 8, "name": "p_u", "grants": {"p_db": "read"}}
    other_hosting = applied("hosting.create_database_user", grant8, "hosting:8/database_users/p_u",
                            after={"name": "p_u", "rights": {"p_db": "read"}})
    now8 = {"hosting:7/databases/p_db": {"name": "p_db", "description": "", "users": {"p_u": "read"}},
            "hosting:8/database_users/p_u": {"name": "p_u", "rights": {"p_db": "read"}}}
    assert drift_reasons([db, other_hosting], now8) == []


def test_a_certificate_living_its_own_life_does_not_block_undoing_its_request() -> None:
    """A free certificate goes from pending to ok and renews (status and fingerprint move) without anyone
    replacing it; a custom one with another fingerprint, or a certificate of another type, was replaced."""
    resource = "hosting:7/certificates/9"
    pending = {"site_id": 9, "type": "free", "status": "pending", "fingerprint": None}
    free = applied("hosting.request_certificate", {"hosting_id": 7, "site_id": 9, "type": "free"}, resource,
                   after=pending)
    assert drift_reasons([free], {resource: {**pending, "status": "ok", "fingerprint": "ab12"}}) == []
    assert drift_reasons([free], {resource: {**pending, "status": "error"}}) == []
    assert drift_reasons([free], {resource: None}) == [f"{resource} no longer exists"]
    assert drift_reasons([free], {resource: {**pending, "type": "custom", "fingerprint": "cd34"}}) == [
        f"{resource} was replaced by a custom certificate since"
    ]
    mine = {"site_id": 9, "type": "custom", "status": "ok", "fingerprint": "ab12"}
    custom = applied("hosting.request_certificate", {"hosting_id": 7, "site_id": 9, "type": "custom"}, resource,
                     after=mine)
    assert drift_reasons([custom], {resource: {**mine, "status": "expired"}}) == []
    assert drift_reasons([custom], {resource: {**mine, "fingerprint": "ef56"}}) == [
        f"{resource} was replaced by another certificate since"
    ]
