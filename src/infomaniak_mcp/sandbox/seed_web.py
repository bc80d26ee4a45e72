"""Seed: web hostings, sites, databases, users, certificates, Node.js app, VPS (see seed.py)."""

from __future__ import annotations

import hashlib
from typing import Any

from infomaniak_mcp.sandbox.seed import (
    ACCOUNT_ALPAGE,
    ACCOUNT_RIVE,
    add_product,
    ago,
    ahead,
    tag_refs,
)
from infomaniak_mcp.sandbox.state import SandboxState

JSON = dict[str, Any]

H_ALPAGE_WEB = 693801
H_ALPAGE_NODE = 693802
H_RIVE_WEB = 693803
NODE_APP = 880401
GB = 1024**3
PHP_VERSIONS = ("7.4", "8.1", "8.2", "8.3", "8.4")


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def seed_web(state: SandboxState) -> None:
    hostings = [
        # id, account, name, service_name, prefix, created days ago, expires in days, tags, disk used GB
        (H_ALPAGE_WEB, ACCOUNT_ALPAGE, "Alpage Web", "hosting", "al7pdg", 2400, 200, (5101,), 212.0),
        (H_ALPAGE_NODE, ACCOUNT_ALPAGE, "Alpage Node", "hosting_3", "alnd3s", 340, 20, (5101,), 0.7),
        (H_RIVE_WEB, ACCOUNT_RIVE, "Rive-Neuve Web", "hosting", "rn4x2k", 1400, 300, (5104,), 31.5),
    ]
    ips = {H_ALPAGE_WEB: "10", H_ALPAGE_NODE: "20", H_RIVE_WEB: "80"}  # the zones' apex records use them
    for hosting_id, account_id, name, service_name, prefix, created, expires, tags, used_gb in hostings:
        product = add_product(
            state,
            product_id=hosting_id,
            account_id=account_id,
            service_name=service_name,
            customer_name=name,
            fqdn=None,
            created_at=ago(state, created),
            expired_at=ahead(state, expires),
            tags=tag_refs(state, *tags),
        )
        state.hostings[hosting_id] = {
            "id": hosting_id,
            "account_id": account_id,
            "service_id": product["service_id"],
            "service_name": service_name,
            "customer_name": name,
            "internal_name": None,
            "created_at": product["created_at"],
            "expired_at": product["expired_at"],
            "has_maintenance": False,
            "is_locked": False,
            "has_operation_in_progress": False,
            "prefix": prefix,
            "ips_identifier": f"ipv4-{_hex(name, 8)}",
            "hosting_root_path": f"/home/clients/{_hex(name, 32)}",
            # guess (not evidenced): disk usage in bytes, 250 GB per hosting (20 GB for Node.js)
            "disk_used": int(used_gb * GB),
            "disk_quota": (20 if service_name == "hosting_3" else 250) * GB,
            "_features": ["nodejs"] if service_name == "hosting_3" else ["php", "mariadb", "ssh", "cron"],
            "_ips": [
                {"host": f"203.0.113.{ips[hosting_id]}", "type": "ipv4"},
                {"host": f"2001:db8:{ips[hosting_id]}::1", "type": "ipv6"},
            ],
        }
        state.databases[hosting_id] = {}
        state.database_users[hosting_id] = {}
        state.ftp_users[hosting_id] = {}
    _seed_sites(state)
    _seed_databases(state)
    _seed_ftp_users(state)
    _seed_vps(state)


def _site(
    state: SandboxState,
    site_id: int,
    hosting_id: int,
    fqdn: str,
    hosting_type: str,
    app: tuple[str, str, str] | None,
    ssl_status: str,
    created_days: int,
    php_version: str = "8.3",
) -> None:
    hosting = state.hostings[hosting_id]
    applications: list[JSON] = []
    if app is not None:
        app_type, version, name = app
        applications.append(
            {
                "id": site_id + 97000000,
                "type": app_type,
                "version": version,
                "name": name,
                "url": f"https://{fqdn}",
                "link_admin": f"https://{fqdn}/wp-admin"
                if app_type == "wordpress"
                else f"https://{fqdn}/admin",
                "is_complete": True,
            }
        )
    state.sites[site_id] = {
        "id": site_id,
        "account_id": hosting["account_id"],
        "customer_name": fqdn,
        "hosting_type": hosting_type,
        "main_fqdn": fqdn,
        "directory": f"/sites/{fqdn}",
        "ssl_status": ssl_status,
        "ssl_issuer": "Let's Encrypt" if ssl_status != "none" else None,
        "has_wordpress": app is not None and app[0] == "wordpress",
        "has_website_builder": False,
        "parent_id": hosting_id,
        "parent_hosting_name": hosting["customer_name"],
        "created_at": ago(state, created_days),
        "_applications": applications,
        "_php_version": None if hosting_type == "nodejs" else php_version,
    }
    bare = fqdn[4:] if fqdn.startswith("www.") else None
    aliases: list[JSON] = [
        {
            "name": fqdn,
            "fqdn_idn": fqdn,
            "can_update_dns": True,
            "is_synonym": False,
            "is_main": True,
            "is_protected": True,
        },
    ]
    if bare:
        aliases.append(
            {
                "name": bare,
                "fqdn_idn": bare,
                "can_update_dns": True,
                "is_synonym": True,
                "is_main": False,
                "is_protected": False,
            }
        )
    state.site_aliases[site_id] = aliases
    if ssl_status != "none":
        _certificate(state, site_id, fqdn, ssl_status)


