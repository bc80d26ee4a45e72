"""Toolset `api`: every documented operation of the public API, through four tools over the bundled spec.

- `api_search_operations`: find operations by intent, product, method or path fragment (BM25 over
  the spec; `spec/search.py`), each with the scope it needs and the curated tool that already
  covers it (tools declare `covers=` in `@tool`).
- `api_describe_operation`: parameters, body and response shape of one operation (`spec/describe.py`).
- `api_call`: run a documented GET. The call is validated against the spec before anything is
  sent (`spec/validate.py`: unknown path, missing or mistyped parameter, value outside an enum →
  `invalid_argument` naming the field and the allowed values); lists are fetched page by page like
  curated tools (`ApiHttp.paginate`, kChat's Mattermost pages included) up to a cap.
- `api_call_write`: POST/PUT/PATCH/DELETE through the safe-writes engine (docs/writing-tools.md):
  the body validates the call the same way and returns a `Plan` showing the exact request and,
  when a GET documents the same path, the target's current state and a diff. Nothing is sent
  until the plan is confirmed; the server then runs the stored step (operation `api.call`).
  Generic writes have no inverse: `reversible` is false.

kChat operations (`/api/v4/...`) are served per team at `https://{team}.kchat.infomaniak.com`
and answer plain Mattermost JSON: they take `team` and go to that host (to the configured API URL
when it is not the official one, i.e. the sandbox). Answers that are not the JSON envelope
(kChat, CSV/PNG/ZIP downloads) are read by `RawHttp`, an `ApiHttp` that shares the client's
token, limiter and transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infomaniak_mcp.api._envelope import ApiResponse, decode_json_body
from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.errors import ErrorDetail, InfomaniakError, InvalidArgumentError, NotFoundError
from infomaniak_mcp.config import DEFAULT_API_URL
from infomaniak_mcp.safety.executor import StepResult
from infomaniak_mcp.safety.operations import OperationContext, operation
from infomaniak_mcp.safety.plan import DiffEntry, Plan, Step, diff_fields, fingerprint
from infomaniak_mcp.safety.redact import redact
from infomaniak_mcp.server.context import ToolContext
from infomaniak_mcp.server.registry import ToolOutput, ToolSpec, all_specs, get_spec, tool
from infomaniak_mcp.spec.describe import (
    DEFAULT_DEPTH,
    PAGING_NAMES,
    describe_operation,
    documents_paging,
    mattermost_size_param,
    max_page_size,
    pagination_style,
    response_shape,
)
from infomaniak_mcp.spec.model import KCHAT_HOST, ApiSpec, Operation, load_spec
from infomaniak_mcp.spec.scopes import scope_label
from infomaniak_mcp.spec.search import content_words, known_gaps, search_operations, weak
from infomaniak_mcp.spec.validate import CallRefused, PreparedCall, prepare_call

if TYPE_CHECKING:
    import httpx2

MAX_ITEMS = 1000
MAX_DATA_CHARS = 12_000
"""About 3,000 tokens of data per api_call answer (it is sent as text and again as structured content)."""
MAX_AFTER_CHARS = 4_000
MAX_BODY_SHOWN = 2_000
PAGING_PARAMS = PAGING_NAMES | {"return"}
MAX_PAGES = 50
"""Hard cap on the pages one Mattermost (kChat) list walk requests (besides `max_items`)."""
RISKY_WORDS = ("delete", "remove", "cancel", "terminate", "destroy", "purge", "reset", "wipe", "empty", "revoke")

Product = Literal[
    "core", "domain", "mail", "kdrive", "kchat", "swiss_backup", "ai", "url_shortener", "newsletter",
    "public_cloud", "kmeet",
]
Path = Annotated[
    str,
    Field(description="Template ('/2/zones/{zone}/records' + path_params) or concrete path.", min_length=2,
          max_length=500),
]
PathParams = Annotated[dict[str, Any] | None, Field(description="Values of the {placeholders}.")]
Query = Annotated[
    dict[str, Any] | None, Field(description="Documented query parameters; objects/arrays allowed.")
]
Team = Annotated[str | None, Field(description="kChat only: team subdomain.", max_length=63)]
Fields = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]] | None,
    Field(description="Keep only these fields of each item (a.b for nested).", max_length=30),
]


# ---- HTTP ------------------------------------------------------------------------------------------
class RawHttp(ApiHttp):
    """`ApiHttp` that also accepts answers outside the envelope: plain JSON (kChat) and downloads."""

    def _interpret(self, response: httpx2.Response, method: str, path: str) -> ApiResponse:
        status = response.status_code
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if status >= 300 or status == 204:
            return super()._interpret(response, method, path)
        if "json" not in ctype:
            data: dict[str, Any] = {"content_type": ctype or "unknown", "bytes": len(response.content)}
            if ctype.startswith("text/") or ctype in ("application/csv",):
                data["text"] = response.text[:MAX_AFTER_CHARS]
            return ApiResponse(data=data, status=status)
        decoded = decode_json_body(response.content, ctype, status=status, method=method, path=path, request_id=None)
        if isinstance(decoded, dict) and "result" in decoded:
            return super()._interpret(response, method, path)
        return ApiResponse(data=decoded, status=status)


def _raw_http(api: InfomaniakApi, base_url: str) -> RawHttp:
    """A `RawHttp` sharing `api.http`'s token, rate limiter, transport and timeout (closed after use)."""
    return api.http.derive(RawHttp, base_url)


