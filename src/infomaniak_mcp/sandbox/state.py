"""All the data of one sandbox: plain dicts shaped like the API's objects.

Objects are stored in the shape the API returns them (facts §7); keys starting with `_` are
internal links (owning account, members…) and are stripped by `public()` before answering.
Ids come from per-kind counters and uuids from a counter too, so the same clock and the same
sequence of calls always give the same ids.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from infomaniak_mcp.sandbox.auth import (
    SANDBOX_REVOKED_TOKENS,
    SANDBOX_SASESSION,
    SANDBOX_TOKENS,
    SANDBOX_XSRF_TOKEN,
    ManagerSession,
)
from infomaniak_mcp.sandbox.clock import SandboxClock

JSON = dict[str, Any]
_UUID_NAMESPACE = uuid.UUID("6f1c2a5e-8b3d-4e7f-9a1c-2b3d4e5f6a7b")


def public(obj: Any) -> Any:
    """Deep copy without internal `_` keys (what the API would send)."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


@dataclass
class SandboxState:
    clock: SandboxClock = field(default_factory=SandboxClock)
    tokens: dict[str, frozenset[str]] = field(default_factory=lambda: dict(SANDBOX_TOKENS))
    revoked_tokens: set[str] = field(default_factory=lambda: set(SANDBOX_REVOKED_TOKENS))
    manager_sessions: dict[str, ManagerSession] = field(default_factory=dict)
    profile: JSON = field(default_factory=dict)
    accounts: dict[int, JSON] = field(default_factory=dict)
    users: dict[int, JSON] = field(default_factory=dict)
    account_users: dict[int, list[JSON]] = field(default_factory=dict)
    teams: dict[int, JSON] = field(default_factory=dict)
    tags: dict[int, JSON] = field(default_factory=dict)
    products: dict[int, JSON] = field(default_factory=dict)
    hostings: dict[int, JSON] = field(default_factory=dict)
    sites: dict[int, JSON] = field(default_factory=dict)
    site_aliases: dict[int, list[JSON]] = field(default_factory=dict)
    certificates: dict[int, JSON] = field(default_factory=dict)
    databases: dict[int, dict[str, JSON]] = field(default_factory=dict)
    database_users: dict[int, dict[str, JSON]] = field(default_factory=dict)
    ftp_users: dict[int, dict[str, JSON]] = field(default_factory=dict)
    nodejs_apps: dict[int, JSON] = field(default_factory=dict)
    vps: dict[int, JSON] = field(default_factory=dict)
    domains: dict[str, JSON] = field(default_factory=dict)
    zones: dict[str, JSON] = field(default_factory=dict)
    records: dict[str, dict[int, JSON]] = field(default_factory=dict)
    mail_hostings: dict[int, JSON] = field(default_factory=dict)
    mailboxes: dict[int, dict[str, JSON]] = field(default_factory=dict)
    drives: dict[int, JSON] = field(default_factory=dict)
    drive_users: dict[int, list[JSON]] = field(default_factory=dict)
    drive_files: dict[int, dict[int, JSON]] = field(default_factory=dict)
    tasks: dict[str, JSON] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @classmethod
    def seeded(cls, clock: SandboxClock | None = None) -> SandboxState:
        """The deterministic demo account (see `seed.py`), dated relative to `clock`."""
        from infomaniak_mcp.sandbox.seed import build_seed

        state = cls(clock=clock or SandboxClock())
        build_seed(state)
        return state

    # ---- ids ---------------------------------------------------------------------------------
    def new_id(self, kind: str, start: int) -> int:
        """Next id of `kind` (first one is `start`)."""
        value = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = value
        return value

    def new_uuid(self) -> str:
        n = self.counters.get("uuid", 0) + 1
        self.counters["uuid"] = n
        return str(uuid.uuid5(_UUID_NAMESPACE, f"sandbox-{n}"))

    # ---- async tasks (progress ids) ----------------------------------------------------------
    def add_task(self, response: Any, *, status: str = "executed", error: JSON | None = None) -> str:
        """Register a finished async task and return its uuid.

        Progress ids returned by web-hosting writes are resolvable at `GET /1/async/tasks/{uuid}`
        (and `/proxy/1/async/tasks/{uuid}`). Tasks finish at once on the business clock.
        """
        task_uuid = self.new_uuid()
        now = self.clock.now()
        task: JSON = {
            "uuid": task_uuid,
            "status": status,
            "created_at": now,
            "updated_at": now,
            "executed_at": now,
            "finished_at": now,
            "response": response if isinstance(response, dict) else {"result": response},
        }
        if error is not None:
            task["error"] = error
        self.tasks[task_uuid] = task
        return task_uuid

    # ---- manager sessions --------------------------------------------------------------------
    def add_manager_session(self, session_id: str, user_id: int, xsrf: str) -> ManagerSession:
        session = ManagerSession(session_id=session_id, user_id=user_id, xsrf=xsrf)
        self.manager_sessions[session_id] = session
        return session

    def seed_manager_session(self, user_id: int) -> None:
        self.add_manager_session(SANDBOX_SASESSION, user_id, SANDBOX_XSRF_TOKEN)

    # ---- whole-state helpers -----------------------------------------------------------------
    def snapshot(self) -> SandboxState:
        """An independent deep copy sharing nothing but the clock object."""
        clock = self.clock
        memo: dict[int, Any] = {id(clock): clock}
        return copy.deepcopy(self, memo)

    def replace_with(self, other: SandboxState) -> None:
        """Take over every field of `other` (used by `POST /_sandbox/reset`)."""
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))

    def __repr__(self) -> str:
        return (
            f"SandboxState(now={self.clock.now()}, accounts={len(self.accounts)}, "
            f"products={len(self.products)}, zones={len(self.zones)})"
        )
