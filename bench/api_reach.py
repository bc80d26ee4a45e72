"""Share of documented operations reachable through the `api` tools (target: 100%).

For every operation of the bundled spec, over a real MCP client (in memory) against the sandbox:
- found: a search with its own summary as the intent ranks it in the top 10;
- described: `api_describe_operation` answers (within its size budget);
- reached: an example call (`spec.sample.example_call`, seeded ids where the sandbox models the
  resource) is accepted by the validator and arrives at the operation's route in the sandbox —
  GET through `api_call`, other methods through `api_call_write` (plan, then apply with the token);
- succeeded: the sandbox answered with a success (a stateful route may rightly answer 404 for an
  example id: that is reached, not succeeded).
Prints figures per product and the operations that were not reached; asserts nothing.

    uv run python bench/api_reach.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.sandbox import RecordedExchange, SandboxClock, SandboxState, create_app
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import select_tools
from infomaniak_mcp.spec.model import Operation, load_spec
from infomaniak_mcp.spec.sample import example_call
from infomaniak_mcp.spec.search import search_operations

ZONE = "alpage-digital.ch"
SEEDED: dict[str, Any] = {"mail_hosting_id": 762401, "mailbox_name": "info", "zone": ZONE, "account_id": 412301,
                          "account": 412301, "team": 3101}


def arguments(op: Operation) -> dict[str, Any]:
    call = example_call(load_spec(), op)
    path_params = {k: SEEDED.get(k, v) for k, v in call["path_params"].items()}
    args: dict[str, Any] = {"path": op.path, "path_params": path_params}
    if call["query"]:
        args["query"] = call["query"]
    if op.method != "GET":
        args["method"] = op.method
        if "body" in call:
            args["body"] = call["body"]
    if op.is_kchat:
        args["team"] = "demo"
    return args


async def reach(client: Client, recorder: list[RecordedExchange], op: Operation) -> tuple[bool, bool, bool, str]:
    described = await client.call_tool("api_describe_operation", {"method": op.method, "path": op.path})
    tool = "api_call" if op.method == "GET" else "api_call_write"
    args = arguments(op)
    mark = len(recorder)
    result = await client.call_tool(tool, args)
    content: dict[str, Any] = result.structured_content or {}
    if op.method != "GET" and not result.is_error and content.get("status") == "confirmation_required":
        mark = len(recorder)
        result = await client.call_tool(tool, {**args, "confirmation_token": content["confirmation_token"]})
        content = result.structured_content or {}
    hits = [e for e in recorder[mark:] if e.route == op.path and e.method == op.method]
    reached = bool(hits)
    succeeded = reached and 200 <= hits[-1].status < 300 and not result.is_error
    why = "" if reached else str(content.get("description") or content.get("message") or "")[:120]
    return not described.is_error, reached, succeeded, why


async def main() -> None:
    spec = load_spec()
    recorder: list[RecordedExchange] = []
    state = SandboxState.seeded(SandboxClock())
    SEEDED["record"] = min(state.records[ZONE])
    transport = httpx2.ASGITransport(app=create_app(state, rate_limit=None, recorder=recorder))
    settings = sandbox_settings(Settings())
    api = InfomaniakApi.from_settings(settings, transport=transport, limiter=RateLimiter(1_000_000, 60.0))
    with tempfile.TemporaryDirectory() as tmp:
        engine = SafetyEngine.in_directory(Path(tmp), ttl=600)
        server = build_server(settings, select_tools(["api"]), api=api, safety=engine)
        totals: Counter[str] = Counter()
        by_product: dict[str, Counter[str]] = {}
        missed: list[str] = []
        async with Client(server) as client:
            # deletes last, deepest first: deleting a zone before its records would 404 them
            ordered = sorted(spec, key=lambda o: (o.method == "DELETE", -len(o.path) if o.method == "DELETE" else 0))
            for op in ordered:
                found = op in [h.operation for h in search_operations(spec, op.summary, limit=10)]
                described, reached, succeeded, why = await reach(client, recorder, op)
                row = by_product.setdefault(op.product, Counter())
                for name, ok in (("found", found), ("described", described), ("reached", reached),
                                 ("succeeded", succeeded), ("all", True)):
                    row[name] += ok
                    totals[name] += ok
                if not reached:
                    missed.append(f"  {op.key}: {why}")
    count = totals["all"]
    print(f"{'product':16} {'ops':>5} {'found':>6} {'described':>9} {'reached':>8} {'succeeded':>9}")
    for product, row in sorted(by_product.items()):
        print(f"{product:16} {row['all']:5d} {row['found']:6d} {row['described']:9d} {row['reached']:8d} "
              f"{row['succeeded']:9d}")
    print(f"{'all':16} {count:5d} {totals['found']:6d} {totals['described']:9d} {totals['reached']:8d} "
          f"{totals['succeeded']:9d}")
    print(f"reachable: {100 * totals['reached'] / count:.1f}% of {count} documented operations (target 100%); "
          f"found by their own summary: {100 * totals['found'] / count:.1f}%; "
          f"succeeded on the sandbox: {100 * totals['succeeded'] / count:.1f}%")
    if missed:
        print("not reached:", *missed, sep="\n")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
