"""The CLI reads every setting from one place (process environment over `.env`) and checks it at start.

Settings read outside `load_settings` (the safety engine's, the sandbox's fault rules) come from
the same mapping, so a `.env` value counts and a wrong one stops `serve`, `tools` and `call` with
exit 2 naming the variable, before anything starts. `call` refuses an argument the tool does not have.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infomaniak_mcp.cli import main

FAULTY_PRODUCTS = '[{"kind": "malformed_json", "path": "/1/products"}]'


@pytest.fixture
def workdir(isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INFOMANIAK_MCP_STATE_DIR", str(isolated_cwd / "state"))
    return isolated_cwd


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_env(directory: Path, **values: str) -> None:
    lines = [f"{key}='{value}'" for key, value in values.items()]
    (directory / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INFOMANIAK_MCP_CONFIRM_TTL", "xyz"),
        ("INFOMANIAK_MCP_CONFIRM_TTL", "5"),
        ("INFOMANIAK_MCP_CONFIRM", "sometimes"),
        ("INFOMANIAK_MCP_AUDIT_READS", "maybe"),
        ("INFOMANIAK_SANDBOX_FAULTS", "not json"),
        ("INFOMANIAK_SANDBOX_FAULTS", '[{"kind": "earthquake"}]'),
    ],
)
@pytest.mark.parametrize(
    "argv",
    [["--sandbox", "call", "account_overview"], ["--sandbox", "tools"], ["--sandbox"]],
    ids=["call", "tools", "serve"],
)
def test_a_wrong_dotenv_value_stops_the_start_naming_the_variable(
    workdir: Path, capsys: pytest.CaptureFixture[str], variable: str, value: str, argv: list[str]
) -> None:
    write_env(workdir, **{variable: value})
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == ""
    assert f"configuration error: {variable}:" in err
    assert "Traceback" not in err


def test_bad_faults_in_the_process_environment_are_a_configuration_error(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFOMANIAK_SANDBOX_FAULTS", "[{")
    code, out, err = run(capsys, "--sandbox", "call", "account_overview")
    assert (code, out) == (2, "")
    assert err.strip() == "infomaniak-mcp: configuration error: INFOMANIAK_SANDBOX_FAULTS: " \
        "fault configuration is not valid JSON"


def test_dotenv_faults_reach_the_sandbox_and_come_back_typed(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_env(workdir, INFOMANIAK_SANDBOX_FAULTS=FAULTY_PRODUCTS)
    code, out, _ = run(capsys, "--sandbox", "call", "account_overview")
    assert code == 1
    assert json.loads(out)["error"] == "malformed_json"


@pytest.mark.parametrize("command", ["call", "serve"])
def test_the_fault_rules_are_parsed_once_per_start(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    from infomaniak_mcp.sandbox.faults import FaultConfig
    from infomaniak_mcp.transports import stdio

    write_env(workdir, INFOMANIAK_SANDBOX_FAULTS=FAULTY_PRODUCTS)
    parsed: list[int] = []
    original = FaultConfig.from_env.__func__  # type: ignore[attr-defined]

    def counted(cls: type[FaultConfig], environ: object = None) -> FaultConfig:
        parsed.append(1)
        return original(cls, environ)  # type: ignore[no-any-return]

    monkeypatch.setattr(FaultConfig, "from_env", classmethod(counted))
    if command == "serve":
        async def no_stdio(server: object) -> None:  # built (settings checked, API created), not served
            return None

        monkeypatch.setattr(stdio, "serve_stdio", no_stdio)
        code, _, err = run(capsys, "--sandbox")
        assert code == 0, err
    else:
        code, out, _ = run(capsys, "--sandbox", "call", "account_overview")
        assert json.loads(out)["error"] == "malformed_json"  # the parsed rules reached the sandbox
    assert len(parsed) == 1


def test_dotenv_audit_settings_reach_the_engine_and_audit_verify(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = workdir / "elsewhere" / "audit.jsonl"
    write_env(workdir, INFOMANIAK_MCP_AUDIT_LOG=str(log), INFOMANIAK_MCP_AUDIT_READS="yes")
    code, _, err = run(capsys, "--sandbox", "call", "account_overview")
    assert code == 0, err
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(e["tool"], e["phase"]) for e in entries] == [("account_overview", "read")]
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0
    assert str(log) in out


def test_dotenv_confirm_mode_is_used(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_env(workdir, INFOMANIAK_MCP_CONFIRM="elicit")
    args = json.dumps({"zone": "alpage-shop.ch", "type": "TXT", "name": "cli", "target": "v=1"})
    code, out, _ = run(capsys, "--sandbox", "call", "dns_create_record", "--args", args)
    assert code == 1
    assert json.loads(out)["error"] == "human_confirmation_required"


def test_tools_validates_the_configuration_like_serve(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFOMANIAK_API_URL", "nope")
    code, out, err = run(capsys, "tools")
    assert code == 2
    assert out == ""
    assert "configuration error: INFOMANIAK_API_URL:" in err


def test_call_refuses_an_argument_the_tool_does_not_have(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--sandbox", "call", "account_overview", "--args", '{"within_dayz": 3, "x": 1}')
    assert code == 2
    assert out == ""
    assert "account_overview has no parameter within_dayz, x" in err
    assert "within_days" in err


@pytest.mark.parametrize("where", ["process", "dotenv"])
def test_the_standalone_sandbox_refuses_bad_faults_before_listening(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "process":
        monkeypatch.setenv("INFOMANIAK_SANDBOX_FAULTS", '{"rules": 3}')
    else:
        write_env(workdir, INFOMANIAK_SANDBOX_FAULTS='{"rules": 3}')
    code, _, err = run(capsys, "sandbox", "--port", "1")
    assert code == 2
    assert "configuration error: INFOMANIAK_SANDBOX_FAULTS:" in err
    assert "Traceback" not in err
