"""The deterministic demo account of the sandbox.

Every date is relative to the clock given to `SandboxState.seeded(clock)` (`now`); names are
invented (example-style, documentation IP ranges 203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32).

Organisations (`/1/accounts`)
- 412301 "Alpage Digital SA" (Lausanne): 7 users + 1 pending invitation, teams Développement
  and Support, tags production / staging / clients.
- 412377 "Atelier Rive-Neuve Sàrl" (Genève): 4 users, team Direction, tag interne.

Users (10, ids 2001–2010). The token/session user is 2001 Léa Favre (owner of Alpage, admin of
Rive-Neuve, 2FA on). Planted: 2004 Jonas Meier has not logged in for 400 days; 2005 Camille
Rochat has no 2FA; one pending invitation (invitation 77011, claire.morel@…) in Alpage.

Products (`/1/products`, 16, one per hosting/domain/mail hosting/drive/VPS — an overview can be
built from `/1/products` alone):
- web hostings (service_name `hosting`; the Node.js one `hosting_3` as HM observed):
  693801 "Alpage Web" (Alpage), 693802 "Alpage Node" (Alpage, Node.js, EXPIRES now+20 d),
  693803 "Rive-Neuve Web" (Rive-Neuve);
- domains (`domain`, id = v1 domain id): alpage-digital.ch, alpage-shop.ch (EXPIRES now+12 d),
  alpage-labs.dev, alpage-cloud.com, montagne-verte.ch (now+45 d, outside the 30-day window),
  rive-neuve.ch, atelier-rive-neuve.com (now+31 d, just outside), cafe-du-lac.ch (EXPIRES now+25 d);
- mail hostings (`email_hosting`): 762401 alpage-digital.ch, 762402 rive-neuve.ch;
- kDrives (`drive`): 501201 "Alpage Documents", 501202 "Rive-Neuve Partage" — LOCKED
  (is_locked, drive in maintenance `invoice_overdue`; its drive routes answer 503
  `drive_is_in_maintenance_error`);
- VPS (`cloud`): 712201 "alpage-vps-01".
So: 3 products expiring within 30 days, 1 locked product.

Web (seed_web.py): 6 sites — www.alpage-digital.ch (WordPress 6.6.2), www.alpage-shop.ch
(PrestaShop; certificate EXPIRES now+9 d), staging.alpage-digital.ch (WordPress 6.1.1 outdated;
certificate status `error`), app.alpage-digital.ch (Node.js app 880401, Running),
www.rive-neuve.ch (WordPress), www.cafe-du-lac.ch (NO SSL: ssl_status `none`, no certificate).
4 databases (al7pdg_wp, al7pdg_shop, al7pdg_staging, rn4x2k_wp), 4 database users (al7pdg_ro is a
read-only user), 4 FTP/SSH users (al7pdg_agency is a TEMPORARY ftp user).

DNS (seed_dns.py): 8 zones, one per domain, 188 records in all: alpage-digital.ch 16,
alpage-shop.ch 11, alpage-labs.dev 8, alpage-cloud.com 121 (110 `node-NNN` A records, so it exceeds
the implicit 100-record page), montagne-verte.ch 8, rive-neuve.ch 11, atelier-rive-neuve.com 6,
cafe-du-lac.ch 7. Every zone has the two Infomaniak NS records at the apex. Planted (every audit
finding is listed in `seed_dns.DNS_AUDIT_PLANTED`):
- alpage-digital.ch: DNSSEC enabled (domain `options.dnssec`, v1 `has_dnssec` and the zone's
  `dnssec.is_enabled` agree); SPF, DMARC (p=quarantine) and DKIM present — the healthy one.
- alpage-shop.ch: SPF + DKIM, NO DMARC; newsletter.: an invalid SPF (ip4 .300) and an invalid
  DMARC (p=quarantaine); old. is a CNAME to a name that does not exist (legacy.alpage-digital.ch).
- alpage-labs.dev: no MX and NO SPF/DMARC (no null SPF either); a wildcard `*` A record.
- alpage-cloud.com: TWO SPF records (invalid), DMARC p=none, no DKIM.
- montagne-verte.ch: MX but NO SPF, NO DMARC, NO DKIM; an A record with TTL 60; a backup MX
  (backup-mx.) with no address.
- rive-neuve.ch: SPF, DMARC p=reject, DKIM — healthy.
- atelier-rive-neuve.com: nameservers delegated ELSEWHERE (is_dns_managed_by_infomaniak false);
  the Infomaniak zone is stale (record check answers 400 zone_not_managed_by_infomaniak_dns);
  no SPF/DMARC at the apex; mailing. has an SPF needing 11 DNS lookups (limit 10).
- cafe-du-lac.ch: SPF `+all` (permissive), NO DMARC, no DKIM.

Mail (seed_mail_drive.py): 15 mailboxes (10 on alpage-digital.ch, 5 on rive-neuve.ch). Planted:
jonas.meier forwards to an outside address without keeping a copy (has_dont_deliver);
recrutement has never been used (no login); compta has an auto-reply left on for 200 days;
noreply is at 97 % of its quota.

kDrive: "Alpage Documents" (140901: 5 users incl. one external; 28 items in the root folder, so
the v3 cursor list needs 3 pages at the default limit 10) and "Rive-Neuve Partage" (140902, locked).

Manager: one session (`SANDBOX_SASESSION` / `SANDBOX_XSRF_TOKEN`) for user 2001.

`PLANTED` lists the same problems in machine-readable form (kind → targets); a seed test checks
it against the data, so audit tests can count on it.
"""

