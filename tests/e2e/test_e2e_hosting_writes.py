"""Hosting writes end to end: plan → token → apply through the real MCP client, on the sandbox.

Every write goes to the manager surface (`/proxy/...`); a test proves the public surface would have
created nothing (the trap) and that the operation notices it. Pre-flight refusals leave the
sandbox byte-for-byte unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, _plain, connect_writes, structured
from mcp import Client
from mcp.server.mcpserver import MCPServer

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.hosting.manager import ManagerHostingClient
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.safety.plan import canonical_json
from infomaniak_mcp.sandbox import RecordedExchange
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools
from infomaniak_mcp.tools import hosting_ops

pytestmark = pytest.mark.anyio
WEB, NODE, RIVE = 693801, 693802, 693803
TOOLSETS = ["hosting", "dns", "history", "audit"]


class HostingBench(WriteBench):
    """`WriteBench` with the hosting toolset, the sandbox's business clock, and the recorded exchanges."""

    def server(self, *, read_only: bool = False, selection: Any = None, session: bool = True) -> MCPServer[Any]:
        settings = self.settings if session else replace(self.settings, sasession=None, xsrf_token=None)
        api = InfomaniakApi.from_settings(settings, transport=self.transport, limiter=RateLimiter(100_000, 60.0))
        chosen = selection or select_tools(TOOLSETS, read_only=read_only)
        return build_server(settings, chosen, api=api, safety=self.engine, clock=lambda: float(self.state.clock.now()))

    def business_dump(self) -> str:
        """`state_dump()` without the manager sessions (reads through the manager count toward XSRF rotation)."""
        fields = {f.name: getattr(self.state, f.name) for f in dataclasses.fields(self.state)}
        fields = {k: v for k, v in fields.items() if k not in ("clock", "manager_sessions")}
        return canonical_json(_plain(fields))

    def exchanges(self, method: str, fragment: str) -> list[RecordedExchange]:
        runtime = self.transport.app.state.runtime  # type: ignore[attr-defined]
        return [e for e in runtime.history if e.method == method and fragment in e.path]


@pytest.fixture
def hb(tmp_path: Path) -> HostingBench:
    return HostingBench(tmp_path)


