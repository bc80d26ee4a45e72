"""Hosting pre-flight on ordinary bad input: a field error naming the argument, and nothing changes.

Alias names are checked one by one like a site's name (valid host name, domain on the account and
not expired, not already served by any site or alias of the organisation); arguments given with
a kind they do not apply to are refused instead of silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_writes_support import connect_writes, structured
from test_e2e_hosting_writes import WEB, HostingBench, plan, refused

pytestmark = pytest.mark.anyio
ALIAS = {"hosting_id": WEB, "kind": "alias", "site_id": 1250802}


@pytest.fixture
def hb(tmp_path: Path) -> HostingBench:
    return HostingBench(tmp_path)


def field_of(error: dict[str, Any]) -> set[str]:
    return {d.get("attribute") for d in error.get("details", [])}


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("hosting_delete_resource", {"hosting_id": WEB, "kind": "alias", "site_id": 1250801, "name": "not a name"}),
        ("hosting_create_resource", {**ALIAS, "name": " , ,"}),
        ("hosting_create_resource", {**ALIAS, "name": ""}),
        ("hosting_create_resource", {**ALIAS, "name": "ok.alpage-shop.ch, not a name"}),
        ("hosting_delete_resource", {"hosting_id": WEB, "kind": "alias", "site_id": 1250801, "name": "é☃"}),
    ],
)
async def test_bad_alias_names_are_field_errors(hb: HostingBench, tool: str, args: dict[str, Any]) -> None:
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        error = await refused(client, tool, args)
    assert error["error"] == "invalid_argument", error
    assert field_of(error) == {"name"}
    assert "nothing was changed" in error["next_step"]
    assert hb.business_dump() == before


@pytest.mark.parametrize(
    ("name", "code", "where"),
    [
        ("www.not-mine.com", "domain_not_on_account", "no domain of this organisation covers www.not-mine.com"),
        ("new.alpage-shpo.ch", "domain_not_on_account", "(did you mean new.alpage-shop.ch?)"),
        ("shop.alpage-labs.dev", "domain_expired", "the domain alpage-labs.dev expired"),
        # a second name on another domain is checked too (not only the first name's domain)
        ("new.alpage-shop.ch, alpage-digital.ch", "fqdn_in_use", "an alias of site 1250801 on hosting 693801"),
        # an alias on another domain than its site's, on this hosting
        ("promo.alpage-cloud.com", "fqdn_in_use", "an alias of site 1250801 on hosting 693801"),
        # an alias of a site on another hosting of the organisation
        ("extra.alpage-digital.ch", "fqdn_in_use", "an alias of site 1250804 on hosting 693802"),
    ],
)
async def test_each_alias_name_is_checked_like_a_site_name(hb: HostingBench, name: str, code: str, where: str) -> None:
    hb.state.domains["alpage-labs.dev"]["expires_at"] = hb.state.clock.now() - 86_400
    hb.state.site_aliases[1250801].append(
        {"name": "promo.alpage-cloud.com", "fqdn_idn": "promo.alpage-cloud.com", "can_update_dns": True,
         "is_synonym": False, "is_main": False, "is_protected": False}
    )
    hb.state.site_aliases[1250804].append(
        {"name": "extra.alpage-digital.ch", "fqdn_idn": "extra.alpage-digital.ch", "can_update_dns": True,
         "is_synonym": False, "is_main": False, "is_protected": False}
    )
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        error = await refused(client, "hosting_create_resource", {**ALIAS, "name": name})
        ok = await plan(client, "hosting_create_resource", {**ALIAS, "name": "new.alpage-shop.ch"})
    assert error["error"] == code, error
    assert where in error["description"]
    assert field_of(error) == {"name"}
    assert ok["plan"]["steps"][0]["params"]["aliases"] == ["new.alpage-shop.ch"]
    assert hb.business_dump() == before


@pytest.mark.parametrize(
    ("args", "field", "problem"),
    [
        ({"kind": "database_user", "name": "al7pdg_ro", "rights": "admin"}, "database", "required with rights"),
        ({"kind": "database_user", "name": "al7pdg_ro", "connection_type": "ssh"}, "connection_type",
         "only applies to kind=ftp_user"),
        ({"kind": "ftp_user", "name": "al7pdg_deploy", "database": "al7pdg_wp", "rights": "read"}, "database",
         "only applies to kind=database_user"),
    ],
)
async def test_update_user_refuses_arguments_it_would_ignore(
    hb: HostingBench, args: dict[str, Any], field: str, problem: str
) -> None:
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        error = await refused(client, "hosting_update_user", {"hosting_id": WEB, **args})
    assert error["error"] == "invalid_argument", error
    assert field_of(error) == {field}
    assert problem in error["description"]
    assert hb.business_dump() == before


async def test_nothing_to_change_hint_is_not_redacted(hb: HostingBench) -> None:
    user = {"hosting_id": WEB, "kind": "database_user", "name": "al7pdg_ro"}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        result = await client.call_tool("hosting_update_user", {**user, "database": "al7pdg_wp", "rights": "read"})
        asked_nothing = await client.call_tool("hosting_update_user", user)
    assert not result.is_error
    out = structured(result)
    assert out["status"] == "unchanged"  # the settings already are as asked
    assert out["message"].endswith(" Give rotate_password: true, database and rights, or connection_type.")
    assert asked_nothing.is_error  # no change asked at all: a mistake, whose text is not redacted either
    mistake = structured(asked_nothing)
    assert mistake["error"] == "invalid_argument"
    assert "give rotate_password true, or database and rights" in mistake["description"]


async def test_list_databases_of_an_unknown_name_says_what_exists(hb: HostingBench) -> None:
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        result = await client.call_tool("hosting_list_databases", {"hosting_id": WEB, "name": "nope"})
        found = structured(await client.call_tool("hosting_list_databases", {"hosting_id": WEB, "name": "al7pdg_wp"}))
    assert result.is_error
    error = structured(result)
    assert error["error"] == "object_not_found"
    assert "'nope'" in error["description"]
    assert "al7pdg_wp" in error["next_step"]
    assert "al7pdg_ro" in error["next_step"]
    assert [d["name"] for d in found["databases"]] == ["al7pdg_wp"]


async def test_a_typo_in_the_site_domain_suggests_the_account_domain(hb: HostingBench) -> None:
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        error = await refused(client, "hosting_create_site", {"hosting_id": WEB, "fqdn": "blog.alpage-digitl.ch"})
    assert error["error"] == "domain_not_on_account", error
    assert "did you mean blog.alpage-digital.ch?" in error["description"]
    assert "fqdn=blog.alpage-digital.ch" in error["next_step"]
    assert field_of(error) == {"fqdn"}
    assert hb.business_dump() == before
