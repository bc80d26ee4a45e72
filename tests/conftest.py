"""Root conftest: intentionally minimal; fixtures live in each test directory's conftest.

Two guards for every test:
- the server's private state (confirmation secret, audit log, history) goes to a per-test
  temporary directory, never to the developer's home;
- network traffic may only go to loopback: a socket connect/sendto to any other address fails
  the test at once (tests run against the in-process or 127.0.0.1 sandbox, never Infomaniak
  or public DNS).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("INFOMANIAK_MCP_STATE_DIR", str(directory))
    monkeypatch.setenv("XDG_STATE_HOME", str(directory))  # still private if a test clears INFOMANIAK_*
    monkeypatch.delenv("INFOMANIAK_MCP_AUDIT_LOG", raising=False)
    return directory


class NonLoopbackTraffic(AssertionError):
    """A test tried to reach an address other than loopback."""


def _check(address: Any) -> None:
    if not isinstance(address, tuple) or not address:
        return  # AF_UNIX paths and the like
    host = str(address[0])
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise NonLoopbackTraffic(f"tests may only reach loopback; refused a connection to {host!r}")


@pytest.fixture(autouse=True, scope="session")
def loopback_only() -> Iterator[None]:
    real_connect, real_connect_ex, real_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def connect(self: socket.socket, address: Any) -> None:
        _check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check(args[-1])
        return real_sendto(self, data, *args)  # type: ignore[call-overload, no-any-return]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = real_sendto  # type: ignore[method-assign]
