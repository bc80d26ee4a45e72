"""DNS zones and records, full CRUD (facts §5.6, §7.7; spec domain_zones file, `/2/zones/...`).

Record rules (S25 enum and bounds, TF, HM, AM):
- `type` ∈ A AAAA CAA CNAME DNAME DS MX NS SMIMEA SRV SSHFP TLSA TXT on create (listing may also
  show DNSKEY PTR SOA); anything else → 400 `unsupported_dns_record_type`.
- `type`, `target`, `ttl` required → 422 `validation_failed` (`validation_rule_required`);
  `ttl` integer 60–86400 → 422 (`validation_rule_between`).
- `source` is relative to the zone; apex is "." (also for "" / null). MX and SRV priorities are
  written inside `target` ("10 mail.example.ch").
- A must be IPv4, AAAA IPv6, host names must be host names, MX/SRV/CAA/DS/TLSA/SSHFP targets
  must have their fields → else 400 `invalid_dns_record`.
- A CNAME cannot share its name with any other record, nor sit at the apex (which holds NS) →
  400 `dns_record_mutual_exclusion`. The same source+type+target twice → 400
  `dns_record_already_exists`.
- PUT takes `target` and `ttl` only (S25); other fields are ignored.

Admin (`admin_routes`, full sandbox token): `GET /_sandbox/dns` starts the sandbox's DNS
responder (`dns_server.py`) on first use and says where it listens; `DELETE` stops it.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from infomaniak_mcp.sandbox.envelope import ApiError, ok, required, rule, validation_failed
from infomaniak_mcp.sandbox.pagination import check_with, field_getter, order, paged, q_filters, q_str
from infomaniak_mcp.sandbox.routes.core import visible_account_ids
from infomaniak_mcp.sandbox.routes.domain import HOSTNAME_RE, dns_managed, normalize_fqdn
from infomaniak_mcp.sandbox.routing import RouteTable, json_body, path_int, state_of
from infomaniak_mcp.sandbox.seed_dns import INFOMANIAK_NS
from infomaniak_mcp.sandbox.state import SandboxState, public

JSON = dict[str, Any]
routes = RouteTable()
admin_routes = RouteTable(surface="admin")

CREATE_TYPES = (
    "A",
    "AAAA",
    "CAA",
    "CNAME",
    "DNAME",
    "DS",
    "MX",
    "NS",
    "SMIMEA",
    "SRV",
    "SSHFP",
    "TLSA",
    "TXT",
)
ZONE_WITH = ("records", "records_description", "idn")
RECORD_WITH = ("records_description", "idn")
DECLARED_WITH = {  # the `with` values these documented routes render (routes/withs.py)
    **{(m, "/2/zones/{zone}"): ZONE_WITH for m in ("GET", "POST", "PUT")},
    **{(m, "/2/zones/{zone}/records"): RECORD_WITH for m in ("GET", "POST")},
    **{(m, "/2/zones/{zone}/records/{record}"): RECORD_WITH for m in ("GET", "PUT")},
}
RECORD_ORDER = {
    name: field_getter(name) for name in ("id", "source_idn", "target", "type", "ttl", "updated_at")
}
TTL_MIN, TTL_MAX = 60, 86400
LABEL = r"(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)"
SOURCE_RE = re.compile(rf"^{LABEL}(\.{LABEL})*$", re.IGNORECASE)
HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
CAA_RE = re.compile(
    r'^(\d{1,3})\s+(issue|issuewild|iodef|contactemail|contactphone)\s+("[^"]*"|\S+)$', re.IGNORECASE
)


# ---- lookups -----------------------------------------------------------------------------------
def owning_domain(state: SandboxState, fqdn: str) -> JSON | None:
    best: JSON | None = None
    for name, domain in state.domains.items():
        if (fqdn == name or fqdn.endswith("." + name)) and (best is None or len(name) > len(best["name"])):
            best = domain
    return best


def zone_of(request: Request, code: str = "object_not_found") -> JSON:
    fqdn = normalize_fqdn(str(request.path_params["zone"]))
    zone = state_of(request).zones.get(fqdn)
    if zone is None or zone["_account_id"] not in visible_account_ids(request):
        raise ApiError(
            404, code, "Zone not found" if code == "object_not_found" else "The zone does not exist"
        )
    return zone


def record_of(request: Request, zone: JSON) -> JSON:
    record_id = path_int(request, "record", "Record")
    record = state_of(request).records[zone["fqdn"]].get(record_id)
    if record is None:
        raise ApiError(404, "object_not_found", "Record not found")
    return record


# ---- rendering ---------------------------------------------------------------------------------
def _part(value: int | str) -> JSON:
    return {"value": value, "label": str(value)}


def describe(record: JSON) -> JSON:
    """`with=records_description`: the parsed parts of the target (S25 dns_record_description)."""
    parts = record["target"].split()
    rtype = record["type"]
    try:
        if rtype == "MX":
            return {"priority": _part(int(parts[0]))}
        if rtype == "SRV":
            return {
                "priority": _part(int(parts[0])),
                "weight": _part(int(parts[1])),
                "port": _part(int(parts[2])),
            }
        if rtype == "CAA":
            return {"flags": _part(int(parts[0])), "tag": _part(parts[1])}
        if rtype in ("TLSA", "SMIMEA"):
            return {
                "usage": _part(int(parts[0])),
                "selector": _part(int(parts[1])),
                "matching_type": _part(int(parts[2])),
            }
        if rtype == "DS":
            return {
                "key_tag": _part(int(parts[0])),
                "algorithm": _part(int(parts[1])),
                "digest_type": _part(int(parts[2])),
                "digest": _part(parts[3]),
            }
        if rtype == "SSHFP":
            return {
                "algorithm": _part(int(parts[0])),
                "digest_type": _part(int(parts[1])),
                "digest": _part(parts[2]),
            }
    except (IndexError, ValueError):
        return {}
    return {}


def render_record(record: JSON, withs: set[str]) -> JSON:
    out: JSON = public(record)
    if "records_description" in withs:
        out["description"] = describe(record)
    return out


def render_zone(state: SandboxState, zone: JSON, withs: set[str]) -> JSON:
    out: JSON = public(zone)
    if "records" in withs:
        out["records"] = [render_record(r, withs) for r in state.records[zone["fqdn"]].values()]
    return out


# ---- validation --------------------------------------------------------------------------------
def _invalid(description: str) -> ApiError:
    return ApiError(400, "invalid_dns_record", description)


def _is_host(value: str) -> bool:
    return bool(HOSTNAME_RE.match(value.rstrip(".")))


def _int_in(value: str, low: int, high: int) -> bool:
    return value.isdigit() and low <= int(value) <= high


def validate_target(rtype: str, target: str) -> str:
    """Return the normalized target or raise 400 invalid_dns_record."""
    target = target.strip()
    if not target:
        raise _invalid("The target cannot be empty")
    parts = target.split()
    if rtype in ("A", "AAAA"):
        try:
            address = ipaddress.ip_address(target)
        except ValueError:
            raise _invalid(f"{target!r} is not a valid IP address") from None
        if (rtype == "A") != (address.version == 4):
            raise _invalid(f"A {rtype} record needs an IPv{4 if rtype == 'A' else 6} address")
        return str(address)
    if rtype in ("CNAME", "DNAME", "NS"):
        if not _is_host(target):
            raise _invalid(f"{target!r} is not a valid host name")
        return target.rstrip(".").lower()
    if rtype == "MX":
        if len(parts) != 2 or not _int_in(parts[0], 0, 65535) or not _is_host(parts[1]):
            raise _invalid("An MX target is '<priority> <host>', e.g. '10 mail.example.ch'")
        return f"{int(parts[0])} {parts[1].rstrip('.').lower()}"
    if rtype == "SRV":
        ok_ = len(parts) == 4 and all(_int_in(p, 0, 65535) for p in parts[:3])
        if not ok_ or not (_is_host(parts[3]) or parts[3] == "."):
            raise _invalid("An SRV target is '<priority> <weight> <port> <host>'")
        return " ".join([*parts[:3], parts[3].rstrip(".").lower() or "."])
    if rtype == "CAA":
        match = CAA_RE.match(target)
        if not match or not _int_in(match.group(1), 0, 255):
            raise _invalid("A CAA target is '<flags> <tag> \"<value>\"'")
        value = match.group(3) if match.group(3).startswith('"') else f'"{match.group(3)}"'
        return f"{int(match.group(1))} {match.group(2).lower()} {value}"
    if rtype == "DS":
        if len(parts) != 4 or not all(_int_in(p, 0, 65535) for p in parts[:3]) or not HEX_RE.match(parts[3]):
            raise _invalid("A DS target is '<key tag> <algorithm> <digest type> <hex digest>'")
        return target
    if rtype in ("TLSA", "SMIMEA"):
        if len(parts) != 4 or not all(_int_in(p, 0, 255) for p in parts[:3]) or not HEX_RE.match(parts[3]):
            raise _invalid(f"A {rtype} target is '<usage> <selector> <matching type> <hex data>'")
        return target
    if rtype == "SSHFP":
        if len(parts) != 3 or not all(_int_in(p, 0, 255) for p in parts[:2]) or not HEX_RE.match(parts[2]):
            raise _invalid("An SSHFP target is '<algorithm> <fingerprint type> <hex fingerprint>'")
        return target
    if len(target) > 4096:  # TXT
        raise _invalid("The TXT value is too long")
    return target


def validate_ttl(body: JSON, *, needed: bool) -> int | None:
    if "ttl" not in body or body["ttl"] is None:
        if needed:
            raise validation_failed(required("ttl"))
        return None
    ttl = body["ttl"]
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise validation_failed(rule("validation_rule_integer", "ttl", "The ttl must be an integer."))
    if not TTL_MIN <= ttl <= TTL_MAX:
        raise validation_failed(
            rule(
                "validation_rule_between",
                "ttl",
                f"The ttl must be between {TTL_MIN} and {TTL_MAX}.",
                [TTL_MIN, TTL_MAX],
            )
        )
    return ttl


def normalize_source(raw: Any) -> str:
    if raw is None:
        return "."
    if not isinstance(raw, str):
        raise _invalid("The source must be a string")
    source = raw.strip().rstrip(".").lower() if raw.strip() not in ("", ".") else "."
    if source != "." and not SOURCE_RE.match(source):
        raise _invalid(f"{raw!r} is not a valid record name")
    return source


def check_conflicts(
    records: dict[int, JSON], source: str, rtype: str, target: str, skip_id: int | None
) -> None:
    same_name = [r for r in records.values() if r["source"] == source and r["id"] != skip_id]
    if rtype == "CNAME" and (
        source == "." or any(r["type"] != "CNAME" or r["target"] != target for r in same_name)
    ):
        raise ApiError(400, "dns_record_mutual_exclusion", "A CNAME record cannot coexist with other records")
    if rtype != "CNAME" and any(r["type"] == "CNAME" for r in same_name):
        raise ApiError(400, "dns_record_mutual_exclusion", "A CNAME record already exists for this name")
    for r in same_name:
        if r["type"] == rtype and r["target"].lower() == target.lower():
            raise ApiError(400, "dns_record_already_exists", "This DNS record already exists")


# ---- zones -------------------------------------------------------------------------------------
@routes.get("/2/zones/{zone}", scope="dns:read")  # spec (api_dns_zone); facts §7.7
async def show_zone(request: Request) -> Response:
    withs = check_with(request, ZONE_WITH)
    return ok(render_zone(state_of(request), zone_of(request, "zone_does_not_exists"), withs))


@routes.post("/2/zones/{zone}", scope="dns:write")  # spec: 200 api_dns_zone, 400 zone_already_exists
async def create_zone(request: Request) -> Response:
    withs = check_with(request, ZONE_WITH)
    state = state_of(request)
    fqdn = normalize_fqdn(str(request.path_params["zone"]))
    body = await json_body(request)
    if fqdn in state.zones:
        raise ApiError(400, "zone_already_exists", "The zone already exists")
    domain = owning_domain(state, fqdn)
    if (
        not HOSTNAME_RE.match(fqdn)
        or domain is None
        or domain["_account_id"] not in visible_account_ids(request)
    ):
        raise ApiError(404, "object_not_found", "No domain of this account can hold this zone")
    zone: JSON = {
        "id": state.new_id("zone", 309801),
        "fqdn": fqdn,
        "dnssec": {"is_enabled": False},
        "nameservers": list(INFOMANIAK_NS),
        "is_enabled": True,
        "_account_id": domain["_account_id"],
    }
    if isinstance(body.get("skel"), str):
        zone["skel"] = body["skel"]
    state.zones[fqdn] = zone
    state.records[fqdn] = {}
    for ns in INFOMANIAK_NS:
        _store(state, zone, ".", "NS", 3600, ns)
    return ok(render_zone(state, zone, withs))


@routes.put("/2/zones/{zone}", scope="dns:write")  # spec: body skel (required) → api_dns_zone
async def update_zone(request: Request) -> Response:
    withs = check_with(request, ZONE_WITH)
    zone = zone_of(request, "zone_does_not_exists")
    body = await json_body(request)
    if not isinstance(body.get("skel"), str) or not body["skel"]:
        raise validation_failed(required("skel"))
    zone["skel"] = body["skel"]
    return ok(render_zone(state_of(request), zone, withs))


@routes.delete("/2/zones/{zone}", scope="dns:write")  # spec → boolean
async def delete_zone(request: Request) -> Response:
    zone = zone_of(request, "zone_does_not_exists")
    state = state_of(request)
    del state.zones[zone["fqdn"]]
    del state.records[zone["fqdn"]]
    return ok(True)


@routes.get("/2/zones/{zone}/exists", scope="dns:read")  # spec → boolean
async def zone_exists(request: Request) -> Response:
    fqdn = normalize_fqdn(str(request.path_params["zone"]))
    zone = state_of(request).zones.get(fqdn)
    return ok(zone is not None and zone["_account_id"] in visible_account_ids(request))


# ---- records -----------------------------------------------------------------------------------
def _store(state: SandboxState, zone: JSON, source: str, rtype: str, ttl: int, target: str) -> JSON:
    record_id = state.new_id("record", 25919301)
    record = {
        "id": record_id,
        "source": source,
        "source_idn": zone["fqdn"] if source == "." else f"{source}.{zone['fqdn']}",
        "type": rtype,
        "ttl": ttl,
        "target": target,
        "updated_at": state.clock.now(),
    }
    state.records[zone["fqdn"]][record_id] = record
    return record


@routes.get("/2/zones/{zone}/records", scope="dns:read")  # spec (page, filter, search, order_by); facts §3
async def list_records(request: Request) -> Response:
    withs = check_with(request, RECORD_WITH)
    zone = zone_of(request)
    records = list(state_of(request).records[zone["fqdn"]].values())
    filters = q_filters(request)
    if filters.get("types"):
        wanted = set(filters["types"])
        records = [r for r in records if r["type"] in wanted]
    if filters.get("source"):
        source = normalize_fqdn(filters["source"][-1]) or "."
        records = [r for r in records if r["source"] == source]
    term = q_str(request, "search")
    if term:
        needle = term.lower()
        records = [r for r in records if needle in r["source_idn"].lower() or needle in r["target"].lower()]
    views = order([render_record(r, withs) for r in records], request, RECORD_ORDER)
    return paged(request, views)


@routes.post("/2/zones/{zone}/records", scope="dns:write")  # spec: 200 api_dns_dns_record, 400 codes
async def create_record(request: Request) -> Response:
    withs = check_with(request, RECORD_WITH)
    zone = zone_of(request, "zone_does_not_exists")
    body = await json_body(request)
    missing = [required(f) for f in ("type", "target", "ttl") if body.get(f) in (None, "")]
    if missing:
        raise validation_failed(*missing)
    rtype = body["type"]
    if not isinstance(rtype, str) or rtype not in CREATE_TYPES:
        raise ApiError(400, "unsupported_dns_record_type", f"The record type {rtype!r} is not supported")
    if not isinstance(body["target"], str):
        raise _invalid("The target must be a string")
    ttl = validate_ttl(body, needed=True)
    assert ttl is not None
    source = normalize_source(body.get("source"))
    target = validate_target(rtype, body["target"])
    state = state_of(request)
    check_conflicts(state.records[zone["fqdn"]], source, rtype, target, None)
    return ok(render_record(_store(state, zone, source, rtype, ttl, target), withs))


@routes.get("/2/zones/{zone}/records/{record}", scope="dns:read")  # spec (api_dns_dns_record)
async def show_record(request: Request) -> Response:
    withs = check_with(request, RECORD_WITH)
    zone = zone_of(request)
    return ok(render_record(record_of(request, zone), withs))


@routes.put("/2/zones/{zone}/records/{record}", scope="dns:write")  # spec: target, ttl → api_dns_dns_record
async def update_record(request: Request) -> Response:
    withs = check_with(request, RECORD_WITH)
    zone = zone_of(request, "zone_does_not_exists")
    record = record_of(request, zone)
    body = await json_body(request)
    ttl = validate_ttl(body, needed=False)
    target = record["target"]
    if body.get("target") is not None:
        if not isinstance(body["target"], str):
            raise _invalid("The target must be a string")
        target = validate_target(record["type"], body["target"])
    state = state_of(request)
    check_conflicts(state.records[zone["fqdn"]], record["source"], record["type"], target, record["id"])
    record["target"] = target
    if ttl is not None:
        record["ttl"] = ttl
    record["updated_at"] = state.clock.now()
    return ok(render_record(record, withs))


@routes.delete("/2/zones/{zone}/records/{record}", scope="dns:write")  # spec → boolean
async def delete_record(request: Request) -> Response:
    zone = zone_of(request, "zone_does_not_exists")
    record = record_of(request, zone)
    del state_of(request).records[zone["fqdn"]][record["id"]]
    return ok(True)


@routes.get("/2/zones/{zone}/records/{record}/check", scope="dns:read")  # spec → boolean, 400 not managed
async def check_record(request: Request) -> Response:
    zone = zone_of(request)
    record_of(request, zone)
    domain = owning_domain(state_of(request), zone["fqdn"])
    if domain is not None and not dns_managed(domain):
        raise ApiError(
            400, "zone_not_managed_by_infomaniak_dns", "The domain does not use the Infomaniak name servers"
        )
    return ok(True)


# ---- the sandbox DNS responder (admin) ---------------------------------------------------------
@admin_routes.get("/_sandbox/dns", scope=None)
async def dns_responder(request: Request) -> Response:
    from infomaniak_mcp.sandbox.dns_server import responder_for

    responder = responder_for(request.app.state, state_of(request))
    host, port = responder.address
    return ok({"host": host, "port": port, "protocols": ["udp", "tcp"], "queries": responder.queries})


@admin_routes.delete("/_sandbox/dns", scope=None)
async def stop_dns_responder(request: Request) -> Response:
    responder = getattr(request.app.state, "dns_responder", None)
    if responder is not None:
        responder.close()
        request.app.state.dns_responder = None
    return ok(True)