from __future__ import annotations

from typing import Any

from infomaniak_mcp.sandbox.clock import DAY
from infomaniak_mcp.sandbox.state import SandboxState

JSON = dict[str, Any]

ACCOUNT_ALPAGE = 412301
ACCOUNT_RIVE = 412377
PROFILE_USER = 2001

# service_id ↔ service_name is opaque (facts §7.2); these ids are from the spec's enum.
SERVICE_IDS = {
    "hosting": 14,
    "hosting_3": 14,
    "domain": 6,
    "email_hosting": 29,
    "drive": 48,
    "cloud": 15,
}

_USERS: list[tuple[int, str, str, str, int, bool]] = [
    # id, first, last, email, days since last login, 2FA
    (2001, "Léa", "Favre", "lea.favre@alpage-digital.ch", 0, True),
    (2002, "Marco", "Bernasconi", "marco.bernasconi@alpage-digital.ch", 2, True),
    (2003, "Sofia", "Keller", "sofia.keller@alpage-digital.ch", 5, True),
    (2004, "Jonas", "Meier", "jonas.meier@alpage-digital.ch", 400, True),
    (2005, "Camille", "Rochat", "camille.rochat@alpage-digital.ch", 9, False),
    (2006, "Nina", "Huber", "nina.huber@alpage-digital.ch", 30, True),
    (2007, "Luca", "Rossi", "luca.rossi@alpage-digital.ch", 14, True),
    (2008, "Élise", "Perret", "elise.perret@rive-neuve.ch", 1, True),
    (2009, "Tobias", "Brunner", "tobias.brunner@rive-neuve.ch", 21, True),
    (2010, "Chloé", "Dubois", "chloe.dubois@rive-neuve.ch", 60, True),
]

# account -> [(user_id, role_type, flags)]
_MEMBERSHIPS: dict[int, list[tuple[int, str, dict[str, bool]]]] = {
    ACCOUNT_ALPAGE: [
        (2001, "owner", {"has_billing_access": True, "is_correspondent": True}),
        (2002, "admin", {}),
        (2003, "normal", {}),
        (2004, "normal", {}),
        (2005, "normal", {}),
        (2006, "normal", {"is_workspace_only": True, "has_no_manager_access": True}),
        (2007, "normal", {"has_billing_access": True, "is_correspondent_billing": True}),
    ],
    ACCOUNT_RIVE: [
        (2008, "owner", {"has_billing_access": True, "is_correspondent": True}),
        (2001, "admin", {}),
        (2009, "normal", {}),
        (2010, "normal", {}),
    ],
}


