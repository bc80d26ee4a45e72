"""The root conftest's guard: tests cannot reach anything but loopback."""

from __future__ import annotations

import socket

import pytest


def test_a_public_address_is_refused_before_any_packet() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(AssertionError, match="loopback"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: would go out to the network
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(AssertionError, match="loopback"):
        udp.sendto(b"\0", ("9.9.9.9", 53))


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
