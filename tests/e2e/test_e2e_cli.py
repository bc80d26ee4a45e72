"""The `infomaniak-mcp` command: `tools`, `call`, configuration errors, `--version`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infomaniak_mcp import __version__
from infomaniak_mcp.cli import main
from infomaniak_mcp.server.app import local_principal
from infomaniak_mcp.server.registry import ToolsetInfo

SAFE_API = {"INFOMANIAK_API_TOKEN": "cli-test-token-123456", "INFOMANIAK_API_URL": "http://127.0.0.1:9"}


@pytest.fixture
def cli_env(isolated_cwd: Path, fake_toolsets: dict[str, ToolsetInfo], monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake toolsets, no developer configuration, an API token that points nowhere (never used)."""
    for key, value in SAFE_API.items():
        monkeypatch.setenv(key, value)
    return isolated_cwd


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("cli_env")
class TestTools:
    def test_lists_enabled_tools(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "tools")
        assert code == 0
        lines = out.splitlines()
        assert len(lines) == 4
        echo = next(line for line in lines if line.startswith("fake_get_echo"))
        assert echo.split()[:3] == ["fake_get_echo", "fake", "read"]
        assert echo.endswith("Echo a text with the caller's principal.")
        delete = next(line for line in lines if line.startswith("fakewrite_delete_thing"))
        assert "WRITE" in delete

    def test_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "tools", "--json", "--read-only")
        assert code == 0
        rows = json.loads(out)
        assert [r["name"] for r in rows] == ["fake_get_echo", "fake_get_failure", "fake_list_items"]
        assert rows[0] == {
            "name": "fake_get_echo",
            "toolset": "fake",
            "read_only": True,
            "title": "Echo",
            "summary": "Echo a text with the caller's principal.",
            "description": "Echo a text with the caller's principal.",
            "enabled": True,
            "default_toolset": True,
        }

    def test_all_marks_what_is_not_enabled(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "tools", "--all", "--toolsets", "fake")
        assert code == 0
        assert any(line.startswith("- fakewrite_delete_thing") for line in out.splitlines())
        assert any(line.startswith("  fake_get_echo") for line in out.splitlines())

    def test_selection_options_work_before_or_after_the_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        _, before, _ = run(capsys, "--read-only", "tools", "--json")
        _, after, _ = run(capsys, "tools", "--json", "--read-only")
        assert json.loads(before) == json.loads(after)
        assert all(row["read_only"] for row in json.loads(before))

    def test_default_names_the_default_selection(self, capsys: pytest.CaptureFixture[str]) -> None:
        _, plain, _ = run(capsys, "tools", "--json")
        code, named, _ = run(capsys, "tools", "--json", "--toolsets", "default")
        _, combined, _ = run(capsys, "tools", "--json", "--toolsets", "default,fake", "--read-only")
        _, fake_only, _ = run(capsys, "tools", "--json", "--toolsets", "fake")
        assert code == 0
        assert json.loads(named) == json.loads(plain)
        assert {r["name"] for r in json.loads(combined)} == {r["name"] for r in json.loads(fake_only)}
        code, _, err = run(capsys, "tools", "--toolsets", "defaults")
        assert code == 2
        assert "valid: all, default, fake" in err

    def test_unknown_toolset_exits_2_with_the_valid_names(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "tools", "--toolsets", "nope")
        assert code == 2
        assert out == ""
        assert "nope" in err
        assert "fake" in err
        assert "fakewrite" in err


@pytest.mark.usefixtures("cli_env")
class TestCall:
    def test_prints_the_structured_result(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "call", "fake_get_echo", "--args", '{"text": "from cron"}')
        assert code == 0
        assert json.loads(out) == {"text": "from cron", "principal": local_principal()}

    def test_default_arguments(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "call", "fake_get_echo")
        assert code == 0
        assert json.loads(out)["text"] == "hello"

    def test_tool_error_exits_1_with_the_error_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "call", "fake_get_failure", "--args", '{"kind": "not_found"}')
        assert code == 1
        assert json.loads(out)["error"] == "object_not_found"
        assert "Next step: Call dns_list_zones first." in err

    def test_masked_crash_exits_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "call", "fake_get_failure", "--args", '{"kind": "crash"}')
        assert code == 1
        assert json.loads(out)["error"] == "internal_error"
        assert "hunter2" not in out + err

    def test_without_a_token_the_answer_says_how_to_get_one(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("INFOMANIAK_API_TOKEN")
        code, out, err = run(capsys, "call", "fake_get_echo")
        assert code == 1
        assert json.loads(out)["error"] == "not_configured"
        assert "INFOMANIAK_API_TOKEN" in err

    def test_write_tool_in_read_only_mode_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "call", "fakewrite_delete_thing", "--read-only", "--args", '{"name": "x"}')
        assert code == 2
        assert out == ""
        assert "read-only" in err

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["call", "fake_get_nothing"], "fake_get_nothing"),
            (["call", "fake_get_echo", "--args", "{not json"], "--args"),
            (["call", "fake_get_echo", "--args", "[1, 2]"], "JSON object"),
            (["call", "fake_get_echo", "--exclude-tools", "fake_get_echo"], "not enabled"),
        ],
    )
    def test_usage_errors_exit_2(self, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
        code, out, err = run(capsys, *argv)
        assert code == 2
        assert out == ""
        assert message in err


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("env", "argv", "variable"),
    [
        ({"INFOMANIAK_RATE_LIMIT": "100"}, ["call", "fake_get_echo"], "INFOMANIAK_RATE_LIMIT"),
        ({"INFOMANIAK_API_URL": "nope"}, [], "INFOMANIAK_API_URL"),
        ({}, ["--transport", "http"], "INFOMANIAK_MCP_HTTP_TOKEN"),
        ({"INFOMANIAK_MCP_HTTP_TOKEN": "short"}, ["--transport", "http"], "INFOMANIAK_MCP_HTTP_TOKEN"),
    ],
)
def test_configuration_errors_exit_2_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    argv: list[str],
    variable: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert f"configuration error: {variable}:" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"infomaniak-mcp {__version__}"


def test_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--port", "70000"])
    assert info.value.code == 2
    assert "65535" in capsys.readouterr().err


def test_console_entry_lists_the_real_tools(isolated_cwd: Path) -> None:
    """`python -m infomaniak_mcp tools --json` in a fresh process, over the real catalog."""
    done = subprocess.run(
        [sys.executable, "-m", "infomaniak_mcp", "tools", "--json", "--all"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
        cwd=isolated_cwd,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    names = {row["name"] for row in rows}
    assert {"account_overview", "account_list_products", "dns_list_records"} <= names
    undo = next(row for row in rows if row["name"] == "history_undo")
    assert undo["summary"] == "Revert a write listed by history_list (e.g. re-create a deleted DNS record with its " \
        "old values)."  # not cut at "e.g."
    assert undo["description"].startswith(undo["summary"] + " Refuses when")  # whole, for scripts
    longest = max(rows, key=lambda row: len(row["description"]))
    assert len(longest["description"]) > 200  # no 120-character cut


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_audit_verify_of_a_log_that_is_not_there_is_an_error(
    isolated_cwd: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    target = isolated_cwd / "sub" / "nowhere.jsonl"
    if kind == "directory":
        target.mkdir(parents=True)
    code, out, err = run(capsys, "audit", "verify", "--log", "sub/../sub/nowhere.jsonl")
    assert code == 2
    assert "OK" not in out + err
    assert str(target.resolve()) in err  # the resolved, absolute path
    assert ("does not exist" if kind == "missing" else "is not a file") in err
