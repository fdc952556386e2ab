"""Network middlemen for tests, on ephemeral ports of 127.0.0.1: a forward HTTP proxy and a TLS terminator.

`ForwardProxy` is a real forward proxy: absolute-form requests (``GET http://host:port/path``) are forwarded
to their origin and the answer streamed back (chunked when the origin streams), and ``CONNECT host:port`` opens
a tunnel that carries bytes both ways (what websockets and https go through). It records every request it saw.

`TlsTerminator` accepts TLS with a certificate of the test's own CA and relays the decrypted bytes to a plain
TCP upstream (the emulator's API or worker), so a client can be pointed at ``https://`` or ``wss://`` in front
of the emulator. It counts the handshakes that succeeded and those the client refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import select
import socket
import socketserver
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

__all__ = ["ForwardProxy", "ProxiedRequest", "TlsTerminator"]

TIMEOUT = 30.0
# Headers that describe one hop, not the request: never forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "proxy-authenticate",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def relay(a: socket.socket, b: socket.socket, timeout: float = TIMEOUT) -> None:
    """Copy bytes both ways between two sockets until either side closes (or nothing moves for ``timeout``)."""
    sockets = [a, b]
    try:
        while True:
            readable, _, broken = select.select(sockets, [], sockets, timeout)
            if broken or not readable:
                return
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                # TLS decrypts a whole record at a time: what it holds already, select() cannot see.
                while isinstance(source, ssl.SSLSocket) and source.pending():
                    data += source.recv(source.pending())
                (b if source is a else a).sendall(data)
    except (OSError, ValueError):  # a side reset, or was closed by stop()
        return


@dataclasses.dataclass
class ProxiedRequest:
    """One request the proxy received: ``target`` is the absolute URL, or ``host:port`` for CONNECT."""

    method: str
    target: str
    headers: dict[str, str]
    status: int | None = None

    @property
    def host_port(self) -> str:
        """``host:port`` the request was for, whatever its form."""
        if self.method == "CONNECT":
            return self.target
        parts = urllib.parse.urlsplit(self.target)
        return f"{parts.hostname}:{parts.port or 80}"

    @property
    def path(self) -> str:
        """The path of an absolute-form request ('' for CONNECT)."""
        return "" if self.method == "CONNECT" else urllib.parse.urlsplit(self.target).path


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Unbuffered reads: after CONNECT the socket's bytes belong to the tunnel, none may sit in a buffer.
    rbufsize = 0
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the record is the log."""

    def _record(self) -> ProxiedRequest:
        seen = ProxiedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.owner._add(seen)
        return seen

    def _refuse(self, seen: ProxiedRequest, status: int, why: str) -> None:
        seen.status = status
        body = why.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_CONNECT(self) -> None:
        seen = self._record()
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT)
        except (OSError, ValueError) as exc:
            self._refuse(seen, 502, f"cannot reach {self.path}: {exc}")
            return
        self.server.owner._track(upstream)
        try:
            seen.status = 200
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(self.connection, upstream)
        finally:
            self.server.owner._untrack(upstream)
            upstream.close()
        self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self) -> None:
        seen = self._record()
        parts = urllib.parse.urlsplit(self.path)
        if parts.scheme != "http" or not parts.hostname:
            self._refuse(seen, 400, "a forward proxy takes absolute-form http:// requests or CONNECT")
            return
        body = self._read_body()
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT)
        try:
            target = parts.path or "/"
            if parts.query:
                target += "?" + parts.query
            upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    upstream.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            answer = upstream.getresponse()
        except OSError as exc:
            upstream.close()
            self._refuse(seen, 502, f"cannot reach {parts.netloc}: {exc}")
            return
        seen.status = answer.status
        try:
            self._answer(answer)
        finally:
            upstream.close()

    def _answer(self, answer: http.client.HTTPResponse) -> None:
        """Send the origin's answer on, streaming its body: chunked unless it has a length."""
        self.send_response_only(answer.status, answer.reason)
        length = answer.getheader("Content-Length")
        chunked = answer.getheader("Transfer-Encoding", "").lower() == "chunked" or length is None
        no_body = self.command == "HEAD" or answer.status in (204, 304) or 100 <= answer.status < 200
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and not (chunked and name.lower() == "content-length"):
                self.send_header(name, value)
        if chunked and not no_body:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if no_body:
            return
        try:
            while chunk := answer.read1(65536):
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        except (http.client.IncompleteRead, OSError):
            # The origin broke its answer off: break ours off too, so the client sees it.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: ForwardProxy) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.owner._track(conn)
        self.owner._connected()
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        self.owner._untrack(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up: not worth a traceback."""


class _Sockets:
    """A test server run by a thread of its own (use it in a with block), and its open sockets, which stop()
    cuts (tunnels and keep-alive connections would otherwise hold the server up)."""

    def __init__(self) -> None:
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: socketserver.BaseServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> socketserver.BaseServer:
        raise NotImplementedError

    def start(self) -> Self:
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._cut_all()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class ForwardProxy(_Sockets):
    """A forward HTTP proxy on 127.0.0.1 that records what it carried; use it in a with block."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: list[ProxiedRequest] = []
        self._seen_lock = threading.Lock()
        self.connections = 0
        """TCP connections clients opened to the proxy (a pooled connection carries many requests)."""

    @property
    def url(self) -> str:
        """``http://127.0.0.1:{port}``: what ``proxy=`` takes."""
        assert self._server is not None, "the proxy is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def seen(self) -> list[ProxiedRequest]:
        """Every request received so far, oldest first."""
        with self._seen_lock:
            return list(self._seen)

    def for_origin(self, url: str) -> list[ProxiedRequest]:
        """The requests (absolute-form or CONNECT) meant for the origin of ``url``."""
        parts = urllib.parse.urlsplit(url)
        default = 443 if parts.scheme in ("https", "wss") else 80
        wanted = f"{parts.hostname}:{parts.port or default}"
        return [r for r in self.seen if r.host_port == wanted]

    def _add(self, seen: ProxiedRequest) -> None:
        with self._seen_lock:
            self._seen.append(seen)

    def _connected(self) -> None:
        with self._seen_lock:
            self.connections += 1

    def _make_server(self) -> socketserver.BaseServer:
        return _ProxyServer(self)


class _TlsHandler(socketserver.BaseRequestHandler):
    server: _TlsServer

    def handle(self) -> None:
        owner = self.server.owner
        raw: socket.socket = self.request
        raw.settimeout(TIMEOUT)
        try:
            tls = owner.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            owner._refused(exc)
            return
        owner._track(tls)
        try:
            owner._accepted()
            try:
                upstream = socket.create_connection(owner.upstream, timeout=TIMEOUT)
            except OSError:
                return
            owner._track(upstream)
            try:
                relay(tls, upstream)
            finally:
                owner._untrack(upstream)
                upstream.close()
        finally:
            owner._untrack(tls)
            with contextlib.suppress(OSError):
                tls.close()


class _TlsServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: TlsTerminator) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _TlsHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.owner._track(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        self.owner._untrack(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up: not worth a traceback."""


class TlsTerminator(_Sockets):
    """TLS on 127.0.0.1 with ``context``'s certificate, relaying plain bytes to ``upstream`` (host, port)."""

    def __init__(self, context: ssl.SSLContext, upstream: tuple[str, int]) -> None:
        super().__init__()
        self.context = context
        self.upstream = upstream
        self.handshakes = 0
        self.refusals: list[str] = []
        self._count_lock = threading.Lock()

    @classmethod
    def for_url(cls, context: ssl.SSLContext, url: str) -> TlsTerminator:
        """A terminator in front of the origin of ``url`` (``http://`` or ``ws://``)."""
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        return cls(context, (parts.hostname, parts.port))

    @property
    def port(self) -> int:
        assert self._server is not None, "the TLS terminator is not running"
        return int(self._server.server_address[1])

    def _accepted(self) -> None:
        with self._count_lock:
            self.handshakes += 1

    def _refused(self, exc: BaseException) -> None:
        with self._count_lock:
            self.refusals.append(f"{type(exc).__name__}: {exc}")

    def _make_server(self) -> socketserver.BaseServer:
        return _TlsServer(self)
