"""The provisioning workflow, certificates and Node.js actions end to end.

Provisioning = one plan: site, database, user, DNS A/AAAA, free certificate. A failure at step 3
(fault injected on the database-user call) reports the applied steps and a compensating plan that
`history_undo` applies. Generated passwords reach the caller once and never the logs, the audit
log or the history; custom private keys never leave the tool call.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from e2e_writes_support import connect_writes, structured
from test_e2e_hosting_writes import NODE, RIVE, WEB, HostingBench, applied_data, apply, plan, refused

from infomaniak_mcp.sandbox import FaultRule

NameOID = x509.NameOID

pytestmark = pytest.mark.anyio
PROVISION = {
    "hosting_id": WEB, "fqdn": "blog.alpage-digital.ch", "database": "", "dns": True, "certificate": True,
}


@pytest.fixture
def hb(tmp_path: Path) -> HostingBench:
    return HostingBench(tmp_path)


@dataclass
class Chain:
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey


def _cert(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, issuer_key: ec.EllipticCurvePrivateKey,
    start: datetime, *, ca: bool, names: list[str] | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - timedelta(days=10))
        .not_valid_after(start + timedelta(days=80))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_chain(fqdn: str, *, start: float) -> Chain:
    """root → intermediate → leaf for `fqdn`, valid around `start` (Unix seconds)."""
    when = datetime.fromtimestamp(start, UTC)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    root = _cert("Test Root", keys[0], "Test Root", keys[0], when, ca=True)
    intermediate = _cert("Test Intermediate", keys[1], "Test Root", keys[0], when, ca=True)
    leaf = _cert(fqdn, keys[2], "Test Intermediate", keys[1], when, ca=False, names=[fqdn])
    return Chain(root, intermediate, leaf, keys[2])


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def files_text(directory: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(directory.rglob("*")) if p.is_file())


def records(hb: HostingBench, zone: str, source: str) -> set[tuple[str, str]]:
    return {(r["type"], r["target"]) for r in hb.state.records[zone].values() if r["source"] == source}


async def test_provisioning_runs_every_step(
    hb: HostingBench, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_create_site", PROVISION)
        assert [s["operation"] for s in planned["plan"]["steps"]] == [
            "hosting.create_site", "hosting.create_database", "hosting.create_database_user",
            "dns.create_record", "dns.create_record", "hosting.request_certificate",
        ]
        assert planned["plan"]["summary"] == (
            "Provision blog.alpage-digital.ch on hosting 693801: site, database and user, 2 DNS record(s), "
            "free certificate"
        )
        out = await apply(client, "hosting_create_site", PROVISION)
    assert [a["index"] for a in out["report"]["applied"]] == [0, 1, 2, 3, 4, 5]
    assert set(out["report"]) == {"applied"}  # nothing failed, nothing left out
    site = next(s for s in hb.state.sites.values() if s["main_fqdn"] == "blog.alpage-digital.ch")
    assert "al7pdg_blog_alpage_digital" in hb.state.databases[WEB]
    user = hb.state.database_users[WEB]["al7pdg_blog_alpage_digital"]
    assert user["permissions"] == [
        {"database": "al7pdg_blog_alpage_digital", "rights": {"read": True, "write": True, "admin": False}}
    ]
    assert records(hb, "alpage-digital.ch", "blog") == {("A", "203.0.113.10"), ("AAAA", "2001:db8:10::1")}
    assert hb.state.certificates[site["id"]]["status"] == "ok"
    data = applied_data(out, 2)
    password = data["password"]
    assert len(password) == 24
    assert user["_password_sha256"] == hashlib.sha256(password.encode()).hexdigest()
    # shown once to the caller, and nowhere else
    assert password not in caplog.text
    assert password not in capsys.readouterr().err
    assert password not in files_text(hb.state_dir)
    assert hb.engine.history.get(out["history_id"]) is not None
    # flags are not secrets: the audit keeps `certificate: true` (only string values of secret keys go)
    entries = [e for e in hb.engine.audit.search(limit=100) if e.tool == "hosting_create_site"]
    assert {e.phase for e in entries} >= {"plan", "applied"}
    assert all((e.arguments["certificate"], e.arguments["dns"]) == (True, True) for e in entries)


async def test_rotation_flag_is_kept_in_the_audit(hb: HostingBench) -> None:
    args = {"hosting_id": WEB, "kind": "database_user", "name": "al7pdg_ro", "rotate_password": True}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(client, "hosting_update_user", args)
    password = applied_data(out)["password"]
    entries = [e for e in hb.engine.audit.search(limit=100) if e.tool == "hosting_update_user"]
    assert entries
    assert all(e.arguments["rotate_password"] is True for e in entries)
    record = hb.engine.history.get(out["history_id"])
    assert record is not None
    assert [s.step.params.get("rotate_password") for s in record.steps] == [True]  # a flag, not a secret
    assert password not in files_text(hb.state_dir)


async def test_provisioning_failing_at_step_3_reports_and_compensates(hb: HostingBench) -> None:
    runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
    runtime.faults.add(FaultRule(kind="server_error", method="POST", path=f"/proxy/1/web_hostings/{WEB}/database_users",
                                 count=1))
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", PROVISION, status="partial")
        report = out["report"]
        assert [o["index"] for o in report["applied"]] == [0, 1]
        assert [(o["index"], o["error"]["error"]) for o in report["failed"]] == [(2, "unexpected_error")]
        assert [o["index"] for o in report["not_attempted"]] == [3, 4, 5]
        compensation = report["compensation"]
        assert [s["operation"] for s in compensation["steps"]] == ["hosting.delete_database", "hosting.delete_site"]
        assert report.get("not_compensable", []) == []
        assert f"history_undo with history_id {out['history_id']}" in out["message"]
        site = next(s for s in hb.state.sites.values() if s["main_fqdn"] == "blog.alpage-digital.ch")
        assert "al7pdg_blog_alpage_digital" in hb.state.databases[WEB]
        assert records(hb, "alpage-digital.ch", "blog") == set()  # never attempted
        undone = await apply(client, "history_undo", {"history_id": out["history_id"]})
    assert [a["operation"] for a in undone["report"]["applied"]] == [
        "hosting.delete_database", "hosting.delete_site",
    ]
    assert site["id"] not in hb.state.sites
    assert "al7pdg_blog_alpage_digital" not in hb.state.databases[WEB]


async def test_full_provisioning_is_undone_right_after_applying(hb: HostingBench) -> None:
    """The database's recorded state predates the grant of step 3: undo must not call that a drift."""
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", PROVISION)
        site = next(s for s in hb.state.sites.values() if s["main_fqdn"] == "blog.alpage-digital.ch")
        undone = await apply(client, "history_undo", {"history_id": out["history_id"]})
    assert [a["operation"] for a in undone["report"]["applied"]] == [
        "hosting.delete_certificate", "dns.delete_record", "dns.delete_record", "hosting.delete_database_user",
        "hosting.delete_database", "hosting.delete_site",
    ]
    assert site["id"] not in hb.state.sites
    assert site["id"] not in hb.state.certificates
    assert "al7pdg_blog_alpage_digital" not in hb.state.databases[WEB]
    assert "al7pdg_blog_alpage_digital" not in hb.state.database_users[WEB]
    assert records(hb, "alpage-digital.ch", "blog") == set()