def kchat_base_url(api_url: str, team: str) -> str:
    """The team's kChat host; the configured API URL itself when it is not the official one (sandbox)."""
    if api_url.rstrip("/") == DEFAULT_API_URL:
        return KCHAT_HOST.format(team=team)
    return api_url.rstrip("/")


def _needs_raw(op: Operation) -> bool:
    """Answers outside the envelope: kChat, downloads, OpenAI-compatible AI routes, undocumented bodies."""
    kind = op.response.get("content_type")
    if op.is_kchat or (kind is not None and kind != "application/json") or not op.response.get("schema"):
        return True
    return not response_shape(load_spec(), op).enveloped


@asynccontextmanager
async def http_for(api: InfomaniakApi, op: Operation, team: str | None) -> AsyncIterator[ApiHttp]:
    """The client that reaches `op`: `api.http`, or one `RawHttp` for kChat's team host / answers outside
    the envelope (closed on exit)."""
    if not _needs_raw(op):
        yield api.http
        return
    raw = _raw_http(api, kchat_base_url(api.http.base_url, team or "") if op.is_kchat else api.http.base_url)
    try:
        yield raw
    finally:
        await raw.aclose()


async def send(
    api: InfomaniakApi, op: Operation, method: str, path: str, query: dict[str, Any], body: Any, team: str | None
) -> ApiResponse:
    """One request (retry policy, limiter and errors of `ApiHttp`)."""
    async with http_for(api, op, team) as http:
        return await http.request(method, path, params=query, json=body if method != "GET" else None)


# ---- shared helpers ----------------------------------------------------------------------------------
def covering_tools() -> dict[str, list[str]]:
    """Operation key → curated tools that cover it (their `covers=`), across every toolset."""
    found: dict[str, list[str]] = {}
    for spec in all_specs(None):
        for key in spec.covers:
            found.setdefault(str(key), []).append(spec.name)
    return {k: sorted(v) for k, v in found.items()}


def coverage(
    ctx: ToolContext, key: str, covering: dict[str, list[str]] | None = None
) -> tuple[list[str] | None, list[str] | None]:
    """(curated tools covering `key` that this server exposes, those it does not); `covering` is
    `covering_tools()` when the caller already has it (one map for many keys)."""
    covers = (covering if covering is not None else covering_tools()).get(key) or []
    enabled = [name for name in covers if name in ctx.enabled_tools]
    missing = [name for name in covers if name not in ctx.enabled_tools]
    return enabled or None, missing or None


def not_enabled_note(ctx: ToolContext, names: list[str]) -> str:
    """`X covers this but is not enabled here` and how to enable it (the hint tools_search gives)."""
    from infomaniak_mcp.tools.tools import enable_hint

    specs = [spec for spec in (get_spec(name) for name in names) if spec is not None]
    hint = enable_hint(ctx.enabled_tools, specs, reach=False, read_only=ctx.read_only)
    return f"{', '.join(names)} (curated) {'is' if len(names) == 1 else 'are'} not enabled here: {hint}"