PLANTED: dict[str, tuple[str, ...]] = {
    "product_expiring_within_30_days": ("Alpage Node", "alpage-shop.ch", "cafe-du-lac.ch"),
    "product_locked": ("Rive-Neuve Partage",),
    "drive_in_maintenance": ("Rive-Neuve Partage",),
    "dnssec_enabled": ("alpage-digital.ch",),
    "nameservers_not_infomaniak": ("atelier-rive-neuve.com",),
    "zone_without_spf": ("alpage-labs.dev", "montagne-verte.ch", "atelier-rive-neuve.com"),
    "zone_with_several_spf": ("alpage-cloud.com",),
    "zone_with_permissive_spf": ("cafe-du-lac.ch",),
    "zone_without_dmarc": (
        "alpage-shop.ch",
        "alpage-labs.dev",
        "montagne-verte.ch",
        "atelier-rive-neuve.com",
        "cafe-du-lac.ch",
    ),
    "zone_without_dkim": (
        "alpage-labs.dev",
        "alpage-cloud.com",
        "montagne-verte.ch",
        "atelier-rive-neuve.com",
        "cafe-du-lac.ch",
    ),
    "site_without_ssl": ("www.cafe-du-lac.ch",),
    "certificate_in_error": ("staging.alpage-digital.ch",),
    "certificate_expiring_within_30_days": ("www.alpage-shop.ch",),
    "outdated_wordpress": ("staging.alpage-digital.ch",),
    "temporary_ftp_user": ("al7pdg_agency",),
    "user_without_2fa": ("camille.rochat@alpage-digital.ch",),
    "user_inactive_over_a_year": ("jonas.meier@alpage-digital.ch",),
    "pending_invitation": ("claire.morel@alpage-digital.ch",),
    "mailbox_forwarding_outside_without_copy": ("jonas.meier@alpage-digital.ch",),
    "mailbox_never_used": ("recrutement@alpage-digital.ch",),
    "mailbox_stale_auto_reply": ("compta@rive-neuve.ch",),
    "mailbox_near_quota": ("noreply@alpage-digital.ch",),
}


def build_seed(state: SandboxState) -> None:
    from infomaniak_mcp.sandbox.seed_dns import seed_dns
    from infomaniak_mcp.sandbox.seed_mail_drive import seed_drive, seed_mail
    from infomaniak_mcp.sandbox.seed_web import seed_web

    _seed_accounts(state)
    _seed_users(state)
    _seed_tags(state)
    seed_web(state)
    seed_dns(state)
    seed_mail(state)
    seed_drive(state)
    _seed_teams(state)
    _count_tags(state)
    state.seed_manager_session(PROFILE_USER)


def ago(state: SandboxState, days: float) -> int:
    return state.clock.now() - int(days * DAY)


def ahead(state: SandboxState, days: float) -> int:
    return state.clock.now() + int(days * DAY)


def tag_refs(state: SandboxState, *tag_ids: int) -> list[JSON]:
    return [{"id": t, "name": state.tags[t]["name"], "color": state.tags[t]["color"]} for t in tag_ids]


def add_product(
    state: SandboxState,
    *,
    product_id: int,
    account_id: int,
    service_name: str,
    customer_name: str,
    fqdn: str | None,
    created_at: int,
    expired_at: int | None,
    internal_name: str | None = None,
    is_locked: bool = False,
    tags: list[JSON] | None = None,
    description: str = "",
) -> JSON:
    """One `/1/products` item (S25 `087adaad_Product`, facts §7.2)."""
    product: JSON = {
        "id": product_id,
        "account_id": account_id,
        "service_id": SERVICE_IDS[service_name],
        "service_name": service_name,
        "customer_name": customer_name,
        "internal_name": internal_name,
        "fqdn": fqdn or "",
        "created_at": created_at,
        "expired_at": expired_at,
        "version": 2,
        "unique_id": 3500000 + product_id % 100000,
        "description": description,
        "bill_reference": "",
        "has_maintenance": is_locked,
        "is_locked": is_locked,
        "has_operation_in_progress": False,
        "is_free": False,
        "is_zero_price": False,
        "is_trial": False,
        "rights": {"technical": True, "statistic": True, "check": True, "sale": True},
        "tags": tags or [],
        "is_managed_by_partner": False,
        "is_transferable": service_name == "domain",
    }
    state.products[product_id] = product
    return product


