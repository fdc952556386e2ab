"""A forward proxy that breaks the storage origin's answers on purpose: cut mid-body, ranges ignored, ETags changed.

`StorageFaults` is `support.proxy.ForwardProxy` (a real proxy on 127.0.0.1, given to a client as ``proxy=``)
whose answers to storage requests (paths under ``/speak-audio/``) follow a plan, one `Fault` per storage
request in order (requests past the plan pass unharmed): send only the first ``cut_after`` bytes of the body
and drop the connection; forward the request without its ``Range``/``If-Range`` (a server that ignores
ranges); or give the answer another ``ETag`` (an object that changed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import socket
import threading
from typing import Any

from support.proxy import HOP_BY_HOP, ForwardProxy, _ProxyHandler, _ProxyServer

STORAGE_PREFIX = "/speak-audio/"


@dataclasses.dataclass
class Fault:
    """What happens to one storage answer."""

    cut_after: int | None = None
    ignore_range: bool = False
    etag: str | None = None


class _FaultyHandler(_ProxyHandler):
    server: _FaultyServer
    _fault: Fault | None = None

    def _forward(self) -> None:
        owner = self.server.owner
        self._fault = owner._next_fault(self.path) if STORAGE_PREFIX in self.path else None
        if self._fault is not None and self._fault.ignore_range:
            del self.headers["Range"], self.headers["If-Range"]
        super()._forward()

    def _answer(self, answer: http.client.HTTPResponse) -> None:
        fault = self._fault
        if fault is None or (fault.cut_after is None and fault.etag is None):
            super()._answer(answer)
            return
        self.send_response_only(answer.status, answer.reason)
        length = answer.getheader("Content-Length")
        for name, value in answer.getheaders():
            if name.lower() in HOP_BY_HOP or (length is None and name.lower() == "content-length"):
                continue
            self.send_header(name, fault.etag if fault.etag is not None and name.lower() == "etag" else value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        while chunk := answer.read1(65536):
            if fault.cut_after is not None and sent + len(chunk) > fault.cut_after:
                chunk = chunk[: fault.cut_after - sent]
                self.wfile.write(chunk if length is not None else b"%x\r\n%b\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                self.server.owner._cut()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            sent += len(chunk)
            self.wfile.write(chunk if length is not None else b"%x\r\n%b\r\n" % (len(chunk), chunk))
        if length is None:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_HEAD = _forward


class _FaultyServer(_ProxyServer):
    owner: StorageFaults

    def __init__(self, owner: StorageFaults) -> None:
        self.owner = owner
        super(_ProxyServer, self).__init__(("127.0.0.1", 0), _FaultyHandler)


class StorageFaults(ForwardProxy):
    """A forward proxy whose storage answers follow ``plan`` (one `Fault` per storage request, in order)."""

    def __init__(self, plan: list[Fault] | None = None) -> None:
        super().__init__()
        self.plan = list(plan or [])
        self.cuts = 0
        """Storage answers cut short so far."""
        self._plan_lock = threading.Lock()

    def storage_requests(self) -> list[dict[str, str]]:
        """The headers of every storage request, oldest first."""
        return [r.headers for r in self.seen if STORAGE_PREFIX in r.target]

    def _next_fault(self, target: str) -> Fault | None:
        with self._plan_lock:
            return self.plan.pop(0) if self.plan else None

    def _cut(self) -> None:
        with self._plan_lock:
            self.cuts += 1

    def _make_server(self) -> Any:
        return _FaultyServer(self)
