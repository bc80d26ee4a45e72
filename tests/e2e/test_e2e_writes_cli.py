"""`infomaniak-mcp call` with a write tool: in a terminal the human confirms right there (elicitation);
without a terminal the call stops at confirmation_required and says why the token cannot be reused.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from infomaniak_mcp.cli import main

ARGS = json.dumps({"zone": "alpage-shop.ch", "type": "TXT", "name": "from-cli", "target": "hello"})


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def at_terminal(monkeypatch: pytest.MonkeyPatch, typed: str) -> None:
    """stdin and stderr look like a terminal (called in the test body, where capsys's stderr is live)."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(sys, "stdin", Terminal(typed))


@pytest.mark.usefixtures("isolated_cwd")
@pytest.mark.parametrize(("typed", "status"), [("y\n", "applied"), ("n\n", "declined"), ("", "cancelled")])
def test_call_asks_on_the_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str, status: str
) -> None:
    at_terminal(monkeypatch, typed)
    code = main(["call", "dns_create_record", "--sandbox", "--args", ARGS])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] == status
    assert "Create the DNS record from-cli.alpage-shop.ch TXT hello" in err
    assert "Apply this change? [y/N]" in err


@pytest.mark.usefixtures("isolated_cwd")
def test_call_refuses_a_bad_plan_before_asking(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    delete = json.dumps({"zone": "alpage-shop.ch", "record_id": 999_999_999})
    at_terminal(monkeypatch, "whatever\n")
    code = main(["call", "dns_delete_record", "--sandbox", "--args", delete])
    _, err = capsys.readouterr()
    assert code == 1
    assert "No record 999999999" in err
    assert "Type the name" not in err  # nobody was asked


@pytest.mark.usefixtures("isolated_cwd")
@pytest.mark.parametrize(("typed", "status"), [("alpage-shop.ch\n", "applied"), ("\n", "declined")])
def test_call_high_risk_needs_the_typed_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str, status: str
) -> None:
    assert main(["call", "dns_list_records", "--sandbox", "--args", '{"zone": "alpage-shop.ch", "type": "TXT"}']) == 0
    record = next(r for r in json.loads(capsys.readouterr().out)["records"] if r["name"] == ".")
    at_terminal(monkeypatch, typed)
    delete = json.dumps({"zone": "alpage-shop.ch", "record_id": record["id"]})
    code = main(["call", "dns_delete_record", "--sandbox", "--args", delete])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] == status
    assert "To apply it, type exactly: alpage-shop.ch" in err


@pytest.mark.usefixtures("isolated_cwd")
def test_call_without_terminal_stops_at_the_plan(isolated_cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", "dns_create_record", "--sandbox", "--args", ARGS])
    out, err = capsys.readouterr()
    assert code == 3  # nothing applied: a cron script must not read it as done
    printed = json.loads(out)
    assert printed["status"] == "confirmation_required"
    assert printed["plan"]["summary"].startswith("Create the DNS record from-cli.alpage-shop.ch")
    assert printed["confirmation_token"] is None  # it died with the one-shot server: a second process refuses it
    assert "imc_" not in out
    assert "confirmation_token" not in printed["message"]  # no 'call again with the token'
    assert "Nothing was applied (exit code 3)" in err
    assert "only works inside the server process" in err
    assert "A script must confirm writes through an MCP client" in err


def test_call_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["call", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "3 confirmation required" in out
    assert "nothing was applied" in out


@pytest.mark.usefixtures("isolated_cwd")
def test_call_in_read_only_mode_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", "dns_create_record", "--sandbox", "--read-only", "--args", ARGS])
    assert code == 2
    assert "--read-only" in capsys.readouterr().err


@pytest.mark.usefixtures("isolated_cwd")
def test_sandbox_writes_keep_their_own_state(
    isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --sandbox write is audited and recorded in <state dir>/sandbox/, never in the real account's files."""
    monkeypatch.setenv("XDG_STATE_HOME", str(isolated_cwd / "xdg"))
    at_terminal(monkeypatch, "y\n")
    assert main(["call", "dns_create_record", "--sandbox", "--args", ARGS]) == 0
    _, err = capsys.readouterr()
    real = isolated_cwd / "xdg" / "infomaniak-mcp"
    assert (real / "sandbox" / "audit.jsonl").is_file()
    assert (real / "sandbox" / "history.jsonl").is_file()
    assert not (real / "audit.jsonl").exists()
    assert not (real / "history.jsonl").exists()
    assert "sandbox mode" in err
    assert str(real / "sandbox" / "audit.jsonl") in err


@pytest.mark.usefixtures("isolated_cwd")
def test_sandbox_honours_an_explicit_state_dir(
    isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFOMANIAK_MCP_STATE_DIR", str(isolated_cwd / "mine"))
    monkeypatch.setenv("INFOMANIAK_MCP_AUDIT_LOG", str(isolated_cwd / "audit" / "log.jsonl"))
    at_terminal(monkeypatch, "y\n")
    assert main(["call", "dns_create_record", "--sandbox", "--args", ARGS]) == 0
    assert (isolated_cwd / "mine" / "history.jsonl").is_file()
    assert (isolated_cwd / "audit" / "log.jsonl").is_file()
    assert not (isolated_cwd / "mine" / "sandbox").exists()
