"""The hosting clients against the sandbox: the exact route and surface of every call, and the sandbox's rules.

Public reads go to `/1/...` with the Bearer token; writes and manager-only reads go to `/proxy/...`
with the session (recorded `surface == "manager"`).
"""

from __future__ import annotations

import hashlib

import httpx2
import pytest
from hosting_support import Sbx, make_api

from infomaniak_mcp.api.errors import (
    ConflictError,
    ForbiddenError,
    ManagerSessionError,
    NotFoundError,
    ValidationFailedError,
)
from infomaniak_mcp.api.hosting import ManagerHostingClient, Rights
from infomaniak_mcp.sandbox import SandboxClock, SandboxState, create_app

pytestmark = pytest.mark.anyio
WEB, NODE, RIVE = 693801, 693802, 693803
APP = 880401


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def test_public_reads(sbx: Sbx) -> None:
    hostings = await sbx.api.hosting.list_hostings(account_id=412301)
    assert {h.id for h in hostings} == {WEB, NODE}
    web = await sbx.api.hosting.get_hosting(WEB)
    assert (web.prefix, web.is_nodejs, web.disk_quota) == ("al7pdg", False, 250 * 1024**3)
    assert sbx.last().path == f"/1/web_hostings/{WEB}"
    assert sbx.last().surface == "public"
    sites = await sbx.api.hosting.list_sites(WEB, with_=("applications", "environments", "ips"))
    by_fqdn = {s.main_fqdn: s for s in sites}
    assert by_fqdn["staging.alpage-digital.ch"].php_version == "7.4"
    assert by_fqdn["www.alpage-digital.ch"].ips[0].host == "203.0.113.10"
    node_sites = await sbx.api.hosting.list_sites(NODE, with_=())
    assert [s.vhost_route_id for s in node_sites] == [APP]
    databases = await sbx.api.hosting.list_databases(WEB)
    assert {d.name for d in databases} == {"al7pdg_wp", "al7pdg_shop", "al7pdg_staging"}
    user = await sbx.api.hosting.get_database_user(WEB, "al7pdg_ro")
    assert {p.database for p in user.permissions} == {"al7pdg_wp", "al7pdg_shop"}
    ftp = await sbx.api.hosting.list_ftp_users(WEB)
    assert {u.login: u.connection_type for u in ftp} == {"al7pdg_deploy": "ssh", "al7pdg_agency": "ftp"}
    cert = await sbx.api.hosting.get_certificate(WEB, 1250803)
    assert (cert.status, cert.error_on_certificate) == ("error", "dns_challenge_failed")
    with pytest.raises(NotFoundError):
        await sbx.api.hosting.get_certificate(RIVE, 1250806)


async def test_manager_reads_and_node_actions(sbx: Sbx) -> None:
    aliases = await sbx.manager.list_aliases(WEB, 1250801)
    assert [(a.name, a.is_main) for a in aliases] == [("www.alpage-digital.ch", True), ("alpage-digital.ch", False)]
    assert sbx.last().surface == "manager"
    assert sbx.last().path.startswith("/proxy/1/web_hostings/")
    app = await sbx.manager.get_node_app(NODE, APP)
    assert (app.setting("node_version"), app.setting("port")) == ("20", 3000)
    assert await sbx.manager.node_status(NODE, APP) == "Running"
    jobs = await sbx.manager.node_jobs(NODE, APP)
    assert [j.action for j in jobs] == ["restart", "build"]  # newest first
    stream = await sbx.manager.node_log_stream(NODE, APP)
    assert stream.endpoint.startswith("https://manager-logs-01.hosting-ik.com/")
    assert stream.jwt_token
    domains = await sbx.manager.node_aliases(NODE, APP)
    assert [d.is_preview for d in domains] == [False, True]
    assert await sbx.manager.node_action(NODE, APP, "stop") is True
    assert await sbx.manager.node_status(NODE, APP) == "Stopped"
    build = await sbx.manager.node_action(NODE, APP, "build")
    assert build["resource_id"] == "job-880401-0004"
    assert (await sbx.manager.node_jobs(NODE, APP))[0].action == "build"
    with pytest.raises(ValueError, match=r"unknown Node\.js action"):
        await sbx.manager.node_action(NODE, APP, "explode")


