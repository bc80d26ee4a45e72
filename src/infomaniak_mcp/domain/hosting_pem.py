"""Local checks of a custom SSL certificate before it is sent (PEM, key match, chain order, expiry, names).

`check_certificate(certificate, private_key, chain, fqdn=..., now=...)` parses the PEM material
with `cryptography` and answers a `PemCheck`: `errors` (the install must not be attempted),
`warnings` (shown in the plan), facts about the leaf, and the normalised PEM texts to send
(leaf, key, intermediates in issuing order). Nothing here does I/O, and no key material is
ever put into a message.

Accepted input: the leaf alone or a bundle (leaf first, then intermediates) in `certificate`,
intermediates in `chain` (any order is detected: a chain given in the wrong order is an error
that says the right one), an unencrypted private key (PKCS#1, PKCS#8 or EC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

DAY = 86_400
EXPIRY_WARNING_DAYS = 30
_PEM_CERT_BEGIN = "-----BEGIN CERTIFICATE-----"


@dataclass
class PemCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    subject: str = ""
    issuer: str = ""
    names: list[str] = field(default_factory=list)
    not_after: str = ""
    fingerprint_sha256: str = ""
    leaf_pem: str = ""
    key_pem: str = ""
    chain_pem: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def _load_certs(text: str, what: str, errors: list[str]) -> list[x509.Certificate]:
    if _PEM_CERT_BEGIN not in text:
        errors.append(f"{what}: no '{_PEM_CERT_BEGIN}' block found (PEM text expected, not DER or a file path)")
        return []
    try:
        return x509.load_pem_x509_certificates(text.strip().encode())
    except ValueError:
        errors.append(f"{what}: a certificate block could not be parsed (truncated or altered PEM?)")
        return []


def _load_key(text: str, errors: list[str]) -> PrivateKeyTypes | None:
    if "PRIVATE KEY-----" not in text:
        errors.append("private_key: no '-----BEGIN … PRIVATE KEY-----' block found")
        return None
    if "ENCRYPTED" in text:
        errors.append("private_key: the key is encrypted; give it without a passphrase (openssl pkey -in key.pem)")
        return None
    try:
        return serialization.load_pem_private_key(text.strip().encode(), password=None)
    except (ValueError, TypeError):
        errors.append("private_key: the key could not be parsed")
        return None


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def dns_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        return [_cn(cert.subject).lower()]


def covers(names: list[str], fqdn: str) -> bool:
    for name in names:
        if name == fqdn:
            return True
        if name.startswith("*.") and fqdn.count(".") >= 2 and fqdn.split(".", 1)[1] == name[2:]:
            return True
    return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _order_chain(leaf: x509.Certificate, chain: list[x509.Certificate], check: PemCheck) -> list[x509.Certificate]:
    """The intermediates in issuing order (leaf's issuer first); errors when given in another order."""
    ordered: list[x509.Certificate] = []
    remaining = list(chain)
    current = leaf
    while remaining:
        parent = next((c for c in remaining if _issued_by(current, c)), None)
        if parent is None:
            break
        ordered.append(parent)
        remaining.remove(parent)
        current = parent
    if remaining:
        stray = ", ".join(_cn(c.subject) for c in remaining)
        check.errors.append(f"chain: certificate(s) not part of the leaf's issuing chain: {stray}")
    elif ordered != chain:
        right = " → ".join(_cn(c.subject) for c in ordered)
        check.errors.append(f"chain: intermediates are out of order; give them as: {right}")
    if not chain and leaf.issuer != leaf.subject:
        check.warnings.append(
            f"no intermediate certificate given for issuer {_cn(leaf.issuer)}; browsers may not trust the site"
        )
    return ordered


def check_certificate(
    certificate: str,
    private_key: str,
    chain: str | None,
    *,
    fqdn: str,
    now: float,
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> PemCheck:
    """Validate a custom certificate for `fqdn` at `now` (see the module docstring)."""
    check = PemCheck()
    certs = _load_certs(certificate, "certificate", check.errors)
    extra = _load_certs(chain, "chain", check.errors) if chain and chain.strip() else []
    key = _load_key(private_key, check.errors)
    if not certs:
        return check
    leaf, intermediates = certs[0], [*certs[1:], *extra]
    check.subject = _cn(leaf.subject)
    check.issuer = _cn(leaf.issuer)
    check.names = dns_names(leaf)
    check.fingerprint_sha256 = leaf.fingerprint(hashes.SHA256()).hex(":").upper()
    not_after = leaf.not_valid_after_utc
    check.not_after = not_after.date().isoformat()
    if key is not None and _spki(key.public_key()) != _spki(leaf.public_key()):
        check.errors.append("private_key: the key does not match the certificate's public key")
    moment = datetime.fromtimestamp(now, UTC)
    if not_after <= moment:
        check.errors.append(f"certificate: expired on {check.not_after}")
    elif (not_after - moment).total_seconds() < warn_days * DAY:
        days = int((not_after - moment).total_seconds() // DAY)
        check.warnings.append(f"certificate expires in {days} day(s), on {check.not_after}")
    if leaf.not_valid_before_utc > moment:
        check.errors.append(f"certificate: not valid before {leaf.not_valid_before_utc.date().isoformat()}")
    if not covers(check.names, fqdn):
        check.errors.append(f"certificate: does not cover {fqdn} (names: {', '.join(check.names) or 'none'})")
    if leaf.issuer == leaf.subject:
        check.warnings.append("the certificate is self-signed: browsers will not trust it")
    ordered = _order_chain(leaf, intermediates, check)
    for cert in ordered:
        if cert.not_valid_after_utc <= moment:
            check.errors.append(f"chain: intermediate {_cn(cert.subject)} expired")
    pem = serialization.Encoding.PEM
    check.leaf_pem = leaf.public_bytes(pem).decode()
    check.chain_pem = "".join(c.public_bytes(pem).decode() for c in ordered)
    if key is not None:
        check.key_pem = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return check
