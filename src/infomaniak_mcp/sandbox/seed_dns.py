"""Seed: domains and their DNS zones and records (see seed.py for what is planted)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from infomaniak_mcp.sandbox.seed import ACCOUNT_ALPAGE, ACCOUNT_RIVE, add_product, ago, ahead, tag_refs
from infomaniak_mcp.sandbox.state import SandboxState

JSON = dict[str, Any]
INFOMANIAK_NS = ["ns41.infomaniak.com", "ns42.infomaniak.com"]
MX_INFOMANIAK = "5 mta-gw.infomaniak.ch"
SPF_INFOMANIAK = "v=spf1 include:spf.infomaniak.ch -all"
Rec = tuple[str, str, int, str]
# 11 DNS-lookup terms (9 includes, a, mx): over SPF's limit of 10
SPF_TOO_MANY_LOOKUPS = (
    "v=spf1 " + " ".join(f"include:_spf.mailer-{n}.example" for n in range(1, 10)) + " a mx -all"
)

# What `dns_audit_zones` must find in the seeded account, exactly: check → names (the zone for
# zone-wide checks, the record's name otherwise). Consistent with seed.PLANTED's DNS entries
# (zone_without_spf = spf_missing, zone_without_dmarc = dmarc_missing, ...); a test checks it.
DNS_AUDIT_PLANTED: dict[str, tuple[str, ...]] = {
    "zone_not_served": ("atelier-rive-neuve.com",),
    "spf_multiple": ("alpage-cloud.com",),
    "spf_allows_all": ("cafe-du-lac.ch",),
    "spf_invalid": ("newsletter.alpage-shop.ch",),
    "spf_too_many_lookups": ("mailing.atelier-rive-neuve.com",),
    "spf_missing": ("alpage-labs.dev", "montagne-verte.ch", "atelier-rive-neuve.com"),
    "dmarc_missing": (
        "alpage-shop.ch", "alpage-labs.dev", "montagne-verte.ch", "atelier-rive-neuve.com", "cafe-du-lac.ch",
    ),
    "dmarc_invalid": ("_dmarc.newsletter.alpage-shop.ch",),
    "mx_target_invalid": ("montagne-verte.ch",),
    "cname_dangling": ("old.alpage-shop.ch",),
    "dmarc_policy_none": ("_dmarc.alpage-cloud.com",),
    "dmarc_no_rua": ("_dmarc.alpage-cloud.com",),
    "dkim_missing": (
        "alpage-labs.dev", "alpage-cloud.com", "montagne-verte.ch", "atelier-rive-neuve.com", "cafe-du-lac.ch",
    ),
    "mx_missing": ("alpage-labs.dev",),
    "wildcard_record": ("*.alpage-labs.dev",),
    "ttl_low": ("ftp.montagne-verte.ch",),
    "caa_missing": (
        "alpage-shop.ch", "alpage-labs.dev", "alpage-cloud.com", "montagne-verte.ch", "atelier-rive-neuve.com",
        "cafe-du-lac.ch",
    ),
    "dnssec_disabled": (
        "alpage-shop.ch", "alpage-labs.dev", "alpage-cloud.com", "montagne-verte.ch", "rive-neuve.ch",
        "atelier-rive-neuve.com", "cafe-du-lac.ch",
    ),
}


def _dkim(seed: str) -> str:
    key = base64.b64encode(hashlib.sha512(seed.encode()).digest() * 2).decode()
    return f"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA{key}"


def _base(zone: str, apex_v4: str, apex_v6: str | None = None) -> list[Rec]:
    recs: list[Rec] = [(".", "NS", 3600, ns) for ns in INFOMANIAK_NS]
    recs.append((".", "A", 3600, apex_v4))
    if apex_v6:
        recs.append((".", "AAAA", 3600, apex_v6))
    recs.append(("www", "CNAME", 3600, zone))
    return recs


def _records() -> dict[str, list[Rec]]:
    z: dict[str, list[Rec]] = {}
    z["alpage-digital.ch"] = [
        *_base("alpage-digital.ch", "203.0.113.10", "2001:db8:10::10"),
        (".", "MX", 3600, MX_INFOMANIAK),
        (".", "TXT", 3600, SPF_INFOMANIAK),
        ("_dmarc", "TXT", 3600, "v=DMARC1; p=quarantine; rua=mailto:dmarc@alpage-digital.ch"),
        ("20231120._domainkey", "TXT", 3600, _dkim("alpage-digital.ch")),
        (".", "CAA", 3600, '0 issue "letsencrypt.org"'),
        ("staging", "A", 300, "203.0.113.11"),
        ("app", "A", 300, "203.0.113.20"),
        ("app", "AAAA", 300, "2001:db8:10::20"),
        ("vps01", "A", 3600, "203.0.113.50"),
        ("_autodiscover._tcp", "SRV", 3600, "0 1 443 mail.infomaniak.com"),
        ("autoconfig", "CNAME", 3600, "autoconfig.infomaniak.com"),
    ]
    z["alpage-shop.ch"] = [
        *_base("alpage-shop.ch", "203.0.113.30"),
        (".", "MX", 3600, MX_INFOMANIAK),
        (".", "TXT", 3600, "v=spf1 include:spf.infomaniak.ch ~all"),
        ("20240301._domainkey", "TXT", 3600, _dkim("alpage-shop.ch")),
        ("api", "A", 300, "203.0.113.31"),
        ("newsletter", "TXT", 3600, "v=spf1 include:spf.infomaniak.ch ip4:203.0.113.300 ~all"),
        ("_dmarc.newsletter", "TXT", 3600, "v=DMARC1; p=quarantaine"),
        ("old", "CNAME", 3600, "legacy.alpage-digital.ch"),
    ]
    z["alpage-labs.dev"] = [
        *_base("alpage-labs.dev", "203.0.113.40", "2001:db8:40::1"),
        (".", "TXT", 3600, "site-verification=alpage-labs-7f3a9c"),
        ("demo", "CNAME", 3600, "app.alpage-digital.ch"),
        ("*", "A", 3600, "203.0.113.40"),
    ]
    cloud: list[Rec] = [
        *_base("alpage-cloud.com", "198.51.100.10"),
        (".", "MX", 3600, "10 mx1.alpage-cloud.com"),
        ("mx1", "A", 3600, "198.51.100.11"),
        (".", "TXT", 3600, "v=spf1 ip4:198.51.100.0/24 -all"),
        (".", "TXT", 3600, SPF_INFOMANIAK),
        ("_dmarc", "TXT", 3600, "v=DMARC1; p=none"),
        ("_sip._tcp", "SRV", 3600, "10 60 5060 sip.alpage-cloud.com"),
        ("sip", "A", 3600, "198.51.100.12"),
    ]
    cloud.extend((f"node-{n:03d}", "A", 300, f"198.51.100.{100 + n % 150}") for n in range(1, 111))
    z["alpage-cloud.com"] = cloud
    z["montagne-verte.ch"] = [
        *_base("montagne-verte.ch", "203.0.113.60"),
        (".", "MX", 3600, MX_INFOMANIAK),
        (".", "MX", 3600, "20 backup-mx.montagne-verte.ch"),
        ("ftp", "A", 60, "203.0.113.61"),
        ("blog", "CNAME", 3600, "www.montagne-verte.ch"),
    ]
    z["rive-neuve.ch"] = [
        *_base("rive-neuve.ch", "203.0.113.80", "2001:db8:80::1"),
        (".", "MX", 3600, MX_INFOMANIAK),
        (".", "TXT", 3600, SPF_INFOMANIAK),
        ("_dmarc", "TXT", 3600, "v=DMARC1; p=reject; rua=mailto:dmarc@rive-neuve.ch"),
        ("20220915._domainkey", "TXT", 3600, _dkim("rive-neuve.ch")),
        ("autoconfig", "CNAME", 3600, "autoconfig.infomaniak.com"),
        (".", "CAA", 3600, '0 issue "letsencrypt.org"'),
    ]
    z["atelier-rive-neuve.com"] = [
        *_base("atelier-rive-neuve.com", "203.0.113.70"),
        (".", "MX", 3600, MX_INFOMANIAK),
        ("mailing", "TXT", 3600, SPF_TOO_MANY_LOOKUPS),
    ]
    z["cafe-du-lac.ch"] = [
        *_base("cafe-du-lac.ch", "203.0.113.90"),
        (".", "MX", 3600, MX_INFOMANIAK),
        (".", "TXT", 3600, "v=spf1 +all"),
        ("menu", "CNAME", 3600, "www.cafe-du-lac.ch"),
    ]
    return z


REGISTRY_ERROR_DOMAIN = "montagne-verte.ch"
_DOMAINS: list[tuple[int, str, int, int, int, bool, list[str] | None, tuple[int, ...]]] = [
    # product/domain id, name, account, created days ago, expires in days, dnssec, external NS, tags
    (1938301, "alpage-digital.ch", ACCOUNT_ALPAGE, 2800, 160, True, None, (5101,)),
    (1938302, "alpage-shop.ch", ACCOUNT_ALPAGE, 1100, 12, False, None, (5101, 5103)),
    (1938303, "alpage-labs.dev", ACCOUNT_ALPAGE, 420, 310, False, None, (5102,)),
    (1938304, "alpage-cloud.com", ACCOUNT_ALPAGE, 600, 95, False, None, ()),
    (1938305, "montagne-verte.ch", ACCOUNT_ALPAGE, 1700, 45, False, None, (5103,)),
    (1938306, "rive-neuve.ch", ACCOUNT_RIVE, 1480, 220, False, None, (5104,)),
    (
        1938307,
        "atelier-rive-neuve.com",
        ACCOUNT_RIVE,
        900,
        31,
        False,
        ["ns1.externe-dns.example", "ns2.externe-dns.example"],
        (),
    ),
    (1938308, "cafe-du-lac.ch", ACCOUNT_RIVE, 700, 25, False, None, ()),
]


def dnssec_material(domain: str) -> list[JSON]:
    """DS data published for a DNSSEC-signed zone (deterministic per domain)."""
    digest = hashlib.sha256(f"ds:{domain}".encode()).hexdigest().upper()
    public_key = base64.b64encode(hashlib.sha512(f"ksk:{domain}".encode()).digest()).decode()
    key_tag = str(int(digest[:4], 16))
    return [
        {
            "key": key_tag,
            "flags": "257",
            "protocol": "3",
            "algorithm": "13",
            "public_key": public_key,
            "digest_type": "2",
            "digest": digest,
        }
    ]


def _contact(state: SandboxState, account_id: int, domain: str) -> JSON:
    company = state.accounts[account_id]["name"]
    address = state.accounts[account_id]["addresses"][0]
    return {
        "id": 642700 + account_id % 100,
        "type": "Organization",
        "first_name": "Léa" if account_id == ACCOUNT_ALPAGE else "Élise",
        "last_name": "Favre" if account_id == ACCOUNT_ALPAGE else "Perret",
        "company": company,
        "street1": address["street"],
        "street2": "",
        "street3": None,
        "postal_code": address["zip"],
        "city": address["city"],
        "state": "",
        "country_code": "CH",
        "phone": "+41.210000000",
        "fax": None,
        "email": f"admin@{domain}",
        "address_type": "loc",
        "is_validated": True,
        "validated_at": state.accounts[account_id]["created_at"] + 100,
        "created_at": state.accounts[account_id]["created_at"],
    }


def seed_dns(state: SandboxState) -> None:
    all_records = _records()
    for domain_id, name, account_id, created, expires, dnssec, external_ns, tags in _DOMAINS:
        add_product(
            state,
            product_id=domain_id,
            account_id=account_id,
            service_name="domain",
            customer_name=name,
            fqdn=name,
            created_at=ago(state, created),
            expired_at=ahead(state, expires),
            tags=tag_refs(state, *tags),
        )
        contact = _contact(state, account_id, name)
        state.domains[name] = {
            "id": domain_id,
            "name": name,
            "tld": name.rsplit(".", 1)[1],
            "is_premium": False,
            "created_at": ago(state, created),
            "expires_at": ahead(state, expires),
            "resale_status": None,
            "options": {
                "dns_anycast": name == "alpage-digital.ch",
                "renewal_warranty": False,
                "domain_privacy": True,
                "dnssec": dnssec,
            },
            "contacts": {"owner": contact, "admin": None, "tech": None, "billing": None},
            "status": ["ok", "clientTransferProhibited"],
            "_account_id": account_id,
            "_nameservers": list(external_ns or INFOMANIAK_NS),
            "_dnssec_data": dnssec_material(name) if dnssec else [],
            "_has_whois_antispam": True,
            "_has_error": name == REGISTRY_ERROR_DOMAIN,  # v1 has_error: the registry reports a problem
        }
        zone_id = state.new_id("zone", 309801)
        state.zones[name] = {
            "id": zone_id,
            "fqdn": name,
            "dnssec": {"is_enabled": dnssec},
            "nameservers": list(INFOMANIAK_NS),
            "is_enabled": True,
            "_account_id": account_id,
        }
        records: dict[int, JSON] = {}
        for n, (source, rtype, ttl, target) in enumerate(all_records[name]):
            record_id = state.new_id("record", 25919301)
            records[record_id] = {
                "id": record_id,
                "source": source,
                "source_idn": name if source == "." else f"{source}.{name}",
                "type": rtype,
                "ttl": ttl,
                "target": target,
                "updated_at": ago(state, created) + 600 + 60 * n,
            }
        state.records[name] = records
