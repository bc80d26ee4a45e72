"""An id or name that is not where it was looked for: every hosting tool answers with an error on the field,
naming the hosting that has it (site and Node.js app ids) or the tool that lists the valid values."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from e2e_writes_support import connect_writes
from test_e2e_hosting_writes import NODE, WEB, HostingBench, refused

from infomaniak_mcp.tools.hosting_common import MAX_LOOKUP_HOSTINGS

pytestmark = pytest.mark.anyio

# (tool, arguments, field, words of the description, words of the next step)
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("hosting_list_sites", {"hosting_id": 999}, "hosting_id", "no hosting 999", "hosting_list_hostings"),
    ("hosting_list_databases", {"hosting_id": 999}, "hosting_id", "no hosting 999", "hosting_list_hostings"),
    ("hosting_list_ftp_users", {"hosting_id": 999}, "hosting_id", "no hosting 999", "hosting_list_hostings"),
    ("hosting_audit_hostings", {"hosting_id": 999}, "hosting_id", "no hosting 999", "hosting_list_hostings"),
    ("hosting_delete_resource", {"hosting_id": 999, "kind": "site", "site_id": 1}, "hosting_id", "no hosting 999",
     "hosting_list_hostings"),
    ("hosting_get_site", {"hosting_id": WEB, "site_id": 999}, "site_id", "no site 999 on hosting 693801",
     "hosting_list_sites hosting_id=693801"),
    ("hosting_get_site", {"hosting_id": NODE, "site_id": 1250801}, "site_id",
     "site 1250801 is on hosting 693801, not on hosting 693802", "hosting_id=693801"),
    ("hosting_get_nodejs_app", {"hosting_id": WEB, "app_id": 880401}, "app_id",
     "Node.js app 880401 is on hosting 693802, not on hosting 693801", "hosting_id=693802"),
    ("hosting_apply_nodejs_action", {"hosting_id": WEB, "app_id": 880401, "action": "restart"}, "app_id",
     "Node.js app 880401 is on hosting 693802, not on hosting 693801", "hosting_id=693802"),
    ("hosting_get_nodejs_app", {"hosting_id": NODE, "app_id": 9}, "app_id", "no Node.js app 9 on hosting 693802",
     "hosting_list_sites hosting_id=693802"),
    ("hosting_set_certificate", {"hosting_id": WEB, "site_id": 999, "type": "free"}, "site_id", "no site 999",
     "hosting_list_sites"),
    ("hosting_create_resource", {"hosting_id": WEB, "kind": "alias", "site_id": 999, "name": "x.alpage-digital.ch"},
     "site_id", "no site 999", "hosting_list_sites"),
    ("hosting_update_user", {"hosting_id": WEB, "kind": "database_user", "name": "nope", "rotate_password": True},
     "name", "no database user al7pdg_nope", "hosting_list_databases hosting_id=693801"),
    ("hosting_update_user", {"hosting_id": WEB, "kind": "ftp_user", "name": "nope", "rotate_password": True},
     "name", "no FTP/SSH user al7pdg_nope", "hosting_list_ftp_users hosting_id=693801"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "site", "site_id": 999}, "site_id", "no site 999",
     "hosting_list_sites"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "database", "name": "nope"}, "name",
     "no database al7pdg_nope", "hosting_list_databases"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "database_user", "name": "nope"}, "name",
     "no database user al7pdg_nope", "hosting_list_databases"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "ftp_user", "name": "nope"}, "name",
     "no FTP/SSH user al7pdg_nope", "hosting_list_ftp_users"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "certificate", "site_id": 999}, "site_id", "no site 999",
     "hosting_list_sites"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "certificate", "site_id": 1250801}, "site_id",
     "site 1250801 has no certificate", "certificates=true"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "alias", "site_id": 999, "name": "x.ch"}, "site_id",
     "no site 999", "hosting_list_sites"),
    ("hosting_delete_resource", {"hosting_id": WEB, "kind": "alias", "site_id": 1250801, "name": "nope.ch"}, "name",
     "nope.ch is not an alias of site 1250801", "hosting_get_site hosting_id=693801 site_id=1250801"),
    ("hosting_list_databases", {"hosting_id": WEB, "name": "nope"}, "name", "'nope'", "al7pdg_wp"),
]


async def test_unknown_ids_are_errors_on_their_field_with_where_to_find_valid_ones(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    hb.state.certificates.pop(1250801, None)
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        for tool, args, field, described, next_step in CASES:
            error = await refused(client, tool, args)
            assert error["error"] == "object_not_found", (tool, args, error)
            assert error["description"].startswith(f"{field}: "), (tool, args, error)
            assert [d.get("attribute") for d in error["details"]] == [field], (tool, args, error)
            assert described in error["description"], (tool, args, error)
            assert next_step in error["next_step"], (tool, args, error)
    assert hb.business_dump() == before


async def test_a_site_id_with_the_wrong_hosting_is_not_searched_on_many_hostings(tmp_path: Path) -> None:
    """More other hostings than MAX_LOOKUP_HOSTINGS: no search through their sites (one request each), the hint
    says they were not searched."""
    hb = HostingBench(tmp_path)
    for n in range(MAX_LOOKUP_HOSTINGS):
        hb.state.hostings[694000 + n] = {**copy.deepcopy(hb.state.hostings[693803]), "id": 694000 + n}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        sites_before = len(hb.exchanges("GET", "/sites"))
        error = await refused(client, "hosting_get_site", {"hosting_id": NODE, "site_id": 1250801})
        sites_after = len(hb.exchanges("GET", "/sites"))
    assert error["description"] == f"site_id: no site 1250801 on hosting {NODE}"
    assert f"{MAX_LOOKUP_HOSTINGS + 2} other hostings were not searched" in error["next_step"]
    assert "hosting_list_sites hosting_id=693802" in error["next_step"]
    assert sites_after - sites_before == 1  # the site's own GET, no listing of other hostings' sites
