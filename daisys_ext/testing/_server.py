"""A small, fast HTTP/1.1 server base: keep-alive, TCP_NODELAY, and each answer written in a single send.

Writing status line, headers and body in one `sendall` (with Nagle off) keeps a loopback round trip near a
millisecond instead of the ~40 ms that delayed ACKs cost when headers and body go out separately.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._record import Headers, RecordedRequest, RequestLog

_REASONS = {code: phrase for code, (phrase, _) in BaseHTTPRequestHandler.responses.items()}


@dataclasses.dataclass
class Request:
    """An incoming request, body fully read."""

    method: str
    path: str  # percent-decoded path
    query: str
    headers: Headers
    body: bytes

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string parsed (blank values kept)."""
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)


class AbortStream(Exception):
    """Raised by a streaming body to drop the connection without finishing the response (a failed generation)."""


@dataclasses.dataclass
class Response:
    """An answer: a complete body, or `stream` chunks sent with chunked transfer encoding."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    stream: Iterable[bytes] | None = None


def json_response(status: int, data: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON answer, compact and UTF-8 like FastAPI's."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", "application/json"), *headers])


App = Callable[[Request], Response]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: AppServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request record is the log."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        headers = Headers(self.headers.items())
        request = Request(self.command, urllib.parse.unquote(split.path), split.query, headers, self._read_body())
        record = RecordedRequest(
            self.server.origin, request.method, request.path, request.query, headers, time.time(), request.body
        )
        self.server.log.add(record)
        try:
            response = self.server.app(request)
        except Exception:  # an emulator bug must still answer, and be visible
            self.server.errors.append(traceback.format_exc())
            traceback.print_exc(file=sys.stderr)
            response = json_response(500, {"detail": "Internal Server Error"})
        record.status = response.status
        self._write(response)

    def _write(self, response: Response) -> None:
        head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}"]
        names = {name.lower() for name, _ in response.headers}
        head += [f"{name}: {value}" for name, value in response.headers]
        head.append(f"Date: {self.date_time_string()}")
        if "server" not in names:
            head.append("Server: daisys-emulator")
        if self.close_connection:
            head.append("Connection: close")
        body = b"" if self.command == "HEAD" else response.body
        if response.stream is None:
            head.append(f"Content-Length: {len(response.body)}")
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            return
        head.append("Transfer-Encoding: chunked")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        try:
            for chunk in response.stream:
                if chunk:
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        except AbortStream:
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class AppServer(ThreadingHTTPServer):
    """A threading HTTP server for one origin, answering with `app` and recording requests in `log`."""

    daemon_threads = True
    block_on_close = False  # keep-alive connections must not hold up stop()
    request_queue_size = 128

    def __init__(self, app: App, origin: str, log: RequestLog, port: int = 0) -> None:
        self.app = app
        self.origin = origin
        self.log = log
        self.errors: list[str] = []
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        """The origin's base URL, e.g. http://127.0.0.1:43121."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept with Nagle off, and remember the connection so stop() can close it."""
        conn, address = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        """Forget a finished connection."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up mid-answer; report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"daisys-emulator-{self.origin}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections."""
        self.shutdown()
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
