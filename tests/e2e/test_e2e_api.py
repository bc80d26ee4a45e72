"""The `api` toolset end to end: a real SDK client → server → api tools → HTTP core → in-process sandbox.

For a deterministic sample of more than 100 documented operations across every product:
`api_describe_operation` works; a valid call succeeds against the sandbox (GET through `api_call`;
POST/PUT/PATCH/DELETE through `api_call_write`: a plan first — the write is NOT sent — then the
confirmed apply sends exactly one request); an invalid call is refused before anything is sent,
naming the field (the sandbox's recorder proves it). Then the details: plans of stateful targets
(current state, diff, risk), paging, kChat routing, errors, read-only mode, no token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from e2e_support import connect, text_of
from e2e_writes_support import Elicitor, FakeWallClock, connect_writes, structured
from mcp import Client

from infomaniak_mcp.api._http import ApiHttp
from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.safety.engine import SafetyEngine
from infomaniak_mcp.sandbox import RecordedExchange, SandboxClock, SandboxState, create_app
from infomaniak_mcp.sandbox.routing import ApiRoute
from infomaniak_mcp.server.app import build_server, sandbox_settings
from infomaniak_mcp.server.registry import select_tools
from infomaniak_mcp.spec.model import Operation, load_spec
from infomaniak_mcp.spec.sample import example_call
from infomaniak_mcp.spec.validate import prepare_call

pytestmark = pytest.mark.anyio
ZONE = "alpage-digital.ch"
CONTRADICTORY = {"POST /1/ai/{product_id}/openai/v1/embeddings", "GET /1/ai/{product_id}/results/{batch_id}"}


class ApiBench:
    """A seeded sandbox with a recorder, a safety engine on a temp dir, servers with the api toolset."""

    def __init__(self, tmp_path: Path) -> None:
        self.state = SandboxState.seeded(SandboxClock())
        self.recorder: list[RecordedExchange] = []
        self.app = create_app(self.state, rate_limit=None, recorder=self.recorder)
        self.transport = httpx2.ASGITransport(app=self.app)
        self.settings = sandbox_settings(Settings())
        self.clock = FakeWallClock()
        self.engine = SafetyEngine.in_directory(tmp_path / "engine", clock=self.clock, ttl=120)

    def server(self, toolsets: tuple[str, ...] = ("api", "dns", "tools"), *, read_only: bool = False) -> Any:
        api = InfomaniakApi.from_settings(self.settings, transport=self.transport, limiter=RateLimiter(100_000, 60.0))
        return build_server(self.settings, select_tools(list(toolsets), read_only=read_only), api=api,
                            safety=self.engine)

    def sent_since(self, mark: int) -> list[RecordedExchange]:
        return self.recorder[mark:]


def stateful() -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in create_app(rate_limit=None).routes
        if isinstance(route, ApiRoute) and route.meta.surface == "public"
        for method in route.methods or () if method != "HEAD"
    }


def sample_operations(every: int = 7) -> list[Operation]:
    """Every `every`-th operation the sandbox generates (path order), plus at least 3 per product."""
    modelled = stateful()
    candidates = [op for op in load_spec() if (op.method, op.path) not in modelled and op.key not in CONTRADICTORY]
    chosen = {op.key: op for op in candidates[::every]}
    for product in sorted({op.product for op in candidates}):
        for op in [o for o in candidates if o.product == product][:3]:
            chosen.setdefault(op.key, op)
    return sorted(chosen.values(), key=lambda o: o.key)


SAMPLE = sample_operations()
PRODUCTS = sorted({op.product for op in SAMPLE})


# Seeded ids, used where a stateful GET of the same path is read to plan a write (else it 404s).
SEEDED = {"mail_hosting_id": 762401, "mailbox_name": "info", "zone": ZONE, "account_id": 412301, "account": 412301}


def arguments(op: Operation) -> dict[str, Any]:
    call = example_call(load_spec(), op)
    path_params = {k: SEEDED.get(k, v) for k, v in call["path_params"].items()}
    args: dict[str, Any] = {"path": op.path, "path_params": path_params, "query": call["query"]}
    if op.method != "GET":
        args["method"] = op.method
        if "body" in call:
            args["body"] = call["body"]
    if op.is_kchat:
        args["team"] = "demo"
    return {k: v for k, v in args.items() if v not in ({}, None)}


def broken(op: Operation, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The same call made invalid, and the field the refusal must name."""
    for param in op.params_in("path"):
        if param.schema.get("type") == "integer":
            return {**args, "path_params": {**args["path_params"], param.name: "not-a-number"}}, \
                f"path_params.{param.name}"
    required = [p for p in op.params_in("query") if p.required]
    if required:
        return {**args, "query": {k: v for k, v in args.get("query", {}).items() if k != required[0].name}}, \
            f"query.{required[0].name}"
    return {**args, "query": {**args.get("query", {}), "no_such_parameter": "x"}}, "query.no_such_parameter"