def _certificate(state: SandboxState, site_id: int, fqdn: str, ssl_status: str) -> None:
    expires = ahead(state, 9) if fqdn == "www.alpage-shop.ch" else ahead(state, 61)
    error = ssl_status == "error"
    state.certificates[site_id] = {
        "site_id": site_id,
        "status": "error" if error else "ok",
        "type": "free",
        "sub_type": "lets_encrypt",
        "issuer": "R11",
        "organization": "Let's Encrypt",
        "main_fqdn": fqdn,
        "main_fqdn_idn": fqdn,
        "emitted_at": ago(state, 120) if error else expires - 90 * 86400,
        "expired_at": ago(state, 30) if error else expires,
        "fingerprint_sha256": ":".join(_hex(fqdn, 64)[i : i + 2].upper() for i in range(0, 64, 2)),
        "is_valid": not error,
        "is_expired": error,
        "is_selfsigned": False,
        "ignored_identifiers": [],
        "error_identifiers": [fqdn] if error else [],
        "error_on_certificate": "dns_challenge_failed" if error else None,
        "last_attempt_at": ago(state, 1) if error else expires - 90 * 86400,
    }


def _seed_sites(state: SandboxState) -> None:
    _site(
        state,
        1250801,
        H_ALPAGE_WEB,
        "www.alpage-digital.ch",
        "apache_php",
        ("wordpress", "6.6.2", "Site vitrine"),
        "ok",
        2300,
    )
    _site(
        state,
        1250802,
        H_ALPAGE_WEB,
        "www.alpage-shop.ch",
        "apache_php",
        ("prestashop", "8.1.7", "Boutique"),
        "ok",
        900,
    )
    _site(
        state,
        1250803,
        H_ALPAGE_WEB,
        "staging.alpage-digital.ch",
        "apache_php",
        ("wordpress", "6.1.1", "Préproduction"),
        "error",
        600,
        "7.4",
    )
    _site(state, 1250804, H_ALPAGE_NODE, "app.alpage-digital.ch", "nodejs", None, "ok", 330)
    _site(
        state,
        1250805,
        H_RIVE_WEB,
        "www.rive-neuve.ch",
        "apache_php",
        ("wordpress", "6.6.2", "Atelier"),
        "ok",
        1390,
    )
    _site(state, 1250806, H_RIVE_WEB, "www.cafe-du-lac.ch", "apache_php", None, "none", 500)
    state.nodejs_apps[NODE_APP] = {
        "id": NODE_APP,
        "main_fqdn": "app.alpage-digital.ch",
        "preview_url": f"https://{NODE_APP}.preview.hosting-ik.com",
        "directory": "/sites/app.alpage-digital.ch",
        "ssl_status": "ok",
        "ips": [{"host": "203.0.113.20", "type": "ipv4"}, {"host": "2001:db8:10::20", "type": "ipv6"}],
        "storage": {"used": 734003200, "total": 21474836480},
        "environments": {
            "node_version": "20",
            "start_command": "npm run start",
            "build_command": "npm ci",
            "port": 3000,
        },
        "_hosting_id": H_ALPAGE_NODE,
        "_site_id": 1250804,
        "_status": "Running",
        "_jobs": [
            _job(state, NODE_APP, 1, "build", ago(state, 3)),
            _job(state, NODE_APP, 2, "restart", ago(state, 1)),
        ],
    }


def _job(state: SandboxState, app_id: int, n: int, action: str, at: int) -> JSON:
    """A finished Node.js job (shape: HM `nodejs.ts` NodejsJobSchema; `action`, `finished_at`: guesses)."""
    resource_id = f"job-{app_id}-{n:04d}"
    return {
        "resource_id": resource_id,
        "status": "success",
        "action": action,
        "created_at": at,
        "finished_at": at + 42,
        "log_stream": {
            "endpoint": f"https://manager-logs-01.hosting-ik.com/jobs/{resource_id}",
            "jwt_token": f"eyJhbGciOiJIUzI1NiJ9.eyJqb2IiOiJ7{_hex(resource_id, 24)}In0.{_hex(resource_id + 'sig', 32)}",
        },
    }


