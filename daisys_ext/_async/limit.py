"""The client's own concurrency limit, in front of the connection pool.

httpcore's pool looks at every queued request against every connection whenever a
request arrives or a connection is freed, so its CPU grows with the square of the
requests waiting in it: a thousand takes gathered at once cost several times the CPU a
take of sixty-four. Here the requests past ``max_concurrency`` wait in a semaphore
instead, first come first served, at the same cost for one waiting or a thousand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from .._fork import forget_after_fork
from .._synchronization import AsyncSemaphore


class AsyncLimitTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` requests open at once through ``inner``: from sending one until its body is closed.

    A request to a URL under ``exempt`` (the auth service's) never waits: requests holding
    a place may be waiting for the token it renews.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int, exempt: httpx.URL) -> None:
        self.inner = inner
        self.limit = limit
        self._exempt = exempt
        # Compared as bytes: str(request.url) would cost more than the rest of this layer.
        self._exempt_path, self._exempt_netloc = exempt.raw_path, exempt.netloc
        self._slots = AsyncSemaphore(limit)
        forget_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: all places free again (the parent's threads that held some are not there)."""
        self._slots = AsyncSemaphore(self.limit)

    def with_limit(self, limit: int) -> AsyncLimitTransport:
        """Another limit (a queue of its own) in front of the same pool."""
        return AsyncLimitTransport(self.inner, limit, self._exempt)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_path.startswith(self._exempt_path) and url.netloc == self._exempt_netloc:
            return await self.inner.handle_async_request(request)
        await self._slots.acquire()
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        if response.is_closed:  # read already (a transport of the caller's may answer so): nothing to wait for
            self._slots.release()
        else:
            response.stream = AsyncReleasingStream(response.stream, self._slots)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class AsyncReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its place back when it is closed (read to the end, or abandoned)."""

    def __init__(self, stream: httpx.AsyncByteStream, slots: AsyncSemaphore) -> None:
        self._stream = stream
        self._slots: AsyncSemaphore | None = slots

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._slots is not None:
                slots, self._slots = self._slots, None
                slots.release()