def refused(error: CallRefused) -> InvalidArgumentError:
    """The `invalid_argument` error for a call the spec refuses (every problem named)."""
    details = [
        ErrorDetail(code="invalid", description=p.message, attribute=p.field,
                    values=list(p.allowed) if p.allowed is not None else None)
        for p in error.problems
    ]
    hint = None
    if error.suggestions:
        hint = "Nothing was sent. Closest documented operations: " + "; ".join(error.suggestions)
    method = next((p for p in error.problems if p.field == "method" and p.allowed), None)
    if method is not None:
        allowed = [str(m) for m in method.allowed or ()]
        writes = [m for m in allowed if m != "GET"]
        if "GET" not in allowed:
            hint = f"Nothing was sent. This path takes {', '.join(writes)}: use api_call_write with that method."
        else:
            others = f" or api_call_write with method={'/'.join(writes)}" if writes else ""
            hint = f"Nothing was sent. This path takes {', '.join(allowed)}: use api_call for GET{others}."
    return InvalidArgumentError(description=str(error), details=details, hint=hint)


def prepare(
    spec: ApiSpec, method: str, path: str, path_params: dict[str, Any] | None, query: dict[str, Any] | None,
    body: Any, team: str | None,
) -> PreparedCall:
    try:
        return prepare_call(spec, method, path, path_params=path_params, query=query, body=body, team=team)
    except CallRefused as error:
        raise refused(error) from None


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _pick(item: Any, paths: list[list[str]]) -> Any:
    if not isinstance(item, dict):
        return item
    out: dict[str, Any] = {}
    for path in paths:
        value: Any = item
        for key in path:
            if not isinstance(value, dict) or key not in value:
                break
            value = value[key]
        else:
            target = out
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = value
    return out


def select_fields(data: Any, fields: list[str]) -> Any:
    """Each item of a list (or the object itself) reduced to `fields` (dotted paths; absent ones left out)."""
    paths = [f.split(".") for f in dict.fromkeys(f.strip() for f in fields) if f]
    if isinstance(data, list):
        return [_pick(item, paths) for item in data]
    return _pick(data, paths)


def fit(data: Any, limit: int = MAX_DATA_CHARS) -> tuple[Any, bool]:
    """`data` cut to about `limit` JSON characters (list items or object keys dropped from the end)."""
    if _size(data) <= limit:
        return data, False
    if isinstance(data, list):
        kept: list[Any] = []
        used = 2
        for item in data:
            used += _size(item) + 1
            if used > limit:
                break
            kept.append(item)
        return kept, True
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        used = 2
        for key, value in data.items():
            cost = _size(value) + len(key) + 4
            if used + cost > limit:
                out[key] = "…(cut)"
                continue
            out[key] = value
            used += cost
        return out, True
    text = str(data)
    return text[:limit], True


def cut_note(whole: Any, kept: Any, fields: list[str] | None) -> str:
    """How to narrow an answer `fit` had to cut: what was kept, the item keys to pick `fields` from."""
    budget = f"the ~{MAX_DATA_CHARS // 1000} KB answer budget"
    if isinstance(whole, list):
        shown = f"Only the first {len(kept)} of {len(whole)} items fit {budget}."
        first = next((item for item in whole if isinstance(item, dict)), None)
        keys = list(first) if first else []
        pick = (f" fields=[...] keeps only some of each item's keys ({', '.join(keys[:15])}"
                f"{', …' if len(keys) > 15 else ''});") if keys and not fields else " fewer fields;"
    else:
        shown = f"Keys marked '…(cut)' did not fit {budget}."
        pick = " fields=[...] keeps only the keys named (a.b for nested);"
    return (f"{shown} Narrow it:{pick} max_items=N reads fewer items; the documented filters "
            "(api_describe_operation lists them) select server-side.")


# ---- api_search_operations --------------------------------------------------------------------------
class OperationHit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str
    path: str
    summary: str
    product: str
    scope: str = Field(description="Token scope needed.")
    covered_by: list[str] | None = Field(default=None, description="Curated tools doing this: prefer them.")
    covered_by_not_enabled: list[str] | None = Field(
        default=None, description="Curated tools doing this that this server does not expose (note: how to enable)."
    )
    deprecated: bool | None = None


