"""Operations: the only code that changes the Infomaniak account, each registered once by name.

A write tool's body never writes: it returns a `Plan` whose steps name operations
(`Step(operation="dns.create_record", params={...})`). When the plan is confirmed, the server
runs the plan's STORED steps through this registry (`run_step`), in order, under the locks
`lock_key(step)` names. The module that owns a product registers its operations next to its
tools (`tools/dns.py` registers `dns.*`):

```python
@operation("dns.create_record")
async def _create_record(op: OperationContext, params: dict[str, Any]) -> StepResult:
    record = await op.api.dns.create_record(params["zone"], type=params["type"], ...)
    return StepResult(resource=dns_record_resource(params["zone"], record.id), after=record_value(record))
```

- Name: `<toolset>.<verb>_<noun>`; the prefix is the toolset whose module registers it, so the
  server can import that module when a plan (e.g. an undo) needs an operation of a toolset that
  is not enabled.
- `lock`: a function of the step giving the key that serialises it (default
  `lock_by_resource_root`: `dns:example.ch/records/4` → `dns:example.ch`, `hosting:12/sites/3`
  → `hosting:12`). Writes to one key never interleave in this process.
- The function returns a `StepResult`: the resource really touched (the new id on a create),
  its value after the step (None when removed) and the API's answer. It raises the API's errors
  unchanged; the executor reports the step as failed and stops.
- Long upstream operations (`progress_id`, async tasks) are awaited with `op.poll(...)`
  (progress notifications, deadline).

Resource readers (`@resource_reader("dns", r"^dns:(?P<zone>[^/]+)/records/(?P<record_id>\\d+)$")`)
return the current value of a recorded resource id (None when it does not exist); `history_undo`
uses them to check that nothing changed since a write before undoing it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from infomaniak_mcp.safety.executor import StepResult, lock_by_resource_root, poll_async
from infomaniak_mcp.safety.plan import Step

if TYPE_CHECKING:
    from infomaniak_mcp.api.client import InfomaniakApi

T = TypeVar("T")
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]
DEFAULT_POLL_DEADLINE = 600.0


async def _no_progress(progress: float, total: float | None, message: str | None) -> None:
    return None


@dataclass
class OperationContext:
    """What an operation receives: the API client, progress reporting, and a poller."""

    api: InfomaniakApi
    progress: ProgressFn = field(default=_no_progress)
    poll_deadline: float = DEFAULT_POLL_DEADLINE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    async def poll(
        self,
        fetch: Callable[[], Awaitable[T]],
        is_done: Callable[[T], bool],
        *,
        deadline: float | None = None,
        interval: float = 2.0,
        describe: Callable[[T], str | None] | None = None,
    ) -> T:
        """`executor.poll_async` with this call's progress, clock and deadline (`PollTimeout` after it)."""
        return await poll_async(
            fetch,
            is_done,
            deadline=deadline or self.poll_deadline,
            interval=interval,
            progress=self.progress,
            describe=describe,
            clock=self.clock,
            sleep=self.sleep,
        )


OperationFn = Callable[[OperationContext, dict[str, Any]], Awaitable[StepResult]]
LockFn = Callable[[Step], str | None]
ReaderFn = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class OperationSpec:
    name: str
    fn: OperationFn
    lock: LockFn


@dataclass(frozen=True)
class ReaderSpec:
    toolset: str
    pattern: re.Pattern[str]
    fn: ReaderFn


class OperationError(LookupError):
    """An operation or resource reader is unknown (an authoring bug, or its toolset is not loaded)."""


_OPERATIONS: dict[str, OperationSpec] = {}
_READERS: list[ReaderSpec] = []
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$")
_O = TypeVar("_O", bound=OperationFn)
_R = TypeVar("_R", bound=ReaderFn)


def operation(name: str, *, lock: LockFn | None = None) -> Callable[[_O], _O]:
    """Register the function that performs operation `name` (see the module docstring)."""
    if not _NAME_RE.match(name):
        raise ValueError(f"operation {name!r}: the name must be '<toolset>.<verb>_<noun>'")

    def decorator(fn: _O) -> _O:
        if name in _OPERATIONS and _OPERATIONS[name].fn is not fn:
            raise ValueError(f"operation {name!r} is registered twice")
        _OPERATIONS[name] = OperationSpec(name=name, fn=fn, lock=lock or lock_by_resource_root)
        return fn

    return decorator


def resource_reader(toolset: str, pattern: str) -> Callable[[_R], _R]:
    """Register a reader for resource ids matching `pattern`; named groups become keyword arguments."""
    compiled = re.compile(pattern)

    def decorator(fn: _R) -> _R:
        if not any(r.pattern.pattern == compiled.pattern and r.fn is fn for r in _READERS):
            _READERS.append(ReaderSpec(toolset=toolset, pattern=compiled, fn=fn))
        return fn

    return decorator


def toolset_of(operation_name: str) -> str:
    """The toolset owning an operation: the part before the dot."""
    return operation_name.split(".", 1)[0]


def get_operation(name: str) -> OperationSpec:
    spec = _OPERATIONS.get(name)
    if spec is None:
        raise OperationError(f"no operation {name!r} is registered (is the module of toolset "
                             f"{toolset_of(name)!r} loaded?)")
    return spec


def is_registered(name: str) -> bool:
    return name in _OPERATIONS


def lock_key(step: Step) -> str | None:
    """The key serialising `step` (its operation's `lock`, default the resource root)."""
    return get_operation(step.operation).lock(step)


async def run_step(op: OperationContext, step: Step) -> StepResult:
    """Run one stored step through its registered operation."""
    result = await get_operation(step.operation).fn(op, dict(step.params))
    if not isinstance(result, StepResult):
        raise TypeError(f"operation {step.operation} returned {type(result).__name__}, not StepResult")
    return result


async def read_resource(api: InfomaniakApi, resource: str) -> Any:
    """The current value of `resource` (None when it does not exist), via its registered reader."""
    for reader in _READERS:
        match = reader.pattern.match(resource)
        if match:
            return await reader.fn(api, **match.groupdict())
    raise OperationError(f"no reader knows the resource {resource!r}")


def reader_toolsets(resource: str) -> set[str]:
    """Toolsets whose readers could match `resource` (prefix before ':'), for lazy loading."""
    return {resource.split(":", 1)[0]} if ":" in resource else set()