def _seed_accounts(state: SandboxState) -> None:
    def account(
        account_id: int, name: str, street: str, zip_code: str, city: str, website: str, created_days: int
    ) -> JSON:
        created = ago(state, created_days)
        return {
            "id": account_id,
            "name": name,
            "legal_entity_type": "company",
            "created_at": created,
            "timezone": "Europe/Zurich",
            "locale": "fr_FR",
            "language_id": 2,
            "website": website,
            "phone": "+41210000000" if account_id == ACCOUNT_ALPAGE else "+41220000000",
            "type": "owner" if account_id == ACCOUNT_ALPAGE else "admin",
            "beta": False,
            "support_level": 1,
            "has_2fa_required": account_id == ACCOUNT_ALPAGE,
            "is_customer": True,
            "is_sso": False,
            "billing": True,
            "mailing": True,
            "workspace_only": False,
            "no_access": False,
            "is_blocked": False,
            "blocked_at": 0,
            "vat_number": "",
            "order": {"waiting_payment": 0, "in_process": 0, "blocked_order_id": []},
            "tags": [],
            "addresses": [
                {
                    "id": account_id % 10000 + 1000,
                    "street": street,
                    "street2": "",
                    "zip": zip_code,
                    "city": city,
                    "type": "professional",
                    "created_at": created,
                    "for_invoice": True,
                    "country": {"id": 41, "name": "Switzerland", "short_name": "CH", "is_enabled": True},
                }
            ],
            "ksuite_id": None,
            "my_ksuite": None,
        }

    state.accounts[ACCOUNT_ALPAGE] = account(
        ACCOUNT_ALPAGE,
        "Alpage Digital SA",
        "Avenue des Alpes 12",
        "1006",
        "Lausanne",
        "https://www.alpage-digital.ch",
        2900,
    )
    state.accounts[ACCOUNT_RIVE] = account(
        ACCOUNT_RIVE,
        "Atelier Rive-Neuve Sàrl",
        "Quai du Rhône 8",
        "1205",
        "Genève",
        "https://www.rive-neuve.ch",
        1500,
    )


