"""Two confirmed writes on one hosting, sent at once, never overlap: the engine serialises per hosting.

The proof is the sandbox's recorded exchanges: everything one write sends (its pre-check reads,
the write, the task polls, the read-back) forms one contiguous run, with none of the other write's
requests inside it. The same scenario without the per-hosting lock does interleave, so the
check can tell.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import anyio
import pytest
from e2e_writes_support import connect_writes, structured
from test_e2e_hosting_writes import WEB, HostingBench, plan

from infomaniak_mcp.safety.executor import KeyedLocks

pytestmark = pytest.mark.anyio
DATABASE = {"hosting_id": WEB, "kind": "database", "name": "serial1"}
FTP_USER = {"hosting_id": WEB, "kind": "ftp_user", "name": "serial2"}


class NoLocks(KeyedLocks):
    """What the engine would do without per-resource serialisation."""

    @contextlib.asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        yield


def owner(path: str) -> str | None:
    """Which of the two writes a request belongs to ('/database_users' is neither)."""
    if "/databases" in path:
        return "database"
    if "/users" in path:
        return "ftp_user"
    return None


async def two_writes_at_once(hb: HostingBench) -> list[str]:
    """Plan both, confirm both concurrently; the owners of the requests sent while applying, in order."""
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        tokens = [(await plan(client, "hosting_create_resource", args))["confirmation_token"]
                  for args in (DATABASE, FTP_USER)]
        runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
        start = len(runtime.history)
        outcomes: dict[str, Any] = {}

        async def confirm(args: dict[str, Any], token: str) -> None:
            result = await client.call_tool("hosting_create_resource", {**args, "confirmation_token": token})
            outcomes[args["kind"]] = structured(result)["status"]

        async with anyio.create_task_group() as tg:
            tg.start_soon(confirm, DATABASE, tokens[0])
            tg.start_soon(confirm, FTP_USER, tokens[1])
    assert outcomes == {"database": "applied", "ftp_user": "applied"}
    assert "al7pdg_serial1" in hb.state.databases[WEB]
    assert "al7pdg_serial2" in hb.state.ftp_users[WEB]
    return [o for o in (owner(e.path) for e in list(runtime.history)[start:]) if o]


def runs(owners: list[str]) -> list[str]:
    """Consecutive runs: ['a', 'a', 'b', 'a'] → ['a', 'b', 'a']."""
    return [o for i, o in enumerate(owners) if i == 0 or owners[i - 1] != o]


async def test_two_confirmed_writes_on_one_hosting_never_overlap(tmp_path: Path) -> None:
    hb = HostingBench(tmp_path)
    owners = await two_writes_at_once(hb)
    assert sorted(runs(owners)) == ["database", "ftp_user"]  # each write's requests form one block
    assert owners.count("database") >= 3  # pre-check read, the write, the read-back
    assert owners.count("ftp_user") >= 2


async def test_without_the_hosting_lock_the_same_writes_interleave(tmp_path: Path) -> None:
    """The check above can fail: with serialisation switched off, the two writes' requests mix."""
    hb = HostingBench(tmp_path)
    hb.engine.locks = NoLocks()
    owners = await two_writes_at_once(hb)
    assert len(runs(owners)) > 2
