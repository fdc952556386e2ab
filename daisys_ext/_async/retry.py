"""``AsyncRetryTransport``: retries what ``RetryPolicy`` allows, around another httpx transport."""

from __future__ import annotations

import httpx

from .._http.retry import Attempts, RetryPolicy
from .._synchronization import async_sleep


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """A transport that retries what ``RetryPolicy`` allows, around another transport.

    ``owns_inner`` False leaves the inner transport (a connection pool shared with the
    client this one was copied from by ``with_options``) open on ``aclose``.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy, *, owns_inner: bool = True) -> None:
        self.inner = inner
        self.policy = policy
        self.owns_inner = owns_inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = Attempts(self.policy, request)
        while True:
            attempts.begin()
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as exc:
                delay = attempts.after_error(exc)
            else:
                if (retry_delay := attempts.after_response(response)) is None:
                    return response
                await response.aclose()
                delay = retry_delay
            await async_sleep(delay)

    async def aclose(self) -> None:
        if self.owns_inner:
            await self.inner.aclose()


class AsyncClientTransport(httpx.AsyncBaseTransport):
    """Sends through a caller's own ``httpx.AsyncClient`` (``http_client=``): its pool, proxy and TLS settings.

    The request arrives complete (URL, headers, auth, timeout); the caller's client only
    carries it, with no auth or redirect of its own. It is the caller's to close.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.client.send(request, auth=None, follow_redirects=False, stream=True)

    async def aclose(self) -> None:
        return None
