"""`InfomaniakApi.from_settings`: wiring of URLs, token, limiter, manager session, redaction."""

from __future__ import annotations

from collections.abc import Mapping

import httpx2
import pytest
from api_test_support import Script, envelope, reply

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.errors import ManagerSessionError, NotConfiguredError
from infomaniak_mcp.api.manager import SESSION_COOKIE, XSRF_COOKIE
from infomaniak_mcp.api.ratelimit import limiter_for, token_fingerprint
from infomaniak_mcp.config import Secret, Settings
from infomaniak_mcp.safety.redact import redact_text

pytestmark = pytest.mark.anyio


def _settings(**overrides: object) -> Settings:
    base: dict[str, object] = {
        "api_token": Secret("facade-token-0123456789"),
        "api_url": "https://api.test",
        "manager_url": "https://manager.test",
        "auth_mode": "manual",
        "sasession": Secret("facade-sasession-value"),
        "xsrf_token": Secret("facade-xsrf-value"),
        "rate_limit_per_minute": 30,
        "request_timeout": 12.0,
    }
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


async def test_from_settings_wires_both_surfaces() -> None:
    script = Script([reply(200, envelope([]))])
    transport = httpx2.MockTransport(script)
    async with InfomaniakApi.from_settings(_settings(), transport=transport) as api:
        assert api.http.timeout == 12.0
        assert api.manager.timeout == 12.0
        assert api.http.limiter.rate == 30
        assert api.manager.limiter.rate == 30
        assert api.http.limiter is not api.manager.limiter
        await api.core.list_accounts()
        assert str(script.last.url) == "https://api.test/1/accounts"
        assert script.last.headers["authorization"] == "Bearer facade-token-0123456789"
        await api.manager.get("/1/vps")
        assert str(script.last.url) == "https://manager.test/proxy/1/vps"
        assert "facade-sasession-value" in script.last.headers["cookie"]
        for client in (api.core, api.dns, api.domain, api.hosting, api.mail, api.drive):
            assert client._http is api.http
    assert "facade-token-0123456789" not in repr(api)
    scrubbed = redact_text("t=facade-token-0123456789 s=facade-sasession-value x=facade-xsrf-value")
    assert scrubbed.count("[redacted]") == 3


async def test_separate_manager_transport() -> None:
    api_script, manager_script = Script([reply()]), Script([reply()])
    api = InfomaniakApi.from_settings(
        _settings(),
        transport=httpx2.MockTransport(api_script),
        manager_transport=httpx2.MockTransport(manager_script),
    )
    await api.manager.post("/1/vps/1/reboot")
    assert api_script.requests == []
    assert len(manager_script.requests) == 1
    await api.aclose()


async def test_real_network_uses_the_shared_per_token_limiter() -> None:
    settings = _settings()
    api = InfomaniakApi.from_settings(settings)
    assert api.http.limiter is limiter_for(token_fingerprint("facade-token-0123456789"), 30)
    other = InfomaniakApi.from_settings(settings)
    assert other.http.limiter is api.http.limiter
    await api.aclose()
    await other.aclose()


async def test_without_token_every_call_says_how_to_get_one() -> None:
    script = Script([reply()])
    api = InfomaniakApi.from_settings(_settings(api_token=None), transport=httpx2.MockTransport(script))
    with pytest.raises(NotConfiguredError) as info:
        await api.dns.list_records("example.ch")
    assert "Create one in the Manager" in info.value.description
    assert script.requests == []
    await api.aclose()


@pytest.mark.parametrize(
    ("mode", "code"), [("none", "manager_disabled"), ("manual", "manager_session_required")]
)
async def test_manager_errors_lazily_without_a_session(mode: str, code: str) -> None:
    settings = _settings(auth_mode=mode, sasession=None, xsrf_token=None)
    api = InfomaniakApi.from_settings(settings, transport=httpx2.MockTransport(Script([reply()])))
    with pytest.raises(ManagerSessionError) as info:
        await api.manager.get("/1/vps")
    assert info.value.code == code
    await api.aclose()


async def test_auto_mode_uses_the_injected_cookie_loader() -> None:
    def loader() -> Mapping[str, str]:
        return {SESSION_COOKIE: "auto-session-value", XSRF_COOKIE: "auto-xsrf-value"}

    script = Script([reply()])
    api = InfomaniakApi.from_settings(
        _settings(auth_mode="auto"), transport=httpx2.MockTransport(script), cookie_loader=loader
    )
    await api.manager.get("/1/vps")
    assert script.last.headers["x-xsrf-token"] == "auto-xsrf-value"
    assert "facade-sasession-value" not in script.last.headers["cookie"], "auto mode ignores env cookies"
    await api.aclose()
