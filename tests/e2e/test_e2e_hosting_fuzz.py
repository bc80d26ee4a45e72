"""Odd input never crashes a hosting tool: every answer is a result or one of our errors, never `internal_error`.

For each hosting tool, each parameter in turn gets odd values (empty, blank, separators only,
unicode, control characters, path tricks, very long strings, huge and negative integers) on top
of arguments that would otherwise work; every `kind` of the kind-dispatching tools is tried. A
refused write changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import connect_writes
from test_e2e_hosting_writes import NODE, RIVE, WEB, HostingBench

pytestmark = pytest.mark.anyio

ODD_STRINGS = [
    "", " ", " , ,", ",", "\t\n", "é☃👍", "\x00", "../..", "/sites/../etc", "-", "_", "*.alpage-digital.ch",
    "https://", "@:", "a:b@c", "xn--", "xn--zz.ch", "al7pdg_", "al7pdg_" + "x" * 60, "x" * 999, "Ünïcödé.ch",
    "www.alpage-digital.ch", "alpage-digital.ch", ".", "a..b.ch", "1.2.3.4", "[::1]", "%00", "null",
]
ODD_INTS = [0, -1, 2**31, 2**63, 10**30]
ODD_FLOATS = [0.0, -1.0, 1e308, 101.0]

# Arguments that would work (or plan) on the seeded account, per tool and kind.
BASES: dict[str, list[dict[str, Any]]] = {
    "hosting_list_hostings": [{}],
    "hosting_find_site": [{"domain": "www.alpage-digital.ch"}],
    "hosting_list_sites": [{"hosting_id": WEB, "certificates": True}],
    "hosting_get_site": [{"hosting_id": WEB, "site_id": 1250801}],
    "hosting_list_databases": [{"hosting_id": WEB}],
    "hosting_list_ftp_users": [{"hosting_id": WEB}],
    "hosting_get_nodejs_app": [{"hosting_id": NODE, "app_id": 880401}],
    "hosting_audit_hostings": [{}],
    "hosting_create_site": [{"hosting_id": WEB, "fqdn": "fz.alpage-digital.ch", "database": "", "dns": True,
                             "certificate": True}],
    "hosting_set_certificate": [{"hosting_id": RIVE, "site_id": 1250806, "type": "free"},
                                {"hosting_id": RIVE, "site_id": 1250806, "type": "custom", "certificate": "x",
                                 "private_key": "y", "chain": "z"}],
    "hosting_apply_nodejs_action": [{"hosting_id": NODE, "app_id": 880401, "action": a}
                                    for a in ("start", "stop", "restart", "build")],
    "hosting_create_resource": [
        {"hosting_id": WEB, "kind": "database", "name": "fz"},
        {"hosting_id": WEB, "kind": "database_user", "name": "fz", "database": "al7pdg_wp", "rights": "read"},
        {"hosting_id": WEB, "kind": "ftp_user", "name": "fz", "home_directory": "/sites/x"},
        {"hosting_id": WEB, "kind": "alias", "site_id": 1250802, "name": "fz.alpage-shop.ch"},
    ],
    "hosting_update_user": [
        {"hosting_id": WEB, "kind": "database_user", "name": "al7pdg_ro", "database": "al7pdg_wp",
         "rights": "admin"},
        {"hosting_id": WEB, "kind": "ftp_user", "name": "al7pdg_deploy", "connection_type": "ftp"},
    ],
    "hosting_delete_resource": [
        {"hosting_id": WEB, "kind": k, "site_id": 1250801, "name": n}
        for k, n in (("site", None), ("database", "al7pdg_wp"), ("database_user", "al7pdg_ro"),
                     ("ftp_user", "al7pdg_deploy"), ("certificate", None), ("alias", "alpage-digital.ch"))
    ],
}


def _odd_values(schema: dict[str, Any]) -> list[Any]:
    types = schema.get("type")
    kinds = set(types) if isinstance(types, list) else {types}
    if "enum" in schema:
        return []  # validated by the schema; every value is in BASES
    out: list[Any] = []
    if "string" in kinds:
        out += ODD_STRINGS
    if "integer" in kinds:
        out += ODD_INTS
    if "number" in kinds:
        out += ODD_FLOATS + ODD_INTS
    return out


def _ours(content: dict[str, Any], text: str) -> bool:
    """One of our errors (not `internal_error`), or the schema validation of the arguments."""
    if content:
        return content.get("error") not in (None, "internal_error")
    return "validation error" in text


@pytest.mark.parametrize("tool", sorted(BASES))
async def test_odd_input_never_crashes_a_hosting_tool(tool: str, tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    hb.settings = replace(hb.settings, rate_limit_per_minute=1_000_000)  # the manager's limiter is 60/min
    before = hb.business_dump()
    crashes: list[str] = []
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        properties: dict[str, Any] = listed[tool].input_schema.get("properties", {})
        for base in BASES[tool]:
            for param, schema in sorted(properties.items()):
                if param == "confirmation_token":
                    continue
                for value in _odd_values(schema):
                    args = {k: v for k, v in {**base, param: value}.items() if v is not None}
                    result = await client.call_tool(tool, args)
                    content = result.structured_content or {}
                    if result.is_error and not _ours(content, text_of(result)):
                        crashes.append(f"{args!r}: {text_of(result)[:200]}")
    assert crashes == []
    assert hb.business_dump() == before  # planning (or refusing) changed nothing