def tool_for(op: Operation) -> str:
    return "api_call" if op.method == "GET" else "api_call_write"


def test_the_sample_is_large_and_covers_every_product() -> None:
    assert len(SAMPLE) >= 100
    assert len(PRODUCTS) >= 10
    assert {op.method for op in SAMPLE} == {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_sample_describe_call_and_refuse(tmp_path: Path, product: str) -> None:
    bench = ApiBench(tmp_path)
    failures: list[str] = []
    async with connect(bench.server(), "memory", "legacy") as client:
        for op in [o for o in SAMPLE if o.product == product]:
            failures += await _exercise(client, bench, op)
    assert not failures, "\n".join(failures)


async def _exercise(client: Client, bench: ApiBench, op: Operation) -> list[str]:
    problems: list[str] = []
    described = await client.call_tool("api_describe_operation", {"method": op.method, "path": op.path})
    if described.is_error or structured(described)["operation"] != op.key:
        problems.append(f"{op.key}: describe failed: {text_of(described)[:200]}")
    args = arguments(op)
    bad_args, field = broken(op, args)
    mark = len(bench.recorder)
    bad = await client.call_tool(tool_for(op), bad_args)
    details = structured(bad).get("details", []) if bad.is_error else []
    if not bad.is_error or structured(bad)["error"] != "invalid_argument":
        problems.append(f"{op.key}: invalid call not refused: {text_of(bad)[:200]}")
    elif field not in [d.get("attribute") for d in details]:
        problems.append(f"{op.key}: refusal does not name {field}: {details}")
    if bench.sent_since(mark):
        problems.append(f"{op.key}: the invalid call reached the sandbox")
    mark = len(bench.recorder)
    result = await client.call_tool(tool_for(op), args)
    if result.is_error:
        return [*problems, f"{op.key}: valid call failed: {text_of(result)[:300]}"]
    if op.method == "GET":
        reached = [e for e in bench.sent_since(mark) if e.route == op.path]
        if not reached or structured(result)["operation"] != op.key:
            problems.append(f"{op.key}: GET did not reach its route")
        return problems
    planned = structured(result)
    writes = [e for e in bench.sent_since(mark) if e.method == op.method]
    if planned["status"] != "confirmation_required" or writes:
        return [*problems, f"{op.key}: plan sent the write or did not ask: {planned['status']} {len(writes)}"]
    if op.method + " " not in planned["plan"]["summary"]:
        problems.append(f"{op.key}: the plan does not show the request")
    mark = len(bench.recorder)
    applied = await client.call_tool(tool_for(op), {**args, "confirmation_token": planned["confirmation_token"]})
    sent = [e for e in bench.sent_since(mark) if e.method == op.method and e.route == op.path]
    if applied.is_error or structured(applied)["status"] != "applied" or len(sent) != 1:
        problems.append(f"{op.key}: apply failed or sent {len(sent)} write(s): {text_of(applied)[:300]}")
    return problems


async def test_search_then_call_a_stateful_write_through_the_engine(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    args = {"method": "POST", "path": "/2/zones/{zone}/records", "path_params": {"zone": ZONE},
            "body": {"type": "TXT", "source": "api-test", "target": "via-api", "ttl": 600}}
    async with connect(bench.server(), "memory", "legacy") as client:
        hits = structured(await client.call_tool("api_search_operations", {"query": "create dns record", "limit": 3}))
        first = hits["hits"][0]
        assert (first["method"], first["path"]) == ("POST", "/2/zones/{zone}/records")
        assert "dns_create_record" in first["covered_by"]
        assert first["scope"] == "dns:write"
        before = json.dumps(bench.state.records[ZONE], sort_keys=True)
        planned = structured(await client.call_tool("api_call_write", args))
        assert json.dumps(bench.state.records[ZONE], sort_keys=True) == before
        assert planned["plan"]["risk"] == "high"  # dns_create_record covers it: never the easier path
        assert planned["plan"]["target_name"] == ZONE
        assert "dns_create_record" in planned["plan"]["summary"]
        assert planned["plan"]["reversible"] is False
        assert planned["plan"]["diff"][0]["after"] == args["body"]
        assert planned["plan"]["steps"][0]["params"]["path"] == f"/2/zones/{ZONE}/records"
        applied = structured(await client.call_tool("api_call_write", {**args, "confirmation_token":
                                                                        planned["confirmation_token"]}))
    assert applied["status"] == "applied"
    created = [r for r in bench.state.records[ZONE].values() if r["source"] == "api-test"]
    assert [(r["type"], r["target"], r["ttl"]) for r in created] == [("TXT", "via-api", 600)]
    phases = [(e.tool, e.phase) for e in bench.engine.audit.search(limit=100)]
    assert ("api_call_write", "applied") in phases


async def test_delete_plan_shows_the_current_record_and_is_high_risk(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    record = next(r for r in bench.state.records[ZONE].values() if r["type"] == "MX")
    path = f"/2/zones/{ZONE}/records/{record['id']}"
    async with connect(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("api_call_write", {"method": "DELETE", "path": path}))
        assert record["id"] in bench.state.records[ZONE]
        plan = planned["plan"]
        assert plan["risk"] == "high"
        assert plan["target_name"] == str(record["id"])
        assert plan["diff"][0]["before"]["target"] == record["target"]
        assert plan["diff"][0].get("after") is None
        applied = structured(await client.call_tool("api_call_write", {"method": "DELETE", "path": path,
                                                                        "confirmation_token": planned[
                                                                            "confirmation_token"]}))
    assert applied["status"] == "applied"
    assert record["id"] not in bench.state.records[ZONE]


async def test_update_plan_diffs_only_the_fields_sent(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    record = next(r for r in bench.state.records[ZONE].values() if r["type"] == "A")
    args = {"method": "PUT", "path": "/2/zones/{zone}/records/{record}",
            "path_params": {"zone": ZONE, "record": record["id"]},
            "body": {"target": "192.0.2.99", "ttl": record["ttl"]}}
    async with connect(bench.server(), "memory", "legacy") as client:
        planned = structured(await client.call_tool("api_call_write", args))
    assert planned["plan"]["diff"] == [{"resource": f"api:/2/zones/{ZONE}/records/{record['id']}", "field": "target",
                                        "before": record["target"], "after": "192.0.2.99"}]


async def test_get_lists_fetch_every_page_and_say_when_cut(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        everything = structured(await client.call_tool("api_call", {"path": f"/2/zones/{ZONE}/records"}))
        mark = len(bench.recorder)
        cut = structured(await client.call_tool("api_call", {"path": f"/2/zones/{ZONE}/records", "max_items": 2}))
        one_page = structured(await client.call_tool(
            "api_call", {"path": f"/2/zones/{ZONE}/records", "query": {"page": 1, "per_page": 2}}))
    assert everything["count"] == len(bench.state.records[ZONE])
    assert everything["truncated"] is False
    assert "dns_list_records" in everything["covered_by"]
    assert (cut["count"], cut["truncated"]) == (2, True)
    assert bench.recorder[mark].query.get("per_page") == ["100"]
    assert one_page["count"] == 2  # explicit paging: one request, as asked


async def test_a_big_list_is_cut_to_the_data_budget_and_says_how_to_narrow_it(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    zone = max(bench.state.records, key=lambda z: len(bench.state.records[z]))
    stored = len(bench.state.records[zone])
    async with connect(bench.server(), "memory", "legacy") as client:
        result = await client.call_tool("api_call", {"path": "/2/zones/{zone}/records", "path_params": {"zone": zone}})
        slim = structured(await client.call_tool(
            "api_call", {"path": "/2/zones/{zone}/records", "path_params": {"zone": zone}, "fields": ["id", "source"]}))
    cut = structured(result)
    assert stored > 100
    assert cut["truncated"] is True
    assert 10 < cut["count"] < stored
    assert len(json.dumps(cut["data"])) <= 12_500  # ~12 KB of data, not 40
    assert f"Only the first {cut['count']} of {stored} items" in cut["note"]
    assert all(word in cut["note"] for word in ("fields=[...]", "source", "target"))  # the keys to pick from
    assert all(word in cut["note"] for word in ("max_items", "filters"))
    assert json.dumps(cut["data"], separators=(",", ":")) in text_of(result)  # the text still carries the data
    assert (slim["count"], slim["truncated"]) == (stored, False)  # the narrowing the note suggests fits


async def test_fields_keep_only_what_was_asked_of_each_item(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        whole = structured(await client.call_tool("api_call", {"path": "/1/accounts"}))
        slim = structured(await client.call_tool(
            "api_call", {"path": "/1/accounts", "fields": ["id", "name", "no_such_field"]}))
        refused = await client.call_tool("api_call", {"path": "/1/accounts", "fields": [""]})
    assert slim["count"] == whole["count"] >= 2
    assert [set(item) for item in slim["data"]] == [{"id", "name"}] * slim["count"]
    assert [(i["id"], i["name"]) for i in slim["data"]] == [(i["id"], i["name"]) for i in whole["data"]]
    assert refused.is_error  # an empty field name is refused before anything is sent


async def test_kchat_goes_to_the_team_host_which_is_the_sandbox_here(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        missing = await client.call_tool("api_call", {"path": "/api/v4/users/me"})
        mark = len(bench.recorder)
        me = await client.call_tool("api_call", {"path": "/api/v4/users/me", "team": "demo"})
    assert missing.is_error
    assert "team" in [d["attribute"] for d in structured(missing)["details"]]
    assert not me.is_error, text_of(me)
    assert isinstance(structured(me)["data"], dict)  # plain Mattermost JSON, no envelope
    assert [e.path for e in bench.sent_since(mark)] == ["/api/v4/users/me"]


async def test_api_errors_and_unknown_paths(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        missing = await client.call_tool("api_call", {"path": "/2/zones/not-ours.ch/records"})
        mark = len(bench.recorder)
        unknown = await client.call_tool("api_call", {"path": "/2/zonez/x.ch/records"})
    assert structured(missing)["error"] == "object_not_found"
    assert unknown.is_error
    assert "GET /2/zones/{zone}/records" in structured(unknown)["next_step"]
    assert not bench.sent_since(mark)


async def test_read_only_mode_keeps_reads_and_hides_writes(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(read_only=True), "memory", "legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("api_call", {"path": "/1/newsletters/1/campaigns"})
    assert {"api_search_operations", "api_describe_operation", "api_call"} <= names
    assert "api_call_write" not in names
    assert not result.is_error


async def test_search_and_describe_work_without_a_token(tmp_path: Path) -> None:
    server = build_server(Settings(), select_tools(["api"]), api=None,
                          safety=SafetyEngine.in_directory(tmp_path / "e", clock=FakeWallClock()))
    async with connect(server, "memory", "legacy") as client:
        hits = await client.call_tool("api_search_operations", {"query": "list mailboxes"})
        described = await client.call_tool("api_describe_operation", {"method": "GET", "path": "/1/products"})
        call = await client.call_tool("api_call", {"path": "/1/products"})
    assert not hits.is_error
    assert not described.is_error
    assert structured(call)["error"] == "not_configured"


async def test_search_maps_curated_coverage_once_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infomaniak_mcp.tools import api as api_tools

    built: list[int] = []
    original = api_tools.covering_tools

    def counted() -> dict[str, list[str]]:
        built.append(1)
        return original()

    monkeypatch.setattr(api_tools, "covering_tools", counted)
    server = build_server(Settings(), select_tools(["api", "dns"]), api=None,
                          safety=SafetyEngine.in_directory(tmp_path / "e", clock=FakeWallClock()))
    async with connect(server, "memory", "legacy") as client:
        hits = structured(await client.call_tool("api_search_operations", {"query": "dns record", "limit": 10}))
    assert len(hits["hits"]) == 10
    assert any(hit.get("covered_by") for hit in hits["hits"])
    assert len(built) == 1


@pytest.mark.parametrize("transport", ["http"])
async def test_over_streamable_http_both_eras(tmp_path: Path, transport: str, era: str) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), transport, era) as client:
        hits = structured(await client.call_tool("api_search_operations", {"query": "list swiss backup slots"}))
        result = await client.call_tool("api_call", {"path": "/1/swiss_backups/1/slots"})
    assert hits["hits"]
    assert not result.is_error, text_of(result)




async def test_a_query_string_written_into_path_is_validated_and_sent_only_as_validated(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    record = next(r for r in bench.state.records[ZONE].values() if r["type"] == "A")
    sneaky = {"method": "PUT", "path": f"/2/zones/{ZONE}/records/{record['id']}?undocumented=yes&ttl=bogus",
              "body": {"target": "192.0.2.5", "ttl": 3600}}
    async with connect(bench.server(), "memory", "legacy") as client:
        mark = len(bench.recorder)
        read = await client.call_tool("api_call", {"path": "/1/accounts?order=sideways&bogus=1"})
        write = await client.call_tool("api_call_write", sneaky)
        fragment = await client.call_tool("api_call", {"path": f"/2/zones/{ZONE}/records#x"})
        assert not bench.sent_since(mark)
        good = await client.call_tool("api_call", {"path": "/1/accounts?order=desc"})
    assert {d["attribute"] for d in structured(read)["details"]} == {"query.order", "query.bogus"}
    assert "query.undocumented" in {d["attribute"] for d in structured(write)["details"]}
    assert structured(fragment)["error"] == "invalid_argument"
    assert bench.state.records[ZONE][record["id"]]["target"] == record["target"]
    assert not good.is_error, text_of(good)
    assert structured(good)["request"] == "GET /1/accounts?order=desc"
    sent = bench.sent_since(mark)
    assert [(e.path, e.query.get("order")) for e in sent] == [("/1/accounts", ["desc"])]


async def test_a_write_a_curated_tool_covers_needs_the_typed_name_too(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    domain = "alpage-digital.ch"
    before = list(bench.state.domains[domain]["_nameservers"])
    args = {"method": "PUT", "path": "/2/domains/{domain}/nameservers", "path_params": {"domain": domain},
            "body": {"nameservers": ["ns1.elsewhere.example", "ns2.elsewhere.example"]}}
    planned = Elicitor("accept", {"name": "alpage-digital"})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=planned) as client:
        mistyped = await client.call_tool("api_call_write", args)
    assert mistyped.is_error
    assert structured(mistyped)["reason"] == "name_mismatch"
    assert bench.state.domains[domain]["_nameservers"] == before
    message = planned.asked[0].message
    assert "Risk: HIGH" in message
    assert f"type exactly: {domain}" in message
    assert "domain_set_delegation" in message
    assert (f'PUT http://sandbox.localhost/2/domains/{domain}/nameservers '
            '{"nameservers":["ns1.elsewhere.example","ns2.elsewhere.example"]}') in message
    assert "(new)" not in message
    typed = Elicitor("accept", {"name": domain})
    async with connect_writes(bench.server(), "memory", "legacy", elicitation=typed) as client:
        applied = await client.call_tool("api_call_write", args)
    assert structured(applied)["status"] == "applied", text_of(applied)
    assert bench.state.domains[domain]["_nameservers"] == ["ns1.elsewhere.example", "ns2.elsewhere.example"]


async def test_risk_of_generic_writes_by_what_is_known(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    blind = {"method": "PATCH", "path": "/1/mail_hostings/accesses/devices/{device}", "path_params": {"device": 1},
             "body": {"label": "phone"}}
    readable = {"method": "PUT", "path": "/1/swiss_backups/{swiss_backup_id}/slots/{slot_id}",
                "path_params": {"swiss_backup_id": 1, "slot_id": 2}, "body": {"customer_name": "new-name"}}
    room = example_call(load_spec(), load_spec().get("POST", "/1/kmeet/rooms"))["body"]
    created = {"method": "POST", "path": "/1/kmeet/rooms", "body": room}
    async with connect(bench.server(), "memory", "legacy") as client:
        plans = {}
        for name, args in {"blind": blind, "readable": readable, "created": created}.items():
            result = await client.call_tool("api_call_write", args)
            assert not result.is_error, text_of(result)
            plans[name] = structured(result)["plan"]
    assert (plans["blind"]["risk"], plans["blind"]["target_name"]) == ("high", "1")
    assert "current state unknown" in plans["blind"]["summary"]
    assert "(new)" not in plans["blind"]["diff"][0]["resource"]
    assert plans["readable"]["risk"] == "low"
    assert plans["readable"]["diff"][0]["field"] == "customer_name"
    assert plans["created"]["risk"] == "low"
    assert plans["created"]["diff"][0]["resource"].endswith("(new)")
    assert plans["created"]["summary"].startswith('POST http://sandbox.localhost/1/kmeet/rooms {"attendees":')
    assert '"password":"[redacted]"' in plans["created"]["summary"]  # the exact request, secrets hidden


async def test_kchat_lists_come_complete_across_mattermost_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infomaniak_mcp.sandbox.generated import KCHAT_LIST_SIZE
    from infomaniak_mcp.spec import describe

    bench = ApiBench(tmp_path)
    path = "/api/v4/teams/{team_id}/members"
    # Two fields of each member: the whole list fits the answer budget, so every page shows.
    args = {"path": path, "path_params": {"team_id": "t1"}, "team": "demo", "fields": ["user_id", "team_id"]}
    async with connect(bench.server(), "memory", "legacy") as client:
        mark = len(bench.recorder)
        whole = structured(await client.call_tool("api_call", args))
        one_request = [dict(e.query) for e in bench.sent_since(mark)]
        monkeypatch.setattr(describe, "MATTERMOST_PAGE_SIZE", 50)
        mark = len(bench.recorder)
        clients: list[str] = []
        derive = ApiHttp.derive

        def counted(self: ApiHttp, cls: type[ApiHttp], base_url: str) -> ApiHttp:
            clients.append(base_url)
            return derive(self, cls, base_url)

        monkeypatch.setattr(ApiHttp, "derive", counted)
        paged = structured(await client.call_tool("api_call", args))
        monkeypatch.setattr(ApiHttp, "derive", derive)
        pages = [(e.query["page"], e.query["per_page"]) for e in bench.sent_since(mark)]
        capped = structured(await client.call_tool("api_call", {**args, "max_items": 70}))
        asked = structured(await client.call_tool("api_call", {**args, "query": {"page": 1, "per_page": 100}}))
    assert KCHAT_LIST_SIZE > 60
    assert (whole["count"], whole["truncated"]) == (KCHAT_LIST_SIZE, False)
    assert one_request == [{"page": ["0"], "per_page": ["200"]}]
    assert len({json.dumps(item, sort_keys=True) for item in whole["data"]}) == KCHAT_LIST_SIZE  # no page twice
    assert {len(item["user_id"]) for item in whole["data"]} == {26}  # Mattermost ids, numbered in place
    assert len({item["user_id"] for item in whole["data"]}) == KCHAT_LIST_SIZE
    assert pages == [(["0"], ["50"]), (["1"], ["50"]), (["2"], ["50"])]
    assert len(clients) == 1  # one client to the team's host for the whole walk
    assert paged["data"] == whole["data"]
    assert (capped["count"], capped["truncated"]) == (70, True)
    assert asked["count"] == KCHAT_LIST_SIZE - 100  # explicit paging: that page only
    assert "more may exist" in (asked["note"] or "")


async def test_paged_reads_that_are_not_walked_say_more_pages_may_exist(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        consumptions = structured(await client.call_tool("api_call", {"path": "/1/ai/1/consumptions"}))
        me = structured(await client.call_tool("api_call", {"path": "/api/v4/users/me", "team": "demo"}))
    assert "more may exist" in consumptions["note"]
    assert me["data"]["create_at"] >= 10**12  # Mattermost times are milliseconds


async def test_a_method_the_path_does_not_take_points_to_the_right_tool(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(), "memory", "legacy") as client:
        mark = len(bench.recorder)
        read = structured(await client.call_tool("api_call", {"path": "/1/kmeet/rooms"}))
        write = structured(await client.call_tool("api_call_write", {"method": "POST", "path": "/2/zones/x.ch/exists"}))
        assert not bench.sent_since(mark)
    assert read["details"][0]["attribute"] == "method"
    assert "use api_call_write" in read["next_step"]
    assert "Fix method" not in read["next_step"]  # api_call has no method parameter
    assert "use api_call for GET" in write["next_step"]


def test_kchat_goes_to_the_official_team_host_with_the_official_api_url() -> None:
    from infomaniak_mcp.config import DEFAULT_API_URL
    from infomaniak_mcp.tools.api import full_request, kchat_base_url

    assert kchat_base_url(DEFAULT_API_URL, "acme") == "https://acme.kchat.infomaniak.com"
    assert kchat_base_url(DEFAULT_API_URL + "/", "acme") == "https://acme.kchat.infomaniak.com"
    assert kchat_base_url("http://127.0.0.1:8080/", "acme") == "http://127.0.0.1:8080"  # sandbox: itself
    spec = load_spec()
    call = prepare_call(spec, "POST", "/api/v4/channels", team="acme",
                        body={"team_id": "t", "name": "x", "display_name": "X", "type": "O"})
    assert full_request(call, DEFAULT_API_URL).startswith("POST https://acme.kchat.infomaniak.com/api/v4/channels {")
    listed = prepare_call(spec, "GET", "/api/v4/channels", team="acme", query={"per_page": 200})
    assert full_request(listed, DEFAULT_API_URL) == "GET https://acme.kchat.infomaniak.com/api/v4/channels?per_page=200"


async def test_a_weak_search_names_what_the_spec_lacks_and_curated_tools(tmp_path: Path) -> None:
    bench = ApiBench(tmp_path)
    async with connect(bench.server(("api", "tools", "hosting")), "memory", "legacy") as client:
        vps = structured(await client.call_tool("api_search_operations", {"query": "restart a VPS"}))
        certificate = structured(await client.call_tool("api_search_operations",
                                                        {"query": "install a free certificate"}))
        invoices = structured(await client.call_tool("api_search_operations", {"query": "list my invoices"}))
        strong = structured(await client.call_tool("api_search_operations", {"query": "create dns record"}))
        nothing = structured(await client.call_tool("api_search_operations", {"query": "zzzqqq xyzzy"}))
        two_gaps = structured(await client.call_tool("api_search_operations",
                                                     {"query": "certificates expire soon check DNS zone"}))
    assert "Bundled spec: Built from the official" in nothing["note"]  # the export's known gaps
    assert vps["hits"] == []
    assert "VPS / Cloud servers are not in the public API" in vps["note"]
    assert "hosting_apply_nodejs_action (enabled)" in vps["note"]
    assert "hosting_set_certificate (enabled)" in certificate["note"]
    assert "Invoices and billing are not in the public API" in invoices["note"]
    assert "Curated tools that may fit" not in (strong["note"] or "")
    assert two_gaps["note"].count("No operation matches every word") == 1  # said once, whatever the gaps
    assert "SSL certificates of web hostings are not in the bundled spec" in two_gaps["note"]
    assert "Domain orders, renewals and transfers" in two_gaps["note"]