class OperationHits(ToolOutput):
    hits: list[OperationHit]
    matching: int
    note: str | None = None

    def to_text(self) -> str:
        if not self.hits:
            return self.note or "No documented operation matches."
        lines = [f"{len(self.hits)} of {self.matching} operation(s):"]
        for hit in self.hits:
            cover = f" → prefer {', '.join(hit.covered_by)}" if hit.covered_by else ""
            if hit.covered_by_not_enabled:
                cover += f" → {', '.join(hit.covered_by_not_enabled)} (not enabled) covers it"
            old = " (deprecated)" if hit.deprecated else ""
            lines.append(f"- {hit.method} {hit.path} — {hit.summary}{old} [{hit.product}; scope {hit.scope}]{cover}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@tool(toolset="api", read_only=True, title="Search API operations", requires_api=False)
async def api_search_operations(
    ctx: ToolContext,
    query: Annotated[str, Field(description="The task in words, e.g. 'delete a mailbox'.", max_length=300)] = "",
    product: Annotated[Product | None, Field(description="Only this product.")] = None,
    method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None, Field(description="Only this method.")]
    = None,
    path_contains: Annotated[str | None, Field(description="Only paths containing this.", max_length=200)] = None,
    limit: Annotated[int, Field(description="Maximum hits.", ge=1, le=50)] = 10,
) -> OperationHits:
    """Find any documented Infomaniak API operation (~780, every product) for a task no listed tool
    does: method, path, token scope, and the curated tool covering it (use that first). Next:
    api_describe_operation, then api_call (GET) or api_call_write."""
    spec = load_spec()
    everything = search_operations(spec, query, product=product, method=method, path_contains=path_contains,
                                   limit=len(spec))
    hits = []
    covering = covering_tools()
    for h in everything[:limit]:
        enabled, missing = coverage(ctx, h.operation.key, covering)
        hits.append(OperationHit(
            method=h.operation.method,
            path=h.operation.path,
            summary=h.operation.summary,
            product=h.operation.product,
            scope=scope_label(h.operation.method, h.operation.path),
            covered_by=enabled,
            covered_by_not_enabled=missing,
            deprecated=True if h.operation.deprecated else None,
        ))
    notes = []
    if not hits:
        notes.append(f"No operation matches; products: {', '.join(sorted(spec.products))}. "
                     "Try other words or no filters.")
    elif any(h.product == "kchat" for h in hits):
        notes.append("kChat operations take team=<subdomain> in api_call/api_call_write.")
    if query.strip() and weak(everything):
        notes.extend(_weak_result_notes(ctx, spec, query, bool(everything)))
    if ctx.read_only and any(h.method != "GET" for h in hits):
        notes.append("This server is read-only: only the GET operations can be called (api_call).")
    missing_tools = list(dict.fromkeys(name for h in hits for name in h.covered_by_not_enabled or ()))
    if missing_tools:
        meanwhile = " Meanwhile api_call reaches the GET ones." if ctx.read_only else (
            " Meanwhile api_call / api_call_write reach them.")
        notes.append(not_enabled_note(ctx, missing_tools) + meanwhile)
    note = " ".join(notes) or None
    return OperationHits(hits=hits, matching=len(everything), note=note)


def _availability(ctx: ToolContext, spec: ToolSpec) -> str:
    if spec.name in ctx.enabled_tools:
        return "enabled"
    if ctx.read_only and not spec.read_only:
        return "a write tool: unavailable, this server is read-only"
    return "not enabled: tools_search says how"


def _weak_result_notes(ctx: ToolContext, spec: ApiSpec, query: str, some: bool) -> list[str]:
    """For a search that found nothing strong: what the public spec lacks, and curated tools that may fit."""
    from infomaniak_mcp.tools.tools import rank_tools

    gaps = known_gaps(query)
    notes = [("No operation matches every word: the best hits are partial." if gaps else
              "No operation matches every word.") if some else ""]
    notes += gaps or [f"Bundled spec: {spec.notes[0]}" if spec.notes else ""]
    words = " ".join(content_words(query))
    ranked = [tool_spec for tool_spec, _ in rank_tools(words, 3)] if words else []
    if ranked:
        shown = [f"{t.name} ({_availability(ctx, t)})" for t in ranked]
        notes.append("Curated tools that may fit: " + ", ".join(shown) + ".")
    return [n for n in notes if n]


