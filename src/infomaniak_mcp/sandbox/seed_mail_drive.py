"""Seed: mail hostings with mailboxes, and kDrives with users and files (see seed.py)."""

from __future__ import annotations

from typing import Any

from infomaniak_mcp.sandbox.seed import ACCOUNT_ALPAGE, ACCOUNT_RIVE, add_product, ago, ahead, tag_refs
from infomaniak_mcp.sandbox.state import SandboxState

JSON = dict[str, Any]
MAIL_ALPAGE = 762401
MAIL_RIVE = 762402
DRIVE_ALPAGE = 140901
DRIVE_RIVE = 140902
GIB = 1073741824

# mailbox_name, aliases, days since created, days since last IMAP login (None = never), MB used
_MAILBOXES: dict[int, list[tuple[str, list[str], int, int | None, int]]] = {
    MAIL_ALPAGE: [
        ("info", ["contact", "hello"], 2700, 0, 4200),
        ("support", ["aide"], 2500, 0, 3100),
        ("factures", [], 2000, 3, 900),
        ("noreply", [], 1800, 40, 19870),
        ("lea.favre", ["lea"], 2700, 0, 12000),
        ("marco.bernasconi", [], 2400, 1, 6500),
        ("sofia.keller", [], 1200, 2, 2300),
        ("jonas.meier", [], 1100, 400, 800),
        ("camille.rochat", [], 600, 9, 1500),
        ("recrutement", [], 150, None, 0),
    ],
    MAIL_RIVE: [
        ("info", ["bonjour"], 1450, 0, 2600),
        ("direction", [], 1450, 1, 5100),
        ("atelier", [], 1300, 4, 7400),
        ("compta", [], 1200, 2, 3300),
        ("elise.perret", [], 1450, 0, 8800),
    ],
}
QUOTA_MB = 20480


def _perm_flags(value: bool) -> JSON:
    return {
        "can_manage_aliases": value,
        "can_manage_redirections": value,
        "can_manage_filters": value,
        "can_manage_security": value,
        "can_manage_signatures": value,
        "can_manage_auto_reply": value,
        "can_change_password": value,
        "can_configure_mail_folders": value,
        "can_restore_emails": value,
        "can_manage_rules": value,
        "can_access_logs": value,
    }


def _access_flags() -> JSON:
    return {
        "can_create_webmail_access": True,
        "can_create_device": True,
        "can_delete_device_legacy": True,
        "can_regenerate_device_legacy": True,
        "can_ask_reset_password": True,
        "can_list_users": True,
    }


def seed_mail(state: SandboxState) -> None:
    for mail_id, account_id, fqdn, total, tags in (
        (MAIL_ALPAGE, ACCOUNT_ALPAGE, "alpage-digital.ch", 25, (5101,)),
        (MAIL_RIVE, ACCOUNT_RIVE, "rive-neuve.ch", 10, (5104,)),
    ):
        product = add_product(
            state,
            product_id=mail_id,
            account_id=account_id,
            service_name="email_hosting",
            customer_name=fqdn,
            fqdn=fqdn,
            created_at=ago(state, 2700 if mail_id == MAIL_ALPAGE else 1450),
            expired_at=ahead(state, 140 if mail_id == MAIL_ALPAGE else 250),
            tags=tag_refs(state, *tags),
        )
        boxes = {row[0]: _mailbox(state, fqdn, *row) for row in _MAILBOXES[mail_id]}
        state.mailboxes[mail_id] = boxes
        state.mail_hostings[mail_id] = {
            "id": mail_id,
            "account_id": account_id,
            "service_id": product["service_id"],
            "service_name": "email_hosting",
            "customer_name": fqdn,
            "internal_name": None,
            "main_fqdn": fqdn,
            "main_fqdn_idn": fqdn,
            "created_at": product["created_at"],
            "expired_at": product["expired_at"],
            "has_maintenance": False,
            "is_locked": False,
            "has_operation_in_progress": False,
            "is_free": False,
            "is_zero_price": False,
            "unique_id": product["unique_id"],
            "bill_reference": "",
            "bill_periodicity": 12,
            "quota": QUOTA_MB,
            "used": len(boxes),
            "total": total,
            "description": "",
            "tags": product["tags"],
        }
    jonas = state.mailboxes[MAIL_ALPAGE]["jonas.meier"]
    jonas["has_redirection"] = True
    jonas["redirection"] = ["jonas.meier.perso@example.org"]
    jonas["_forwarding"] = {
        "is_enabled": True,
        "redirect_adresses": [
            {"email": "jonas.meier.perso@example.org", "email_idn": "jonas.meier.perso@example.org"}
        ],
        "has_dont_deliver": True,
        "has_forward_spam": False,
    }
    compta = state.mailboxes[MAIL_RIVE]["compta"]
    compta["has_auto_responder"] = True
    compta["auto_responder"] = {"is_active": True, "started_at": ago(state, 200)}


