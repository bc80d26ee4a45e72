"""Configuration: defaults, validation naming the variable, .env parsing, secrets kept out of reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from infomaniak_mcp.config import (
    DEFAULT_API_URL,
    DEFAULT_MANAGER_URL,
    DEFAULT_REQUEST_DEADLINE,
    ConfigError,
    Secret,
    Settings,
    load_settings,
    parse_env_file,
)
from infomaniak_mcp.transports.http import load_http_tokens

TOKEN = "tok-0123456789abcdef-SECRET"


@pytest.fixture
def no_env_file(tmp_path: Path) -> Path:
    """A path that does not exist: load_settings reads no .env (whatever the cwd holds)."""
    return tmp_path / "absent.env"


def test_defaults(no_env_file: Path) -> None:
    settings = load_settings({}, env_file=no_env_file)
    assert settings.api_token is None
    assert not settings.has_token
    assert settings.api_url == DEFAULT_API_URL
    assert settings.manager_url == DEFAULT_MANAGER_URL
    assert settings.auth_mode == "manual"
    assert settings.sasession is None
    assert settings.xsrf_token is None
    assert not settings.has_manager_session
    assert settings.http_token is None
    assert settings.rate_limit_per_minute == 60
    assert settings.request_timeout == 30.0
    assert settings.request_deadline == 90.0
    assert settings.log_level == "WARNING"


def test_values_are_parsed(no_env_file: Path) -> None:
    settings = load_settings(
        {
            "INFOMANIAK_API_TOKEN": TOKEN,
            "INFOMANIAK_API_URL": "http://127.0.0.1:9000/",
            "INFOMANIAK_MANAGER_URL": "http://127.0.0.1:9001",
            "INFOMANIAK_AUTH_MODE": "NONE",
            "INFOMANIAK_RATE_LIMIT": "30",
            "INFOMANIAK_TIMEOUT": "2.5",
            "INFOMANIAK_REQUEST_DEADLINE": "45",
            "INFOMANIAK_MCP_LOG_LEVEL": "debug",
            "INFOMANIAK_SASESSION": "sess-abcdef",
            "INFOMANIAK_XSRF_TOKEN": "xsrf-abcdef",
        },
        env_file=no_env_file,
    )
    assert settings.api_token == Secret(TOKEN)
    assert settings.api_url == "http://127.0.0.1:9000"  # trailing slash dropped
    assert settings.manager_url == "http://127.0.0.1:9001"
    assert settings.auth_mode == "none"
    assert settings.rate_limit_per_minute == 30
    assert settings.request_timeout == 2.5
    assert settings.request_deadline == 45.0
    assert settings.log_level == "DEBUG"
    assert settings.has_manager_session


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INFOMANIAK_API_URL", "ftp://example.ch"),
        ("INFOMANIAK_API_URL", "not a url"),
        ("INFOMANIAK_MANAGER_URL", "manager.infomaniak.com"),
        ("INFOMANIAK_AUTH_MODE", "browser"),
        ("INFOMANIAK_RATE_LIMIT", "61"),
        ("INFOMANIAK_RATE_LIMIT", "0"),
        ("INFOMANIAK_RATE_LIMIT", "ten"),
        ("INFOMANIAK_RATE_LIMIT", "1.5"),
        ("INFOMANIAK_TIMEOUT", "0"),
        ("INFOMANIAK_TIMEOUT", "301"),
        ("INFOMANIAK_TIMEOUT", "soon"),
        ("INFOMANIAK_REQUEST_DEADLINE", "5"),
        ("INFOMANIAK_REQUEST_DEADLINE", "901"),
        ("INFOMANIAK_MCP_LOG_LEVEL", "LOUD"),
        ("INFOMANIAK_API_TOKEN", "two words"),
    ],
)
def test_bad_value_names_the_variable(variable: str, value: str, no_env_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({variable: value}, env_file=no_env_file)
    assert info.value.variable == variable
    assert str(info.value).startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("present", "missing"),
    [("INFOMANIAK_SASESSION", "INFOMANIAK_XSRF_TOKEN"), ("INFOMANIAK_XSRF_TOKEN", "INFOMANIAK_SASESSION")],
)
def test_half_a_manager_session_names_the_missing_one(present: str, missing: str, no_env_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({present: "value-123456"}, env_file=no_env_file)
    assert info.value.variable == missing


def test_half_a_session_is_fine_when_manager_auth_is_off(no_env_file: Path) -> None:
    env = {"INFOMANIAK_SASESSION": "s-123456", "INFOMANIAK_AUTH_MODE": "none"}
    settings = load_settings(env, env_file=no_env_file)
    assert not settings.has_manager_session


def test_missing_named_env_file_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"INFOMANIAK_MCP_ENV_FILE": str(tmp_path / "nope.env")})
    assert info.value.variable == "INFOMANIAK_MCP_ENV_FILE"


def test_env_file_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "\n"
        "export INFOMANIAK_API_TOKEN='quoted-token-123'\n"
        'INFOMANIAK_API_URL = "http://127.0.0.1:8080"\n'
        "INFOMANIAK_RATE_LIMIT=20\n"
        "EMPTY=\n",
        encoding="utf-8",
    )
    assert parse_env_file(path) == {
        "INFOMANIAK_API_TOKEN": "quoted-token-123",
        "INFOMANIAK_API_URL": "http://127.0.0.1:8080",
        "INFOMANIAK_RATE_LIMIT": "20",
        "EMPTY": "",
    }
    settings = load_settings({"INFOMANIAK_RATE_LIMIT": "40"}, env_file=path)
    assert settings.api_token == Secret("quoted-token-123")
    assert settings.api_url == "http://127.0.0.1:8080"
    assert settings.rate_limit_per_minute == 40  # the process environment wins over the file


def test_env_file_named_by_variable(tmp_path: Path) -> None:
    path = tmp_path / "custom.env"
    path.write_text("INFOMANIAK_MCP_LOG_LEVEL=ERROR\n", encoding="utf-8")
    assert load_settings({"INFOMANIAK_MCP_ENV_FILE": str(path)}).log_level == "ERROR"


def test_bad_env_file_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nthis line has no equals sign\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings({}, env_file=path)
    assert info.value.variable == f"{path}:2"


def test_bad_value_in_env_file_names_the_variable(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("INFOMANIAK_TIMEOUT=forever\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings({}, env_file=path)
    assert info.value.variable == "INFOMANIAK_TIMEOUT"


def test_secrets_never_in_repr(no_env_file: Path) -> None:
    secrets = {
        "INFOMANIAK_API_TOKEN": "api-token-SECRET-1",
        "INFOMANIAK_SASESSION": "sasession-SECRET-2",
        "INFOMANIAK_XSRF_TOKEN": "xsrf-SECRET-3",
        "INFOMANIAK_MCP_HTTP_TOKEN": "http-token-SECRET-4",
        "INFOMANIAK_MCP_HTTP_TOKENS": "alice=http-token-SECRET-5",
    }
    settings = load_settings(secrets, env_file=no_env_file)
    rendered = repr(settings) + str(settings) + repr(settings.api_token) + str(settings.http_token)
    for value in secrets.values():
        assert value.split("=")[-1] not in rendered
    assert "***" in rendered
    assert settings.api_token is not None
    assert settings.api_token.reveal() == "api-token-SECRET-1"


# -- HTTP transport tokens (parsed at start by transports.http) --------------------------------------


def _http(env: dict[str, str], tmp_path: Path) -> Settings:
    return load_settings(env, env_file=tmp_path / "absent.env")


def test_http_tokens_single_and_named(tmp_path: Path) -> None:
    settings = _http(
        {
            "INFOMANIAK_MCP_HTTP_TOKEN": "a" * 20,
            "INFOMANIAK_MCP_HTTP_TOKENS": f"alice={'b' * 20}, bob={'c' * 24}",
        },
        tmp_path,
    )
    tokens = load_http_tokens(settings)
    expected = [("http", "a" * 20), ("alice", "b" * 20), ("bob", "c" * 24)]
    assert [(t.name, t.token.reveal()) for t in tokens] == expected


def test_http_tokens_from_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"# principals\ncron={'d' * 32}\n\nci = {'e' * 32}\n", encoding="utf-8")
    tokens = load_http_tokens(_http({"INFOMANIAK_MCP_HTTP_TOKENS": f"@{path}"}, tmp_path))
    assert [(t.name, t.token.reveal()) for t in tokens] == [("cron", "d" * 32), ("ci", "e" * 32)]


def test_no_http_token_is_an_empty_list(tmp_path: Path) -> None:
    assert load_http_tokens(_http({}, tmp_path)) == []


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"INFOMANIAK_MCP_HTTP_TOKEN": "tiny1"}, "INFOMANIAK_MCP_HTTP_TOKEN"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": "no-equals-sign-here-at-all"}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": "=" + "a" * 20}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": "bad name=" + "a" * 20}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": "alice=tiny1"}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": f"a={'x' * 20},a={'y' * 20}"}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": f"a={'x' * 20},b={'x' * 20}"}, "INFOMANIAK_MCP_HTTP_TOKENS"),
        ({"INFOMANIAK_MCP_HTTP_TOKENS": "@/nonexistent/tokens"}, "INFOMANIAK_MCP_HTTP_TOKENS"),
    ],
)
def test_bad_http_tokens_name_the_variable(env: dict[str, str], variable: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_http_tokens(_http(env, tmp_path))
    assert info.value.variable == variable
    for value in env.values():  # a malformed entry may be a token: never echoed
        if "=" in value and not value.startswith("@"):
            assert value.split("=", 1)[1].split(",")[0] not in str(info.value)


def test_request_deadline_reaches_both_http_clients(no_env_file: Path) -> None:
    from infomaniak_mcp.api.client import InfomaniakApi

    settings = load_settings(
        {"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_REQUEST_DEADLINE": "40", "INFOMANIAK_TIMEOUT": "50"},
        env_file=no_env_file,
    )
    api = InfomaniakApi.from_settings(settings)
    # never shorter than one attempt's timeout
    assert api.http.request_deadline == api.manager.request_deadline == 50.0
    api = InfomaniakApi.from_settings(load_settings({"INFOMANIAK_REQUEST_DEADLINE": "40"}, env_file=no_env_file))
    assert api.http.request_deadline == api.manager.request_deadline == 40.0


def test_the_request_deadline_default_is_one_constant(no_env_file: Path) -> None:
    from infomaniak_mcp.api._http import HttpCore
    from infomaniak_mcp.api.client import InfomaniakApi

    assert Settings().request_deadline == DEFAULT_REQUEST_DEADLINE
    assert load_settings({}, env_file=no_env_file).request_deadline == DEFAULT_REQUEST_DEADLINE
    assert HttpCore("https://api.test").request_deadline == DEFAULT_REQUEST_DEADLINE
    api = InfomaniakApi.from_settings(Settings())
    assert api.http.request_deadline == api.manager.request_deadline == DEFAULT_REQUEST_DEADLINE
