"""Local checks of custom certificates: key match, chain order, expiry, names, PEM problems."""

from __future__ import annotations

from hosting_support import NOW, _key, key_pem, make_cert, make_chain, pem

from infomaniak_mcp.domain.hosting_pem import check_certificate

FQDN = "www.example.ch"


def test_a_good_certificate_with_its_chain() -> None:
    c = make_chain(FQDN)
    check = check_certificate(pem(c.leaf), key_pem(c.leaf_key), pem(c.intermediate), fqdn=FQDN, now=NOW)
    assert check.ok, check.errors
    assert check.warnings == []
    assert (check.subject, check.issuer, check.names) == (FQDN, "Test Intermediate", [FQDN])
    assert check.leaf_pem == pem(c.leaf)
    assert check.chain_pem == pem(c.intermediate)
    assert "PRIVATE KEY" in check.key_pem
    assert check.fingerprint_sha256.count(":") == 31


def test_a_bundle_in_the_certificate_field_is_split() -> None:
    c = make_chain(FQDN)
    check = check_certificate(pem(c.leaf) + pem(c.intermediate), key_pem(c.leaf_key), None, fqdn=FQDN, now=NOW)
    assert check.ok, check.errors
    assert check.chain_pem == pem(c.intermediate)


def test_the_key_must_match() -> None:
    c = make_chain(FQDN)
    check = check_certificate(pem(c.leaf), key_pem(_key()), pem(c.intermediate), fqdn=FQDN, now=NOW)
    assert check.errors == ["private_key: the key does not match the certificate's public key"]
    assert "PRIVATE KEY" not in " ".join(check.errors)


def test_chain_order_is_checked_and_explained() -> None:
    c = make_chain(FQDN)
    wrong = pem(c.root) + pem(c.intermediate)  # root first: wrong order
    check = check_certificate(pem(c.leaf), key_pem(c.leaf_key), wrong, fqdn=FQDN, now=NOW)
    assert check.errors == ["chain: intermediates are out of order; give them as: Test Intermediate → Test Root"]
    right = check_certificate(pem(c.leaf), key_pem(c.leaf_key), pem(c.intermediate) + pem(c.root), fqdn=FQDN, now=NOW)
    assert right.ok, right.errors


def test_a_stray_certificate_in_the_chain() -> None:
    c = make_chain(FQDN)
    other = make_chain("other.example.ch")
    chain = pem(c.intermediate) + pem(other.intermediate)
    check = check_certificate(pem(c.leaf), key_pem(c.leaf_key), chain, fqdn=FQDN, now=NOW)
    # same subject name, other key: not part of the leaf's issuing chain
    assert check.errors == ["chain: certificate(s) not part of the leaf's issuing chain: Test Intermediate"]


def test_expiry_and_validity_window() -> None:
    expired = make_chain(FQDN, days=(-100, -1))
    check = check_certificate(pem(expired.leaf), key_pem(expired.leaf_key), pem(expired.intermediate), fqdn=FQDN,
                              now=NOW)
    assert check.errors == ["certificate: expired on 2026-11-20"]
    future = make_chain(FQDN, days=(5, 90))
    check = check_certificate(pem(future.leaf), key_pem(future.leaf_key), pem(future.intermediate), fqdn=FQDN, now=NOW)
    assert check.errors == ["certificate: not valid before 2026-11-26"]
    soon = make_chain(FQDN, days=(-80, 10))
    check = check_certificate(pem(soon.leaf), key_pem(soon.leaf_key), pem(soon.intermediate), fqdn=FQDN, now=NOW)
    assert check.ok
    assert check.warnings == ["certificate expires in 10 day(s), on 2026-12-01"]


def test_names_must_cover_the_site_wildcards_one_level() -> None:
    c = make_chain("*.example.ch", names=["*.example.ch", "example.ch"])
    for name, ok in (("www.example.ch", True), ("example.ch", True), ("a.b.example.ch", False), ("x.other.ch", False)):
        check = check_certificate(pem(c.leaf), key_pem(c.leaf_key), pem(c.intermediate), fqdn=name, now=NOW)
        assert check.ok is ok, (name, check.errors)
    bad = check_certificate(pem(c.leaf), key_pem(c.leaf_key), pem(c.intermediate), fqdn="shop.ch", now=NOW)
    assert bad.errors == ["certificate: does not cover shop.ch (names: *.example.ch, example.ch)"]


def test_self_signed_and_missing_intermediate_are_warnings() -> None:
    key = _key()
    selfsigned = make_cert(FQDN, key, names=[FQDN])
    check = check_certificate(pem(selfsigned), key_pem(key), None, fqdn=FQDN, now=NOW)
    assert check.ok
    assert check.warnings == ["the certificate is self-signed: browsers will not trust it"]
    c = make_chain(FQDN)
    alone = check_certificate(pem(c.leaf), key_pem(c.leaf_key), None, fqdn=FQDN, now=NOW)
    assert alone.ok
    assert alone.warnings == [
        "no intermediate certificate given for issuer Test Intermediate; browsers may not trust the site"
    ]


def test_unusable_pem_material() -> None:
    c = make_chain(FQDN)
    encrypted = check_certificate(pem(c.leaf), key_pem(c.leaf_key, b"secret"), None, fqdn=FQDN, now=NOW)
    assert encrypted.errors == [
        "private_key: the key is encrypted; give it without a passphrase (openssl pkey -in key.pem)"
    ]
    garbage = check_certificate("/etc/ssl/cert.pem", "not a key", None, fqdn=FQDN, now=NOW)
    assert garbage.errors == [
        "certificate: no '-----BEGIN CERTIFICATE-----' block found (PEM text expected, not DER or a file path)",
        "private_key: no '-----BEGIN … PRIVATE KEY-----' block found",
    ]
    cut = pem(c.leaf)[:200] + "\n-----END CERTIFICATE-----\n"
    truncated = check_certificate(cut, key_pem(c.leaf_key), None, fqdn=FQDN, now=NOW)
    assert truncated.errors == ["certificate: a certificate block could not be parsed (truncated or altered PEM?)"]
