"""The seeded demo account: counts, planted problems, determinism, speed; clock and serve()."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sandbox_support import Harness

from infomaniak_mcp.sandbox import SANDBOX_EPOCH, SandboxClock, SandboxState, create_app, serve
from infomaniak_mcp.sandbox.state import public

pytestmark = pytest.mark.anyio
DAY = 86400


def test_epoch_and_clock() -> None:
    assert datetime.fromtimestamp(SANDBOX_EPOCH, UTC) == datetime(2026, 11, 21, tzinfo=UTC)
    clock = SandboxClock()
    assert clock.now() == SANDBOX_EPOCH
    assert clock.advance(90) == SANDBOX_EPOCH + 90
    assert clock.set(5) == 5
    today = SandboxClock.today().now()
    assert today % DAY == 0
    assert 0 <= time.time() - today < DAY


def test_counts() -> None:
    s = SandboxState.seeded()
    assert len(s.accounts) == 2
    assert len(s.users) == 10
    assert len(s.teams) == 3
    assert len(s.hostings) == 3
    assert [h["service_name"] for h in s.hostings.values()].count("hosting_3") == 1
    assert len(s.nodejs_apps) == 1
    assert len(s.sites) == 6
    assert sum(len(d) for d in s.databases.values()) == 4
    assert sum(len(d) for d in s.database_users.values()) == 4
    assert sum(len(u) for u in s.ftp_users.values()) == 4
    assert len(s.domains) == 8
    assert set(s.zones) == set(s.domains)
    assert sum(len(r) for r in s.records.values()) >= 60
    assert len(s.mail_hostings) == 2
    assert sum(len(m) for m in s.mailboxes.values()) == 15
    assert len(s.drives) == 2
    assert len(s.vps) == 1


def test_products_cover_every_product_kind() -> None:
    s = SandboxState.seeded()
    ids = set(s.products)
    assert set(s.hostings) <= ids
    assert {d["id"] for d in s.domains.values()} <= ids
    assert set(s.mail_hostings) <= ids
    assert {d["product_id"] for d in s.drives.values()} <= ids
    assert set(s.vps) <= ids
    assert len(ids) == 16
    kinds = {p["service_name"] for p in s.products.values()}
    assert kinds == {"hosting", "hosting_3", "domain", "email_hosting", "drive", "cloud"}


def test_expiring_and_locked_products() -> None:
    s = SandboxState.seeded()
    now = s.clock.now()
    expiring = sorted(
        p["customer_name"]
        for p in s.products.values()
        if p["expired_at"] is not None and now <= p["expired_at"] <= now + 30 * DAY
    )
    assert expiring == ["Alpage Node", "alpage-shop.ch", "cafe-du-lac.ch"]
    locked = [p["customer_name"] for p in s.products.values() if p["is_locked"]]
    assert locked == ["Rive-Neuve Partage"]


def _txt(s: SandboxState, zone: str, source: str, prefix: str) -> list[str]:
    return [
        r["target"]
        for r in s.records[zone].values()
        if r["type"] == "TXT" and r["source"] == source and r["target"].startswith(prefix)
    ]


def test_planted_mail_authentication_problems() -> None:
    s = SandboxState.seeded()
    spf = {zone: _txt(s, zone, ".", "v=spf1") for zone in s.zones}
    dmarc = {zone: _txt(s, zone, "_dmarc", "v=DMARC1") for zone in s.zones}
    dkim = {
        zone: [r for r in s.records[zone].values() if r["source"].endswith("._domainkey")] for zone in s.zones
    }
    assert {z for z, v in spf.items() if not v} == {
        "alpage-labs.dev",
        "montagne-verte.ch",
        "atelier-rive-neuve.com",
    }
    assert len(spf["alpage-cloud.com"]) == 2
    assert spf["cafe-du-lac.ch"] == ["v=spf1 +all"]
    assert {z for z, v in dmarc.items() if v} == {"alpage-digital.ch", "alpage-cloud.com", "rive-neuve.ch"}
    assert {z for z, v in dkim.items() if v} == {"alpage-digital.ch", "alpage-shop.ch", "rive-neuve.ch"}
    dnssec = [name for name, d in s.domains.items() if d["options"]["dnssec"]]
    assert dnssec == ["alpage-digital.ch"]
    assert [z for z, zone in s.zones.items() if zone["dnssec"]["is_enabled"]] == dnssec
    assert len(s.records["alpage-cloud.com"]) > 100


def test_planted_hosting_and_mail_problems() -> None:
    s = SandboxState.seeded()
    assert s.sites[1250806]["ssl_status"] == "none"
    assert 1250806 not in s.certificates
    assert s.certificates[1250803]["status"] == "error"
    assert s.certificates[1250802]["expired_at"] - s.clock.now() == 9 * DAY
    assert s.ftp_users[693801]["al7pdg_agency"]["is_temporary"] is True
    jonas = s.mailboxes[762401]["jonas.meier"]
    assert jonas["_forwarding"]["has_dont_deliver"] is True
    assert "imap_last_login_at" not in s.mailboxes[762401]["recrutement"]
    assert s.mailboxes[762402]["compta"]["has_auto_responder"] is True
    assert s.drives[140902]["in_maintenance"] is True


def test_same_clock_same_data_and_dates_are_relative() -> None:
    first, second = SandboxState.seeded(), SandboxState.seeded()
    assert public(first.products) == public(second.products)
    assert public(first.records) == public(second.records)
    assert first.counters == second.counters
    later = SandboxState.seeded(SandboxClock(SANDBOX_EPOCH + 10 * DAY))
    for product_id, product in first.products.items():
        shifted = later.products[product_id]
        assert shifted["expired_at"] - product["expired_at"] == 10 * DAY
        assert {k: v for k, v in shifted.items() if not k.endswith("_at")} == {
            k: v for k, v in product.items() if not k.endswith("_at")
        }


def test_seeded_app_is_fast() -> None:
    create_app()  # warm the imports
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        create_app()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


async def test_overview_from_products_alone(sbx: Harness) -> None:
    products = await sbx.data("/1/products", params={"per_page": 100, "page": 1})
    by_account: dict[int, set[str]] = {}
    for p in products:
        by_account.setdefault(p["account_id"], set()).add(p["service_name"])
    assert by_account == {
        412301: {"hosting", "hosting_3", "domain", "email_hosting", "drive", "cloud"},
        412377: {"hosting", "domain", "email_hosting", "drive"},
    }


def test_serve_refuses_non_loopback_hosts() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.org", "::"):  # noqa: S104
        with pytest.raises(ValueError, match="loopback"):
            serve(host=host, port=8765)


def test_state_repr_hides_secrets() -> None:
    s = SandboxState.seeded()
    assert "sbx-" not in repr(s)
    assert "sbx-" not in repr(next(iter(s.manager_sessions.values())))


def test_planted_catalogue_matches_the_data() -> None:
    from infomaniak_mcp.sandbox.seed import PLANTED

    s = SandboxState.seeded()
    now = s.clock.now()
    zones = sorted(s.zones)

    def spf(zone: str) -> list[str]:
        return _txt(s, zone, ".", "v=spf1")

    boxes = [(b, h) for h in s.mail_hostings.values() for b in s.mailboxes[h["id"]].values()]
    members = [r for rows in s.account_users.values() for r in rows]
    found: dict[str, set[str]] = {
        "product_expiring_within_30_days": {
            p["customer_name"] for p in s.products.values() if now <= (p["expired_at"] or 0) <= now + 30 * DAY
        },
        "product_locked": {p["customer_name"] for p in s.products.values() if p["is_locked"]},
        "drive_in_maintenance": {d["name"] for d in s.drives.values() if d["in_maintenance"]},
        "dnssec_enabled": {n for n, d in s.domains.items() if d["options"]["dnssec"]},
        "nameservers_not_infomaniak": {
            n
            for n, d in s.domains.items()
            if not all(ns.endswith("infomaniak.com") for ns in d["_nameservers"])
        },
        "zone_without_spf": {z for z in zones if not spf(z)},
        "zone_with_several_spf": {z for z in zones if len(spf(z)) > 1},
        "zone_with_permissive_spf": {z for z in zones if any(t.endswith("+all") for t in spf(z))},
        "zone_without_dmarc": {z for z in zones if not _txt(s, z, "_dmarc", "v=DMARC1")},
        "zone_without_dkim": {
            z for z in zones if not any(r["source"].endswith("._domainkey") for r in s.records[z].values())
        },
        "site_without_ssl": {x["main_fqdn"] for x in s.sites.values() if x["ssl_status"] == "none"},
        "certificate_in_error": {c["main_fqdn"] for c in s.certificates.values() if c["status"] == "error"},
        "certificate_expiring_within_30_days": {
            c["main_fqdn"]
            for c in s.certificates.values()
            if c["is_valid"] and c["expired_at"] <= now + 30 * DAY
        },
        "outdated_wordpress": {
            x["main_fqdn"]
            for x in s.sites.values()
            for a in x["_applications"]
            if a["type"] == "wordpress" and a["version"] < "6.6"
        },
        "temporary_ftp_user": {
            u["login"] for us in s.ftp_users.values() for u in us.values() if u["is_temporary"]
        },
        "user_without_2fa": {u["email"] for u in s.users.values() if not u["_has_2fa"]},
        "user_inactive_over_a_year": {
            u["email"] for u in s.users.values() if u["last_login_at"] < now - 365 * DAY
        },
        "pending_invitation": {m["email"] for m in members if m["state_in_account"] == "pending"},
        "mailbox_forwarding_outside_without_copy": {
            b["mailbox"]
            for b, _ in boxes
            if b["_forwarding"]["is_enabled"] and b["_forwarding"]["has_dont_deliver"]
        },
        "mailbox_never_used": {b["mailbox"] for b, _ in boxes if "imap_last_login_at" not in b},
        "mailbox_stale_auto_reply": {b["mailbox"] for b, _ in boxes if b["has_auto_responder"]},
        "mailbox_near_quota": {b["mailbox"] for b, h in boxes if b["size"] >= 0.9 * h["quota"] * 1048576},
    }
    assert found == {kind: set(targets) for kind, targets in PLANTED.items()}
