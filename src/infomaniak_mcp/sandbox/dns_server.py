"""A small DNS responder answering from the sandbox's zones, on 127.0.0.1 (UDP and TCP, one port).

It lets live checks (`dns_verify_record`, nameserver look-ups) run end to end without touching
the real DNS: in sandbox mode and in tests both "the zone's authoritative servers" and "public
resolvers" are this responder. The two views are told apart by the RD (recursion desired) bit,
as on the real network:

- **RD = 0 — authoritative view** (what ns41/ns42.infomaniak.com would answer): records of the
  sandbox zone holding the name, AA set; NXDOMAIN / NODATA with the zone's SOA; a name in no
  sandbox zone → REFUSED.
- **RD = 1 — public resolver view** (what the world sees, RA set): for a domain whose nameservers
  are Infomaniak's, the same data; for a domain delegated elsewhere, the apex NS query returns
  the delegation (the domain's nameservers) and anything else SERVFAIL — the servers it is
  delegated to are outside the sandbox.

Answers follow the zone data: exact names, CNAME (chased inside the sandbox zones), wildcards
(`*`), empty non-terminals (NODATA), an SOA synthesized per zone. API targets are turned into
RDATA the way a DNS server would publish them (host names absolute, TXT split into 255-byte
strings). UDP answers larger than the client's buffer (512 bytes without EDNS) come back with TC
set, so clients retry over TCP.

Only dnspython's message/wire functions are used (no extra dependency). The state is read from
the responder's threads: each lookup copies what it needs (`list(...)`, atomic in CPython).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from typing import Any

from infomaniak_mcp.sandbox.seed_dns import INFOMANIAK_NS
from infomaniak_mcp.sandbox.state import SandboxState

logger = logging.getLogger(__name__)
JSON = dict[str, Any]
MAX_CHASE = 8
SOA_TIMERS = "10800 3600 604800 300"
_HOSTS = frozenset({"CNAME", "DNAME", "NS", "PTR"})


def _dot(host: str) -> str:
    return host if host.endswith(".") else host + "."


def _txt(target: str) -> str:
    if target.lstrip().startswith('"'):
        return target
    data = target.encode("utf-8")
    chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    return " ".join('"' + c.decode("utf-8", "replace").replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def rdata_text(rtype: str, target: str) -> str:
    """An API target as published RDATA text (the API writes host names without the final dot)."""
    parts = target.split()
    if rtype in _HOSTS:
        return _dot(target.strip())
    if rtype == "MX" and len(parts) == 2:
        return f"{parts[0]} {_dot(parts[1])}"
    if rtype == "SRV" and len(parts) == 4:
        return " ".join([*parts[:3], _dot(parts[3])])
    if rtype == "TXT":
        return _txt(target)
    return target


class DnsResponder:
    """Serve `state`'s zones on `host:port` (port 0: any free one). Use `with` or `start()`/`close()`."""

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("the sandbox DNS responder only listens on loopback")
        self.state = state
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = port
        self.queries = 0
        self._udp: socketserver.UDPServer | None = None
        self._tcp: socketserver.ThreadingTCPServer | None = None
        self._threads: list[threading.Thread] = []

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def running(self) -> bool:
        return self._udp is not None

    def start(self) -> DnsResponder:
        if self.running:
            return self
        responder = self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                answer = responder.answer(data, udp=True)
                if answer:
                    sock.sendto(answer, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(5)
                try:
                    while True:
                        size = _recv_exact(conn, 2)
                        if size is None:
                            return
                        data = _recv_exact(conn, int.from_bytes(size, "big"))
                        if data is None:
                            return
                        answer = responder.answer(data, udp=False)
                        conn.sendall(len(answer).to_bytes(2, "big") + answer)
                except OSError:
                    return

        class UdpServer(socketserver.UDPServer):
            address_family = family

        class TcpServer(socketserver.ThreadingTCPServer):
            address_family = family
            daemon_threads = True
            allow_reuse_address = True

        for _ in range(10):
            udp = UdpServer((self.host, self.port), Udp)
            port = udp.server_address[1]
            try:
                tcp = TcpServer((self.host, port), Tcp)
            except OSError:
                udp.server_close()
                if self.port:
                    raise
                continue
            break
        else:  # pragma: no cover - ten ports taken for TCP in a row
            raise OSError("no free port for the DNS responder")
        self._udp, self._tcp, self.port = udp, tcp, int(port)
        for server in (udp, tcp):
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-dns", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        logger.info("sandbox DNS responder on %s:%d (udp+tcp)", self.host, self.port)
        return self

    def close(self) -> None:
        for server in (self._udp, self._tcp):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._udp = self._tcp = None
        self._threads.clear()

    def __enter__(self) -> DnsResponder:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- answering -------------------------------------------------------------------------
    def answer(self, wire: bytes, *, udp: bool) -> bytes:
        """The wire answer to one query (FORMERR for garbage that still has an id)."""
        import dns.exception
        import dns.flags
        import dns.message
        import dns.rcode

        self.queries += 1
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            if len(wire) < 2:
                return b""
            return wire[:2] + b"\x81\x01" + b"\x00" * 8  # id, QR+RD, FORMERR, empty sections
        response = dns.message.make_response(query)
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return bytes(response.to_wire())
        question = query.question[0]
        recursive = bool(query.flags & dns.flags.RD)
        try:
            self._fill(response, question.name, question.rdtype, recursive)
        except Exception:  # a broken record must not kill the responder
            logger.exception("sandbox DNS: failed to answer %s", question.name)
            response.set_rcode(dns.rcode.SERVFAIL)
        limit = max(512, query.payload) if udp and query.edns >= 0 else (512 if udp else 65535)
        try:
            return bytes(response.to_wire(max_size=limit))
        except dns.exception.TooBig:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC
            if recursive:
                truncated.flags |= dns.flags.RA
            else:
                truncated.flags |= dns.flags.AA
            return bytes(truncated.to_wire())

    def _zone_for(self, fqdn: str) -> str | None:
        best = None
        for zone in list(self.state.zones):
            if (fqdn == zone or fqdn.endswith("." + zone)) and (best is None or len(zone) > len(best)):
                best = zone
        return best

    def _delegated_elsewhere(self, fqdn: str) -> JSON | None:
        best: JSON | None = None
        for name, domain in list(self.state.domains.items()):
            if (fqdn == name or fqdn.endswith("." + name)) and (best is None or len(name) > len(best["name"])):
                best = domain
        if best is None or sorted(best.get("_nameservers", [])) == sorted(INFOMANIAK_NS):
            return None
        return best

    def _fill(self, response: Any, qname: Any, qtype: int, recursive: bool) -> None:
        import dns.flags
        import dns.rcode
        import dns.rdatatype

        fqdn = qname.to_text(omit_final_dot=True).lower()
        if recursive:
            response.flags |= dns.flags.RA
            domain = self._delegated_elsewhere(fqdn)
            if domain is not None:
                if fqdn == domain["name"] and qtype in (dns.rdatatype.NS, dns.rdatatype.ANY):
                    servers = [_dot(n) for n in domain["_nameservers"]]
                    response.answer.append(self._rrset(qname, "NS", 172800, servers))
                else:
                    response.set_rcode(dns.rcode.SERVFAIL)
                return
        zone = self._zone_for(fqdn)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return
        if not recursive:
            response.flags |= dns.flags.AA
        seen: set[str] = set()
        name, current_zone = fqdn, zone
        for _ in range(MAX_CHASE):
            seen.add(name)
            found, rcode, cname_target = self._lookup(response, current_zone, name, qtype)
            if rcode is not None:
                response.set_rcode(rcode)
                response.authority.append(self._soa(current_zone))
                return
            if cname_target is None or cname_target in seen:
                if not found:
                    response.authority.append(self._soa(current_zone))
                return
            next_zone = self._zone_for(cname_target)
            if next_zone is None:
                return
            name, current_zone = cname_target, next_zone

    def _lookup(self, response: Any, zone: str, fqdn: str, qtype: int) -> tuple[bool, int | None, str | None]:
        """Add the answers for `fqdn` in `zone`; returns (found, rcode to stop with, CNAME target)."""
        import dns.name
        import dns.rcode
        import dns.rdatatype

        records = list(self.state.records.get(zone, {}).values())
        source = "." if fqdn == zone else fqdn[: -len(zone) - 1]
        owner_name = dns.name.from_text(fqdn + ".")
        if qtype == dns.rdatatype.SOA and source == ".":
            response.answer.append(self._soa(zone))
            return True, None, None
        here = [r for r in records if r["source"].lower() == source]
        if not here:
            if any(r["source"].lower().endswith("." + source) for r in records) or source == ".":
                return False, None, None  # empty non-terminal: NODATA
            here = self._wildcard(records, source)
            if not here:
                return False, dns.rcode.NXDOMAIN, None
        wanted = dns.rdatatype.to_text(dns.rdatatype.RdataType.make(qtype))
        cnames = [r for r in here if r["type"] == "CNAME"]
        if cnames and wanted != "CNAME":
            cname = cnames[0]
            text = rdata_text("CNAME", cname["target"])
            response.answer.append(self._rrset(owner_name, "CNAME", cname["ttl"], [text]))
            return True, None, cname["target"].lower().rstrip(".")
        matching = here if wanted == "ANY" else [r for r in here if r["type"] == wanted]
        by_type: dict[str, list[JSON]] = {}
        for r in matching:
            by_type.setdefault(r["type"], []).append(r)
        for rtype, items in sorted(by_type.items()):
            texts = [rdata_text(rtype, r["target"]) for r in items]
            response.answer.append(self._rrset(owner_name, rtype, min(r["ttl"] for r in items), texts))
        return bool(by_type), None, None

    @staticmethod
    def _wildcard(records: list[JSON], source: str) -> list[JSON]:
        labels = [] if source == "." else source.split(".")
        for i in range(1, len(labels) + 1):
            wildcard = ".".join(["*", *labels[i:]]) if i < len(labels) else "*"
            found = [r for r in records if r["source"].lower() == wildcard]
            if found:
                return found
        return []

    def _soa(self, zone: str) -> Any:
        records = list(self.state.records.get(zone, {}).values())
        serial = max((int(r.get("updated_at") or 0) for r in records), default=0) % 4294967296
        text = f"{_dot(INFOMANIAK_NS[0])} hostmaster.{zone}. {serial} {SOA_TIMERS}"
        import dns.name

        return self._rrset(dns.name.from_text(zone + "."), "SOA", 300, [text])

    @staticmethod
    def _rrset(name: Any, rtype: str, ttl: int, texts: list[str]) -> Any:
        import dns.rdata
        import dns.rdataclass
        import dns.rdatatype
        import dns.rrset

        rdtype = dns.rdatatype.from_text(rtype)
        rdatas = []
        for text in texts:
            try:
                rdatas.append(dns.rdata.from_text(dns.rdataclass.IN, rdtype, text))
            except Exception:
                logger.warning("sandbox DNS: cannot publish %s %s %r", name, rtype, text)
        rrset = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
        for rdata in rdatas:
            rrset.add(rdata, ttl)
        return rrset


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def responder_for(app_state: Any, state: SandboxState) -> DnsResponder:
    """The app's responder (stored on the Starlette `app.state`), started on first use."""
    responder = getattr(app_state, "dns_responder", None)
    if not isinstance(responder, DnsResponder) or not responder.running:
        responder = DnsResponder(state).start()
        app_state.dns_responder = responder
    return responder
