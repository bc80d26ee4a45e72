"""The hosting read tools end to end: SDK client → server → tools → API client → in-process sandbox.

The client validates every structured result against the tool's published output schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from e2e_support import connect, text_of
from mcp import Client

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.sandbox import SandboxClock, SandboxState, create_app
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
WEB, NODE, RIVE = 693801, 693802, 693803
ALPAGE, RIVE_ORG = 412301, 412377


class HostingSandbox:
    def __init__(self) -> None:
        self.state = SandboxState.seeded(SandboxClock())
        self.transport = httpx2.ASGITransport(app=create_app(self.state, rate_limit=None))

    def server(self, *, session: bool = True) -> Any:
        settings = sandbox_settings(Settings())
        if not session:
            settings = replace(settings, sasession=None, xsrf_token=None)
        api = InfomaniakApi.from_settings(settings, transport=self.transport, limiter=RateLimiter(100_000, 60.0))
        return build_server(
            settings, select_tools(["hosting"]), api=api, sandbox=True, clock=lambda: float(self.state.clock.now())
        )

    @asynccontextmanager
    async def client(self, *, session: bool = True) -> AsyncIterator[Client]:
        async with connect(self.server(session=session), "memory", "legacy") as client:
            yield client


@pytest.fixture
def hs() -> HostingSandbox:
    return HostingSandbox()


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert text_of(result)
    assert "None" not in text_of(result), text_of(result)  # an absent value is never shown as the word None
    return dict(result.structured_content)


async def test_hostings_over_every_transport_and_era(hs: HostingSandbox, transport: str, era: str) -> None:
    async with connect(hs.server(), transport, era) as client:
        out = await call(client, "hosting_list_hostings", {})
    by_id = {h["id"]: h for h in out["hostings"]}
    assert set(by_id) == {WEB, NODE, RIVE}
    assert by_id[NODE]["kind"] == "nodejs"
    assert by_id[WEB]["disk_percent"] == 84.8
    assert "locked" not in by_id[WEB]  # concise: flags only when set


async def test_list_hostings_of_one_organisation_shows_lock_and_busy(hs: HostingSandbox) -> None:
    hs.state.hostings[WEB]["is_locked"] = True
    hs.state.hostings[WEB]["_busy_until"] = hs.state.clock.now() + 600
    async with hs.client() as client:
        out = await call(client, "hosting_list_hostings", {"account_id": ALPAGE})
        text = text_of(await client.call_tool("hosting_list_hostings", {"account_id": ALPAGE}))
    web = next(h for h in out["hostings"] if h["id"] == WEB)
    assert (web["locked"], web["busy"]) == (True, True)
    assert {h["id"] for h in out["hostings"]} == {WEB, NODE}
    assert "locked, busy" in text


async def test_find_site(hs: HostingSandbox) -> None:
    async with hs.client() as client:
        exact = await call(client, "hosting_find_site", {"domain": "https://www.rive-neuve.ch/contact"})
        bare = await call(client, "hosting_find_site", {"domain": "alpage-shop.ch"})
        alias = await call(client, "hosting_find_site", {"domain": "alpage-digital.ch"})
        near = await call(client, "hosting_find_site", {"domain": "www.alpage-shops.ch"})
        bad = await client.call_tool("hosting_find_site", {"domain": "not a domain"})
    assert exact["matches"] == [
        {"account_id": RIVE_ORG, "hosting_id": RIVE, "hosting": "Rive-Neuve Web", "site_id": 1250805,
         "fqdn": "www.rive-neuve.ch", "via": "main"}
    ]
    assert exact["scanned_sites"] == 6
    assert [m["site_id"] for m in bare["matches"]] == [1250802]  # www variant
    assert [m["site_id"] for m in alias["matches"]] == [1250801]  # www variant of the main name
    assert near["matches"] == []
    assert near["closest"][0]["fqdn"] == "www.alpage-shop.ch"
    assert bad.is_error
    assert bad.structured_content is not None
    assert bad.structured_content["error"] == "invalid_argument"


async def test_find_site_through_an_alias_needs_the_manager(hs: HostingSandbox) -> None:
    hs.state.site_aliases[1250802].append(
        {"name": "boutique.alpage-shop.ch", "fqdn_idn": "boutique.alpage-shop.ch", "can_update_dns": True,
         "is_synonym": True, "is_main": False, "is_protected": False}
    )
    async with hs.client() as client:
        found = await call(client, "hosting_find_site", {"domain": "boutique.alpage-shop.ch"})
    assert [(m["site_id"], m["via"]) for m in found["matches"]] == [(1250802, "alias")]
    async with hs.client(session=False) as client:
        public_only = await call(client, "hosting_find_site", {"domain": "boutique.alpage-shop.ch"})
    assert public_only["matches"] == []
    assert "no usable manager session" in public_only["note"]


async def test_sites_and_site_detail(hs: HostingSandbox) -> None:
    async with hs.client() as client:
        sites = await call(client, "hosting_list_sites", {"hosting_id": WEB})
        node = await call(client, "hosting_list_sites", {"hosting_id": NODE})
        detail = await call(client, "hosting_get_site", {"hosting_id": WEB, "site_id": 1250801})
        missing = await client.call_tool("hosting_list_sites", {"hosting_id": 999})
    staging = next(s for s in sites["sites"] if s["id"] == 1250803)
    assert staging == {"id": 1250803, "fqdn": "staging.alpage-digital.ch", "type": "apache_php",
                       "directory": "/sites/staging.alpage-digital.ch", "php": "7.4", "ssl": "error",
                       "apps": ["wordpress 6.1.1"]}
    assert node["sites"][0]["app_id"] == 880401
    assert detail["site"]["php"] == "8.3"
    assert detail["ips"] == ["203.0.113.10", "2001:db8:10::1"]
    assert detail["aliases"] == [{"name": "www.alpage-digital.ch", "main": True, "protected": True},
                                 {"name": "alpage-digital.ch"}]
    assert detail["certificate"]["status"] == "ok"
    assert detail["certificate"]["issuer"] == "Let's Encrypt / R11"
    assert detail["databases"] == ["al7pdg_wp"]
    assert missing.is_error
    assert "hosting_list_hostings" in text_of(missing)


async def test_public_reads_keep_working_without_a_manager_session(hs: HostingSandbox) -> None:
    async with hs.client(session=False) as client:
        detail = await call(client, "hosting_get_site", {"hosting_id": WEB, "site_id": 1250801})
        node = await client.call_tool("hosting_get_nodejs_app", {"hosting_id": NODE, "app_id": 880401})
    assert "aliases" not in detail
    assert "INFOMANIAK_SASESSION" in detail["note"]
    assert node.is_error
    assert node.structured_content is not None
    assert node.structured_content["error"] == "manager_session_required"
    assert "INFOMANIAK_XSRF_TOKEN" in node.structured_content["next_step"]


async def test_an_expired_manager_session_says_how_to_refresh_it(hs: HostingSandbox) -> None:
    hs.state.manager_sessions.clear()
    async with hs.client() as client:
        node = await client.call_tool("hosting_get_nodejs_app", {"hosting_id": NODE, "app_id": 880401})
        sites = await call(client, "hosting_list_sites", {"hosting_id": NODE})
    assert node.is_error
    assert node.structured_content is not None
    assert node.structured_content["error"] == "manager_session_expired"
    assert "Log in to https://manager.infomaniak.com" in node.structured_content["next_step"]
    assert sites["sites"]


async def test_databases_users_ftp_and_certificates(hs: HostingSandbox) -> None:
    async with hs.client() as client:
        dbs = await call(client, "hosting_list_databases", {"hosting_id": WEB})
        one = await call(client, "hosting_list_databases", {"hosting_id": WEB, "name": "al7pdg_ro"})
        ftp = await call(client, "hosting_list_ftp_users", {"hosting_id": WEB})
        certs = await call(client, "hosting_list_sites", {"hosting_id": WEB, "certificates": True})
        rive = await call(client, "hosting_list_sites", {"hosting_id": RIVE, "certificates": True})
    wp = next(d for d in dbs["databases"] if d["name"] == "al7pdg_wp")
    assert wp == {"name": "al7pdg_wp", "description": "WordPress www.alpage-digital.ch", "size_mb": 182.0,
                  "application": "wordpress Site vitrine", "users": {"al7pdg_wp": "admin", "al7pdg_ro": "read"}}
    assert one["databases"] == []
    assert one["users"] == [{"name": "al7pdg_ro", "rights": {"al7pdg_wp": "read", "al7pdg_shop": "read"}}]
    assert {u["login"]: u["type"] for u in ftp["users"]} == {"al7pdg_deploy": "ssh", "al7pdg_agency": "ftp"}
    assert next(u for u in ftp["users"] if u["login"] == "al7pdg_agency")["temporary"] is True
    by_site = {s["id"]: s["certificate"] for s in certs["sites"]}
    assert by_site[1250802]["days_left"] == 9
    assert by_site[1250802]["issuer"] == "Let's Encrypt / R11"
    assert by_site[1250803]["status"] == "error"
    assert by_site[1250803]["error"] == "dns_challenge_failed (staging.alpage-digital.ch)"
    cafe = next(s for s in rive["sites"] if s["id"] == 1250806)
    assert cafe["certificate"] == {"site_id": 1250806, "status": "none"}


async def test_nodejs_app(hs: HostingSandbox) -> None:
    async with hs.client() as client:
        app = await call(client, "hosting_get_nodejs_app", {"hosting_id": NODE, "app_id": 880401})
        wrong = await client.call_tool("hosting_get_nodejs_app", {"hosting_id": WEB, "app_id": 880401})
    assert app["status"] == "Running"
    assert app["config"] == {"fqdn": "app.alpage-digital.ch", "node_version": "20", "port": 3000,
                             "start_command": "npm run start", "build_command": "npm ci",
                             "directory": "/sites/app.alpage-digital.ch"}
    assert app["domains"] == ["app.alpage-digital.ch", "880401.preview.hosting-ik.com"]
    assert [j["action"] for j in app["jobs"]] == ["restart", "build"]
    assert app["log_stream"].startswith("https://manager-logs-01.hosting-ik.com/")
    assert app["log_token"].startswith("eyJ")
    assert wrong.is_error


async def test_audit(hs: HostingSandbox) -> None:
    hs.state.hostings[RIVE]["is_locked"] = True
    async with hs.client() as client:
        everything = await call(client, "hosting_audit_hostings", {})
        web = await call(client, "hosting_audit_hostings", {"hosting_id": WEB, "days": 5, "quota_percent": 90})
    kinds: Callable[[dict[str, Any]], set[tuple[str, Any]]] = lambda out: {  # noqa: E731
        (f["kind"], f.get("fqdn") or f["hosting_id"]) for f in out["findings"]
    }
    assert kinds(everything) == {
        ("certificate_error", "staging.alpage-digital.ch"),
        ("certificate_expiring", "www.alpage-shop.ch"),
        ("site_without_https", "www.cafe-du-lac.ch"),
        ("hosting_locked", RIVE),
        ("quota_above_threshold", WEB),
    }
    assert everything["findings"][0]["severity"] == "high"
    assert (everything["hostings"], everything["sites"]) == (3, 6)
    assert kinds(web) == {("certificate_error", "staging.alpage-digital.ch")}
