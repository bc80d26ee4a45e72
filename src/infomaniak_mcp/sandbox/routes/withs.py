"""`with=` on the stateful public routes: unknown values → 422 listing the allowed ones (facts §1).

The spec documents a `with` query parameter on many operations but never lists its values (a plain
string). `check_documented_with(routes)` puts the check in front of every stateful route whose
operation documents `with` (and on its `/proxy` mirror), with these allowed values:

- the values the route module declares (`DECLARED`: what its handler renders, e.g. the DNS zone and
  record `records`, `records_description`, `idn` — TF, facts §5.6), when it declares some;
- otherwise a sandbox GUESS: the optional (non-required) properties of the documented response
  item — the API loads such members on demand (`with=records` → zone `records`, `with=size` →
  mailbox `size`, `with[]=emails,phones` → profile) — plus the values the facts or the spec text
  name for that route (`EVIDENCED`).

Routes the spec does not document (web hosting, manager-only) keep their own `check_with` lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.pagination import check_with, q_list
from infomaniak_mcp.sandbox.routing import ApiRoute
from infomaniak_mcp.spec.model import ApiSpec, Operation, load_spec

EVIDENCED: Mapping[str, tuple[str, ...]] = {
    "/2/profile": ("security",),  # facts §5.3 (HM: with[]=security,emails,phones)
    "/1/mail_hostings/{mail_hosting_id}/mailboxes": ("size_refresh",),  # spec text: with=size|size_refresh
    "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}": ("size_refresh",),
    "/2/drive": ("total",),  # facts §3: kDrive with=total
    "/2/drive/{drive_id}/users": ("total",),
    "/3/drive/{drive_id}/files/{file_id}/files": ("total",),
}


def _members(spec: ApiSpec, schema: Any) -> tuple[dict[str, Any], set[str]]:
    """Properties and required names of `schema`, merging allOf/oneOf/anyOf parts."""
    schema = spec.resolve(schema)
    if not isinstance(schema, Mapping):
        return {}, set()
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required: set[str] = set(schema.get("required") or ())
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key) or ():
            more, req = _members(spec, part)
            props.update(more)
            required |= req
    return props, required


def optional_members(spec: ApiSpec, op: Operation) -> list[str]:
    """The optional properties of the item `op` answers (inside `data`; list items for a list)."""
    props, required = _members(spec, op.response.get("schema"))
    if "data" in props:
        data = spec.resolve(props["data"])
        if isinstance(data, Mapping) and data.get("type") == "array":
            data = data.get("items")
        props, required = _members(spec, data)
    return sorted(set(props) - required)


def allowed_with(spec: ApiSpec, op: Operation, declared: Sequence[str] | None = None) -> tuple[str, ...]:
    if declared is not None:
        return tuple(declared)
    return tuple(sorted({*optional_members(spec, op), *EVIDENCED.get(op.path, ())}))


def _checked(route: ApiRoute, method: str, declared: Mapping[tuple[str, str], Sequence[str]]) -> ApiRoute:
    """`route` with the check in front. The spec is read on the first request that carries `with`
    (not when the routes are built: the sandbox starts without loading the spec), once per route."""
    handler = route.handler
    allowed: list[Any] = []  # [] not computed yet; [None] the operation documents no `with`

    async def checked(request: Request) -> Response:
        if q_list(request, "with"):
            if not allowed:
                spec = load_spec()
                op = spec.get(method, route.path)
                documented = op is not None and op.param("with") is not None
                allowed.append(
                    allowed_with(spec, op, declared.get((op.method.upper(), op.path))) if documented and op else None
                )
            if allowed[0] is not None:
                check_with(request, allowed[0])
        return await handler(request)

    checked.__name__ = handler.__name__
    return ApiRoute(route.path, checked, methods=sorted(route.methods or ()), meta=route.meta)


def check_documented_with(
    routes: Iterable[ApiRoute], declared: Mapping[tuple[str, str], Sequence[str]]
) -> list[ApiRoute]:
    """`routes` with the `with` check in front of those whose documented operation has `with` (decided
    lazily, see `_checked`); routes answering several methods are left as they are."""
    out: list[ApiRoute] = []
    for route in routes:
        methods = [m for m in (route.methods or ()) if m != "HEAD"]
        out.append(_checked(route, methods[0], declared) if len(methods) == 1 else route)
    return out