def busy_hosting_waits_on_the_sandbox_clock(hb: HostingBench, *, deadline: float = 600.0) -> list[float]:
    """The hosting stays busy 60 s after each write; the engine's polls sleep on the sandbox clock.

    Returns the list the fake sleep appends each wait to."""
    hb.state.hostings[WEB]["_busy_after_write"] = 60
    start, slept = hb.state.clock.now(), [0.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        hb.state.clock.set(start + sum(slept))

    hb.engine.poll_clock = lambda: start + sum(slept)
    hb.engine.poll_sleep = sleep
    hb.engine.poll_deadline = deadline
    return slept


async def test_provisioning_steps_wait_for_the_hosting_to_be_free(hb: HostingBench) -> None:
    """Each write keeps the hosting busy 60 s: every next step's write is refused as busy (nothing done),
    waits for the hosting (with progress) and is sent once more."""
    slept = busy_hosting_waits_on_the_sandbox_clock(hb)
    progress: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_create_site", PROVISION)
        result = await client.call_tool(
            "hosting_create_site", {**PROVISION, "confirmation_token": planned["confirmation_token"]},
            progress_callback=on_progress,
        )
    out = structured(result)
    assert out["status"] == "applied", out
    assert len(out["report"]["applied"]) == 6
    hosting_steps = 4  # site, database, user, certificate (the DNS records do not touch the hosting)
    assert sum(slept) >= 60 * (hosting_steps - 1)
    assert "waiting for the operation in progress on hosting 693801" in progress
    runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
    later = [f"/proxy/1/web_hostings/{WEB}/{what}" for what in ("databases", "database_users", "certificates")]
    refused = [e for e in runtime.history if e.status == 409]
    assert [(e.method, e.path) for e in refused] == [("POST", path) for path in later]
    assert {e.response["error"]["code"] for e in refused} == {"operation_in_progress"}
    accepted = [e.path for e in runtime.history if e.method == "POST" and "/proxy/" in e.path and e.status == 200]
    assert accepted == [f"/proxy/1/web_hostings/{WEB}/sites", *later]  # each write done once, after its wait


def hosting_writes_and_reads(hb: HostingBench) -> list[str]:
    """The writes to hosting WEB and the reads of the hosting itself, in order."""
    runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
    return [
        f"{e.method} {e.path}"
        for e in runtime.history
        if (e.method != "GET" and f"/web_hostings/{WEB}/" in e.path) or e.path == f"/1/web_hostings/{WEB}"
    ]


async def test_provisioning_on_a_free_hosting_reads_the_hosting_between_no_writes(hb: HostingBench) -> None:
    """A free hosting costs no request: no hosting GET before or between the write steps."""
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        await apply(client, "hosting_create_site", PROVISION)
    calls = hosting_writes_and_reads(hb)
    first_write = next(i for i, call in enumerate(calls) if not call.startswith("GET"))
    assert calls[first_write:] == [
        f"POST /proxy/1/web_hostings/{WEB}/{what}" for what in ("sites", "databases", "database_users", "certificates")
    ]


async def test_an_operation_in_progress_past_the_wait_stops_the_plan_with_retry_later(hb: HostingBench) -> None:
    """The hosting stays busy longer than the engine waits: the next step fails as retry-later, the one
    write sent to the busy hosting was refused (nothing done), and the undo works once the hosting is free."""
    busy_hosting_waits_on_the_sandbox_clock(hb, deadline=20.0)
    args = {"hosting_id": WEB, "fqdn": "shop.alpage-digital.ch", "database": "shop2"}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        out = await apply(client, "hosting_create_site", args, status="partial")
        error = out["report"]["failed"][0]["error"]
        assert (error["error"], error["kind"]) == ("operation_in_progress", "ConflictError")
        assert "after waiting 20 s" in error["description"]
        assert "wait until it finishes and try again" in error["next_step"]
        site = next(s for s in hb.state.sites.values() if s["main_fqdn"] == "shop.alpage-digital.ch")
        still_busy = await apply(client, "history_undo", {"history_id": out["history_id"]}, status="failed")
        assert still_busy["report"]["failed"][0]["error"]["error"] == "operation_in_progress"
        hb.state.clock.advance(61)
        await apply(client, "history_undo", {"history_id": out["history_id"]})
    assert not [s for s in hb.state.sites.values() if s["main_fqdn"] == "shop.alpage-digital.ch"]
    runtime = hb.transport.app.state.runtime  # type: ignore[attr-defined]
    refused = [(e.method, e.path.rsplit("/", 1)[-1]) for e in runtime.history if e.status == 409]
    assert refused == [("POST", "databases"), ("DELETE", str(site["id"]))]  # one refusal per step, then the wait
    assert not [name for name in hb.state.databases[WEB] if "shop2" in name]


async def test_provisioning_leaves_existing_dns_alone_and_says_so(hb: HostingBench) -> None:
    args = {"hosting_id": WEB, "fqdn": "staging2.alpage-digital.ch", "dns": True}
    hb.state.records["alpage-digital.ch"][999001] = {
        "id": 999001, "source": "staging2", "source_idn": "staging2.alpage-digital.ch", "type": "A", "ttl": 300,
        "target": "198.51.100.77", "updated_at": hb.state.clock.now(),
    }
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        planned = await plan(client, "hosting_create_site", args)
        rive = await plan(client, "hosting_create_site", {"hosting_id": RIVE, "fqdn": "shop.rive-neuve.ch",
                                                           "dns": True})
    ops = [s["operation"] for s in planned["plan"]["steps"]]
    assert ops == ["hosting.create_site", "dns.create_record"]  # AAAA only: the A record exists
    assert planned["plan"]["steps"][1]["params"]["type"] == "AAAA"
    assert "already has A → 198.51.100.77; left unchanged" in planned["plan"]["summary"]
    assert [s["params"].get("target") for s in rive["plan"]["steps"][1:]] == ["203.0.113.80", "2001:db8:80::1"]


# ---- certificates ------------------------------------------------------------------------------
async def test_free_certificate_request_remove_and_undo(hb: HostingBench) -> None:
    args = {"hosting_id": RIVE, "site_id": 1250806, "type": "free"}
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        first = await apply(client, "hosting_set_certificate", args)
        assert first["plan"]["reversible"] is True
        assert hb.state.certificates[1250806]["organization"] == "Let's Encrypt"
        removed = await apply(client, "hosting_delete_resource", {"hosting_id": RIVE, "kind": "certificate",
                                                                  "site_id": 1250806})
        assert 1250806 not in hb.state.certificates
        await apply(client, "history_undo", {"history_id": removed["history_id"]})
    assert hb.state.certificates[1250806]["type"] == "free"
    assert all(e.surface == "manager" for e in hb.exchanges("POST", "/certificates"))


async def test_custom_certificate_is_checked_locally_and_its_key_never_leaks(hb: HostingBench) -> None:
    chain = make_chain("www.cafe-du-lac.ch", start=hb.state.clock.now())
    key = key_pem(chain.leaf_key)
    args = {"hosting_id": RIVE, "site_id": 1250806, "type": "custom", "certificate": pem(chain.leaf),
            "private_key": key, "chain": pem(chain.intermediate)}
    other = make_chain("www.cafe-du-lac.ch", start=hb.state.clock.now())
    before = hb.business_dump()
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        bad = await refused(client, "hosting_set_certificate", {**args, "private_key": key_pem(other.leaf_key)})
        assert bad["error"] == "invalid_certificate"
        assert "does not match" in bad["description"]
        wrong_order = await refused(client, "hosting_set_certificate",
                                    {**args, "chain": pem(chain.root) + pem(chain.intermediate)})
        assert "out of order" in wrong_order["description"]
        assert hb.business_dump() == before
        planned = await plan(client, "hosting_set_certificate", args)
        out = await apply(client, "hosting_set_certificate", args)
    cert = hb.state.certificates[1250806]
    assert (cert["type"], cert["issuer"]) == ("custom", "Test Intermediate")
    secret_line = key.strip().splitlines()[1]
    for shown in (str(planned), str(out)):
        assert secret_line not in shown
    assert secret_line not in files_text(hb.state_dir)
    assert planned["plan"]["diff"][0]["after"]["subject"] == "www.cafe-du-lac.ch"  # the applied result outlines it
    assert out["report"]["applied"][0]["operation"] == "hosting.request_certificate"


# ---- Node.js ------------------------------------------------------------------------------------
async def test_nodejs_actions(hb: HostingBench) -> None:
    app = hb.state.nodejs_apps[880401]
    async with connect_writes(hb.server(), "memory", "legacy") as client:
        already = structured(await client.call_tool("hosting_apply_nodejs_action", {
            "hosting_id": NODE, "app_id": 880401, "action": "start"}))
        assert already["status"] == "unchanged"
        assert "is already" in already["message"]
        planned = await plan(client, "hosting_apply_nodejs_action", {"hosting_id": NODE, "app_id": 880401,
                                                                     "action": "stop"})
        assert (planned["plan"]["risk"], planned["plan"]["target_name"]) == ("high", "app.alpage-digital.ch")
        stopped = await apply(client, "hosting_apply_nodejs_action", {"hosting_id": NODE, "app_id": 880401,
                                                                      "action": "stop"})
        assert app["_status"] == "Stopped"
        await apply(client, "history_undo", {"history_id": stopped["history_id"]})
        assert app["_status"] == "Running"
        built = await apply(client, "hosting_apply_nodejs_action", {"hosting_id": NODE, "app_id": 880401,
                                                                    "action": "build"})
        detail = structured(await client.call_tool("hosting_get_nodejs_app", {"hosting_id": NODE, "app_id": 880401}))
    assert applied_data(built)["job"] == detail["jobs"][0]["id"]
    assert [j["action"] for j in detail["jobs"][:3]] == ["build", "start", "stop"]
    assert built["plan"]["reversible"] is False


def test_tools_list_budget() -> None:
    """The whole hosting toolset's tools/list stays under 6,000 estimated tokens (chars / 4)."""
    import json

    import anyio
    from mcp import Client

    from infomaniak_mcp.config import load_settings
    from infomaniak_mcp.server.app import build_server
    from infomaniak_mcp.server.registry import select_tools

    async def size() -> int:
        server = build_server(load_settings({}), select_tools(["hosting"]), api=None)
        async with Client(server) as client:
            tools = (await client.list_tools()).tools
        payload = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
        return len(json.dumps(payload, separators=(",", ":"))) // 4

    assert anyio.run(size) < 6000