def _mailbox(
    state: SandboxState,
    fqdn: str,
    name: str,
    aliases: list[str],
    created: int,
    login: int | None,
    used_mb: int,
) -> JSON:
    created_at = ago(state, created)
    box: JSON = {
        "mailbox_id": state.new_id("mailbox", 4455601),
        "mailbox_name": name,
        "mailbox": f"{name}@{fqdn}",
        "mailbox_idn": f"{name}@{fqdn}",
        "type": None,
        "note": None,
        "is_limited": False,
        "is_free_mail": False,
        "is_used_for_account": name == "lea.favre",
        "is_active": True,
        "private": {},
        "users": [],
        "invitations": [],
        "created_at": created_at,
        "password_last_changed_at": created_at + 86400,
        "size": used_mb * 1048576,
        "size_checked_at": ago(state, 0.1),
        "operation_in_progress": False,
        "aliases": list(aliases),
        "full_aliases": [f"{a}@{fqdn}" for a in aliases],
        "has_redirection": False,
        "redirection": [],
        "has_auto_responder": False,
        "auto_responder": {"is_active": False},
        "has_move_spam": True,
        "has_mail_filtering": True,
        "mail_filtering_folder_commercials": "Commercial",
        "mail_filtering_folder_social_networks": "Social",
        "authorized_senders": [],
        "blocked_senders": [],
        "has_dkim_signature": True,
        "is_dkim_updatable": False,
        "is_removable": name not in ("info", "lea.favre"),
        "count_devices": 0 if login is None else 2,
        "count_signatures": 1,
        "count_invitations": 0,
        "has_multi_password": False,
        "has_legacy_device": False,
        "has_technical_right": True,
        "permissions": {"has_technical_right": True, **_perm_flags(True)},
        "access_rights": _access_flags(),
        "_forwarding": {
            "is_enabled": False,
            "redirect_adresses": [],
            "has_dont_deliver": False,
            "has_forward_spam": False,
        },
        **_perm_flags(True),
        **_access_flags(),
    }
    if login is not None:
        box["imap_last_login_at"] = ago(state, login) - 1800
    if name == "info":
        box["authorized_senders"] = [{"email": "partenaire@example.org", "locked": False}]
        box["blocked_senders"] = [{"email": "promo@spam.example", "locked": False}]
    return box


def seed_drive(state: SandboxState) -> None:
    for drive_id, product_id, account_id, name, size_gib, used_gib, locked, tags, members in (
        (
            DRIVE_ALPAGE,
            501201,
            ACCOUNT_ALPAGE,
            "Alpage Documents",
            1024,
            214,
            False,
            (5101,),
            [(2001, "admin"), (2002, "user"), (2003, "user"), (2005, "user"), (9001, "external")],
        ),
        (
            DRIVE_RIVE,
            501202,
            ACCOUNT_RIVE,
            "Rive-Neuve Partage",
            512,
            97,
            True,
            (5104,),
            [(2008, "admin"), (2001, "user"), (2009, "user"), (2010, "user")],
        ),
    ):
        product = add_product(
            state,
            product_id=product_id,
            account_id=account_id,
            service_name="drive",
            customer_name=name,
            fqdn=None,
            created_at=ago(state, 1000 if drive_id == DRIVE_ALPAGE else 800),
            expired_at=ahead(state, 180 if drive_id == DRIVE_ALPAGE else 65),
            is_locked=locked,
            tags=tag_refs(state, *tags),
        )
        internal = [u for u, role in members if role != "external"]
        drive: JSON = {
            "id": drive_id,
            "name": name,
            "product_id": product_id,
            "account_id": account_id,
            "account": state.accounts[account_id]["name"],
            "size": size_gib * GIB,
            "used_size": used_gib * GIB,
            "created_at": product["created_at"],
            "updated_at": ago(state, 1),
            "expired_at": product["expired_at"],
            "in_maintenance": locked,
            "maintenance_at": ago(state, 6) if locked else None,
            "maintenance_types": (
                [{"name": "invoice_overdue", "code": "invoice_overdue", "description": "Unpaid invoice"}]
                if locked
                else []
            ),
            "is_locked": locked,
            "is_demo": False,
            "is_in_app_subscription": False,
            "role": "admin" if drive_id == DRIVE_ALPAGE else "user",
            "account_admin": True,
            "users_count": len(members),
            "users_quota": 10,
            "invitations_count": 0,
            "description": "",
            "bill_reference": "",
            "status": "ok",
            "version": "2",
            "users": {
                "account": internal,
                "drive": internal,
                "external": [u for u, role in members if role == "external"],
                "internal": internal,
            },
            "teams": {"account": [], "drive": []},
            "capabilities": {
                "use_versioning": True,
                "use_upload_compression": True,
                "use_team_space": True,
                "can_add_user": not locked,
                "can_rewind": True,
                "can_see_stats": True,
                "can_upgrade_to_ksuite": False,
            },
            "tags": product["tags"],
            "categories": [],
        }
        if locked:
            drive["maintenance_reason"] = "invoice_overdue"
        state.drives[drive_id] = drive
        state.drive_users[drive_id] = [_drive_user(state, drive, uid, role) for uid, role in members]
        state.drive_files[drive_id] = _files(state, drive_id)


