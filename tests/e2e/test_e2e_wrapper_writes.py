"""The write wrapper's refusals: each leaves the account unchanged and one `rejected` audit entry.

- the plan cannot be rebuilt at confirmation time (the record was deleted meanwhile): nothing is
  sent, no `apply_attempt`, one `rejected / stale_rebuild_failed` entry, and the model is told the
  state changed;
- arguments the SDK refuses before the wrapper runs (a number or a 600-character
  `confirmation_token`, an unknown record type): `invalid_argument` naming the field, with a next
  step, audited `rejected / invalid_arguments` (read tools get the same typed error, not audited);
- an eliciting client that accepts with content that does not fit the form: `confirmation_refused`
  (`invalid_answer`), audited `rejected / invalid_confirmation_answer` after `elicitation_requested`;
- `--confirm elicit` and a client that can elicit but sends a token: told tokens are not accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import text_of
from e2e_writes_support import ZONE, Elicitor, WriteBench, connect_writes, plan, structured
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata

pytestmark = pytest.mark.anyio

STALE = "the state changed since the plan; nothing was changed"
CREATE = {"zone": ZONE, "type": "TXT", "name": "checked", "target": "v=1"}


def _tool_phases(bench: WriteBench, tool: str) -> list[tuple[str, str]]:
    return [(phase, outcome) for name, phase, outcome in bench.audit_phases() if name == tool]


async def test_a_plan_that_cannot_be_rebuilt_is_rejected_not_attempted(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.99"}
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        token = await plan(client, "dns_update_record", arguments)
        del bench.records()[record["id"]]  # someone deletes the record before the confirmation
        before = bench.state_dump()
        result = await client.call_tool("dns_update_record", {**arguments, "confirmation_token": token})
    assert result.is_error
    error = structured(result)
    assert error["description"].startswith(STALE + ": "), error
    assert STALE in text_of(result)
    assert bench.state_dump() == before
    assert _tool_phases(bench, "dns_update_record") == [
        ("plan", "confirmation_required"),
        ("rejected", "stale_rebuild_failed"),
    ]


async def test_a_plan_that_cannot_be_rebuilt_after_elicitation_is_rejected(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    record = bench.find(".", "A")
    arguments = {"zone": ZONE, "record_id": record["id"], "target": "198.51.100.98"}
    records = bench.records()

    class DeleteThenAccept(Elicitor):
        async def __call__(self, context: object, params: object) -> object:  # type: ignore[override]
            records.pop(record["id"], None)  # deleted while the human reads the plan
            return await super().__call__(context, params)  # type: ignore[arg-type]

    elicitor = DeleteThenAccept("accept", {"confirm": True})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=elicitor) as client:
        result = await client.call_tool("dns_update_record", arguments)
    assert result.is_error
    assert structured(result)["description"].startswith(STALE)
    phases = _tool_phases(bench, "dns_update_record")
    assert phases[-1] == ("rejected", "stale_rebuild_failed")
    assert all(phase != "apply_attempt" for phase, _ in phases)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({**CREATE, "confirmation_token": 12345}, "confirmation_token"),
        ({**CREATE, "confirmation_token": "imc_" + "A" * 596}, "confirmation_token"),
        ({**CREATE, "type": "BOGUS"}, "type"),
    ],
    ids=["token-number", "token-600-chars", "bogus-type"],
)
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_arguments_refused_by_validation_are_typed_and_audited(
    tmp_path: Path, arguments: dict[str, object], field: str, mode: str
) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    async with connect_writes(bench.server(), "memory", mode) as client:
        result = await client.call_tool("dns_create_record", arguments)
    assert result.is_error
    error = structured(result)
    assert error["error"] == "invalid_argument", error
    assert [d["attribute"] for d in error["details"]] == [field]
    assert field in error["next_step"]
    assert text_of(result).startswith("invalid_argument: ")
    assert "A" * 100 not in text_of(result)  # the refused value is not echoed
    assert bench.state_dump() == before
    entries = bench.engine.audit.search(limit=10)
    assert [(e.tool, e.phase, e.outcome) for e in entries] == [("dns_create_record", "rejected", "invalid_arguments")]
    assert "confirmation_token" not in entries[0].arguments
    assert entries[0].error["details"][0]["attribute"] == field


async def test_a_read_tool_refused_by_validation_gets_a_typed_error(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_list_records", {"zone": ["not", "a", "name"]})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "invalid_argument"
    assert error["details"][0]["attribute"] == "zone"
    assert error["next_step"].startswith("Fix zone")
    assert bench.audit_phases() == []


@pytest.mark.parametrize(
    ("tool", "arguments", "refused"),
    [
        ("dns_list_records", {"zone": ZONE}, False),
        ("dns_list_records", {"zone": ["not", "a", "name"]}, True),
        ("dns_create_record", CREATE, False),
        ("dns_create_record", {**CREATE, "type": "BOGUS"}, True),
    ],
    ids=["read", "read-refused", "write", "write-refused"],
)
async def test_each_call_checks_its_arguments_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str, arguments: dict[str, object], refused: bool
) -> None:
    checked: list[str] = []
    original = FuncMetadata.validate_arguments

    def counting(self: FuncMetadata, arguments: dict[str, object]) -> object:
        checked.append("x")
        return original(self, arguments)

    monkeypatch.setattr(FuncMetadata, "validate_arguments", counting)
    async with connect_writes(WriteBench(tmp_path).server(), "memory", "legacy") as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error is refused
    assert (structured(result).get("error") == "invalid_argument") is refused
    assert len(checked) == 1


@pytest.mark.parametrize("content", [{}, {"confirm": "perhaps"}], ids=["empty", "not-a-boolean"])
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_bad_elicitation_answer_is_refused_and_audited(
    tmp_path: Path, content: dict[str, object], mode: str
) -> None:
    bench = WriteBench(tmp_path)
    before = bench.state_dump()
    elicitor = Elicitor("accept", content)
    async with connect_writes(bench.server(), "memory", mode, elicitation=elicitor) as client:
        result = await client.call_tool("dns_create_record", CREATE)
    assert elicitor.asked
    assert result.is_error
    error = structured(result)
    assert (error["error"], error["reason"]) == ("confirmation_refused", "invalid_answer")
    assert bench.state_dump() == before
    assert _tool_phases(bench, "dns_create_record")[-1] == ("rejected", "invalid_confirmation_answer")


async def test_a_token_sent_by_an_eliciting_client_under_confirm_elicit_is_told_the_truth(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path, confirm="elicit")
    elicitor = Elicitor("accept", {"confirm": True})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=elicitor) as client:
        result = await client.call_tool("dns_create_record", {**CREATE, "confirmation_token": "imc_" + "A" * 86})
    assert result.is_error
    error = structured(result)
    assert error["error"] == "human_confirmation_required"
    assert "cannot ask its user" not in error["description"]
    assert "confirmation tokens are not accepted" in error["description"]
    assert "without confirmation_token" in error["next_step"]


def _break_rejected_entries(bench: WriteBench, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit log accepts every entry but `rejected` ones (a disk that fills up mid-call)."""
    audit = bench.engine.audit
    original = audit.append_async

    async def append_async(**entry: object) -> object:
        if entry.get("phase") == "rejected":
            raise OSError("disk full")
        return await original(**entry)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "append_async", append_async)


@pytest.mark.parametrize(
    "arguments",
    [{**CREATE, "type": "BOGUS"}, {**CREATE, "confirmation_token": "imc_not-a-token"}],
    ids=["refused-by-the-sdk", "refused-by-the-wrapper"],
)
async def test_a_rejection_whose_audit_fails_keeps_its_error_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, object]
) -> None:
    bench = WriteBench(tmp_path)
    _break_rejected_entries(bench, monkeypatch)
    async with connect_writes(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("dns_create_record", arguments)
    assert result.is_error
    assert structured(result)["error"] in ("invalid_argument", "confirmation_refused")
    texts = [block.text for block in result.content if block.type == "text"]
    assert texts[-1] == "Warning: the audit log could not be written; tell the server operator.", texts
