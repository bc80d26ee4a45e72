"""Helpers of the hosting unit tests: the typed client wired to an in-process sandbox that records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infomaniak_mcp.api.client import InfomaniakApi
from infomaniak_mcp.api.hosting import ManagerHostingClient
from infomaniak_mcp.api.ratelimit import RateLimiter
from infomaniak_mcp.config import Settings
from infomaniak_mcp.sandbox import RecordedExchange, SandboxClock, SandboxState, create_app
from infomaniak_mcp.server.app import sandbox_settings


@dataclass
class Sbx:
    state: SandboxState
    api: InfomaniakApi
    recorded: list[RecordedExchange] = field(default_factory=list)

    @property
    def manager(self) -> ManagerHostingClient:
        return ManagerHostingClient(self.api.manager)

    def last(self) -> RecordedExchange:
        return self.recorded[-1]


def make_api(transport: httpx2.AsyncBaseTransport, *, session: bool = True) -> InfomaniakApi:
    settings = sandbox_settings(Settings())
    if not session:
        settings = replace(settings, sasession=None, xsrf_token=None)
    return InfomaniakApi.from_settings(settings, transport=transport, limiter=RateLimiter(100_000, 60.0))


@asynccontextmanager
async def sandbox_api() -> AsyncIterator[Sbx]:
    recorded: list[RecordedExchange] = []
    state = SandboxState.seeded(SandboxClock())
    transport = httpx2.ASGITransport(app=create_app(state, rate_limit=None, recorder=recorded))
    api = make_api(transport)
    try:
        yield Sbx(state=state, api=api, recorded=recorded)
    finally:
        await api.aclose()


# ---- PEM material ------------------------------------------------------------------------------
NOW = 1_795_219_200.0  # 2026-11-21


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
    names: list[str] | None = None,
    days: tuple[int, int] = (-10, 80),
    ca: bool = False,
) -> x509.Certificate:
    """A certificate for `subject` signed by `issuer` (self-signed when None), valid from NOW+days[0] to NOW+days[1]."""
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    start = datetime.fromtimestamp(NOW, UTC) + timedelta(days=days[0])
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days[1] - days[0]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


@dataclass
class Chain:
    """root → intermediate → leaf for `fqdn`."""

    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate
    root: x509.Certificate


def make_chain(fqdn: str, *, days: tuple[int, int] = (-10, 80), names: list[str] | None = None) -> Chain:
    root_key, inter_key, leaf_key = _key(), _key(), _key()
    root = make_cert("Test Root", root_key, ca=True, days=(-400, 4000))
    intermediate = make_cert("Test Intermediate", inter_key, issuer=("Test Root", root_key), ca=True, days=(-300, 3000))
    leaf = make_cert(fqdn, leaf_key, issuer=("Test Intermediate", inter_key), names=names or [fqdn], days=days)
    return Chain(leaf=leaf, leaf_key=leaf_key, intermediate=intermediate, root=root)
