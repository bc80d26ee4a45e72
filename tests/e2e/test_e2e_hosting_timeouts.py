"""Hosting writes whose request got no answer in time: reconciled by re-reading the hosting, never "nothing
changed". The manager POST/DELETE reaches the sandbox (or, `drop`, never does) and its answer is lost
(`LostAnswer`, as in the DNS timeout tests); the client gives up after 0.3 s."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx2
import pytest
from e2e_support import text_of
from e2e_writes_support import connect_writes, structured
from test_e2e_dns_changes_timeouts import TIMEOUT, LostAnswer
from test_e2e_hosting_provision import PROVISION, records
from test_e2e_hosting_writes import TOOLSETS, WEB, HostingBench, apply

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio
DB = "al7pdg_blog_alpage_digital"


def server(hb: HostingBench, transport: httpx2.AsyncBaseTransport) -> Any:
    settings = dataclasses.replace(hb.settings, request_timeout=TIMEOUT, request_deadline=TIMEOUT)
    api = InfomaniakApi.from_settings(settings, transport=transport, limiter=RateLimiter(100_000, 60.0))
    return build_server(settings, select_tools(TOOLSETS), api=api, safety=hb.engine,
                        clock=lambda: float(hb.state.clock.now()))


async def test_provisioning_whose_database_post_landed_without_answer_is_applied_and_undone(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    lossy = LostAnswer(hb.transport, "POST", f"/proxy/1/web_hostings/{WEB}/databases", drop=False, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", PROVISION)
        report = out["report"]
        assert [a["index"] for a in report["applied"]] == [0, 1, 2, 3, 4, 5]  # found, so the rest ran
        database = report["applied"][1]
        assert "re-reading showed it was applied" in database["data"]["reconciled"]
        assert database["resource"] == f"hosting:{WEB}/databases/{DB}"
        assert DB in hb.state.databases[WEB]
        undone = await apply(client, "history_undo", {"history_id": out["history_id"]})
    assert "hosting.delete_database" in [a["operation"] for a in undone["report"]["applied"]]
    assert DB not in hb.state.databases[WEB]
    assert not any(s["main_fqdn"] == "blog.alpage-digital.ch" for s in hb.state.sites.values())
    assert records(hb, "alpage-digital.ch", "blog") == set()


async def test_a_database_post_that_never_landed_is_checked_not_applied(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    lossy = LostAnswer(hb.transport, "POST", f"/proxy/1/web_hostings/{WEB}/databases", drop=True, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", PROVISION, status="partial")
    report = out["report"]
    assert [a["index"] for a in report["applied"]] == [0]
    assert [f["index"] for f in report["failed"]] == [1]
    assert "not applied" in report["failed"][0]["error"]["checked"]
    assert DB not in hb.state.databases[WEB]
    assert "nothing was changed" not in out["message"].lower()


async def test_a_lost_delete_that_landed_is_applied(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    args = {"hosting_id": WEB, "kind": "database", "name": "al7pdg_wp"}
    lossy = LostAnswer(hb.transport, "DELETE", f"/proxy/1/web_hostings/{WEB}/databases/*", drop=False, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        out = await apply(client, "hosting_delete_resource", args)
    assert "re-reading showed it was applied" in out["report"]["applied"][0]["data"]["reconciled"]
    assert "al7pdg_wp" not in hb.state.databases[WEB]


async def test_a_lost_update_is_unknown_with_the_hosting_hint(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    args = {"hosting_id": WEB, "kind": "database_user", "name": "al7pdg_ro", "rotate_password": True}
    lossy = LostAnswer(hb.transport, "PATCH", f"/proxy/1/web_hostings/{WEB}/database_users/*", drop=False, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        planned = await client.call_tool("hosting_update_user", args)
        token = structured(planned)["confirmation_token"]
        result = await client.call_tool("hosting_update_user", {**args, "confirmation_token": token})
    out = structured(result)
    assert out["status"] == "partial", text_of(result)
    assert [u["index"] for u in out["report"]["uncertain"]] == [0]
    assert "hosting_list_databases" in out["message"]


async def test_a_database_absent_while_the_hosting_is_busy_is_unknown(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    lossy = LostAnswer(hb.transport, "POST", f"/proxy/1/web_hostings/{WEB}/databases", drop=True, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        hb.state.hostings[WEB]["_busy_after_write"] = 60  # the site's creation keeps the hosting busy
        out = await apply(client, "hosting_create_site", PROVISION, status="partial")
    report = out["report"]
    assert [u["index"] for u in report["uncertain"]] == [1]  # absent, but the hosting is busy: maybe ours
    assert "hosting_list_databases" in out["message"]


async def test_a_certificate_request_that_landed_is_applied_and_undone(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    lossy = LostAnswer(hb.transport, "POST", f"/proxy/1/web_hostings/{WEB}/certificates", drop=False, count=1)
    async with connect_writes(server(hb, lossy), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", PROVISION)
        certificate = out["report"]["applied"][5]
        assert "re-reading showed it was applied" in certificate["data"]["reconciled"]
        site = next(s for s in hb.state.sites.values() if s["main_fqdn"] == "blog.alpage-digital.ch")
        assert certificate["resource"] == f"hosting:{WEB}/certificates/{site['id']}"
        undone = await apply(client, "history_undo", {"history_id": out["history_id"]})
    assert undone["report"]["applied"][0]["operation"] == "hosting.delete_certificate"
    assert site["id"] not in hb.state.certificates
