"""`tools/list` size: bytes and estimated tokens, per toolset, for the default set and for all toolsets.

Tokens are estimated as characters ÷ 4 of the compact JSON the client receives (the usual rule of
thumb for English + JSON with BPE tokenizers). Prints figures, asserts nothing.

    uv run python bench/tools_list.py
"""

from __future__ import annotations

import asyncio
import json

from mcp import Client

from infomaniak_mcp.config import load_settings
from infomaniak_mcp.server.app import build_server
from infomaniak_mcp.server.registry import select_tools, toolsets


async def measure(names: list[str] | None) -> tuple[int, int, int]:
    selection = select_tools(names)
    server = build_server(load_settings({}), selection, api=None)
    async with Client(server) as client:
        result = await client.list_tools()
    payload = json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in result.tools],
                         separators=(",", ":"))
    return len(result.tools), len(payload.encode()), len(payload) // 4


async def main() -> None:
    print(f"{'selection':28} {'tools':>5} {'bytes':>8} {'~tokens':>8}")
    default = [n for n, info in toolsets().items() if info.default]
    for label, names in [("default (" + ",".join(default) + ")", None), ("all toolsets", ["all"])]:
        n, size, tokens = await measure(names)
        print(f"{label:28} {n:5d} {size:8d} {tokens:8d}")
    for name in toolsets():
        n, size, tokens = await measure([name])
        print(f"  toolset {name:19} {n:5d} {size:8d} {tokens:8d}")
    print("target: default set ≤ 8,000 estimated tokens")


if __name__ == "__main__":
    asyncio.run(main())