# ---- api_describe_operation -------------------------------------------------------------------------
class OperationDescription(ToolOutput):
    operation: str
    description: dict[str, Any] = Field(description="Parameters, body, response shape, errors, notes.")
    covered_by: list[str] | None = None

    def to_text(self) -> str:
        cover = f"\nPrefer {', '.join(self.covered_by)}." if self.covered_by else ""
        return json.dumps(self.description, ensure_ascii=False, separators=(",", ":")) + cover


def find_operation(spec: ApiSpec, method: str, path: str) -> Operation:
    """The operation `method path` names (template or concrete path), or `invalid_argument`."""
    method = method.upper()
    op = spec.get(method, path) if "{" in path else None
    if op is None and "{" not in path:
        found = spec.find(method, path.split("?", 1)[0])
        op = found[0] if found else None
    if op is not None:
        return op
    try:
        prepare_call(spec, method, path)
    except CallRefused as error:
        raise refused(error) from None
    raise InvalidArgumentError.for_field("path", f"{method} {path} is not a documented operation")


@tool(toolset="api", read_only=True, title="Describe an API operation", requires_api=False)
async def api_describe_operation(
    ctx: ToolContext,
    method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"], Field(description="HTTP method.")],
    path: Path,
    depth: Annotated[int, Field(description="Nesting shown in schemas.", ge=1, le=6)] = DEFAULT_DEPTH,
) -> OperationDescription:
    """Describe a documented operation (from api_search_operations) before calling it: parameters with
    types and enums, JSON body schema, response shape and paging, error codes."""
    spec = load_spec()
    op = find_operation(spec, method, path)
    enabled, missing = coverage(ctx, op.key)
    description = describe_operation(spec, op, depth=depth)
    if missing:
        description["curated_not_enabled"] = not_enabled_note(ctx, missing)
    return OperationDescription(operation=op.key, description=description, covered_by=enabled)


# ---- api_call (GET) ----------------------------------------------------------------------------------
class ApiCallResult(ToolOutput):
    operation: str
    request: str
    data: Any = Field(description="The answer's data.")
    count: int | None = None
    total: int | None = None
    truncated: bool
    note: str | None = None
    covered_by: list[str] | None = None

    def to_text(self) -> str:
        head = f"{self.request}: " + (f"{self.count} item(s)" if self.count is not None else "ok")
        if self.total is not None and self.count is not None and self.total != self.count:
            head += f" of {self.total}"
        if self.truncated:
            head += " (cut: see the note)"
        body = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), default=str)
        tail = f"\n{self.note}" if self.note else ""
        return f"{head}\n{body}{tail}"


@tool(toolset="api", read_only=True, title="Call an API read operation", open_world=True)
async def api_call(
    ctx: ToolContext,
    path: Path,
    path_params: PathParams = None,
    query: Query = None,
    team: Team = None,
    max_items: Annotated[int, Field(description="Cap on list items (all pages).", ge=1, le=MAX_ITEMS)] = 500,
    fields: Fields = None,
) -> ApiCallResult:
    """Run any documented GET of the Infomaniak API (from api_search_operations), validated against the
    spec before sending; lists come complete across pages. Changes: api_call_write."""
    spec = load_spec()
    call = prepare(spec, "GET", path, path_params, query, None, team)
    return await _read(ctx, spec, call, max_items, fields)  # a made-up sandbox answer: the server notes it


