"""No network during replay: a cassette test that opens a connection (127.0.0.1 included) fails, saying where to.

Replay must come from the cassettes alone. vcrpy already refuses a request it cannot match, but a connection
made some other way (another HTTP library, a websocket, a client bypassing the patched transport) would
otherwise reach a real server, or wait for DNS, and pass or fail for the wrong reason. Local servers a test
starts on purpose (a websocket replay server) are allowed by address.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest


class NetworkBlocked(RuntimeError):
    """A replayed test tried to use the network. Not an OSError, so no client mistakes it for a retryable fault."""


class NetworkGuard:
    """Refuses IP connections and name lookups except to allowed addresses, and remembers every attempt."""

    def __init__(self) -> None:
        self.allowed: set[tuple[str, int]] = set()
        self.attempts: list[str] = []
        self.installed = False

    def allow(self, address: tuple[str, int]) -> None:
        """Let connections to ``(host, port)`` through (a local server the test started itself)."""
        self.allowed.add(address)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Patch socket connects and lookups until the test ends."""
        real_connect, real_connect_ex, real_getaddrinfo = (
            socket.socket.connect,
            socket.socket.connect_ex,
            socket.getaddrinfo,
        )

        def connect(sock: socket.socket, address: Any) -> None:
            self._check(sock, address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            self._check(sock, address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            # An address literal asks no name server; connecting to it is what the connect guard judges.
            if not _is_address(host):
                self._refuse(f"name lookup of {host!r} (port {port})")
            return real_getaddrinfo(host, port, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        self.installed = True

    def _check(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # a Unix socket is not the network
        if tuple(address[:2]) not in self.allowed:
            self._refuse(f"connection to {address[0]}:{address[1]}")

    def _refuse(self, what: str) -> None:
        self.attempts.append(what)
        raise NetworkBlocked(f"{what} during cassette replay: the network is blocked (record with `make record`)")


def _is_address(host: Any) -> bool:
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
    except (ValueError, AttributeError):
        return False
    return True
