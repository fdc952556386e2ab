# Generated from daisys_ext/_async/retry.py by scripts/unasync.py: edit that one, then `make unasync`.
"""``RetryTransport``: retries what ``RetryPolicy`` allows, around another httpx transport."""

from __future__ import annotations

import httpx

from .._http.retry import Attempts, RetryPolicy
from .._synchronization import sleep


class RetryTransport(httpx.BaseTransport):
    """A transport that retries what ``RetryPolicy`` allows, around another transport.

    ``owns_inner`` False leaves the inner transport (a connection pool shared with the
    client this one was copied from by ``with_options``) open on ``close``.
    """

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy, *, owns_inner: bool = True) -> None:
        self.inner = inner
        self.policy = policy
        self.owns_inner = owns_inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = Attempts(self.policy, request)
        while True:
            attempts.begin()
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                delay = attempts.after_error(exc)
            else:
                if (retry_delay := attempts.after_response(response)) is None:
                    return response
                response.close()
                delay = retry_delay
            sleep(delay)

    def close(self) -> None:
        if self.owns_inner:
            self.inner.close()


class ClientTransport(httpx.BaseTransport):
    """Sends through a caller's own ``httpx.Client`` (``http_client=``): its pool, proxy and TLS settings.

    The request arrives complete (URL, headers, auth, timeout); the caller's client only
    carries it, with no auth or redirect of its own. It is the caller's to close.
    """

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.client.send(request, auth=None, follow_redirects=False, stream=True)

    def close(self) -> None:
        return None
