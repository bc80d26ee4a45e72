"""Every curated tool's `covers=` names a documented operation (a typo would hide it from search hits)."""

from __future__ import annotations

from infomaniak_mcp.server.registry import all_specs
from infomaniak_mcp.spec.model import ApiSpec


def test_covers_name_documented_operations(api_spec: ApiSpec) -> None:
    declared = {(spec.name, key) for spec in all_specs(None) for key in spec.covers}
    assert declared, "no tool declares covers="
    unknown = sorted((name, key) for name, key in declared if api_spec.get(*key.split(" ", 1)) is None)
    assert not unknown, f"covers= names undocumented operations: {unknown}"


def test_the_api_tools_point_to_curated_ones() -> None:
    from infomaniak_mcp.tools.api import covering_tools

    covers = covering_tools()
    assert "dns_list_records" in covers["GET /2/zones/{zone}/records"]
    assert "account_overview" in covers["GET /1/accounts"]