async def test_the_public_trap_and_the_manager_surface(sbx: Sbx) -> None:
    """The public POST answers a progress id and creates nothing; the manager one creates."""
    public = await sbx.api.http.post(
        f"/1/web_hostings/{WEB}/sites",
        {"fqdn": "trap.alpage-digital.ch", "directory": "/sites/trap", "force_fqdn": True, "environment": "apache_php"},
    )
    assert "progress_id" in public
    assert not [s for s in sbx.state.sites.values() if s["main_fqdn"] == "trap.alpage-digital.ch"]
    task = await sbx.manager.get_task(public["progress_id"])
    assert task.done
    assert task.response == {}
    progress = await sbx.manager.create_site(
        WEB, fqdn="blog.alpage-digital.ch", directory="/sites/blog.alpage-digital.ch", environment="apache_php",
        php_version="8.2",
    )
    assert progress is not None
    assert sbx.last().surface == "manager"
    assert sbx.last().body == {
        "fqdn": "blog.alpage-digital.ch", "directory": "/sites/blog.alpage-digital.ch", "force_fqdn": True,
        "environment": "apache_php", "php_version": "8.2",
    }
    created = (await sbx.manager.get_task(progress)).response
    site = await sbx.api.hosting.get_site(WEB, created["site_id"], with_=("environments",))
    assert (site.main_fqdn, site.php_version) == ("blog.alpage-digital.ch", "8.2")
    with pytest.raises(ConflictError):  # already served (as an alias too)
        await sbx.manager.create_site(WEB, fqdn="alpage-digital.ch", directory="/sites/x", environment="apache_php")
    with pytest.raises(ValidationFailedError):
        await sbx.manager.create_site(WEB, fqdn="x.alpage-digital.ch", directory="/sites/x", environment="apache_php",
                                      php_version="5.6")
    assert await sbx.manager.delete_site(WEB, created["site_id"]) is True
    with pytest.raises(NotFoundError):
        await sbx.api.hosting.get_site(WEB, created["site_id"])


async def test_databases_and_database_users(sbx: Sbx) -> None:
    progress = await sbx.manager.create_database(WEB, "al7pdg_blog", "Blog")
    assert (await sbx.manager.get_task(str(progress))).response == {"database_name": "al7pdg_blog"}
    created = await sbx.manager.create_database_user(
        WEB, "blog", "S3cret-password-1", {"al7pdg_blog": Rights(read=True, write=True)}
    )
    assert created["name"] == "al7pdg_blog"
    assert "password" not in created
    assert sbx.state.database_users[WEB]["al7pdg_blog"]["_password_sha256"] == sha("S3cret-password-1")
    db = await sbx.api.hosting.get_database(WEB, "al7pdg_blog")
    assert [(p.user, p.rights.write) for p in db.permissions] == [("al7pdg_blog", True)]
    patched = await sbx.manager.update_database_user(
        WEB, "al7pdg_blog", permissions={"al7pdg_blog": Rights(read=True), "al7pdg_wp": Rights(read=True)},
        password="An0ther-password",
    )
    assert patched is True
    assert sbx.last().method == "PATCH"
    assert sbx.last().body["permissions"]["al7pdg_wp"] == {
        "read": True, "write": False, "admin": False,
    }
    user = await sbx.api.hosting.get_database_user(WEB, "al7pdg_blog")
    assert {p.database: p.rights.write for p in user.permissions} == {"al7pdg_blog": False, "al7pdg_wp": False}
    assert sbx.state.database_users[WEB]["al7pdg_blog"]["_password_sha256"] == sha("An0ther-password")
    with pytest.raises(ValidationFailedError):
        await sbx.manager.update_database_user(WEB, "al7pdg_blog", permissions={"nope": Rights(read=True)})
    with pytest.raises(ValidationFailedError):
        await sbx.manager.create_database_user(WEB, "short", "abc", {})
    assert await sbx.manager.delete_database_user(WEB, "al7pdg_blog") is True
    assert all(p["user"] != "al7pdg_blog" for p in sbx.state.databases[WEB]["al7pdg_wp"]["permissions"])
    assert await sbx.manager.delete_database(WEB, "al7pdg_blog") is True
    with pytest.raises(NotFoundError):
        await sbx.manager.delete_database(WEB, "al7pdg_blog")


