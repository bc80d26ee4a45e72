"""Fault injection (every kind), its configuration paths, and the admin routes."""

from __future__ import annotations

import json

import anyio
import httpx2
import pytest
from sandbox_support import Harness, harness

from infomaniak_mcp.sandbox import FaultConfig, FaultConfigError, FaultRule, create_app
from infomaniak_mcp.sandbox.faults import ENV_VAR

pytestmark = pytest.mark.anyio


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def test_latency_waits_then_answers() -> None:
    sleep = FakeSleep()
    faults = FaultConfig(
        [FaultRule("latency", path="/2/zones/*", seconds=2.5), FaultRule("latency", seconds=0.5, count=1)],
        sleep=sleep,
    )
    async with harness(faults=faults, rate_limit=None) as h:
        assert (await h.get("/2/zones/alpage-digital.ch")).status_code == 200
        assert (await h.get("/2/zones/alpage-digital.ch")).status_code == 200
        assert (await h.get("/1/accounts")).status_code == 200
    assert sleep.calls == [3.0, 2.5]


async def test_server_error_with_status_and_count() -> None:
    faults = FaultConfig([FaultRule("server_error", method="GET", path="/1/accounts", status=503, count=2)])
    async with harness(faults=faults, rate_limit=None) as h:
        first = await h.get("/1/accounts")
        assert first.status_code == 503
        assert first.json()["result"] == "error"
        assert first.json()["error"]["code"] == "service_unavailable"
        assert "x-request-id" in first.headers
        assert (await h.client.post("/1/accounts")).status_code == 404  # other method: no fault
        assert (await h.get("/1/accounts")).status_code == 503
        assert (await h.get("/1/accounts")).status_code == 200  # count exhausted


async def test_rate_limit_burst_answers_429_n_times() -> None:
    faults = FaultConfig([FaultRule("rate_limit_burst", count=3, retry_after=7)])
    async with harness(faults=faults, rate_limit=None) as h:
        for _ in range(3):
            response = await h.get("/2/profile")
            assert response.status_code == 429
            assert response.headers["retry-after"] == "7"
            assert response.json()["error"]["code"] == "too_many_request"
        assert (await h.get("/2/profile")).status_code == 200


async def test_malformed_json_is_truncated() -> None:
    faults = FaultConfig([FaultRule("malformed_json", path="/1/products")])
    async with harness(faults=faults, rate_limit=None) as h:
        response = await h.get("/1/products")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)
        assert response.text.startswith('{"result":"success"')


async def test_html_login_page_200_and_302() -> None:
    faults = FaultConfig(
        [
            FaultRule("html_login", path="/proxy/*", status=302, count=1),
            FaultRule("html_login", path="/proxy/*"),
        ]
    )
    async with harness(faults=faults, rate_limit=None) as h:
        redirect = await h.get("/proxy/1/vps")
        assert redirect.status_code == 302
        login = await h.anon.get(redirect.headers["location"])
        assert login.status_code == 200
        assert login.headers["content-type"].startswith("text/html")
        assert "<form" in login.text
        page = await h.get("/proxy/1/vps")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        followed = await h.get("/proxy/1/vps", follow_redirects=True)
        assert followed.headers["content-type"].startswith("text/html")


async def test_silent_endpoint_never_answers() -> None:
    faults = FaultConfig([FaultRule("silent", path="/2/drive*")])
    app = create_app(faults=faults, rate_limit=None)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.localhost"
    ) as client:
        with pytest.raises(TimeoutError):
            with anyio.fail_after(0.2):
                await client.get("/2/drive", params={"account_id": 412301})
        # the app is still fine for other routes
        headers = {"Authorization": "Bearer " + next(iter(app.state.sandbox.tokens))}
        assert (await client.get("/1/accounts", headers=headers)).status_code == 200


async def test_faults_do_not_touch_admin_routes() -> None:
    faults = FaultConfig([FaultRule("server_error")])
    async with harness(faults=faults, rate_limit=None) as h:
        assert (await h.get("/1/accounts")).status_code == 500
        assert (await h.client.delete("/_sandbox/faults")).json() == {"result": "success", "data": True}
        assert (await h.get("/1/accounts")).status_code == 200


