"""The manager surface: session cookie, XSRF header, rotation and 419, manager-only routes, the trap."""

from __future__ import annotations

import httpx2
import pytest
from sandbox_support import BASE_URL, Harness, ManagerSession

from infomaniak_mcp.sandbox import SANDBOX_SASESSION, SANDBOX_XSRF_TOKEN
from infomaniak_mcp.sandbox.auth import ROTATE_EVERY

pytestmark = pytest.mark.anyio
SITES = "/1/web_hostings/693801/sites"
FULL_SITE = {
    "fqdn": "blog.alpage-digital.ch",
    "directory": "/sites/blog.alpage-digital.ch",
    "force_fqdn": True,
    "environment": "apache_php",
}


async def test_session_and_xsrf_are_required(sbx: Harness) -> None:
    no_session = await sbx.anon.get("/proxy/1/vps")
    assert no_session.status_code == 401
    assert no_session.json()["error"]["code"] == "not_authorized"
    bearer_only = await sbx.get("/proxy/1/vps")  # the full API token is not accepted there
    assert bearer_only.status_code == 401
    cookie = f"SASESSION={SANDBOX_SASESSION}; MANAGER-XSRF-TOKEN={SANDBOX_XSRF_TOKEN}"
    no_header = await sbx.anon.get("/proxy/1/vps", headers={"Cookie": cookie})
    assert no_header.status_code == 419
    assert no_header.json()["error"] == {"code": "token_mismatch", "description": "CSRF token mismatch."}
    wrong = await sbx.anon.get("/proxy/1/vps", headers={"Cookie": cookie, "X-XSRF-TOKEN": "other"})
    assert wrong.status_code == 419
    good = await sbx.anon.get("/proxy/1/vps", headers={"Cookie": cookie, "X-XSRF-TOKEN": SANDBOX_XSRF_TOKEN})
    assert good.status_code == 200
    assert good.json()["data"][0]["hostname"] == "vps01.alpage-digital.ch"


async def test_a_client_that_takes_rotated_cookies_keeps_working(sbx: Harness) -> None:
    session = ManagerSession(sbx.anon)
    for _ in range(4 * ROTATE_EVERY):
        assert (await session.request("GET", "/proxy/1/vps")).status_code == 200
    assert session.xsrf != SANDBOX_XSRF_TOKEN
    assert len([c for c in session.seen_cookies if c.startswith("MANAGER-XSRF-TOKEN=")]) == 4


async def test_a_client_that_ignores_rotation_gets_419_then_recovers_by_taking_the_cookie(
    sbx: Harness,
) -> None:
    stubborn = ManagerSession(sbx.anon, take_rotations=False)
    for _ in range(ROTATE_EVERY):
        assert (await stubborn.request("GET", "/proxy/1/vps")).status_code == 200
    rejected = await stubborn.request("GET", "/proxy/1/vps")
    assert rejected.status_code == 419
    # the 419 carries the current token: one retry with it works
    stubborn.take_rotations = True
    rejected = await stubborn.request("GET", "/proxy/1/vps")
    assert rejected.status_code == 419
    assert (await stubborn.request("GET", "/proxy/1/vps")).status_code == 200


async def test_cookie_jar_client_follows_rotation(sbx: Harness) -> None:
    """A plain httpx cookie jar takes the rotated cookie by itself; the header must follow it."""
    transport = sbx.client._transport
    async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        client.cookies.set("SASESSION", SANDBOX_SASESSION, domain="sandbox.localhost")
        client.cookies.set("MANAGER-XSRF-TOKEN", SANDBOX_XSRF_TOKEN, domain="sandbox.localhost")
        for _ in range(3 * ROTATE_EVERY):
            token = client.cookies.get("MANAGER-XSRF-TOKEN", domain="sandbox.localhost")
            response = await client.get("/proxy/1/vps", headers={"X-XSRF-TOKEN": token})
            assert response.status_code == 200


async def test_url_encoded_xsrf_cookie_is_decoded(sbx: Harness) -> None:
    sbx.state.manager_sessions[SANDBOX_SASESSION].xsrf = "abc=="
    cookie = f"SASESSION={SANDBOX_SASESSION}; MANAGER-XSRF-TOKEN=abc%3D%3D"
    response = await sbx.anon.get("/proxy/1/vps", headers={"Cookie": cookie, "X-XSRF-TOKEN": "abc=="})
    assert response.status_code == 200
    raw = await sbx.anon.get("/proxy/1/vps", headers={"Cookie": cookie, "X-XSRF-TOKEN": "abc%3D%3D"})
    assert raw.status_code == 419


async def test_public_site_creation_is_a_trap(sbx: Harness) -> None:
    before = len(await sbx.data(SITES))
    response = await sbx.client.post(SITES, json=FULL_SITE)
    assert response.status_code == 200
    progress = response.json()["data"]["progress_id"]
    task = await sbx.data(f"/1/async/tasks/{progress}")
    assert task["status"] == "executed"
    assert task["response"] == {}
    assert len(await sbx.data(SITES)) == before
    db = await sbx.client.post("/1/web_hostings/693801/databases", json={"database_name": "blog"})
    assert "progress_id" in db.json()["data"]
    assert "al7pdg_blog" not in sbx.state.databases[693801]


