"""Tool declaration and selection semantics (`--toolsets`, `--tools`, `--exclude-tools`, `--read-only`).

Runs on an isolated registry with three fake toolsets, so it does not depend on the real tools:
`alpha` (default; one read, one write), `beta` (default; one read), `gamma` (not default).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from pydantic import Field

from infomaniak_mcp import tools as tools_package
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
from infomaniak_mcp.server import registry
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import (
    RegistryError,
    ToolOutput,
    ToolsetInfo,
    get_spec,
    select_tools,
    tool,
)


class Out(ToolOutput):
    value: str


async def alpha_list_items(
    ctx: ToolContext, prefix: Annotated[str, Field(description="Name prefix")] = ""
) -> Out:
    """List the items."""
    return Out(value=prefix)


def _plan(name: str) -> Plan:
    step = Step(operation="alpha.delete_item", resource=f"alpha:{name}", description=f"Delete {name}")
    return Plan(summary=f"Delete {name}", steps=[step], risk="low", fingerprint=fingerprint(name), reversible=False)


async def alpha_delete_item(ctx: ToolContext, name: Annotated[str, Field(description="Item name")]) -> Plan:
    """Delete an item."""
    return _plan(name)


async def beta_get_thing(ctx: ToolContext) -> Out:
    """Get the thing."""
    return Out(value="thing")


async def gamma_list_others(ctx: ToolContext) -> Out:
    """List the others."""
    return Out(value="others")


async def gamma_create_other(ctx: ToolContext) -> Plan:
    """Create another."""
    return _plan("other")


HOME = "infomaniak_mcp.tools"  # an importable module: the fake toolsets' tools are declared below


@pytest.fixture
def fake_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ToolsetInfo]]:
    catalog = {
        "alpha": ToolsetInfo("alpha", "Alpha", "Alpha things.", HOME, default=True, instructions="Alpha."),
        "beta": ToolsetInfo("beta", "Beta", "Beta things.", HOME, default=True),
        "gamma": ToolsetInfo("gamma", "Gamma", "Gamma things.", HOME, default=False),
    }
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(tools_package, "TOOLSETS", catalog)  # what registry.toolsets() returns
    tool(toolset="alpha", read_only=True, title="List items")(alpha_list_items)
    tool(toolset="alpha", read_only=False, destructive=True, title="Delete item")(alpha_delete_item)
    tool(toolset="beta", read_only=True, title="Get thing")(beta_get_thing)
    tool(toolset="gamma", read_only=True, title="List others", open_world=True)(gamma_list_others)
    tool(toolset="gamma", read_only=False, destructive=False, title="Create other")(gamma_create_other)
    return catalog


def names(selection: registry.Selection) -> list[str]:
    return [s.name for s in selection.tools]


@pytest.mark.usefixtures("fake_catalog")
class TestSelection:
    def test_defaults_are_the_default_toolsets(self) -> None:
        selection = select_tools()
        assert names(selection) == ["alpha_delete_item", "alpha_list_items", "beta_get_thing"]
        assert selection.toolsets == ("alpha", "beta")
        assert not selection.read_only

    def test_all(self) -> None:
        selection = select_tools(["all"])
        assert set(selection.toolsets) == {"alpha", "beta", "gamma"}
        assert len(names(selection)) == 5

    def test_named_toolsets_comma_separated_and_repeated(self) -> None:
        assert names(select_tools(["gamma"])) == ["gamma_create_other", "gamma_list_others"]
        assert names(select_tools(["beta,gamma"])) == names(select_tools(["beta", "gamma"]))
        assert select_tools([" beta , gamma "]).toolsets == ("beta", "gamma")

    def test_unknown_toolset_lists_the_valid_ones(self) -> None:
        with pytest.raises(RegistryError) as info:
            select_tools(["alpha,nope"])
        message = str(info.value)
        assert "nope" in message
        for valid in ("all", "alpha", "beta", "gamma"):
            assert valid in message

    def test_unknown_tool_is_an_error(self) -> None:
        with pytest.raises(RegistryError, match="alpha_get_nothing"):
            select_tools(None, ["alpha_get_nothing"])
        with pytest.raises(RegistryError, match="beta_list_ghosts"):
            select_tools(None, None, ["beta_list_ghosts"])

    def test_tools_alone_selects_only_them(self) -> None:
        selection = select_tools(None, ["gamma_list_others,beta_get_thing"])
        assert names(selection) == ["beta_get_thing", "gamma_list_others"]
        assert set(selection.toolsets) == {"beta", "gamma"}

    def test_tools_add_to_toolsets(self) -> None:
        selection = select_tools(["beta"], ["gamma_list_others"])
        assert names(selection) == ["beta_get_thing", "gamma_list_others"]

    def test_exclude_is_applied_last(self) -> None:
        selection = select_tools(None, None, ["alpha_delete_item"])
        assert names(selection) == ["alpha_list_items", "beta_get_thing"]
        assert names(select_tools(None, ["gamma_list_others"], ["gamma_list_others"])) == []

    def test_read_only_drops_write_tools_everywhere(self) -> None:
        assert names(select_tools(read_only=True)) == ["alpha_list_items", "beta_get_thing"]
        selection = select_tools(["all"], ["gamma_create_other"], read_only=True)
        assert all(s.read_only for s in selection.tools)
        assert selection.read_only
        assert "gamma_create_other" not in names(selection)

    def test_selection_is_sorted_and_unique(self) -> None:
        selection = select_tools(["alpha", "alpha"], ["alpha_list_items"])
        assert names(selection) == sorted(set(names(selection)))


@pytest.mark.usefixtures("fake_catalog")
class TestDeclaration:
    def test_spec_records_inputs_output_and_annotations(self) -> None:
        spec = get_spec("alpha_list_items")
        assert spec is not None
        assert spec.output_model is Out
        assert [p.name for p in spec.parameters] == ["prefix"]
        assert spec.description == "List the items."
        assert spec.annotations == {
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
            "openWorldHint": False,
        }

    def test_write_annotations_are_explicit(self) -> None:
        delete, create = get_spec("alpha_delete_item"), get_spec("gamma_create_other")
        assert delete is not None
        assert create is not None
        assert delete.annotations["readOnlyHint"] is False
        assert delete.annotations["destructiveHint"] is True
        assert create.annotations["destructiveHint"] is False
        open_world = get_spec("gamma_list_others")
        assert open_world is not None
        assert open_world.annotations["openWorldHint"] is True

    def test_declared_twice(self) -> None:
        with pytest.raises(RegistryError, match="twice"):
            tool(toolset="beta", read_only=True, title="again")(beta_get_thing)

    def test_name_must_start_with_toolset(self) -> None:
        with pytest.raises(RegistryError, match="start with 'beta_'"):
            tool(toolset="beta", read_only=True, title="x")(gamma_list_others)

    def test_write_tool_must_say_destructive(self) -> None:
        async def beta_delete_thing(ctx: ToolContext) -> Out:
            """Delete."""
            return Out(value="")

        with pytest.raises(RegistryError, match="destructive"):
            tool(toolset="beta", read_only=False, title="x")(beta_delete_thing)

    def test_sync_function_refused(self) -> None:
        def beta_list_sync(ctx: ToolContext) -> Out:
            """Sync."""
            return Out(value="")

        with pytest.raises(RegistryError, match="async"):
            tool(toolset="beta", read_only=True, title="x")(beta_list_sync)

    def test_docstring_required(self) -> None:
        async def beta_list_undocumented(ctx: ToolContext) -> Out:
            return Out(value="")

        with pytest.raises(RegistryError, match="docstring"):
            tool(toolset="beta", read_only=True, title="x")(beta_list_undocumented)

    def test_output_model_required(self) -> None:
        async def beta_list_plain(ctx: ToolContext) -> dict[str, str]:
            """Plain."""
            return {}

        with pytest.raises(RegistryError, match="ToolOutput"):
            tool(toolset="beta", read_only=True, title="x")(beta_list_plain)

    def test_ctx_first(self) -> None:
        async def beta_list_noctx(zone: str) -> Out:
            """No ctx."""
            return Out(value=zone)

        with pytest.raises(RegistryError, match="ctx"):
            tool(toolset="beta", read_only=True, title="x")(beta_list_noctx)
