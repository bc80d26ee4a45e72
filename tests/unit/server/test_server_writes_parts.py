"""Unit tests of the write machinery's parts: declarations, operations registry, engine, messages."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import Field

from infomaniak_mcp.config import ConfigError, Settings
from infomaniak_mcp.safety.engine import SafetyEngine, confirm_mode
from infomaniak_mcp.safety.executor import ApplyReport, StepOutcome, StepResult
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
from infomaniak_mcp.server.app import build_server, structured
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.outcome import WriteOutcome, what_changed
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
        report = applied_report(("Rotate the password of al7pdg_app",
                                 {"login": "al7pdg_app", "password": "s3cr3t-Generated-0123456789"}))
        text = WriteOutcome.build("applied", make_plan(), "Done.", report=report).to_text()
        assert "password: s3cr3t-Generated-0123456789 (shown once: store it now)" in text
        assert text.count("s3cr3t-Generated-0123456789") == 1
        assert "→ login: al7pdg_app" in text

    def test_applied_text_names_what_was_created(self) -> None:
        report = applied_report(
            ("Create a share link", {"url": "https://kdrive.infomaniak.com/app/share/1/abc", "file_id": 7,
                                     "right": "public", "token": "secret-share-token", "valid_until": None,
                                     "is_admin": True}),
            ("Create record", 123456),
            ("Switch DNSSEC on", True),
        )
        text = WriteOutcome.build("applied", make_plan(), "Done.", report=report).to_text()
        assert "#0 Create a share link → url: https://kdrive.infomaniak.com/app/share/1/abc, file_id: 7" in text
        assert "secret-share-token" not in text  # a secret-named field is never echoed as an identity
        assert "#1 Create record → result: 123456" in text
        assert "#2 Switch DNSSEC on" in text
        assert "#2 Switch DNSSEC on →" not in text  # a bare flag says nothing worth repeating


def applied_report(*steps: tuple[str, Any], failed_at: int | None = None) -> ApplyReport:
    """A report whose steps ran in order (the one at `failed_at` failed, the next ones did not run)."""
    outcomes: dict[str, list[StepOutcome]] = {"applied": [], "failed": [], "not_attempted": []}
    for index, (description, data) in enumerate(steps):
        step = Step(operation="dns.create_record", params={"zone": "example.ch", "target": "x" * 300},
                    resource="dns:example.ch", description=description, before={"big": "y" * 300})
        if failed_at is None or index < failed_at:
            outcomes["applied"].append(StepOutcome(index=index, status="applied", step=step, after={"big": "z" * 300},
                                                   resource=f"dns:example.ch/records/{index}", data=data))
        elif index == failed_at:
            outcomes["failed"].append(StepOutcome(index=index, status="failed", step=step, resource=step.resource,
                                                  error={"error": "server_error", "description": "boom"}))
        else:
            outcomes["not_attempted"].append(StepOutcome(index=index, status="not_attempted", step=step,
                                                         resource=step.resource))
    status = "applied" if failed_at is None else ("partial" if failed_at else "failed")
    report = ApplyReport(status=status, **outcomes)  # type: ignore[arg-type]
    if status == "partial":
        report.compensation = make_plan().model_copy(update={"tool": "history_undo", "summary": "Revert it"})
        report.not_compensable = [0]
    return report


class TestCompactOutcome:
    """An applied / partial / failed result says each step once: no params, before/after or diff again."""

    def test_an_applied_result_outlines_the_plan_and_lists_each_step_once(self) -> None:
        outcome = WriteOutcome.build("applied", make_plan(), "Done.", report=applied_report(("Create a", {"id": 5})),
                                     history_id="h_1")
        assert outcome.plan == {"tool": "dns_delete_record", "summary": make_plan().summary, "risk": "low",
                                "reversible": True}
        assert outcome.report == {"applied": [{"index": 0, "operation": "dns.create_record", "description": "Create a",
                                               "resource": "dns:example.ch/records/0", "data": {"id": 5}}]}
        dumped = json.dumps(structured(outcome))
        for long_value in ("x" * 300, "y" * 300, "z" * 300):  # params, before, after
            assert long_value not in dumped
        assert len(dumped) < 500

    def test_a_big_answer_is_cut_to_its_ids_and_says_so(self) -> None:
        big = {"id": 7, "name": "site", "password": "Generated-0123456789", "token": "abc", "blob": "b" * 2000}
        listed = [{"id": n, "payload": "p" * 100} for n in range(200)]
        report = applied_report(("Create it", big), ("List them", listed), ("Say it", "s" * 2000))
        applied = WriteOutcome.build("applied", make_plan(), "Done.", report=report).report["applied"]  # type: ignore[index]
        assert applied[0]["data"] == {"id": 7, "name": "site", "password": "Generated-0123456789"}
        assert "cut to its ids" in applied[0]["data_note"]
        assert [item["id"] for item in applied[1]["data"]] == list(range(len(applied[1]["data"])))
        assert 0 < len(applied[1]["data"]) < 200
        assert f"its first {len(applied[1]['data'])} of 200 items" in applied[1]["data_note"]
        assert len(applied[2]["data"]) < 200
        assert "data_note" in applied[2]
        small = WriteOutcome.build("applied", make_plan(), "Done.", report=applied_report(("Create", {"a": 1})))
        assert "data_note" not in small.report["applied"][0]  # type: ignore[index]

    def test_a_partial_result_keeps_errors_and_an_outlined_compensation(self) -> None:
        report = applied_report(("Create a", {"id": 1}), ("Create b", None), ("Create c", None), failed_at=1)
        outcome = WriteOutcome.build("partial", make_plan(), "Step #1 failed.", report=report, history_id="h_2")
        assert outcome.report is not None
        assert [s["index"] for s in outcome.report["applied"]] == [0]
        assert outcome.report["failed"] == [{"index": 1, "operation": "dns.create_record", "description": "Create b",
                                             "resource": "dns:example.ch",
                                             "error": {"error": "server_error", "description": "boom"}}]
        assert outcome.report["not_attempted"] == [{"index": 2, "operation": "dns.create_record",
                                                    "description": "Create c"}]
        assert outcome.report["compensation"] == {
            "tool": "history_undo", "summary": "Revert it", "risk": "low", "reversible": True,
            "steps": [{"operation": "dns.delete_record", "resource": "dns:example.ch/records/4",
                       "description": "Delete www A 192.0.2.1"}],
        }
        assert outcome.report["not_compensable"] == [0]
        text = outcome.to_text()
        assert "failed: #1 Create b (server_error: boom)" in text
        assert "compensation (history_undo): Delete www A 192.0.2.1" in text
        assert "not compensable (revert by hand): steps [0]" in text
        # history records the executor's report, whose steps stay whole
        assert report.applied_steps()[0].step.params["target"] == "x" * 300


class TestWhatChanged:
    def test_it_names_the_fields_whose_state_moved(self) -> None:
        old = make_plan()
        new = make_plan().model_copy(update={
            "diff": [DiffEntry(resource="dns:example.ch/records/4", before={"target": "192.0.2.9", "updated_at": 2})],
        })
        assert what_changed(old, new) == ["dns:example.ch/records/4 target: 192.0.2.1 → 192.0.2.9"]
        assert what_changed(old, make_plan()) == []  # same state: nothing to say

    def test_it_caps_the_list_and_shows_what_appeared_or_went(self) -> None:
        before = {f"f{n}": n for n in range(8)}
        old = make_plan().model_copy(update={"diff": [DiffEntry(resource="r", before=before)]})
        new = make_plan().model_copy(update={"diff": [DiffEntry(resource="r", before={"f0": 0, "g": "x" * 200})]})
        lines = what_changed(old, new)
        assert lines[0] == "r f1: 1 → (none)"
        assert lines[-1] == "… 3 more"  # f1…f7 went, g appeared: 8 lines, 5 shown
        assert len(lines) == 6
        few = what_changed(new, old.model_copy(update={"diff": [DiffEntry(resource="r", before={"f0": 0})]}))
        assert few == [f"r g: {'x' * 59}… → (none)"]  # long values cut


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
