# Generated from daisys_ext/_async/limit.py by scripts/unasync.py: edit that one, then `make unasync`.
"""The client's own concurrency limit, in front of the connection pool.

httpcore's pool looks at every queued request against every connection whenever a
request arrives or a connection is freed, so its CPU grows with the square of the
requests waiting in it: a thousand takes gathered at once cost several times the CPU a
take of sixty-four. Here the requests past ``max_concurrency`` wait in a semaphore
instead, first come first served, at the same cost for one waiting or a thousand.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from .._fork import forget_after_fork
from .._synchronization import Semaphore


class LimitTransport(httpx.BaseTransport):
    """At most ``limit`` requests open at once through ``inner``: from sending one until its body is closed.

    A request to a URL under ``exempt`` (the auth service's) never waits: requests holding
    a place may be waiting for the token it renews.
    """

    def __init__(self, inner: httpx.BaseTransport, limit: int, exempt: httpx.URL) -> None:
        self.inner = inner
        self.limit = limit
        self._exempt = exempt
        # Compared as bytes: str(request.url) would cost more than the rest of this layer.
        self._exempt_path, self._exempt_netloc = exempt.raw_path, exempt.netloc
        self._slots = Semaphore(limit)
        forget_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: all places free again (the parent's threads that held some are not there)."""
        self._slots = Semaphore(self.limit)

    def with_limit(self, limit: int) -> LimitTransport:
        """Another limit (a queue of its own) in front of the same pool."""
        return LimitTransport(self.inner, limit, self._exempt)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_path.startswith(self._exempt_path) and url.netloc == self._exempt_netloc:
            return self.inner.handle_request(request)
        self._slots.acquire()
        try:
            response = self.inner.handle_request(request)
        except BaseException:
            self._slots.release()
            raise
        if response.is_closed:  # read already (a transport of the caller's may answer so): nothing to wait for
            self._slots.release()
        else:
            response.stream = ReleasingStream(response.stream, self._slots)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self.inner.close()


class ReleasingStream(httpx.SyncByteStream):
    """A response body that gives its place back when it is closed (read to the end, or abandoned)."""

    def __init__(self, stream: httpx.SyncByteStream, slots: Semaphore) -> None:
        self._stream = stream
        self._slots: Semaphore | None = slots

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            if self._slots is not None:
                slots, self._slots = self._slots, None
                slots.release()
