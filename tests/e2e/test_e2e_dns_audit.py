"""dns_audit_zones end to end: the seeded account's audit finds exactly the planted problems.

`seed_dns.DNS_AUDIT_PLANTED` lists every finding the audit must report (check → names); it is
checked against `seed.PLANTED` (the shared catalogue) where both speak of the same problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import text_of
from e2e_writes_support import WriteBench, structured
from mcp import Client

from infomaniak_mcp.domain.dns_audit import CHECKS
from infomaniak_mcp.sandbox.seed import PLANTED
from infomaniak_mcp.sandbox.seed_dns import DNS_AUDIT_PLANTED
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools

pytestmark = pytest.mark.anyio


def server(bench: WriteBench) -> Any:
    return build_server(bench.settings, select_tools(["dns"]), api=bench.api(), safety=bench.engine)


def found_by_check(audit: dict[str, Any]) -> dict[str, set[str]]:
    return {row["check"]: set(row["names"]) for row in audit["summary"]}


ALL = ("high", "medium", "low", "info")


def planted(*, severities: tuple[str, ...] = ALL, zone: str | None = None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for check, names in DNS_AUDIT_PLANTED.items():
        if CHECKS[check][0] not in severities:
            continue
        chosen = {n for n in names if zone is None or n == zone or n.endswith("." + zone)}
        if chosen:
            out[check] = chosen
    return out


def test_the_dns_catalogue_agrees_with_the_shared_one() -> None:
    pairs = {
        "spf_missing": "zone_without_spf",
        "spf_multiple": "zone_with_several_spf",
        "spf_allows_all": "zone_with_permissive_spf",
        "dmarc_missing": "zone_without_dmarc",
        "dkim_missing": "zone_without_dkim",
        "zone_not_served": "nameservers_not_infomaniak",
    }
    for ours, shared in pairs.items():
        assert set(DNS_AUDIT_PLANTED[ours]) == set(PLANTED[shared]), ours
    assert set(DNS_AUDIT_PLANTED) == set(CHECKS), "every check class is planted somewhere"
    dnssec_off = set(DNS_AUDIT_PLANTED["dnssec_disabled"])
    assert dnssec_off.isdisjoint(PLANTED["dnssec_enabled"])
    assert len(dnssec_off) == 7


async def test_account_audit_finds_exactly_the_planted_problems(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with Client(server(bench)) as client:
        everything = await client.call_tool("dns_audit_zones", {"min_severity": "info"}, progress_callback=on_progress)
        default = await client.call_tool("dns_audit_zones", {})
    assert not everything.is_error, text_of(everything)
    full = structured(everything)
    assert full["zones"] == len(bench.state.zones) == 8
    assert found_by_check(full) == planted()
    assert full["hidden"] == 0
    assert full["failed"] == []
    severities = [row["severity"] for row in full["summary"]]
    order = ["high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
    assert len(full["findings"]) == sum(len(v) for v in planted().values())
    assert [p[0] for p in progress] == list(range(1, 9))
    assert {p[1] for p in progress} == {8}
    lowered = structured(default)
    assert found_by_check(lowered) == planted(severities=("high", "medium", "low"))
    assert lowered["hidden"] == len(DNS_AUDIT_PLANTED["caa_missing"]) + len(DNS_AUDIT_PLANTED["dnssec_disabled"]) + 1
    text = text_of(default)
    assert text.index("HIGH") < text.index("MEDIUM") < text.index("LOW")


@pytest.mark.parametrize("zone", ["alpage-shop.ch", "montagne-verte.ch", "rive-neuve.ch", "atelier-rive-neuve.com"])
async def test_one_zone_audit_finds_its_planted_problems(tmp_path: Path, zone: str) -> None:
    bench = WriteBench(tmp_path)
    async with Client(server(bench)) as client:
        result = await client.call_tool("dns_audit_zones", {"zone": zone, "min_severity": "info"})
    audit = structured(result)
    assert audit["zones"] == 1
    assert found_by_check(audit) == planted(zone=zone)


async def test_a_fixed_zone_loses_its_findings(tmp_path: Path) -> None:
    bench = WriteBench(tmp_path)
    records = bench.records("cafe-du-lac.ch")
    spf = bench.find(".", "TXT", "cafe-du-lac.ch")
    spf["target"] = "v=spf1 include:spf.infomaniak.ch -all"
    records[990100] = {"id": 990100, "source": "_dmarc", "source_idn": "_dmarc.cafe-du-lac.ch", "type": "TXT",
                       "ttl": 3600, "target": "v=DMARC1; p=reject; rua=mailto:d@cafe-du-lac.ch", "updated_at": 1}
    async with Client(server(bench)) as client:
        result = await client.call_tool("dns_audit_zones", {"zone": "cafe-du-lac.ch", "min_severity": "info"})
    audit = structured(result)
    assert set(found_by_check(audit)) == {"dkim_missing", "caa_missing", "dnssec_disabled"}


async def test_a_large_audit_cuts_the_least_severe_findings_and_says_so(tmp_path: Path) -> None:
    """350 low-TTL records in the first zone: the cut at 300 findings keeps every high and medium one."""
    bench = WriteBench(tmp_path)
    records = bench.records("alpage-cloud.com")  # audited first (zones in name order)
    for i in range(350):
        records[995000 + i] = {"id": 995000 + i, "source": f"low{i:03d}", "source_idn": f"low{i:03d}.alpage-cloud.com",
                               "type": "A", "ttl": 60, "target": "203.0.113.77", "updated_at": 1}
    async with Client(server(bench)) as client:
        result = await client.call_tool("dns_audit_zones", {"min_severity": "info"})
    audit = structured(result)
    assert audit["truncated"] is True
    assert len(audit["findings"]) == 300
    severe = planted(severities=("high", "medium"))
    shown = [f.split(" ", 2)[1].rstrip(":") for f in audit["findings"]]
    for check, names in severe.items():
        assert shown.count(check) == len(names), check
    order = ["high", "medium", "low", "info"]
    levels = [f.split(" ", 1)[0] for f in audit["findings"]]
    assert levels == sorted(levels, key=order.index)
    ttl = next(row for row in audit["summary"] if row["check"] == "ttl_low")
    assert len(ttl["names"]) == 10
    assert ttl["more"] == ttl["count"] - 10 >= 350 - 10
    assert f"(+{ttl['more']} more)" in text_of(result)
    assert all(row["more"] == 0 for row in audit["summary"] if row["check"] != "ttl_low")


async def test_audit_reports_zones_it_could_not_read(tmp_path: Path) -> None:
    from infomaniak_mcp.sandbox import FaultRule

    bench = WriteBench(tmp_path)
    runtime = bench.transport.app.state.runtime  # type: ignore[attr-defined]
    runtime.faults.add(FaultRule(kind="html_login", method="GET", path="/2/zones/cafe-du-lac.ch/records"))
    async with Client(server(bench)) as client:
        audit = structured(await client.call_tool("dns_audit_zones", {"account_id": 412377}))
    assert audit["zones"] == 2  # atelier-rive-neuve.com and rive-neuve.ch
    assert len(audit["failed"]) == 1
    assert audit["failed"][0].startswith("cafe-du-lac.ch: html_response")


async def test_twenty_domain_audit_keeps_to_the_rate_limit() -> None:
    """bench/dns_audit.py on an accelerated clock: no 429, and no slower than the sliding window forces."""
    import importlib.util

    path = Path(__file__).parents[2] / "bench" / "dns_audit.py"
    spec = importlib.util.spec_from_file_location("bench_dns_audit", path)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = await bench.run(records=600)
    assert figures["zones"] == 20
    assert figures["progress_events"] == 20
    assert figures["requests"] > 60
    assert figures["throttled"] == 0
    assert figures["duration"] == pytest.approx(figures["window_bound"], abs=1.0)


async def test_a_zone_the_api_says_does_not_exist_is_named_whatever_the_404_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Not found' is the error's kind (a 404), not the wording of its code."""
    from infomaniak_mcp.sandbox.routes import dns as dns_routes

    real = dns_routes.zone_of
    monkeypatch.setattr(dns_routes, "zone_of", lambda request, code="": real(request, "zone_does_not_exists"))
    bench = WriteBench(tmp_path)
    async with Client(server(bench)) as client:
        result = await client.call_tool("dns_audit_zones", {"zone": "alpage-digtal.ch"})
    assert result.is_error
    assert "zone: no zone or domain alpage-digtal.ch on this account; closest: alpage-digital.ch" in text_of(result)
