"""The tool manifest: what `tools/list` publishes for every declared tool, precomputed.

Start-up cost is dominated by importing the toolset modules (their pydantic models) and by the
SDK building each tool's schemas. Neither is needed to answer `initialize` and `tools/list`:
the manifest (`tools/manifest.json`, committed) holds each tool's published listing (compact
schemas, annotations) plus what selection needs (toolset, read-only, core), and the resource
templates. The server lists tools from it and imports a toolset module only when one of its
tools (or resources) is first called.

Regenerate after changing a tool: `uv run python -m infomaniak_mcp.server.manifest`. A test
fails when the committed manifest differs from the code, so a stale manifest never lands.
Loading is SDK-free (plain JSON); generating imports the SDK and every toolset.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "tools" / "manifest.json"


@dataclass(frozen=True)
class ToolEntry:
    name: str
    toolset: str
    module: str
    read_only: bool
    core: bool
    listing: dict[str, Any]
    """The tool exactly as `tools/list` publishes it (name, title, description, schemas, annotations)."""


@dataclass(frozen=True)
class ResourceEntry:
    uri_template: str
    toolset: str
    module: str
    name: str
    title: str
    description: str
    mime_type: str


@dataclass(frozen=True)
class Manifest:
    tools: dict[str, ToolEntry]
    resources: tuple[ResourceEntry, ...]

    def covers(self, toolset: str, module: str) -> bool:
        """True when the manifest describes `toolset` as declared by `module` (the real catalog)."""
        return any(e.toolset == toolset and e.module == module for e in self.tools.values())

    def toolset_entries(self, toolset: str) -> list[ToolEntry]:
        return [e for e in self.tools.values() if e.toolset == toolset]


@functools.cache
def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """The committed manifest (empty when absent: every toolset is then imported at start)."""
    if not path.is_file():
        return Manifest({}, ())
    raw = json.loads(path.read_text(encoding="utf-8"))
    tools = {t["name"]: ToolEntry(**t) for t in raw.get("tools", [])}
    resources = tuple(ResourceEntry(**r) for r in raw.get("resources", []))
    return Manifest(tools, resources)


async def generate() -> dict[str, Any]:
    """Build the manifest from the code: every toolset imported, listed through the real server."""
    from mcp import Client

    from infomaniak_mcp.config import Settings
    from infomaniak_mcp.server.app import build_server
    from infomaniak_mcp.server.registry import resource_specs, select_tools, toolsets

    catalog = toolsets()
    selection = select_tools(["all"])
    server = build_server(Settings(), selection, api=None, lazy=False)
    async with Client(server) as client:
        tools_listed = (await client.list_tools()).tools
    listed = {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools_listed}
    tools = [
        {
            "name": spec.name,
            "toolset": spec.toolset,
            "module": catalog[spec.toolset].module,
            "read_only": spec.read_only,
            "core": spec.core,
            "listing": listed[spec.name],
        }
        for spec in sorted(selection.tools, key=lambda s: s.name)
    ]
    resources = [
        {
            "uri_template": r.uri_template,
            "toolset": r.toolset,
            "module": catalog[r.toolset].module,
            "name": r.name,
            "title": r.title,
            "description": r.description,
            "mime_type": r.mime_type,
        }
        for r in sorted(resource_specs(catalog), key=lambda r: r.uri_template)
    ]
    return {"tools": tools, "resources": resources}


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    import asyncio
    import sys

    text = render(asyncio.run(generate()))
    MANIFEST_PATH.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {MANIFEST_PATH} ({len(text)} bytes)\n")


if __name__ == "__main__":
    main()