async def test_manager_site_creation_needs_all_four_fields(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    before = len(sbx.state.sites)
    partial = {k: v for k, v in FULL_SITE.items() if k != "force_fqdn"}
    silent = await manager.request("POST", f"/proxy{SITES}", json=partial)
    assert silent.status_code == 200
    assert "progress_id" in silent.json()["data"]
    assert len(sbx.state.sites) == before
    created = await manager.request("POST", f"/proxy{SITES}", json=FULL_SITE)
    task = await sbx.data(f"/1/async/tasks/{created.json()['data']['progress_id']}")
    assert task["response"]["fqdn"] == "blog.alpage-digital.ch"
    sites = await sbx.data(SITES)  # visible on the public API
    new = next(s for s in sites if s["main_fqdn"] == "blog.alpage-digital.ch")
    assert new["directory"] == "/sites/blog.alpage-digital.ch"
    again = await manager.request("POST", f"/proxy{SITES}", json=FULL_SITE)
    assert again.status_code == 409
    bad = await manager.request(
        "POST", f"/proxy{SITES}", json={**FULL_SITE, "fqdn": "x.ch", "environment": "go"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["context"]["values"] == ["apache_php", "nodejs"]
    deleted = await manager.request("DELETE", f"/proxy{SITES}/{new['id']}")
    assert deleted.json()["data"] is True
    assert (await sbx.get(f"{SITES}/{new['id']}")).status_code == 404


async def test_manager_database_create_and_delete(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    created = await manager.request(
        "POST",
        "/proxy/1/web_hostings/693801/databases",
        json={"database_name": "blog", "description": "Blog"},
    )
    assert "progress_id" in created.json()["data"]
    db = await sbx.data("/1/web_hostings/693801/databases/al7pdg_blog")
    assert db["description"] == "Blog"
    missing = await manager.request("POST", "/proxy/1/web_hostings/693801/databases", json={})
    assert missing.status_code == 422
    assert missing.json()["error"]["errors"][0]["context"]["attribute"] == "database_name"
    gone = await manager.request("DELETE", "/proxy/1/web_hostings/693801/databases/al7pdg_blog")
    assert gone.json()["data"] is True
    assert (await sbx.get("/1/web_hostings/693801/databases/al7pdg_blog")).status_code == 404


async def test_manager_only_routes(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    hosting = (
        await manager.request("GET", "/proxy/1/hostings/693802", params={"with[]": "hosting_features"})
    ).json()
    assert hosting["data"]["hosting_features"] == ["nodejs"]
    app = await manager.request(
        "GET", "/proxy/1/hostings/693802/nodejs/880401", params={"with": "ips,storage"}
    )
    assert app.json()["data"]["ips"][0]["host"] == "203.0.113.20"
    status_path = "/proxy/1/hostings/693802/nodejs/880401/actions/status"
    assert (await manager.request("GET", status_path)).json()["data"] == {"status": "Running"}
    stop = await manager.request("POST", "/proxy/1/hostings/693802/nodejs/880401/actions/stop", json={})
    assert stop.json()["data"] is True
    assert (await manager.request("GET", status_path)).json()["data"] == {"status": "Stopped"}
    unknown = await manager.request("POST", "/proxy/1/hostings/693802/nodejs/880401/actions/explode", json={})
    assert unknown.status_code == 404
    assert (await manager.request("GET", "/proxy/1/hostings/693801/nodejs/880401")).status_code == 404
    aliases_path = "/proxy/1/web_hostings/693801/sites/1250801/aliases"
    assert [a["name"] for a in (await manager.request("GET", aliases_path)).json()["data"]] == [
        "www.alpage-digital.ch",
        "alpage-digital.ch",
    ]
    added = await manager.request("POST", aliases_path, json={"aliases": ["shop.alpage-digital.ch"]})
    assert "progress_id" in added.json()["data"]
    assert (await manager.request("DELETE", f"{aliases_path}/shop.alpage-digital.ch")).json()["data"] is True
    main = await manager.request("DELETE", f"{aliases_path}/www.alpage-digital.ch")
    assert main.status_code == 400
    vps = await manager.request("GET", "/proxy/1/vps/712201")
    assert vps.json()["data"]["status"] == "running"
    # the public host does not have the manager-only routes
    assert (await sbx.get("/1/vps")).status_code == 404
    assert (await sbx.get("/1/hostings/693802/nodejs/880401")).status_code == 404


async def test_public_routes_are_mirrored_on_the_manager(sbx: Harness) -> None:
    manager = ManagerSession(sbx.anon)
    response = await manager.request(
        "GET", "/proxy/2/zones/alpage-digital.ch/records", params={"per_page": 5}
    )
    assert response.status_code == 200
    assert response.json()["total"] == len(sbx.state.records["alpage-digital.ch"])


async def test_public_ftp_users_work(sbx: Harness) -> None:
    users = "/1/web_hostings/693801/users"
    bad = await sbx.client.post(
        users, json={"connection_type": "sftp", "login": "ci", "password": "s3cret-pass"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0] == {
        "code": "validation_rule_in",
        "description": "The selected connection type is invalid.",
        "context": {"attribute": "connection_type", "values": ["ftp", "ssh"]},
    }
    created = await sbx.client.post(
        users, json={"connection_type": "ssh", "login": "ci", "password": "s3cret-pass"}
    )
    assert created.json()["data"]["login"] == "al7pdg_ci"
    assert created.json()["data"]["has_ssh"] is True
    assert "password" not in created.json()["data"]
    assert (await sbx.client.delete(f"{users}/al7pdg_ci")).json()["data"] is True
