"""Account-wide DNS audit of 20 domains against the 60 requests/minute budget.

What is measured: `dns_audit_zones` (every zone of every organisation) on a sandbox account of
20 domains (the 8 seeded ones plus 12 generated ones, each zone with `--records` records so it
takes several pages). The sandbox enforces Infomaniak's limit (60 requests in any sliding 60 s
window per token, else 429) and the API client paces itself with its own limiter; both run on
one ACCELERATED clock: waiting for the limiter advances a virtual clock instead of sleeping, so
the run takes a second of real time but reports the duration the real API would impose.

Reported: requests sent, 429 answers (target 0), the virtual duration, and two bounds for that
many requests N:
- the rate, "N ÷ 60 per minute after the initial burst": (N − 60) / 60 minutes once the first 60
  have gone at once;
- the exact bound of a sliding 60-s window (what Infomaniak and our limiter enforce): request
  61 can only go when the first grant is 60 s old, so N requests need at least
  60 s × floor((N − 1) / 60) — the rate bound rounded up to whole windows.
A duration equal to the exact bound means the audit keeps the budget full (a bounded task group
keeps up to 10 requests in flight) and never waits on anything but the limit. Request latency
is not modelled (the sandbox answers in-process): the figure is the rate-limit cost alone.

    uv run python bench/dns_audit.py [--records 250]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import anyio.lowlevel
import httpx2

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import load_settings
from infomaniak_mcp.sandbox import RecordedExchange, SandboxState, create_app
from infomaniak_mcp.sandbox.seed import ACCOUNT_ALPAGE, ACCOUNT_RIVE
from infomaniak_mcp.sandbox.seed_dns import INFOMANIAK_NS, MX_INFOMANIAK, SPF_INFOMANIAK
from infomaniak_mcp.server.app import sandbox_settings
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import get_spec, load_toolsets

DOMAINS = 20


class AcceleratedClock:
    """Virtual seconds. Only the limiter's head waiter ever sleeps (FIFO), so advancing the clock
    by each sleep is exact: no two sleepers overlap."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()


def add_domains(state: SandboxState, count: int, records: int) -> None:
    """`count` more domains like the seeded ones (alternating organisations), `records` records each."""
    template = state.domains["rive-neuve.ch"]
    for n in range(count):
        name = f"bench-{n:02d}.ch"
        account = ACCOUNT_ALPAGE if n % 2 else ACCOUNT_RIVE
        state.domains[name] = {
            **{k: v for k, v in template.items() if not k.startswith("_")},
            "id": 1939000 + n, "name": name, "tld": "ch", "options": dict(template["options"]),
            "_account_id": account, "_nameservers": list(INFOMANIAK_NS), "_dnssec_data": [],
            "_has_whois_antispam": True,
        }
        state.zones[name] = {
            "id": state.new_id("zone", 309801), "fqdn": name, "dnssec": {"is_enabled": False},
            "nameservers": list(INFOMANIAK_NS), "is_enabled": True, "_account_id": account,
        }
        rows: list[tuple[str, str, int, str]] = [(".", "NS", 3600, ns) for ns in INFOMANIAK_NS]
        rows += [(".", "MX", 3600, MX_INFOMANIAK), (".", "TXT", 3600, SPF_INFOMANIAK)]
        rows += [(f"host-{i:03d}", "A", 3600, f"203.0.113.{i % 250 + 1}") for i in range(records - len(rows))]
        zone: dict[int, dict[str, Any]] = {}
        for source, rtype, ttl, target in rows:
            record_id = state.new_id("record", 25919301)
            zone[record_id] = {
                "id": record_id, "source": source, "source_idn": name if source == "." else f"{source}.{name}",
                "type": rtype, "ttl": ttl, "target": target, "updated_at": state.clock.now(),
            }
        state.records[name] = zone


async def run(records: int = 250) -> dict[str, float]:
    """Audit the 20-domain account once; the figures (see the module docstring)."""
    clock = AcceleratedClock()
    state = SandboxState.seeded()
    add_domains(state, DOMAINS - len(state.domains), records)
    exchanges: list[RecordedExchange] = []
    app = create_app(state, rate_limit=60, rate_clock=clock, recorder=exchanges)
    settings = sandbox_settings(load_settings({}))
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    api = InfomaniakApi.from_settings(settings, transport=httpx2.ASGITransport(app=app), limiter=limiter)
    load_toolsets(["dns"])
    spec = get_spec("dns_audit_zones")
    assert spec is not None
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    ctx = ToolContext(settings=settings, api_client=api, progress=on_progress)
    start, wall = clock(), time.perf_counter()
    try:
        audit = await spec.fn(ctx, min_severity="info")
    finally:
        await api.aclose()
    sent = [e for e in exchanges if e.surface == "public"]
    n = len(sent)
    return {
        "zones": audit.zones,
        "findings": len(audit.findings),
        "checks": len(audit.summary),
        "progress_events": len(progress),
        "requests": n,
        "throttled": sum(1 for e in sent if e.status == 429),
        "duration": clock() - start,
        "rate_bound": max(0, n - 60),  # seconds: (N - 60) / 60 per minute
        "window_bound": 60 * ((n - 1) // 60),
        "real_time": time.perf_counter() - wall,
    }


async def main(records: int) -> None:
    f = await run(records)
    n = int(f["requests"])
    print(f"zones audited           {f['zones']:.0f} (of {DOMAINS} domains; generated zones have {records} records)")
    print(f"findings                {f['findings']:.0f} in {f['checks']:.0f} checks; progress events "
          f"{f['progress_events']:.0f}")
    print(f"requests sent           {n}")
    print(f"429 answers             {f['throttled']:.0f}  (target 0)")
    print(f"duration (virtual)      {f['duration']:.1f} s")
    print(f"rate bound              {f['rate_bound']:.1f} s  = ({n} - 60 burst) / 60 per minute")
    print(f"sliding-window bound    {f['window_bound']:.1f} s  = 60 s x floor(({n} - 1) / 60)")
    if f["window_bound"]:
        print(f"duration / window bound {f['duration'] / f['window_bound']:.3f}")
    print(f"real time               {f['real_time']:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=250, help="records per generated zone (100 per page)")
    asyncio.run(main(parser.parse_args().records))
