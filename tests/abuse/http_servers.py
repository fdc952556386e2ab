"""Deliberately broken HTTP servers on 127.0.0.1, for the abuse suite.

`BrokenServer` answers each request by a route of the test's choosing, written as raw bytes
to the socket, so an answer can be cut short, malformed or never sent: what no well-behaved
server library would do. It records the requests it saw (method, path, headers).
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Seen:
    """A request as the server received it (header names in lower case)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Exchange:
    """What a route gets: the request, and the connection to write raw bytes to (or cut)."""

    request: Seen
    connection: socket.socket
    stopping: threading.Event
    closed: bool = False

    def send(self, data: bytes) -> None:
        self.connection.sendall(data)

    def cut(self) -> None:
        """Close the connection at once, whatever was or was not sent."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


Route = Callable[[Exchange], None]


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None, reason: str = "OK") -> bytes:
    """A complete HTTP/1.1 answer as bytes (Content-Length set unless given)."""
    fields = {"Content-Length": str(len(body)), **(headers or {})}
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode() + body


def json_answer(data: Any, status: int = 200) -> bytes:
    return answer(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


def reply(data: bytes) -> Route:
    """A route that sends ``data`` as it is."""
    return lambda exchange: exchange.send(data)


def hang(exchange: Exchange) -> None:
    """Accept the request and never answer (until the server stops)."""
    exchange.stopping.wait(30)
    exchange.cut()


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        while not self.server.stopping.is_set():
            try:
                line = self.rfile.readline()
            except OSError:
                return
            if not line.strip():
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (header := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            seen = Seen(method, target, headers, self.rfile.read(int(headers.get("content-length") or 0)))
            self.server.seen.append(seen)
            route = self.server.routes.get((method, target.split("?")[0]))
            exchange = Exchange(seen, self.connection, self.server.stopping)
            try:
                if route is None:
                    exchange.send(json_answer({"detail": "Not Found"}, 404))
                else:
                    route(exchange)
            except OSError:
                return
            if exchange.closed:
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[tuple[str, str], Route] = {}
        self.seen: list[Seen] = []
        self.stopping = threading.Event()


class BrokenServer:
    """A server whose answers are whatever the test's routes write; use in a ``with`` block."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def seen(self) -> list[Seen]:
        return self._server.seen

    def route(self, method: str, path: str, behaviour: Route) -> None:
        """Answer ``method path`` (the query ignored) with ``behaviour``."""
        self._server.routes[(method, path)] = behaviour

    def __enter__(self) -> BrokenServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
