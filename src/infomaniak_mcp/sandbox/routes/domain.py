"""Domains: v1 flags, v2 domain objects, zones of a domain, DNSSEC, nameservers (facts §5.5, §7.6).

The S25 routes `/2/domains/{domain}/...` are documented in the spec; the 2026 portal forms
`/2/domains/domains/{domain}/...` (path-only in facts) answer the same way. DNSSEC state is kept
in one place (the domain) and mirrored on its zone so `domain.options.dnssec`, v1 `has_dnssec`
and the zone's `dnssec.is_enabled` always agree.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, required, rule, validation_failed
from infomaniak_mcp.sandbox.pagination import check_in, order, paged, q_int, q_str, search
from infomaniak_mcp.sandbox.routes.core import get_account, visible_account_ids
from infomaniak_mcp.sandbox.routing import RouteTable, json_body, state_of
from infomaniak_mcp.sandbox.seed_dns import INFOMANIAK_NS, dnssec_material
from infomaniak_mcp.sandbox.state import SandboxState, public

JSON = dict[str, Any]
routes = RouteTable()
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)


def normalize_fqdn(raw: str) -> str:
    return raw.strip().rstrip(".").lower()


def domain_of(request: Request, param: str = "domain") -> JSON:
    name = normalize_fqdn(str(request.path_params[param]))
    domain = state_of(request).domains.get(name)
    if domain is None or domain["_account_id"] not in visible_account_ids(request):
        raise ApiError(404, "object_not_found", "Domain not found")
    return domain


def dns_managed(domain: JSON) -> bool:
    return sorted(domain["_nameservers"]) == sorted(INFOMANIAK_NS)


def v1_view(domain: JSON) -> JSON:
    """`GET /1/domain/{name}` flags (HM DomainSchema, facts §7.6); `is_idn`/`puny_code` follow the name.

    Facts only show a non-IDN domain (`is_idn: false, puny_code: null`). For an IDN the sandbox
    GUESSES `puny_code` = the stored (already `xn--`) name; the real value may be the Unicode form
    or something else entirely.
    """
    idn = any(label.startswith("xn--") for label in domain["name"].split("."))
    return {
        "id": domain["id"],
        "account_id": domain["_account_id"],
        "customer_name": domain["name"],
        "expired_at": domain["expires_at"],
        "is_dns_managed_by_infomaniak": dns_managed(domain),
        "is_external": False,
        "has_dnssec": domain["options"]["dnssec"],
        "is_dnssec_pending": False,
        "has_error": bool(domain.get("_has_error", False)),
        "has_trustee_contact": False,
        "has_whois_antispam": domain["_has_whois_antispam"],
        "is_part_of_ksuite": False,
        "is_premium": domain["is_premium"],
        "is_idn": idn,
        "puny_code": domain["name"] if idn else None,  # IDN shape guessed (docstring)
    }


def set_dnssec(state: SandboxState, domain: JSON, enabled: bool) -> None:
    domain["options"]["dnssec"] = enabled
    domain["_dnssec_data"] = dnssec_material(domain["name"]) if enabled else []
    zone = state.zones.get(domain["name"])
    if zone is not None:
        zone["dnssec"]["is_enabled"] = enabled


@routes.get("/1/domain/account/{account_id}", scope="domain:read")  # facts §5.5 (PY), undocumented
async def list_domains_v1(request: Request) -> Response:
    account = get_account(request)
    domains = [d for d in state_of(request).domains.values() if d["_account_id"] == account["id"]]
    return ok([v1_view(d) for d in sorted(domains, key=lambda d: d["name"])])


@routes.get("/1/domain/{domain}", scope="domain:read")  # facts §5.5 (HM), undocumented
async def show_domain_v1(request: Request) -> Response:
    return ok(v1_view(domain_of(request)))


@routes.get("/2/domains/domains", scope="domain:read")  # facts §5.5 2026 portal (path-only), §3
async def list_domains_v2(request: Request) -> Response:
    state = state_of(request)
    allowed = visible_account_ids(request)
    account_id = q_int(request, "account_id")
    items = [d for d in state.domains.values() if d["_account_id"] in allowed]
    if account_id is not None:
        items = [d for d in items if d["_account_id"] == account_id]
    tld = q_str(request, "tld")
    if tld:
        items = [d for d in items if d["tld"] == tld.lstrip(".").lower()]
    after, before = q_int(request, "expires_after"), q_int(request, "expires_before")
    if after is not None:
        items = [d for d in items if d["expires_at"] >= after]
    if before is not None:
        items = [d for d in items if d["expires_at"] <= before]
    views = search(
        [public(d) for d in sorted(items, key=lambda d: d["name"])], q_str(request, "search"), ("name",)
    )
    direction = q_str(request, "order_dir")
    if direction is not None:
        check_in("order_dir", direction, ("asc", "desc"))
    views = order(
        views,
        request,
        {"expiration": lambda d: d["expires_at"], "name": lambda d: d["name"]},
        dir_param="order_dir",
    )
    # the 2026 domain API names the page size `items` (facts §3, XL); `per_page` is not documented for it.
    return paged(request, views, size_param="items")


@routes.get("/2/domains/domains/{domain}", scope="domain:read")  # facts §5.5, §7.6 (XL)
async def show_domain_v2(request: Request) -> Response:
    return ok(public(domain_of(request)))


async def _zones_of_domain(request: Request) -> Response:
    domain = domain_of(request)
    state = state_of(request)
    name = domain["name"]
    zones = [
        {
            "fqdn": z["fqdn"],
            "dnssec": dict(z["dnssec"]),
            "nameservers": list(z["nameservers"]),
            "is_enabled": z["is_enabled"],
        }
        for fqdn, z in sorted(state.zones.items())
        if fqdn == name or fqdn.endswith("." + name)
    ]
    return paged(request, zones)


routes.get("/2/domains/{domain}/zones", scope="domain:read")(_zones_of_domain)  # spec (api_domain_zone, page)
# facts §5.5, 2026 form
routes.get("/2/domains/domains/{domain}/zones", scope="domain:read")(_zones_of_domain)


async def _dnssec_check(request: Request) -> Response:
    domain = domain_of(request)
    data = domain["_dnssec_data"] if domain["options"]["dnssec"] else []
    first = data[0] if data else {}
    return ok(
        {
            "has_dnssec": bool(domain["options"]["dnssec"]),
            "dnssec_type": "dsdata",
            "dnssec_data": [dict(d) for d in data],
            "ksk": {"algorithm": first["algorithm"], "public_key": first["public_key"]} if first else {},
            "algorithm": first.get("algorithm", ""),
            "public_key": first.get("public_key", ""),
        }
    )


routes.get("/2/domains/{domain}/dnssec/check", scope="domain:read")(_dnssec_check)  # spec (dnssec_record)
routes.get("/2/domains/domains/{domain}/dnssec/check", scope="domain:read")(_dnssec_check)  # facts §5.5


@routes.post("/2/domains/{domain}/dnssec/enable", scope="domain:write")  # spec: body dnssec_data → boolean
async def enable_dnssec(request: Request) -> Response:
    domain = domain_of(request)
    body = await json_body(request)
    data = body.get("dnssec_data")
    if data is not None and not (isinstance(data, list) and all(isinstance(x, str) for x in data)):
        raise validation_failed(
            rule("validation_rule_array", "dnssec_data", "The dnssec data must be an array.")
        )
    if not dns_managed(domain) and not data:
        # the zone is served elsewhere: the registry needs the DS/key data from the caller
        raise validation_failed(required("dnssec_data"))
    set_dnssec(state_of(request), domain, True)
    return ok(True)


@routes.post("/2/domains/{domain}/dnssec/disable", scope="domain:write")  # spec → boolean
async def disable_dnssec(request: Request) -> Response:
    domain = domain_of(request)
    set_dnssec(state_of(request), domain, False)
    return ok(True)


async def _update_nameservers(request: Request) -> Response:
    domain = domain_of(request)
    body = await json_body(request)
    if body.get("use_infomaniak_ns") is True:
        domain["_nameservers"] = list(INFOMANIAK_NS)
        return ok(True)
    servers = body.get("nameservers")
    if servers is None:
        raise validation_failed(required("nameservers"))
    if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
        raise validation_failed(
            rule("validation_rule_array", "nameservers", "The nameservers must be an array.")
        )
    cleaned = [normalize_fqdn(s) for s in servers]
    if len(cleaned) < 2:
        raise validation_failed(
            rule("validation_rule_min", "nameservers", "The nameservers must have at least 2 items.", [2])
        )
    bad = [s for s in cleaned if not HOSTNAME_RE.match(s)]
    if bad or len(set(cleaned)) != len(cleaned):
        raise validation_failed(
            rule(
                "validation_rule_hostname",
                "nameservers",
                "The nameservers must be distinct valid host names.",
            )
        )
    domain["_nameservers"] = cleaned
    return ok(True)


routes.put("/2/domains/{domain}/nameservers", scope="domain:write")(_update_nameservers)  # spec → boolean
# facts §5.5, 2026 form
routes.put("/2/domains/domains/{domain}/nameservers", scope="domain:write")(_update_nameservers)