async def _read(
    ctx: ToolContext, spec: ApiSpec, call: PreparedCall, max_items: int, fields: list[str] | None = None
) -> ApiCallResult:
    op = call.operation
    style = pagination_style(spec, op)
    paging_given = bool(PAGING_PARAMS & {k.split("[", 1)[0] for k in call.query})
    count = total = None
    truncated = False
    data: Any
    if style is None or paging_given:
        response = await send(ctx.api, op, "GET", call.path, call.query, None, call.team)
        data, total = response.data, response.total
    else:  # one client for the whole walk (kChat: the team's host, plain JSON pages)
        kchat = style == "mattermost"
        async with http_for(ctx.api, op, call.team) as http:
            page = await http.paginate(
                call.path, call.query, style=style, page_size=max_page_size(op, style), max_items=max_items,
                size_param=(mattermost_size_param(op) if kchat else None) or "per_page",
                max_requests=MAX_PAGES if kchat else 100,
            )
        data = page.items
        total, truncated = page.total, page.truncated
    if isinstance(data, list):
        if len(data) > max_items:
            data, truncated = data[:max_items], True
        count = len(data)
    if fields:
        data = select_fields(data, fields)
    whole = data
    data, cut = fit(data)
    if isinstance(data, list):
        count = len(data)
    notes = []
    if cut:
        notes.append(cut_note(whole, data, fields))
    elif truncated:
        notes.append("List cut at max_items (or the page limit): raise max_items, or narrow it with the documented "
                     "filters (api_describe_operation lists them).")
    if (style is None or paging_given) and documents_paging(op) and not _last_page(data):
        first = "0" if op.is_kchat else "1"
        notes.append(f"This is one page: more may exist; pass page (from {first}) and per_page to read the others.")
    covers, missing = coverage(ctx, op.key)
    if covers:
        notes.append(f"{', '.join(covers)} gives a concise view of this.")
    if missing and not covers:
        notes.append(not_enabled_note(ctx, missing))
    return ApiCallResult(
        operation=op.key,
        request=call.request_line(),
        data=data,
        count=count,
        total=total,
        truncated=truncated or cut,
        note=" ".join(notes) or None,
        covered_by=covers,
    )


def _last_page(data: Any) -> bool:
    """Whether a one-page answer says it is the last one (`has_next`/`has_more` false, or pages ≤ 1)."""
    if not isinstance(data, dict):
        return False
    for key in ("has_next", "has_more"):
        if data.get(key) is False:
            return True
    pages = data.get("pages")
    return isinstance(pages, int) and pages <= 1


# ---- api_call_write (plan; the server confirms and applies) ------------------------------------------
API_CALL = "api.call"


def _resource(call: PreparedCall) -> str:
    return f"api:{call.team + ':' if call.team else ''}{call.path}"


def _lock(step: Step) -> str | None:
    """Writes under one product instance (`/1/mail_hostings/123`) never interleave."""
    path = str(step.params.get("path", ""))
    return "api:" + "/".join(path.split("/")[:4])


async def _current_state(ctx: ToolContext, spec: ApiSpec, call: PreparedCall) -> tuple[Any, str | None]:
    """The target's current value from the GET documenting the same path (None, note) when unavailable."""
    reader = spec.get("GET", call.operation.path)
    if reader is None:
        return None, "no GET documents this path: the current state is not shown"
    try:
        prepare_call(spec, "GET", call.path, team=call.team)
    except CallRefused as refusal:
        return None, f"the current state is not read ({refusal})"
    try:
        response = await send(ctx.api, reader, "GET", call.path, {}, None, call.team)
    except NotFoundError:
        if call.method == "POST":
            return None, None
        raise
    except InfomaniakError as error:
        return None, f"the current state could not be read ({error.code})"
    if isinstance(response.data, list):
        return None, f"GET {call.operation.path} is a list of {len(response.data)} item(s): not shown"
    value, cut = fit(response.data, MAX_AFTER_CHARS)
    return value, "the current state is cut" if cut else None


def _risk(call: PreparedCall, covers: list[str] | None, state_known: bool) -> tuple[Literal["low", "high"], str, str]:
    """(risk, name to type, why). High when destructive, covered by a curated tool (whose own plan checks
    more; the generic path is never the easier one), or a PUT/PATCH/DELETE whose current state is unknown."""
    reasons = []
    if call.method == "DELETE" or any(w in call.path.lower() for w in RISKY_WORDS):
        reasons.append("destructive")
    if covers:
        reasons.append(f"{', '.join(covers)} covers this operation: prefer it")
    if call.method != "POST" and not state_known:
        reasons.append("current state unknown")
    if not reasons:
        return "low", "", ""
    values = [str(v) for v in call.path_values.values()]
    return "high", values[-1] if values else call.path, "; ".join(reasons)