async def plan(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, text_of(result)
    out = structured(result)
    assert out["status"] == "confirmation_required", out
    return out


async def apply(client: Client, tool: str, args: dict[str, Any], *, status: str = "applied") -> dict[str, Any]:
    planned = await plan(client, tool, args)
    result = await client.call_tool(tool, {**args, "confirmation_token": planned["confirmation_token"]})
    out = structured(result)
    assert out["status"] == status, text_of(result)
    return out


async def refused(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.is_error, text_of(result)
    return structured(result)


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def applied_data(outcome: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return dict(outcome["report"]["applied"][index].get("data") or {})


def assert_secrets_nowhere(
    hb: HostingBench, secrets: list[str], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Each generated password reached the caller once and is in no log, audit/history file or sandbox record."""
    assert secrets
    assert all(len(s) >= 12 for s in secrets)
    err = capfd.readouterr().err
    files = {p.name: p.read_text(errors="replace") for p in sorted(hb.state_dir.rglob("*")) if p.is_file()}
    assert {"audit.jsonl", "history.jsonl"} <= set(files)
    runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
    recorded = repr([e.to_dict() for e in runtime.history])
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in err
        for name, text in files.items():
            assert secret not in text, name
        assert secret not in recorded  # the sandbox's request history (`/_sandbox/requests`) too


# ---- sites -------------------------------------------------------------------------------------
async def test_create_site_uses_the_manager_surface(hb: HostingBench) -> None:
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_create_site", {"hosting_id": WEB, "fqdn": "blog.alpage-digital.ch"})
        assert planned["plan"]["steps"][0]["params"] == {
            "hosting_id": WEB, "fqdn": "blog.alpage-digital.ch", "directory": "/sites/blog.alpage-digital.ch",
            "environment": "apache_php", "php_version": "8.3",
        }
        out = await apply(client, "hosting_create_site", {"hosting_id": WEB, "fqdn": "blog.alpage-digital.ch"})
    site_id = applied_data(out)["site_id"]
    assert hb.state.sites[site_id]["main_fqdn"] == "blog.alpage-digital.ch"
    posts = hb.exchanges("POST", "/web_hostings/693801/sites")
    assert [(e.surface, e.path) for e in posts] == [("manager", "/proxy/1/web_hostings/693801/sites")]
    assert out["history_id"]


async def test_the_public_api_trap_is_detected(hb: HostingBench, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the writes sent to the public host, it would answer success and create nothing; the
    operation reads the result back and fails loudly instead of reporting a site that does not exist."""
    monkeypatch.setattr(hosting_ops, "_manager", lambda op: ManagerHostingClient(op.api.http))
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(
            client, "hosting_create_site", {"hosting_id": WEB, "fqdn": "trap.alpage-digital.ch"}, status="failed"
        )
    error = out["report"]["failed"][0]["error"]
    assert error["error"] == "not_created"
    assert "silently ignored write" in error["description"]
    assert not [s for s in hb.state.sites.values() if s["main_fqdn"] == "trap.alpage-digital.ch"]
    posts = hb.exchanges("POST", "/web_hostings/693801/sites")
    assert [(e.surface, e.status) for e in posts] == [("public", 200)]


@pytest.mark.parametrize(
    ("args", "code", "setup"),
    [
        ({"fqdn": "www.alpage-digital.ch"}, "fqdn_in_use", None),
        ({"fqdn": "alpage-digital.ch"}, "fqdn_in_use", None),  # an alias of site 1250801
        ({"fqdn": "www.example.org"}, "domain_not_on_account", None),
        ({"fqdn": "new.alpage-labs.dev"}, "domain_expired", "expire"),
        ({"fqdn": "new.alpage-digital.ch"}, "hosting_locked", "lock"),
        ({"fqdn": "new.alpage-digital.ch"}, "operation_in_progress", "busy"),
        ({"fqdn": "new.alpage-digital.ch", "hosting_id": NODE}, "nodejs_hosting", None),
        ({"fqdn": "new.alpage-digital.ch", "database": "wp"}, "database_exists", None),
        ({"fqdn": "new.alpage-digital.ch", "directory": "/var/www"}, "invalid_argument", None),
        ({"fqdn": "not a name"}, "invalid_argument", None),
    ],
)
async def test_preflight_refusals_change_nothing(
    hb: HostingBench, args: dict[str, Any], code: str, setup: str | None
) -> None:
    if setup == "expire":
        hb.state.domains["alpage-labs.dev"]["expires_at"] = hb.state.clock.now() - 86_400
    elif setup == "lock":
        hb.state.hostings[WEB]["is_locked"] = True
    elif setup == "busy":
        hb.state.hostings[WEB]["_busy_until"] = hb.state.clock.now() + 300
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        error = await refused(client, "hosting_create_site", {"hosting_id": WEB, **args})
    assert error["error"] == code, error
    assert error["next_step"]
    if code == "operation_in_progress":
        assert error["kind"] == "ConflictError"
        assert "retry" in error["next_step"].lower()
    assert hb.business_dump() == before


async def test_writes_need_a_manager_session_and_say_how_to_refresh_it(hb: HostingBench) -> None:
    async with connect_writes(hb.server(session=False), "memory", "legacy") as client:
        error = await refused(client, "hosting_create_resource", {"hosting_id": WEB, "kind": "database", "name": "x"})
        listed = await client.call_tool("hosting_list_hostings", {})
    assert error["error"] == "manager_session_required"
    assert "INFOMANIAK_SASESSION" in error["next_step"]
    assert not listed.is_error  # public reads keep working
    hb.state.manager_sessions.clear()  # expired upstream: the apply fails with the refresh instructions
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(
            client, "hosting_create_resource", {"hosting_id": WEB, "kind": "database", "name": "x"}, status="failed"
        )
    error = out["report"]["failed"][0]["error"]
    assert error["error"] == "manager_session_expired"
    assert "copy the SASESSION cookie into INFOMANIAK_SASESSION" in error["next_step"]


async def test_a_hosting_busy_at_apply_time_is_a_retry_later_error(hb: HostingBench) -> None:
    args = {"hosting_id": WEB, "kind": "database", "name": "later"}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_create_resource", args)
        hb.state.hostings[WEB]["_busy_until"] = hb.state.clock.now() + 120  # someone else started something
        token = planned["confirmation_token"]
        result = await client.call_tool("hosting_create_resource", {**args, "confirmation_token": token})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "operation_in_progress"
    assert "Wait until it finishes" in error["next_step"]
    assert "al7pdg_later" not in hb.state.databases[WEB]


async def test_delete_site_plan_shows_what_is_affected(hb: HostingBench) -> None:
    args = {"hosting_id": WEB, "kind": "site", "site_id": 1250801}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_delete_resource", args)
        summary = planned["plan"]["summary"]
        assert planned["plan"]["risk"] == "irreversible"
        assert planned["plan"]["target_name"] == "www.alpage-digital.ch"
        assert "files under /sites/www.alpage-digital.ch are deleted with the site" in summary
        assert "aliases detached: alpage-digital.ch" in summary
        assert "linked databases are KEPT (delete them separately if unused): al7pdg_wp" in summary
        assert "FTP/SSH users homed there are kept but lose their files: al7pdg_deploy" in summary
        out = await apply(client, "hosting_delete_resource", args)
    assert 1250801 not in hb.state.sites
    assert "al7pdg_wp" in hb.state.databases[WEB]
    assert out["plan"]["reversible"] is False


# ---- aliases -----------------------------------------------------------------------------------
async def test_aliases_add_several_remove_one_undo_and_the_main_name(hb: HostingBench) -> None:
    both = "boutique.alpage-shop.ch, shop2.alpage-shop.ch"
    add = {"hosting_id": WEB, "kind": "alias", "site_id": 1250802, "name": both}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        await apply(client, "hosting_create_resource", add)
        names = [a["name"] for a in hb.state.site_aliases[1250802]]
        assert names[-2:] == ["boutique.alpage-shop.ch", "shop2.alpage-shop.ch"]
        again = await refused(client, "hosting_create_resource", {**add, "name": "boutique.alpage-shop.ch"})
        assert "already an alias" in again["description"]
        remove = {"hosting_id": WEB, "kind": "alias", "site_id": 1250802, "name": "shop2.alpage-shop.ch"}
        removed = await apply(client, "hosting_delete_resource", remove)
        assert "shop2.alpage-shop.ch" not in [a["name"] for a in hb.state.site_aliases[1250802]]
        await apply(client, "history_undo", {"history_id": removed["history_id"]})
        assert "shop2.alpage-shop.ch" in [a["name"] for a in hb.state.site_aliases[1250802]]
        main = await refused(client, "hosting_delete_resource", {**remove, "name": "www.alpage-shop.ch"})
        used = await refused(client, "hosting_create_resource", {**add, "name": "alpage-digital.ch"})
    assert main["error"] == "main_domain"
    assert "MAIN domain" in main["description"]
    assert "already used" in used["description"]
    assert all(e.surface == "manager" for e in hb.exchanges("POST", "/aliases"))


# ---- databases and users -----------------------------------------------------------------------
async def test_database_and_user_lifecycle(
    hb: HostingBench, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        await apply(client, "hosting_create_resource", {"hosting_id": WEB, "kind": "database", "name": "blog"})
        assert "al7pdg_blog" in hb.state.databases[WEB]
        created = await apply(client, "hosting_create_resource", {
            "hosting_id": WEB, "kind": "database_user", "name": "blog", "database": "al7pdg_blog",
        })
        password = applied_data(created)["password"]
        assert hb.state.database_users[WEB]["al7pdg_blog"]["_password_sha256"] == sha(password)
        assert password not in str(created["plan"])
        rights = await apply(client, "hosting_update_user", {
            "hosting_id": WEB, "kind": "database_user", "name": "al7pdg_blog", "database": "al7pdg_wp",
            "rights": "read",
        })
        assert rights["plan"]["summary"] == "Change database user al7pdg_blog: al7pdg_wp: none → read"
        user = hb.state.database_users[WEB]["al7pdg_blog"]
        assert {p["database"]: p["rights"]["write"] for p in user["permissions"]} == {
            "al7pdg_blog": True, "al7pdg_wp": False,
        }
        await apply(client, "history_undo", {"history_id": rights["history_id"]})
        assert [p["database"] for p in hb.state.database_users[WEB]["al7pdg_blog"]["permissions"]] == ["al7pdg_blog"]
        rotate = {"hosting_id": WEB, "kind": "database_user", "name": "al7pdg_blog", "rotate_password": True}
        planned = await plan(client, "hosting_update_user", rotate)
        assert (planned["plan"]["risk"], planned["plan"]["reversible"]) == ("high", False)
        rotated = await apply(client, "hosting_update_user", rotate)
        new_password = applied_data(rotated)["password"]
        assert new_password != password
        assert hb.state.database_users[WEB]["al7pdg_blog"]["_password_sha256"] == sha(new_password)
        nothing = structured(await client.call_tool("hosting_update_user", {
            "hosting_id": WEB, "kind": "database_user", "name": "al7pdg_blog", "database": "al7pdg_wp",
            "rights": "none",
        }))
        assert nothing["status"] == "unchanged"
        assert "al7pdg_blog already has these settings" in nothing["message"]
        asked_nothing = await client.call_tool("hosting_update_user", {
            "hosting_id": WEB, "kind": "database_user", "name": "al7pdg_blog",
        })
        assert asked_nothing.is_error
        mistake = structured(asked_nothing)
        assert mistake["error"] == "invalid_argument", mistake
        assert [d["attribute"] for d in mistake["details"]] == ["rotate_password", "database", "rights"]
        assert "no change requested" in mistake["description"]
        deleted = await apply(client, "hosting_delete_resource", {
            "hosting_id": WEB, "kind": "database_user", "name": "al7pdg_blog",
        })
        assert "al7pdg_blog" not in hb.state.database_users[WEB]
        restored = await apply(client, "history_undo", {"history_id": deleted["history_id"]})
        recreated = applied_data(restored)["password"]
        assert hb.state.database_users[WEB]["al7pdg_blog"]["_password_sha256"] == sha(recreated)
        assert [p["database"] for p in hb.state.database_users[WEB]["al7pdg_blog"]["permissions"]] == ["al7pdg_blog"]
        db = await apply(client, "hosting_delete_resource", {"hosting_id": WEB, "kind": "database", "name": "blog"})
    assert db["plan"]["risk"] == "irreversible"
    assert "al7pdg_blog" not in hb.state.databases[WEB]
    assert all(e.surface == "manager" for e in hb.exchanges("POST", "/database"))
    assert_secrets_nowhere(hb, [password, new_password, recreated], caplog, capfd)


async def test_ftp_users_create_switch_rotate_delete_and_restore(
    hb: HostingBench, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        created = await apply(client, "hosting_create_resource", {
            "hosting_id": WEB, "kind": "ftp_user", "name": "ci", "home_directory": "/sites/www.alpage-shop.ch",
        })
        first = applied_data(created)["password"]
        user = hb.state.ftp_users[WEB]["al7pdg_ci"]
        assert (user["has_ssh"], user["_password_sha256"]) == (False, sha(first))
        switched = await apply(client, "hosting_update_user", {
            "hosting_id": WEB, "kind": "ftp_user", "name": "ci", "connection_type": "ssh",
        })
        assert hb.state.ftp_users[WEB]["al7pdg_ci"]["has_ssh"] is True
        assert "password" not in applied_data(switched)
        rotated = await apply(client, "hosting_update_user", {
            "hosting_id": WEB, "kind": "ftp_user", "name": "al7pdg_ci", "rotate_password": True,
        })
        second = applied_data(rotated)["password"]
        assert hb.state.ftp_users[WEB]["al7pdg_ci"]["_password_sha256"] == sha(second)
        deleted = await apply(client, "hosting_delete_resource", {"hosting_id": WEB, "kind": "ftp_user", "name": "ci"})
        assert "its files are kept" in deleted["plan"]["summary"]
        assert "al7pdg_ci" not in hb.state.ftp_users[WEB]
        restored = await apply(client, "history_undo", {"history_id": deleted["history_id"]})
    back = hb.state.ftp_users[WEB]["al7pdg_ci"]
    assert (back["has_ssh"], back["home_directory"]) == (True, "/sites/www.alpage-shop.ch")
    third = applied_data(restored)["password"]
    assert back["_password_sha256"] == sha(third)
    assert all(e.surface == "manager" for e in hb.exchanges("PATCH", "/users/"))
    assert_secrets_nowhere(hb, [first, second, third], caplog, capfd)
