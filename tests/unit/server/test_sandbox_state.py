"""`--sandbox` keeps its safety files apart from the real account's (`safety.state.sandbox_environ`)."""

from __future__ import annotations

from pathlib import Path

from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.safety.state import sandbox_environ


def test_the_sandbox_state_dir_is_a_subdirectory(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path)}
    assert sandbox_environ(env)["INFOMANIAK_MCP_STATE_DIR"] == str(tmp_path / "infomaniak-mcp" / "sandbox")
    assert "INFOMANIAK_MCP_STATE_DIR" not in env  # the caller's mapping is not changed
    engine = SafetyEngine.from_env(env, sandbox=True)
    assert engine.audit.path == tmp_path / "infomaniak-mcp" / "sandbox" / "audit.jsonl"
    assert engine.history.path.parent == tmp_path / "infomaniak-mcp" / "sandbox"
    real = SafetyEngine.from_env(env)
    assert real.audit.path == tmp_path / "infomaniak-mcp" / "audit.jsonl"


def test_explicit_paths_are_honoured(tmp_path: Path) -> None:
    env = {"INFOMANIAK_MCP_STATE_DIR": str(tmp_path / "s"), "INFOMANIAK_MCP_AUDIT_LOG": str(tmp_path / "a.jsonl")}
    engine = SafetyEngine.from_env(env, sandbox=True)
    assert engine.audit.path == tmp_path / "a.jsonl"
    assert engine.history.path.parent == tmp_path / "s"
    only_audit = SafetyEngine.from_env({"HOME": str(tmp_path), "INFOMANIAK_MCP_AUDIT_LOG": str(tmp_path / "a.jsonl")},
                                       sandbox=True)
    assert only_audit.audit.path == tmp_path / "a.jsonl"
    assert only_audit.history.path.parent == tmp_path / ".local" / "state" / "infomaniak-mcp" / "sandbox"
