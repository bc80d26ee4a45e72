"""The sandbox's DNS responder over real loopback UDP/TCP: both views, CNAME, wildcard, NXDOMAIN, TC."""

from __future__ import annotations

from collections.abc import Iterator

import dns.flags
import dns.message
import dns.query
import dns.rcode
import httpx2
import pytest

from infomaniak_mcp.sandbox import SANDBOX_TOKEN, SandboxState, create_app
from infomaniak_mcp.sandbox.dns_server import DnsResponder

pytestmark = pytest.mark.anyio


@pytest.fixture
def responder() -> Iterator[DnsResponder]:
    with DnsResponder(SandboxState.seeded()) as server:
        yield server


def ask(
    server: DnsResponder, name: str, rtype: str, *, recursive: bool = False, tcp: bool = False
) -> dns.message.Message:
    query = dns.message.make_query(name, rtype)
    if not recursive:
        query.flags &= ~dns.flags.RD
    host, port = server.address
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=3)
    return dns.query.udp(query, host, port=port, timeout=3)


def answers(message: dns.message.Message) -> list[str]:
    return [rr.to_text() for rrset in message.answer for rr in rrset]


def test_authoritative_view(responder: DnsResponder) -> None:
    mx = ask(responder, "alpage-digital.ch", "MX")
    assert mx.flags & dns.flags.AA
    assert answers(mx) == ["5 mta-gw.infomaniak.ch."]
    www = ask(responder, "www.alpage-digital.ch", "A")
    assert answers(www) == ["alpage-digital.ch.", "203.0.113.10"]  # CNAME chased inside the zones
    spf = ask(responder, "alpage-digital.ch", "TXT", tcp=True)
    assert '"v=spf1 include:spf.infomaniak.ch -all"' in answers(spf)
    missing = ask(responder, "nope.alpage-digital.ch", "A")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert missing.authority[0].rdtype == dns.rdatatype.SOA
    nodata = ask(responder, "alpage-digital.ch", "SSHFP")
    assert nodata.rcode() == dns.rcode.NOERROR
    assert not nodata.answer
    wildcard = ask(responder, "anything.alpage-labs.dev", "A")
    assert answers(wildcard) == ["203.0.113.40"]
    assert str(wildcard.answer[0].name) == "anything.alpage-labs.dev."
    assert ask(responder, "example.org", "A").rcode() == dns.rcode.REFUSED


def test_public_view_follows_the_delegation(responder: DnsResponder) -> None:
    served = ask(responder, "rive-neuve.ch", "MX", recursive=True)
    assert served.flags & dns.flags.RA
    assert answers(served) == ["5 mta-gw.infomaniak.ch."]
    delegated = ask(responder, "atelier-rive-neuve.com", "NS", recursive=True)
    assert sorted(answers(delegated)) == ["ns1.externe-dns.example.", "ns2.externe-dns.example."]
    assert ask(responder, "atelier-rive-neuve.com", "MX", recursive=True).rcode() == dns.rcode.SERVFAIL
    authoritative = ask(responder, "atelier-rive-neuve.com", "NS")
    assert sorted(answers(authoritative)) == ["ns41.infomaniak.com.", "ns42.infomaniak.com."]


def test_changes_show_at_once_and_big_answers_truncate_over_udp() -> None:
    state = SandboxState.seeded()
    zone = state.records["alpage-shop.ch"]
    for n in range(12):
        zone[990000 + n] = {
            "id": 990000 + n, "source": "big", "source_idn": "big.alpage-shop.ch", "type": "TXT", "ttl": 300,
            "target": f"token-{n}-" + "x" * 60, "updated_at": 1,
        }
    with DnsResponder(state) as server:
        udp = ask(server, "big.alpage-shop.ch", "TXT")
        assert udp.flags & dns.flags.TC
        assert not udp.answer
        assert len(answers(ask(server, "big.alpage-shop.ch", "TXT", tcp=True))) == 12
        assert server.queries == 2


def test_garbage_gets_formerr_or_silence(responder: DnsResponder) -> None:
    answer = responder.answer(b"\x12\x34garbage", udp=True)
    assert answer[:2] == b"\x12\x34"
    assert answer[3] & 0x0F == dns.rcode.FORMERR
    assert responder.answer(b"x", udp=True) == b""


def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DnsResponder(SandboxState.seeded(), host="0.0.0.0")  # noqa: S104


async def test_admin_route_starts_and_stops_it() -> None:
    app = create_app()
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.localhost") as http:
        first = (await http.get("/_sandbox/dns", headers=headers)).json()["data"]
        again = (await http.get("/_sandbox/dns", headers=headers)).json()["data"]
        assert first["host"] == "127.0.0.1"
        assert first["port"] == again["port"] > 0
        responder = app.state.dns_responder
        assert answers(ask(responder, "cafe-du-lac.ch", "TXT")) == ['"v=spf1 +all"']
        assert (await http.get("/_sandbox/dns")).status_code == 401
        assert (await http.delete("/_sandbox/dns", headers=headers)).json()["data"] is True
        assert not responder.running
