"""Per-call overhead of a read tool over the in-process sandbox.

Measures `dns_list_records` two ways on the same sandbox and client: (a) through the whole MCP
stack (in-memory SDK `Client` → server → registry wrapper → tool → API client → sandbox) and
(b) the tool body called directly with a `ToolContext`. The difference is what our server and
the SDK add per call. The rate limiter is lifted for the benchmark (it would otherwise pace the
loop at 60/min, which is the point of it, not overhead). Prints figures, asserts nothing.

    uv run python bench/call_overhead.py [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx2
from mcp import Client

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import load_settings
from infomaniak_mcp.sandbox import SandboxClock, create_app
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import select_tools

ARGS = {"zone": "alpage-digital.ch", "type": "TXT"}


async def main(calls: int) -> None:
    app = create_app(clock=SandboxClock.today(), rate_limit=None)
    settings = sandbox_settings(load_settings({}))
    transport = httpx2.ASGITransport(app=app)
    # A limiter that never waits: we measure overhead, not the 60/min pacing.
    unpaced = RateLimiter(rate=1_000_000, per=60.0)
    api = InfomaniakApi.from_settings(settings, transport=transport, manager_transport=transport, limiter=unpaced)
    selection = select_tools(["dns"])
    server = build_server(settings, selection, api=api, sandbox=True)
    spec = next(s for s in selection.tools if s.name == "dns_list_records")
    direct_ctx = ToolContext(settings=settings, api_client=api)

    async def direct() -> None:
        await spec.fn(direct_ctx, **ARGS)

    async with Client(server) as client:
        async def via_mcp() -> None:
            result = await client.call_tool("dns_list_records", ARGS)
            assert not result.is_error, result

        for fn in (direct, via_mcp):  # warm-up
            for _ in range(20):
                await fn()
        samples: dict[str, list[float]] = {"direct": [], "mcp": []}
        for _ in range(calls):
            for name, fn in (("direct", direct), ("mcp", via_mcp)):
                t0 = time.perf_counter()
                await fn()
                samples[name].append(time.perf_counter() - t0)
    d = statistics.median(samples["direct"]) * 1000
    m = statistics.median(samples["mcp"]) * 1000
    print(f"dns_list_records, median of {calls} calls")
    print(f"  tool body + API client + sandbox : {d:7.3f} ms")
    print(f"  through the MCP stack            : {m:7.3f} ms")
    print(f"  per-call overhead                : {m - d:7.3f} ms   (target ≤ 3 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
