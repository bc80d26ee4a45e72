"""`--toolsets default`: the default selection by name, combinable with other toolsets and `--tools`."""

from __future__ import annotations

import pytest

from infomaniak_mcp.server.registry import RegistryError, all_specs, select_tools, toolsets


def names(*toolset_words: str, tools: list[str] | None = None, read_only: bool = False) -> set[str]:
    return set(select_tools(list(toolset_words) or None, tools, read_only=read_only).names)


def of_toolset(name: str) -> set[str]:
    return {spec.name for spec in all_specs([name])}


def test_default_is_what_no_toolsets_gives() -> None:
    assert names("default") == names()
    assert names("default", read_only=True) == names(read_only=True)
    assert "hosting_apply_nodejs_action" not in names("default")  # a specialised tool stays out


def test_default_combines_with_whole_toolsets() -> None:
    assert names("default,audit") == names() | of_toolset("audit")
    assert names("default", "audit") == names("default,audit")
    with_hosting = names("default,hosting")
    assert with_hosting == names() | of_toolset("hosting")  # named: the whole toolset, specialised tools too
    assert "hosting_apply_nodejs_action" in with_hosting
    assert names("hosting,default") == with_hosting


def test_default_with_tools_adds_them_to_the_default_selection() -> None:
    assert names("default", tools=["audit_tail"]) == names() | {"audit_tail"}
    assert names(tools=["audit_tail"]) == {"audit_tail"}  # --tools alone: only them (unchanged)


def test_all_and_unknown_names() -> None:
    every = {spec.name for spec in all_specs(None)}
    assert names("all") == every
    assert names("default,all") == every
    with pytest.raises(RegistryError) as info:
        select_tools(["default,nope"])
    assert "nope" in str(info.value)
    assert "valid: all, default, " in str(info.value)
    assert set(toolsets()) - {"default"} == set(toolsets())  # no toolset may be called 'default'


@pytest.mark.parametrize("names", [["all", "dsn"], ["dsn", "all"], ["all,dsn"]])
def test_all_does_not_hide_an_unknown_toolset(names: list[str]) -> None:
    with pytest.raises(RegistryError) as info:
        select_tools(names)
    assert "unknown toolset(s) dsn" in str(info.value)
    assert "valid: all, default" in str(info.value)