async def test_ftp_users(sbx: Sbx) -> None:
    user = await sbx.manager.create_ftp_user(
        WEB, login="ci", password="Pass-word-123", connection_type="ftp", home_directory="/sites/www.alpage-shop.ch"
    )
    assert (user.login, user.has_ssh) == ("al7pdg_ci", False)
    assert sbx.last().surface == "manager"
    assert await sbx.manager.update_ftp_user(WEB, "al7pdg_ci", short_login="ci", connection_type="ssh",
                                             password="New-pass-456") is True
    # the recorded request keeps the body's shape, never the password (the state's digest proves which one)
    assert sbx.last().body == {"login": "ci", "connection_type": "ssh", "password": "[redacted]"}
    assert "New-pass-456" not in str(list(sbx.recorded))
    stored = sbx.state.ftp_users[WEB]["al7pdg_ci"]
    assert stored["has_ssh"] is True
    assert stored["_password_sha256"] == sha("New-pass-456")
    with pytest.raises(ValidationFailedError):  # the body's short login must match the path's login
        await sbx.manager.update_ftp_user(WEB, "al7pdg_ci", short_login="other", connection_type="ftp")
    assert await sbx.manager.delete_ftp_user(WEB, "al7pdg_ci") is True


async def test_aliases_and_certificates(sbx: Sbx) -> None:
    assert await sbx.manager.add_aliases(WEB, 1250802, ["shop2.alpage-shop.ch", "boutique.alpage-shop.ch"])
    names = [a.name for a in await sbx.manager.list_aliases(WEB, 1250802)]
    assert names[-2:] == ["shop2.alpage-shop.ch", "boutique.alpage-shop.ch"]
    with pytest.raises(ConflictError):  # used by another site
        await sbx.manager.add_aliases(WEB, 1250802, ["www.alpage-digital.ch"])
    assert await sbx.manager.delete_alias(WEB, 1250802, "shop2.alpage-shop.ch") is True
    answer = await sbx.manager.request_certificate(RIVE, 1250806, type="free")
    assert "uuid" in answer
    cert = await sbx.api.hosting.get_certificate(RIVE, 1250806)
    assert (cert.status, cert.type, cert.organization) == ("ok", "free", "Let's Encrypt")
    assert sbx.state.sites[1250806]["ssl_status"] == "ok"
    with pytest.raises(ValidationFailedError):
        await sbx.manager.request_certificate(RIVE, 1250806, type="custom", certificate="x", private_key="y")
    assert await sbx.manager.delete_certificate(RIVE, 1250806) is True
    assert sbx.state.sites[1250806]["ssl_status"] == "none"
    with pytest.raises(NotFoundError):
        await sbx.manager.delete_certificate(RIVE, 1250806)


async def test_busy_and_locked_hostings_refuse_writes(sbx: Sbx) -> None:
    sbx.state.hostings[WEB]["_busy_until"] = sbx.state.clock.now() + 60
    assert (await sbx.api.hosting.get_hosting(WEB)).has_operation_in_progress is True
    with pytest.raises(ConflictError) as busy:
        await sbx.manager.create_database(WEB, "late")
    assert busy.value.code == "operation_in_progress"
    assert "wait until it finishes" in busy.value.next_step
    sbx.state.clock.advance(61)
    assert (await sbx.api.hosting.get_hosting(WEB)).has_operation_in_progress is False
    assert await sbx.manager.create_database(WEB, "late")
    sbx.state.hostings[WEB]["is_locked"] = True
    with pytest.raises(ForbiddenError) as locked:
        await sbx.manager.delete_database(WEB, "al7pdg_late")
    assert locked.value.code == "product_locked"


async def test_manager_calls_without_a_session_say_how_to_refresh_it() -> None:
    state = SandboxState.seeded(SandboxClock())
    transport = httpx2.ASGITransport(app=create_app(state, rate_limit=None))
    api = make_api(transport, session=False)
    try:
        assert (await api.hosting.list_sites(WEB)).items  # public reads work without a session
        with pytest.raises(ManagerSessionError) as missing:
            await ManagerHostingClient(api.manager).list_aliases(WEB, 1250801)
        assert "INFOMANIAK_SASESSION" in missing.value.next_step
    finally:
        await api.aclose()
    api = make_api(transport)
    try:
        state.manager_sessions.clear()  # the session expired upstream
        with pytest.raises(ManagerSessionError) as expired:
            await ManagerHostingClient(api.manager).node_status(NODE, APP)
        assert expired.value.code == "manager_session_expired"
        assert "copy the SASESSION cookie" in expired.value.next_step
    finally:
        await api.aclose()


def test_log_stream_token_is_not_in_the_repr() -> None:
    from infomaniak_mcp.api.hosting.models import LogStream

    stream = LogStream.model_validate({"endpoint": "https://logs.example/s", "jwt_token": "eyJhbGciOi.secret.part"})
    assert stream.jwt_token == "eyJhbGciOi.secret.part"
    assert "secret.part" not in repr(stream)
    assert "secret.part" not in str(stream)