def _drive_user(state: SandboxState, drive: JSON, user_id: int, role: str) -> JSON:
    base = state.users.get(user_id) or {
        "first_name": "Paul",
        "last_name": "Vermot",
        "display_name": "Paul Vermot",
        "email": "paul.vermot@partenaire.example",
        "last_login_at": ago(state, 3),
    }
    return {
        "id": user_id,
        "display_name": base["display_name"],
        "first_name": base["first_name"],
        "last_name": base["last_name"],
        "email": base["email"],
        "is_sso": False,
        "avatar": None,
        "type": "main" if role != "external" else "shared",
        "deleted_at": 0,
        "teams": [],
        "drive_id": drive["id"],
        "drive_name": drive["name"],
        "account_id": drive["account_id"],
        "product_id": drive["product_id"],
        "created_at": drive["created_at"] + user_id % 97 * 3600,
        "updated_at": ago(state, 2),
        "last_connection_at": base["last_login_at"],
        "status": "active",
        "role": role,
        "preference": {
            "color": "#0098FF",
            "hide": False,
            "default": drive["id"] == 140901,
            "default_page": "files",
            "ui": {"storage_warning_alert": True, "storage_limit_alert": True, "rag_ocr_promotion": False},
        },
        "private_storage": 0,
    }


_DIRS = ["Archives", "Clients", "Comptabilité", "Marketing", "Projets", "RH"]
_FILES = [
    ("Offre-2026-{:03d}.pdf", "application/pdf", "pdf"),
    (
        "Rapport-{:03d}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text",
    ),
    (
        "Budget-{:03d}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "spreadsheet",
    ),
    ("Photo-{:03d}.jpg", "image/jpeg", "image"),
]


def _files(state: SandboxState, drive_id: int) -> dict[int, JSON]:
    files: dict[int, JSON] = {}
    owner = 2001 if drive_id == DRIVE_ALPAGE else 2008
    count = 22 if drive_id == DRIVE_ALPAGE else 4
    base_time = ago(state, 300)

    def common(file_id: int, name: str, kind: str, n: int) -> JSON:
        return {
            "id": file_id,
            "name": name,
            "sorted_name": name.lower(),
            "path": f"/{name}",
            "type": kind,
            "status": "ok",
            "visibility": "",
            "drive_id": drive_id,
            "depth": 1,
            "created_by": owner,
            "created_at": base_time + n * 86400,
            "added_at": base_time + n * 86400,
            "last_modified_at": base_time + n * 86400 + 3600,
            "last_modified_by": owner,
            "revised_at": base_time + n * 86400 + 3600,
            "updated_at": base_time + n * 86400 + 3600,
            "parent_id": 1,
            "_parent": 1,
        }

    next_id = 2
    for n, name in enumerate(_DIRS if drive_id == DRIVE_ALPAGE else _DIRS[1:3]):
        item = common(next_id, name, "dir", n)
        item["color"] = None
        files[next_id] = item
        next_id += 1
    for n in range(count):
        pattern, mime, ext_type = _FILES[n % len(_FILES)]
        name = pattern.format(n + 1)
        item = common(next_id, name, "file", 10 + n)
        item.update(
            {
                "size": 48000 + n * 7919,
                "mime_type": mime,
                "extension_type": ext_type,
                "scan_status": "clean",
            }
        )
        files[next_id] = item
        next_id += 1
    return files
