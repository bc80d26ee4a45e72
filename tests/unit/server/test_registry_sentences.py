"""`first_sentence`: the one cutter of tool descriptions (`tools`, `tools --json`, `tools_search`)."""

from __future__ import annotations

import pytest

from infomaniak_mcp.server.registry import all_specs, first_sentence


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Revert a write listed by history_list (e.g. re-create a deleted DNS record with its old values). Refuses "
         "when the resource changed since.",
         "Revert a write listed by history_list (e.g. re-create a deleted DNS record with its old values)."),
        ("Pick a value, e.g. 300. Then more.", "Pick a value, e.g. 300."),
        ("Files, folders, i.e. everything. Next.", "Files, folders, i.e. everything."),
        ("Sites, databases, etc. are kept. Next.", "Sites, databases, etc. are kept."),
        ("Show it (one sentence. still inside). Next.", "Show it (one sentence. still inside)."),
        ("Version 1.2.3 of node.js is shown. Next.", "Version 1.2.3 of node.js is shown."),
        ("No full stop at all", "No full stop at all"),
        ("  First\n  line wraps. Second.\n\nOther paragraph.", "First line wraps."),
        ("Only one paragraph\n\nThen another. Sentence.", "Only one paragraph"),
    ],
)
def test_first_sentence(text: str, sentence: str) -> None:
    assert first_sentence(text) == sentence


def test_no_declared_tool_summary_ends_inside_parentheses_or_an_abbreviation() -> None:
    for spec in all_specs(None):
        summary = spec.summary
        assert summary.count("(") == summary.count(")"), (spec.name, summary)
        assert not summary.endswith(("e.g.", "i.e.")), (spec.name, summary)
    undo = next(s for s in all_specs(None) if s.name == "history_undo")
    assert undo.summary.startswith("Revert a write listed by history_list (e.g. re-create")