def _seed_databases(state: SandboxState) -> None:
    def database(
        hosting_id: int, name: str, description: str, app: JSON | None, size_mb: int, users: list[str]
    ) -> None:
        state.databases[hosting_id][name] = {
            "name": name,
            "description": description,
            "application": app,
            "disk_used": size_mb * 1048576,
            "permissions": [
                {
                    "user": u,
                    "rights": {"read": True, "write": not u.endswith("_ro"), "admin": not u.endswith("_ro")},
                }
                for u in users
            ],
            "backups": [ago(state, 1), ago(state, 2)],
            "operation_in_progress": False,
        }

    wp = {
        "id": "98101",
        "type": "wordpress",
        "name": "Site vitrine",
        "location": "/sites/www.alpage-digital.ch",
    }
    shop = {"id": "98102", "type": "prestashop", "name": "Boutique", "location": "/sites/www.alpage-shop.ch"}
    stg = {
        "id": "98103",
        "type": "wordpress",
        "name": "Préproduction",
        "location": "/sites/staging.alpage-digital.ch",
    }
    rn = {"id": "98105", "type": "wordpress", "name": "Atelier", "location": "/sites/www.rive-neuve.ch"}
    database(
        H_ALPAGE_WEB, "al7pdg_wp", "WordPress www.alpage-digital.ch", wp, 182, ["al7pdg_wp", "al7pdg_ro"]
    )
    database(
        H_ALPAGE_WEB, "al7pdg_shop", "PrestaShop www.alpage-shop.ch", shop, 640, ["al7pdg_shop", "al7pdg_ro"]
    )
    database(H_ALPAGE_WEB, "al7pdg_staging", "WordPress staging", stg, 96, ["al7pdg_wp"])
    database(H_RIVE_WEB, "rn4x2k_wp", "WordPress www.rive-neuve.ch", rn, 75, ["rn4x2k_wp"])

    def db_user(hosting_id: int, name: str, grants: list[tuple[str, bool]], apps: list[str]) -> None:
        state.database_users[hosting_id][name] = {
            "name": name,
            "applications": apps,
            "permissions": [
                {"database": db, "rights": {"read": True, "write": write, "admin": write}}
                for db, write in grants
            ],
            "is_temporary": False,
            "operation_in_progress": False,
            "is_unlocked": True,
            "protected": False,
            "link": "https://phpmyadmin.hosting.example/",
        }

    db_user(H_ALPAGE_WEB, "al7pdg_wp", [("al7pdg_wp", True), ("al7pdg_staging", True)], ["wordpress"])
    db_user(H_ALPAGE_WEB, "al7pdg_shop", [("al7pdg_shop", True)], ["prestashop"])
    db_user(H_ALPAGE_WEB, "al7pdg_ro", [("al7pdg_wp", False), ("al7pdg_shop", False)], [])
    db_user(H_RIVE_WEB, "rn4x2k_wp", [("rn4x2k_wp", True)], ["wordpress"])


def _seed_ftp_users(state: SandboxState) -> None:
    for hosting_id, login, env, ssh, temporary, home in (
        (H_ALPAGE_WEB, "al7pdg_deploy", "apache_php", True, False, "/sites/www.alpage-digital.ch"),
        (H_ALPAGE_WEB, "al7pdg_agency", "apache_php", False, True, "/sites/www.alpage-shop.ch"),
        (H_ALPAGE_NODE, "alnd3s_ci", "nodejs", True, False, "/sites/app.alpage-digital.ch"),
        (H_RIVE_WEB, "rn4x2k_admin", "apache_php", False, False, "/"),
    ):
        state.ftp_users[hosting_id][login] = {
            "login": login,
            "environment": env,
            "is_active": True,
            "has_ssh": ssh,
            "is_temporary": temporary,
            "home_directory": home,
        }


def _seed_vps(state: SandboxState) -> None:
    vps_id = 712201
    product = add_product(
        state,
        product_id=vps_id,
        account_id=ACCOUNT_ALPAGE,
        service_name="cloud",
        customer_name="alpage-vps-01",
        fqdn="vps01.alpage-digital.ch",
        created_at=ago(state, 500),
        expired_at=ahead(state, 230),
        tags=tag_refs(state, 5101),
    )
    state.vps[vps_id] = {
        "id": vps_id,
        "account_id": ACCOUNT_ALPAGE,
        "customer_name": product["customer_name"],
        "service_name": "cloud",
        "hostname": "vps01.alpage-digital.ch",
        "status": "running",
        "os": "Debian 12",
        "cpu": 4,
        "ram": 8192,
        "disk": 160,
        "ipv4": "203.0.113.50",
        "ipv6": "2001:db8:50::1",
        "created_at": product["created_at"],
        "expired_at": product["expired_at"],
    }