def _diff(call: PreparedCall, current: Any, resource: str) -> list[DiffEntry]:
    body = call.body
    if call.method == "DELETE":
        return [DiffEntry(resource=resource, before=current, after=None)]
    if call.method in ("PUT", "PATCH") and isinstance(current, dict) and isinstance(body, dict):
        return diff_fields(resource, current, {**current, **body}, fields=list(body)) or [
            DiffEntry(resource=resource, field=name, before=current.get(name), after=value)
            for name, value in list(body.items())[:1]
        ]
    label = f"{resource} (new)" if call.method == "POST" and current is None else resource
    return [DiffEntry(resource=label, before=current, after=body)]


def full_request(call: PreparedCall, api_url: str) -> str:
    """`METHOD https://host/path?query {body}`: the exact request (secrets in the body redacted), one line."""
    base = kchat_base_url(api_url, call.team or "") if call.operation.is_kchat else api_url.rstrip("/")
    method, _, rest = call.request_line().partition(" ")
    text = f"{method} {base}{rest}"
    if call.body is not None:
        body = json.dumps(redact(call.body), ensure_ascii=False, separators=(",", ":"), default=str)
        if len(body) > MAX_BODY_SHOWN:
            body = body[:MAX_BODY_SHOWN] + f"…(+{len(body) - MAX_BODY_SHOWN} chars: steps[0].params.body)"
        text += f" {body}"
    return text


@tool(toolset="api", read_only=False, destructive=True, title="Call an API write operation", open_world=True)
async def api_call_write(
    ctx: ToolContext,
    method: Annotated[Literal["POST", "PUT", "PATCH", "DELETE"], Field(description="HTTP method.")],
    path: Path,
    path_params: PathParams = None,
    query: Query = None,
    body: Annotated[dict[str, Any] | list[Any] | None, Field(description="JSON body as documented.")] = None,
    team: Team = None,
) -> Plan:
    """Run a documented POST/PUT/PATCH/DELETE when no curated write tool fits: validated against the
    spec, planned with the exact request and the target's current state, applied after confirmation.
    Not undoable."""
    spec = load_spec()
    call = prepare(spec, method, path, path_params, query, body, team)
    current, note = await _current_state(ctx, spec, call)
    resource = _resource(call)
    covers = covering_tools().get(call.operation.key)
    risk, target, why = _risk(call, covers, current is not None)
    request = full_request(call, ctx.api.http.base_url)
    notes = [n for n in (note, why) if n]
    description = request + (f" ({'; '.join(notes)})" if notes else "")
    summary = f"{request} — {call.operation.summary}".replace("\n", " ").replace("\r", " ")
    if why:
        summary += f" [{why}]"
    return Plan(
        tool="api_call_write",
        summary=summary,
        steps=[
            Step(
                operation=API_CALL,
                params={"method": call.method, "path": call.path, "query": call.query, "body": call.body,
                        "team": call.team, "operation": call.operation.key},
                resource=resource,
                description=description,
                before=current,
            )
        ],
        diff=_diff(call, current, resource),
        risk=risk,
        target_name=target,
        fingerprint=fingerprint({"state": current}),
        reversible=False,
    )


@operation(API_CALL, lock=_lock)
async def _apply_call(op: OperationContext, params: dict[str, Any]) -> StepResult:
    spec = load_spec()
    method, template = str(params["operation"]).split(" ", 1)
    operation_ = spec.get(method, template)
    if operation_ is None:  # the bundle changed between plan and apply
        raise InvalidArgumentError.for_field("operation", f"{params['operation']} is no longer documented")
    response = await send(
        op.api, operation_, str(params["method"]), str(params["path"]), dict(params.get("query") or {}),
        params.get("body"), params.get("team"),
    )
    data, _ = fit(response.data, MAX_AFTER_CHARS)
    after = None if params["method"] == "DELETE" else data
    return StepResult(resource=f"api:{params['path']}", after=after, data=data)
