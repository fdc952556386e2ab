# Generated from daisys_ext/_async/transports.py by scripts/unasync.py: edit that one, then `make unasync`.
"""The httpx transports under the client: retries, a pool made on first use, and a caller's own httpx client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from .._fork import forget_after_fork
from .._http.retry import RETRY_STATUSES, Attempts, RetryPolicy, log_answer, log_attempt
from .._synchronization import sleep


class RetryTransport(httpx.BaseTransport):
    """A transport that retries what ``RetryPolicy`` allows, around another transport, and logs every attempt.

    ``owns_inner`` False leaves the inner transport (a connection pool shared with the
    client this one was copied from by ``with_options``) open on ``close``.
    """

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy, *, owns_inner: bool = True) -> None:
        self.inner = inner
        self.policy = policy
        self.owns_inner = owns_inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        log_attempt(request)
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError as exc:
            return self._retry(request, started, exc)
        log_answer(request, response)
        if response.status_code in RETRY_STATUSES:
            return self._retry(request, started, response)
        return response  # the usual answer: one attempt, nothing to decide

    def _retry(
        self, request: httpx.Request, started: float, outcome: httpx.Response | httpx.TransportError
    ) -> httpx.Response:
        """The attempts after a first one that failed or was answered with a status worth retrying."""
        attempts = Attempts(self.policy, request, started)
        while True:
            if isinstance(outcome, httpx.TransportError):
                delay = attempts.after_error(outcome)  # raises the typed error when there is no retry left
            else:
                if (retry_delay := attempts.after_response(outcome)) is None:
                    return outcome
                outcome.close()
                delay = retry_delay
            sleep(delay)
            attempts.begin()
            log_attempt(request)
            try:
                outcome = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                outcome = exc
            else:
                log_answer(request, outcome)

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


class LazyTransport(httpx.BaseTransport):
    """The connection pool, made by the first request rather than with the client.

    Loading the TLS trust store takes tens of milliseconds, which a program that makes a
    client at start-up and uses it later (or never) need not pay up front.
    """

    def __init__(self, make: Callable[[], httpx.BaseTransport]) -> None:
        self._make = make
        self._inner: httpx.BaseTransport | None = None
        self._lock = threading.Lock()  # held only while the pool is made
        forget_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: the parent's pool dropped (not closed: its sockets are the parent's)."""
        self._inner = None
        self._lock = threading.Lock()

    def _pool(self) -> httpx.BaseTransport:
        with self._lock:
            if self._inner is None:
                self._inner = self._make()
            return self._inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return (self._inner or self._pool()).handle_request(request)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
