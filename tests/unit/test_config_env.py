"""One source of truth for the environment: `load_environment` (process env over `.env`), kept in
`Settings.environ` and read by the safety engine and the sandbox's fault rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from infomaniak_mcp.config import ConfigError, load_environment, load_settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.sandbox.faults import FaultConfig


def env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_environment_is_the_process_over_the_dotenv_file(tmp_path: Path) -> None:
    path = env_file(tmp_path, "INFOMANIAK_MCP_CONFIRM_TTL=300\nINFOMANIAK_MCP_CONFIRM=elicit\nHOME=/nowhere\n")
    env = load_environment({"INFOMANIAK_MCP_CONFIRM": "auto"}, env_file=path)
    assert env == {"INFOMANIAK_MCP_CONFIRM_TTL": "300", "INFOMANIAK_MCP_CONFIRM": "auto", "HOME": "/nowhere"}
    settings = load_settings({"INFOMANIAK_MCP_CONFIRM": "auto"}, env_file=path)
    assert settings.environ == env
    assert "environ" not in repr(settings)


def test_settings_built_in_code_leave_the_environment_to_os_environ() -> None:
    from infomaniak_mcp.config import Settings

    assert Settings().environ is None


@pytest.mark.parametrize(
    ("line", "variable"),
    [
        ("INFOMANIAK_MCP_CONFIRM_TTL=xyz", "INFOMANIAK_MCP_CONFIRM_TTL"),
        ("INFOMANIAK_MCP_CONFIRM=sometimes", "INFOMANIAK_MCP_CONFIRM"),
        ("INFOMANIAK_MCP_AUDIT_READS=maybe", "INFOMANIAK_MCP_AUDIT_READS"),
    ],
)
def test_a_wrong_dotenv_engine_setting_is_refused_naming_it(tmp_path: Path, line: str, variable: str) -> None:
    settings = load_settings({}, env_file=env_file(tmp_path, line + "\n"))
    with pytest.raises(ConfigError) as info:
        SafetyEngine.from_env(settings.environ)
    assert info.value.variable == variable


def test_the_engine_takes_its_paths_and_mode_from_the_dotenv_file(tmp_path: Path) -> None:
    text = (
        f"INFOMANIAK_MCP_STATE_DIR={tmp_path / 'state'}\nINFOMANIAK_MCP_AUDIT_LOG={tmp_path / 'log.jsonl'}\n"
        "INFOMANIAK_MCP_AUDIT_READS=1\nINFOMANIAK_MCP_CONFIRM=elicit\nINFOMANIAK_MCP_CONFIRM_TTL=60\n"
    )
    settings = load_settings({}, env_file=env_file(tmp_path, text))
    engine = SafetyEngine.from_env(settings.environ)
    assert engine.confirm == "elicit"
    assert engine.audit.path == tmp_path / "log.jsonl"
    assert engine.audit.audit_reads is True
    assert engine.history.path.parent == tmp_path / "state"
    assert engine.tokens.ttl == 60
    assert SafetyEngine.from_env(settings.environ, confirm="auto").confirm == "auto"  # --confirm wins


def test_fault_rules_come_from_the_given_environment(tmp_path: Path) -> None:
    text = "INFOMANIAK_SANDBOX_FAULTS='[{\"kind\": \"silent\", \"path\": \"/1/products\"}]'\n"
    settings = load_settings({}, env_file=env_file(tmp_path, text))
    config = FaultConfig.from_env(settings.environ)
    assert [(rule.kind, rule.path) for rule in config.rules] == [("silent", "/1/products")]
