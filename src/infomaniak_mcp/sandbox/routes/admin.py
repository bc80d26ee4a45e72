"""Admin routes under `/_sandbox/` (full sandbox token required; never faulted, limited or recorded).

- `GET|POST|DELETE /_sandbox/faults`: list, append (JSON list or `{"rules": [...]}`), clear.
- `GET|POST /_sandbox/clock`: read, or move with `{"advance": seconds}` / `{"set": unix_ts}`.
- `POST /_sandbox/reset`: data, clock, faults, rate windows and history back to the start.
- `GET /_sandbox/requests`: the last recorded exchanges (secrets removed).
"""

from __future__ import annotations

import json
from typing import cast

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, rule, validation_failed
from infomaniak_mcp.sandbox.faults import FaultConfigError, rules_from_json
from infomaniak_mcp.sandbox.routing import RouteTable, json_body
from infomaniak_mcp.sandbox.runtime import SandboxRuntime

routes = RouteTable(surface="admin")


def runtime_of(request: Request) -> SandboxRuntime:
    return cast(SandboxRuntime, request.app.state.runtime)


@routes.get("/_sandbox/faults", scope=None)
async def list_faults(request: Request) -> Response:
    return ok([r.to_dict() for r in runtime_of(request).faults.rules])


@routes.post("/_sandbox/faults", scope=None)
async def add_faults(request: Request) -> Response:
    raw = await request.body()
    try:
        rules = rules_from_json(json.loads(raw or b"[]"))
    except (ValueError, FaultConfigError) as exc:
        raise ApiError(422, "validation_failed", f"Invalid fault configuration: {exc}") from None
    runtime = runtime_of(request)
    runtime.faults.add(*rules)
    return ok([r.to_dict() for r in runtime.faults.rules])


@routes.delete("/_sandbox/faults", scope=None)
async def clear_faults(request: Request) -> Response:
    runtime_of(request).faults.clear()
    return ok(True)


@routes.get("/_sandbox/clock", scope=None)
async def show_clock(request: Request) -> Response:
    return ok({"now": runtime_of(request).state.clock.now()})


@routes.post("/_sandbox/clock", scope=None)
async def move_clock(request: Request) -> Response:
    body = await json_body(request)
    clock = runtime_of(request).state.clock
    advance, set_to = body.get("advance"), body.get("set")
    if isinstance(advance, int | float) and not isinstance(advance, bool):
        clock.advance(advance)
    elif isinstance(set_to, int | float) and not isinstance(set_to, bool):
        clock.set(set_to)
    else:
        raise validation_failed(
            rule("validation_rule_required_without", "advance", 'Send {"advance": seconds} or {"set": ts}.')
        )
    return ok({"now": clock.now()})


@routes.post("/_sandbox/reset", scope=None)
async def reset(request: Request) -> Response:
    runtime = runtime_of(request)
    runtime.reset()
    return ok({"now": runtime.state.clock.now()})


@routes.get("/_sandbox/requests", scope=None)
async def list_requests(request: Request) -> Response:
    return ok([e.to_dict() for e in runtime_of(request).history])