def _seed_users(state: SandboxState) -> None:
    for user_id, first, last, email, login_days, two_fa in _USERS:
        state.users[user_id] = {
            "id": user_id,
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "email": email,
            "avatar": None,
            "is_sso": False,
            "language_id": 2,
            "last_login_at": ago(state, login_days) - 3600,
            "_has_2fa": two_fa,
        }
    for account_id, members in _MEMBERSHIPS.items():
        rows: list[JSON] = []
        for user_id, role, flags in members:
            user = state.users[user_id]
            rows.append(
                {
                    "user_id": user_id,
                    "invitation_id": None,
                    "first_name": user["first_name"],
                    "last_name": user["last_name"],
                    "display_name": user["display_name"],
                    "email": user["email"],
                    "avatar": None,
                    "role_type": role,
                    "state_in_account": "active",
                    "is_correspondent": flags.get("is_correspondent", False),
                    "is_correspondent_billing": flags.get("is_correspondent_billing", False),
                    "is_workspace_only": flags.get("is_workspace_only", False),
                    "has_no_manager_access": flags.get("has_no_manager_access", False),
                    "has_billing_access": flags.get("has_billing_access", False),
                    "is_sso": False,
                    "language_id": 2,
                    "unique_key": f"user-{user_id}",
                    "last_login_at": user["last_login_at"],
                    "partnership_id": None,
                    "_has_2fa": user["_has_2fa"],
                }
            )
        state.account_users[account_id] = rows
        state.accounts[account_id]["nb_users"] = len(rows)
        state.accounts[account_id]["count_owners"] = sum(1 for r in rows if r["role_type"] == "owner")
        state.accounts[account_id]["nb_invitations"] = 0
    state.account_users[ACCOUNT_ALPAGE].append(
        {
            "user_id": None,
            "invitation_id": 77011,
            "first_name": "Claire",
            "last_name": "Morel",
            "display_name": "Claire Morel",
            "email": "claire.morel@alpage-digital.ch",
            "avatar": None,
            "role_type": "normal",
            "state_in_account": "pending",
            "is_correspondent": False,
            "is_correspondent_billing": False,
            "is_workspace_only": False,
            "has_no_manager_access": False,
            "has_billing_access": False,
            "is_sso": False,
            "language_id": 2,
            "unique_key": "invitation-77011",
            "last_login_at": 0,
            "partnership_id": None,
        }
    )
    state.accounts[ACCOUNT_ALPAGE]["nb_invitations"] = 1
    lea = state.users[PROFILE_USER]
    state.profile = {
        "id": PROFILE_USER,
        "login": "PR04711",
        "display_name": lea["display_name"],
        "first_name": lea["first_name"],
        "last_name": lea["last_name"],
        "email": lea["email"],
        "is_sso": False,
        "avatar": None,
        "type": "user",
        "current_account_id": ACCOUNT_ALPAGE,
        "double_auth": True,
        "double_auth_method": "otp",
        "otp": True,
        "sms": False,
        "sms_phone": None,
        "yubikey": False,
        "infomaniak_application": False,
        "remaining_rescue_code": 8,
        "date_last_changed_password": ago(state, 180),
        "last_login_at": lea["last_login_at"],
        "country": "CH",
        "language": "fr",
        "timezone": "Europe/Zurich",
    }


def _seed_tags(state: SandboxState) -> None:
    for tag_id, account_id, name, color in (
        (5101, ACCOUNT_ALPAGE, "production", 4),
        (5102, ACCOUNT_ALPAGE, "staging", 2),
        (5103, ACCOUNT_ALPAGE, "clients", 7),
        (5104, ACCOUNT_RIVE, "interne", 1),
    ):
        state.tags[tag_id] = {
            "id": tag_id,
            "name": name,
            "color": color,
            "product_count": 0,
            "_account_id": account_id,
        }
    state.accounts[ACCOUNT_ALPAGE]["tags"] = tag_refs(state, 5101)


def _count_tags(state: SandboxState) -> None:
    for tag in state.tags.values():
        tag["product_count"] = sum(
            1 for p in state.products.values() if any(t["id"] == tag["id"] for t in p["tags"])
        )


def _seed_teams(state: SandboxState) -> None:
    for team_id, account_id, name, color, owner, members, perms, days in (
        (
            3101,
            ACCOUNT_ALPAGE,
            "Développement",
            3,
            2002,
            [2001, 2002, 2003],
            [(14, "hosting", "technical")],
            700,
        ),
        (
            3102,
            ACCOUNT_ALPAGE,
            "Support",
            5,
            2001,
            [2004, 2005, 2007],
            [(29, "email_hosting", "technical")],
            400,
        ),
        (3103, ACCOUNT_RIVE, "Direction", 1, 2008, [2008, 2001], [(6, "domain", "sale")], 300),
    ):
        product_count = sum(
            1
            for p in state.products.values()
            if p["account_id"] == account_id and any(p["service_id"] == sid for sid, _, _ in perms)
        )
        state.teams[team_id] = {
            "id": team_id,
            "name": name,
            "color_id": color,
            "owned_by_id": owner,
            "created_by_id": owner,
            "created_at": ago(state, days),
            "updated_at": ago(state, days // 3),
            "user_count": len(members),
            "product_count": product_count,
            "product_by_service_count": len(perms),
            "is_sso": False,
            "permissions": [{"service_id": s, "service_name": n, "rights": r} for s, n, r in perms],
            "_account_id": account_id,
            "_user_ids": list(members),
        }