async def test_faults_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        ENV_VAR, json.dumps({"rules": [{"kind": "server_error", "path": "/2/profile", "count": 1}]})
    )
    async with harness(rate_limit=None) as h:
        assert (await h.get("/2/profile")).status_code == 500
        assert (await h.get("/2/profile")).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        '{"kind": "explode"}',
        "[1]",
        "not json",
        '{"kind": "latency", "speed": 3}',
        '{"kind": "html_login", "status": 404}',
    ],
)
def test_bad_fault_configuration_is_rejected(raw: str) -> None:
    with pytest.raises(FaultConfigError):
        FaultConfig.from_json(raw)


def test_bad_env_configuration_names_the_variable() -> None:
    with pytest.raises(FaultConfigError, match=ENV_VAR):
        FaultConfig.from_env({ENV_VAR: "[{}]"})


async def test_admin_fault_routes(sbx: Harness) -> None:
    added = await sbx.client.post(
        "/_sandbox/faults",
        json=[{"kind": "server_error", "method": "get", "path": "/1/accounts*", "status": 502}],
    )
    assert added.status_code == 200
    assert added.json()["data"][0]["method"] == "GET"
    assert (await sbx.get("/1/accounts")).status_code == 502
    assert (await sbx.get("/_sandbox/faults")).json()["data"][0]["status"] == 502
    bad = await sbx.client.post("/_sandbox/faults", json={"kind": "meteor"})
    assert bad.status_code == 422
    await sbx.client.delete("/_sandbox/faults")
    assert (await sbx.get("/1/accounts")).status_code == 200


async def test_admin_clock_reset_and_requests(sbx: Harness) -> None:
    start = sbx.state.clock.now()
    moved = await sbx.client.post("/_sandbox/clock", json={"advance": 3600})
    assert moved.json()["data"] == {"now": start + 3600}
    assert (await sbx.client.post("/_sandbox/clock", json={"set": start + 10})).json()["data"][
        "now"
    ] == start + 10
    assert (await sbx.client.post("/_sandbox/clock", json={})).status_code == 422
    await sbx.client.delete("/2/zones/alpage-labs.dev")
    assert "alpage-labs.dev" not in sbx.state.zones
    requests = (await sbx.get("/_sandbox/requests")).json()["data"]
    assert [r["method"] for r in requests] == ["DELETE"]
    assert requests[0]["route"] == "/2/zones/{zone}"
    assert "authorization" not in requests[0]["headers"]
    reset = await sbx.client.post("/_sandbox/reset")
    assert reset.json()["data"] == {"now": start}
    assert "alpage-labs.dev" in sbx.state.zones
    assert (await sbx.get("/_sandbox/requests")).json()["data"] == []


async def test_reset_restores_a_given_state_and_initial_faults() -> None:
    from infomaniak_mcp.sandbox import SandboxState

    state = SandboxState.seeded()
    del state.zones["cafe-du-lac.ch"]
    faults = FaultConfig([FaultRule("server_error", path="/2/profile", count=1)])
    async with harness(state, faults=faults, rate_limit=None) as h:
        assert (await h.get("/2/profile")).status_code == 500
        assert (await h.get("/2/profile")).status_code == 200
        h.state.zones.clear()
        await h.client.post("/_sandbox/reset")
        assert "cafe-du-lac.ch" not in h.state.zones
        assert "alpage-digital.ch" in h.state.zones
        assert (await h.get("/2/profile")).status_code == 500  # the initial fault is back


async def test_recorder_gets_every_exchange_without_secrets() -> None:
    from infomaniak_mcp.sandbox import RecordedExchange

    recorded: list[RecordedExchange] = []
    async with harness(recorder=recorded, rate_limit=None, faults=FaultConfig()) as h:
        await h.get(
            "/2/zones/alpage-digital.ch/records", params=[("filter[types][]", "A"), ("filter[types][]", "MX")]
        )
        await h.client.post(
            "/2/zones/alpage-digital.ch/records", json={"type": "TXT", "ttl": 300, "target": "x"}
        )
        await h.anon.get("/1/accounts")
        await h.get("/_sandbox/clock")
    assert [(r.method, r.status) for r in recorded] == [("GET", 200), ("POST", 200), ("GET", 401)]
    first = recorded[0]
    assert first.route == "/2/zones/{zone}/records"
    assert first.query == {"filter[types][]": ["A", "MX"]}
    assert first.response["result"] == "success"
    assert recorded[1].body == {"type": "TXT", "ttl": 300, "target": "x"}
    assert all("authorization" not in r.headers for r in recorded)
