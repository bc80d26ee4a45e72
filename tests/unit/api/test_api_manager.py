"""The manager surface: cookies + XSRF header, rotation, one retry after 419, session sources."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import httpx2
import pytest
from api_test_support import FakeClock, Script, envelope, error_body, raw, reply

from infomaniak_mcp.api.errors import ManagerSessionError, ServerError, TokenMismatchError
from infomaniak_mcp.api.manager import (
    SESSION_COOKIE,
    XSRF_COOKIE,
    ManagerHttp,
    ManagerSession,
    _pick_cookies,
    browser_cookie_loader,
    parse_set_cookie,
)
from infomaniak_mcp.config import Secret
from infomaniak_mcp.safety.redact import redact_text

pytestmark = pytest.mark.anyio

NOW = 1_767_225_600.0
SESSION = {SESSION_COOKIE: "sess-initial-value", XSRF_COOKIE: "xsrf-initial%3Dvalue"}


def _manager(script: Script, **kwargs: Any) -> ManagerHttp:
    clock = FakeClock()
    kwargs.setdefault("session", ManagerSession(SESSION))
    return ManagerHttp(
        "https://manager.test",
        transport=httpx2.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        wall_clock=lambda: NOW,
        **kwargs,
    )


def _cookies(request: httpx2.Request) -> dict[str, str]:
    pairs = [p.strip().split("=", 1) for p in request.headers["cookie"].split(";")]
    return {k: v for k, v in pairs}


async def test_cookies_and_xsrf_header_are_sent_under_proxy() -> None:
    script = Script([reply(200, envelope([{"id": 1}]))])
    manager = _manager(script)
    assert await manager.get("/1/vps", {"account_id": 5}) == [{"id": 1}]
    request = script.last
    assert str(request.url) == "https://manager.test/proxy/1/vps?account_id=5"
    assert _cookies(request) == SESSION
    assert request.headers["x-xsrf-token"] == "xsrf-initial=value", "the URL-decoded cookie value"
    assert "authorization" not in request.headers, "bearer tokens are not used on the manager"


async def test_rotated_cookies_from_set_cookie_are_used_next() -> None:
    rotated = httpx2.Response(
        200,
        json=envelope(True),
        headers=[
            ("set-cookie", f"{SESSION_COOKIE}=sess-rotated; Path=/; Secure; HttpOnly"),
            ("set-cookie", f"{XSRF_COOKIE}=xsrf-rotated; Path=/; Secure"),
        ],
    )
    script = Script([rotated, reply(200, envelope(True))])
    manager = _manager(script)
    await manager.post("/1/web_hostings/1/databases", {"database_name": "x"})
    await manager.get("/1/web_hostings/1/databases")
    assert _cookies(script.last) == {SESSION_COOKIE: "sess-rotated", XSRF_COOKIE: "xsrf-rotated"}
    assert script.last.headers["x-xsrf-token"] == "xsrf-rotated"


async def test_419_is_retried_once_with_the_cookies_it_set() -> None:
    mismatch = httpx2.Response(
        419,
        json=error_body("token_mismatch", "CSRF token mismatch"),
        headers=[("set-cookie", f"{XSRF_COOKIE}=xsrf-fresh; Path=/")],
    )
    script = Script([mismatch, reply(200, envelope({"progress_id": "p1"}))])
    manager = _manager(script)
    assert await manager.post("/1/web_hostings/1/sites", {"fqdn": "a.ch"}) == {"progress_id": "p1"}
    assert len(script.requests) == 2
    assert script.requests[1].headers["x-xsrf-token"] == "xsrf-fresh"
    assert script.body(1) == {"fqdn": "a.ch"}


async def test_second_419_raises_token_mismatch_with_how_to_refresh() -> None:
    script = Script([reply(419, error_body("token_mismatch", "CSRF token mismatch"))])
    manager = _manager(script)
    with pytest.raises(TokenMismatchError) as info:
        await manager.delete("/1/web_hostings/1/sites/2")
    assert len(script.requests) == 2, "exactly one retry"
    assert info.value.status == 419
    assert "INFOMANIAK_SASESSION" in info.value.next_step
    assert "log in" in info.value.next_step.lower()


async def test_419_retry_is_separate_from_the_5xx_retries() -> None:
    script = Script(
        [
            reply(419, error_body("token_mismatch")),
            reply(503, error_body("unavailable")),
            reply(200, envelope("ok")),
        ]
    )
    manager = _manager(script)
    assert await manager.get("/1/vps") == "ok"
    assert len(script.requests) == 3


async def test_manager_shares_the_retry_policy_post_not_retried_on_5xx() -> None:
    script = Script([reply(500, error_body("boom")), reply(200, envelope(1))])
    manager = _manager(script)
    with pytest.raises(ServerError):
        await manager.post("/1/vps/1/reboot")
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "response",
    [
        reply(401, error_body("not_authorized")),
        raw(200, "<html><title>Infomaniak - Login</title></html>", "text/html"),
        raw(302, "", "text/html", location="https://login.infomaniak.com/"),
    ],
)
async def test_expired_session_is_a_manager_session_error(response: httpx2.Response) -> None:
    manager = _manager(Script([response]))
    with pytest.raises(ManagerSessionError) as info:
        await manager.get("/2/profile")
    assert info.value.code == "manager_session_expired"
    assert "SASESSION" in info.value.next_step


async def test_manual_mode_without_cookies_raises_and_sends_nothing() -> None:
    script = Script([reply()])
    manager = _manager(script, session=ManagerSession.from_secrets(None, None))
    with pytest.raises(ManagerSessionError) as info:
        await manager.get("/1/vps")
    assert "INFOMANIAK_SASESSION" in info.value.description
    assert script.requests == []


async def test_none_mode_always_raises() -> None:
    script = Script([reply()])
    manager = _manager(script, mode="none")
    with pytest.raises(ManagerSessionError) as info:
        await manager.get("/1/vps")
    assert info.value.code == "manager_disabled"
    assert script.requests == []


async def test_auto_mode_loads_cookies_lazily_from_the_injected_loader() -> None:
    calls: list[int] = []

    def loader() -> Mapping[str, str]:
        calls.append(1)
        return {SESSION_COOKIE: "browser-session-1", XSRF_COOKIE: "browser-xsrf-1"}

    script = Script([reply(200, envelope(1))])
    manager = _manager(script, mode="auto", session=ManagerSession(), cookie_loader=loader)
    assert calls == [], "nothing is read at construction"
    await manager.get("/1/vps")
    await manager.get("/1/vps")
    assert calls == [1], "read once"
    assert _cookies(script.last) == {SESSION_COOKIE: "browser-session-1", XSRF_COOKIE: "browser-xsrf-1"}


async def test_auto_mode_re_reads_the_browser_after_a_419() -> None:
    values = iter(["one", "two"])

    def loader() -> Mapping[str, str]:
        v = next(values)
        return {SESSION_COOKIE: f"browser-session-{v}", XSRF_COOKIE: f"browser-xsrf-{v}"}

    script = Script([reply(419, error_body("token_mismatch")), reply(200, envelope(1))])
    manager = _manager(script, mode="auto", session=ManagerSession(), cookie_loader=loader)
    await manager.get("/1/vps")
    assert script.requests[1].headers["x-xsrf-token"] == "browser-xsrf-two"


async def test_auto_mode_finding_nothing_says_log_in_first() -> None:
    manager = _manager(Script([reply()]), mode="auto", session=ManagerSession(), cookie_loader=dict)
    with pytest.raises(ManagerSessionError) as info:
        await manager.get("/1/vps")
    assert info.value.code == "browser_session_not_found"
    assert "Log in" in info.value.next_step


async def test_auto_mode_without_rookiepy_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rookiepy", None)  # makes `import rookiepy` fail
    manager = _manager(Script([reply()]), mode="auto", session=ManagerSession())
    with pytest.raises(ManagerSessionError) as info:
        await manager.get("/1/vps")
    assert info.value.code == "browser_extra_missing"
    assert "pip install 'infomaniak-mcp[browser]'" in info.value.next_step
    assert "uv sync --extra browser" in info.value.next_step


def test_browser_loader_falls_back_to_firefox_and_prefers_the_manager_domain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FakeRookie:
        @staticmethod
        def chrome(domains: list[str]) -> list[dict[str, Any]]:
            raise RuntimeError("chrome not installed")

        @staticmethod
        def firefox(domains: list[str]) -> list[dict[str, Any]]:
            assert domains == ["infomaniak.com"]
            return [
                {"domain": ".infomaniak.com", "name": SESSION_COOKIE, "value": "generic"},
                {"domain": "manager.infomaniak.com", "name": SESSION_COOKIE, "value": "specific"},
                {"domain": ".infomaniak.com", "name": XSRF_COOKIE, "value": "xsrf"},
                {"domain": ".example.com", "name": XSRF_COOKIE, "value": "foreign"},
                {"domain": ".infomaniak.com", "name": "other", "value": "ignored"},
            ]

    monkeypatch.setitem(sys.modules, "rookiepy", FakeRookie)
    assert browser_cookie_loader() == {SESSION_COOKIE: "specific", XSRF_COOKIE: "xsrf"}


def test_pick_cookies_ignores_other_domains() -> None:
    assert _pick_cookies([{"domain": "evil.com", "name": SESSION_COOKIE, "value": "x"}]) == {}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("SASESSION=abc; Path=/; HttpOnly", ("SASESSION", "abc")),
        ('A="quoted"; Secure', ("A", "quoted")),
        ("A=gone; Max-Age=0", ("A", None)),
        ("A=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT", ("A", None)),
        ("A=old; Expires=Wed, 31 Dec 2025 00:00:00 GMT", ("A", None)),
        ("A=fresh; Expires=Fri, 01 Jan 2027 00:00:00 GMT", ("A", "fresh")),
        ("A=x; Max-Age=oops", ("A", "x")),
        ("garbage", None),
    ],
)
def test_parse_set_cookie(header: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_set_cookie(header, NOW) == expected


def test_session_never_shows_values_and_registers_them_as_secrets() -> None:
    session = ManagerSession.from_secrets(Secret("sasession-secret-value"), Secret("xsrf-secret-value"))
    assert "secret-value" not in repr(session)
    assert redact_text("cookie sasession-secret-value and xsrf-secret-value") == (
        "cookie [redacted] and [redacted]"
    )
    session.update_from([f"{SESSION_COOKIE}=; Max-Age=0"], NOW)
    assert not session.ready


def test_every_cookie_the_manager_sets_is_registered_as_a_secret() -> None:
    session = ManagerSession.from_secrets(Secret("sasession-secret-value"), Secret("xsrf-secret-value"))
    session.update_from(["laravel_session=laravel-abcdef123456; Path=/; HttpOnly"], NOW)
    session.set("other_cookie", "other%2Dcookie%2Dvalue")
    line = "(b'x', b'laravel-abcdef123456') other%2Dcookie%2Dvalue other-cookie-value"
    assert redact_text(line) == "(b'x', b'[redacted]') [redacted] [redacted]"
