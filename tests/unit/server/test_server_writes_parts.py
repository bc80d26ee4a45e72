"""Unit tests of the write machinery's parts: declarations, operations registry, engine, messages."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import Field

from infomaniak_mcp.config import ConfigError, Settings
from infomaniak_mcp.safety.engine import SafetyEngine, confirm_mode
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.operations import (
    OperationContext,
    OperationError,
    get_operation,
    lock_key,
    operation,
    read_resource,
)
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Step, fingerprint
from infomaniak_mcp.server import deps, registry
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.outcome import WriteOutcome
from infomaniak_mcp.server.registry import RegistryError, ToolOutput, select_tools, tool
from infomaniak_mcp.server.writes import elicitation_message


def make_plan(risk: str = "low", **extra: Any) -> Plan:
    step = Step(operation="dns.delete_record", params={"zone": "example.ch", "record_id": 4},
                resource="dns:example.ch/records/4", description="Delete www A 192.0.2.1")
    return Plan(
        tool="dns_delete_record",
        summary="Delete the DNS record www.example.ch A 192.0.2.1",
        steps=[step],
        diff=[DiffEntry(resource="dns:example.ch/records/4", before={"target": "192.0.2.1"}, after=None)],
        risk=risk,  # type: ignore[arg-type]
        target_name="www.example.ch" if risk != "low" else "",
        fingerprint=fingerprint({"x": 1}),
        reversible=True,
        **extra,
    )


class Out(ToolOutput):
    value: str


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", {})


@pytest.mark.usefixtures("empty_registry")
class TestDeclaringWriteTools:
    def test_a_write_tool_returns_a_plan_and_publishes_write_outcome(self) -> None:
        async def demo_delete_thing(ctx: ToolContext, name: Annotated[str, Field(description="Name")]) -> Plan:
            """Delete a thing."""
            return make_plan()

        tool(toolset="demo", read_only=False, destructive=True, title="Delete")(demo_delete_thing)
        spec = registry.get_spec("demo_delete_thing")
        assert spec is not None
        assert spec.output_model is WriteOutcome
        assert spec.requires_api

    def test_a_write_tool_returning_an_output_model_is_refused(self) -> None:
        async def demo_delete_thing(ctx: ToolContext) -> Out:
            """Delete a thing, directly (forbidden)."""
            return Out(value="deleted")

        with pytest.raises(RegistryError, match="must return a Plan"):
            tool(toolset="demo", read_only=False, destructive=True, title="Delete")(demo_delete_thing)

    def test_a_read_tool_cannot_return_a_plan(self) -> None:
        async def demo_get_thing(ctx: ToolContext) -> Plan:
            """Get a thing."""
            return make_plan()

        with pytest.raises(RegistryError, match="ToolOutput"):
            tool(toolset="demo", read_only=True, title="Get")(demo_get_thing)

    @pytest.mark.parametrize("reserved", ["confirmation_token", "plan_attempt_", "human_confirmation_"])
    def test_the_wrapper_parameters_are_reserved(self, reserved: str) -> None:
        async def demo_set_thing(ctx: ToolContext, **kwargs: str) -> Plan:
            """Set a thing."""
            return make_plan()

        import inspect

        params = [
            inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ToolContext),
            inspect.Parameter(reserved, inspect.Parameter.KEYWORD_ONLY, annotation=str),
        ]
        demo_set_thing.__signature__ = inspect.Signature(params, return_annotation=Plan)  # type: ignore[attr-defined]
        with pytest.raises(RegistryError, match="reserved"):
            tool(toolset="demo", read_only=False, destructive=False, title="Set")(demo_set_thing)


class TestOperations:
    def test_names_and_duplicates(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from infomaniak_mcp.safety import operations

        monkeypatch.setattr(operations, "_OPERATIONS", {})

        async def run(op: OperationContext, params: dict[str, Any]) -> StepResult:
            return StepResult()

        async def other(op: OperationContext, params: dict[str, Any]) -> StepResult:
            return StepResult()

        with pytest.raises(ValueError, match="toolset"):
            operation("NoDot")(run)
        operation("demo.run_thing")(run)
        operation("demo.run_thing")(run)  # the same function again (module re-import) is fine
        with pytest.raises(ValueError, match="twice"):
            operation("demo.run_thing")(other)
        with pytest.raises(OperationError, match="demo"):
            get_operation("demo.unknown_thing")

    def test_default_lock_is_the_resource_root(self) -> None:
        import infomaniak_mcp.tools.dns  # noqa: F401  # registers dns.*

        step = Step(operation="dns.delete_record", resource="dns:example.ch/records/4", description="x")
        assert lock_key(step) == "dns:example.ch"

    @pytest.mark.anyio
    async def test_a_resource_nobody_reads_is_an_error(self) -> None:
        with pytest.raises(OperationError, match="no reader"):
            await read_resource(None, "nowhere:1/things/2")  # type: ignore[arg-type]


class TestEngine:
    def test_confirm_modes(self) -> None:
        assert confirm_mode(None) == "auto"
        assert confirm_mode(" ELICIT ") == "elicit"
        with pytest.raises(ConfigError, match="INFOMANIAK_MCP_CONFIRM"):
            confirm_mode("always")

    def test_a_bad_ttl_fails_at_start_up(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="INFOMANIAK_MCP_CONFIRM_TTL"):
            SafetyEngine.from_env({"INFOMANIAK_MCP_STATE_DIR": str(tmp_path), "INFOMANIAK_MCP_CONFIRM_TTL": "5"})

    def test_nothing_is_written_until_a_token_is_needed(self, tmp_path: Path) -> None:
        environ = {"INFOMANIAK_MCP_STATE_DIR": str(tmp_path / "s"), "INFOMANIAK_MCP_CONFIRM_TTL": "30"}
        engine = SafetyEngine.from_env(environ)
        assert not (tmp_path / "s").exists()
        assert engine.tokens.ttl == 30
        assert (tmp_path / "s" / "confirm-secret.key").stat().st_mode & 0o777 == 0o600

    def test_build_server_uses_the_environment_state_dir(self, private_state_dir: Path) -> None:
        server = build_server(Settings(), select_tools(["dns"]), api=None)
        assert server is not None
        assert list(private_state_dir.iterdir()) == []


class TestMessages:
    def test_low_risk_question(self) -> None:
        message = elicitation_message(make_plan())
        assert message.splitlines()[0] == "dns_delete_record: Delete the DNS record www.example.ch A 192.0.2.1"
        assert "Risk: low" in message
        assert '- dns:example.ch/records/4: {"target": "192.0.2.1"} → (none)' in message
        assert "confirm = true" in message
        assert message == elicitation_message(make_plan())  # the same plan asks the same question

    def test_high_risk_question_asks_for_the_name(self) -> None:
        message = elicitation_message(make_plan("irreversible"))
        assert "IRREVERSIBLE" in message
        assert message.endswith("To apply it, type exactly: www.example.ch")

    def test_outcome_text(self) -> None:
        outcome = WriteOutcome.build(
            "confirmation_required", make_plan(), "Show it.", token="imc_abc", expires_at="2026-01-01T00:02:00.000Z"
        )
        text = outcome.to_text()
        assert text.startswith("confirmation_required: Delete the DNS record www.example.ch A 192.0.2.1 (risk low)")
        assert "confirmation_token: imc_abc (expires 2026-01-01T00:02:00.000Z)" in text
        assert outcome.plan["steps"][0]["operation"] == "dns.delete_record"
        assert "undo_of" not in outcome.plan

    def test_applied_text_shows_a_generated_password_once(self) -> None:
        outcome = WriteOutcome.build("applied", make_plan(), "Done.")
        outcome.report = {
            "status": "applied",
            "applied": [
                {"index": 0, "status": "applied", "step": {"description": "Rotate the password of al7pdg_app"},
                 "data": {"login": "al7pdg_app", "password": "s3cr3t-Generated-0123456789"}},
            ],
        }
        text = outcome.to_text()
        assert "password: s3cr3t-Generated-0123456789 (shown once: store it now)" in text
        assert text.count("s3cr3t-Generated-0123456789") == 1
        assert "→ login: al7pdg_app" in text

    def test_applied_text_names_what_was_created(self) -> None:
        outcome = WriteOutcome.build("applied", make_plan(), "Done.")
        outcome.report = {
            "status": "applied",
            "applied": [
                {"index": 0, "status": "applied", "step": {"description": "Create a share link"},
                 "data": {"url": "https://kdrive.infomaniak.com/app/share/1/abc", "file_id": 7, "right": "public",
                          "token": "secret-share-token", "valid_until": None, "is_admin": True}},
                {"index": 1, "status": "applied", "step": {"description": "Create record"}, "data": 123456},
                {"index": 2, "status": "applied", "step": {"description": "Switch DNSSEC on"}, "data": True},
            ],
        }
        text = outcome.to_text()
        assert "#0 Create a share link → url: https://kdrive.infomaniak.com/app/share/1/abc, file_id: 7" in text
        assert "secret-share-token" not in text  # a secret-named field is never echoed as an identity
        assert "#1 Create record → result: 123456" in text
        assert "#2 Switch DNSSEC on" in text
        assert "#2 Switch DNSSEC on →" not in text  # a bare flag says nothing worth repeating


class TestPrincipal:
    def test_local_user(self, monkeypatch: pytest.MonkeyPatch) -> None:
        deps.local_principal.cache_clear()
        monkeypatch.setattr(getpass, "getuser", lambda: "marie")
        assert deps.local_principal() == "marie"
        deps.local_principal.cache_clear()

        def nobody() -> str:
            raise OSError("no user")

        monkeypatch.setattr(getpass, "getuser", nobody)
        assert deps.local_principal() == "local"
        deps.local_principal.cache_clear()
