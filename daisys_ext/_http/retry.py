"""Retries of failed calls: the policy and the bookkeeping of one request's attempts (no I/O).

What is retried: connection failures of any request that never reached the server, and
for GET, HEAD and DELETE also 429, 502, 503, 504 and broken connections. A POST that may
have reached the server is never sent twice: a generate request repeated is a second take.
All attempts of one request share one deadline, so retries never multiply the timeout.
The transport that applies it is ``AsyncRetryTransport`` in ``_async/transports.py`` (and its
generated twin); it also logs every attempt (redacted), and tells the layers above how many
retries went before an answer on the answer itself (``retries_before``).
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import time
from dataclasses import dataclass, field

import httpx

from .._errors import transport_error
from .._logging import redact_url

logger = logging.getLogger("daisys_ext")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
# The key, on a response's httpx extensions (where a transport says what it knows of an exchange),
# of how many times the request was retried before this answer; absent: none.
RETRIES = "daisys_ext.retries"
# Failures before any byte of the request could have been processed.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry and after how long: exponential backoff with jitter, honouring Retry-After."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    deadline: float = 60.0
    """Seconds for all attempts of one request together, until its response headers arrive."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """The delay before retry number ``attempt + 1``: 0.5, 1, 2, ... s, capped, times U(0.75, 1)."""
        jitter: float = self.rng.uniform(0.75, 1.0)
        return min(self.base_delay * 2.0**attempt, self.max_delay) * jitter

    def delay(
        self,
        attempt: int,
        method: str,
        *,
        status: int | None = None,
        error: Exception | None = None,
        retry_after: str | None = None,
        remaining: float,
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up and pass on the answer or error."""
        if attempt >= self.max_retries:
            return None
        idempotent = method.upper() in IDEMPOTENT_METHODS
        if error is not None:
            if _certificate_refused(error):
                return None  # the same certificate will be refused again
            retryable = isinstance(error, NOT_SENT_ERRORS) or (idempotent and isinstance(error, httpx.TransportError))
        else:
            retryable = idempotent and status in RETRY_STATUSES
        if not retryable:
            return None
        wait = parse_retry_after(retry_after)
        wait = min(wait, self.max_retry_after) if wait is not None else self.backoff(attempt)
        return wait if wait < remaining else None


def _certificate_refused(error: BaseException) -> bool:
    """Whether a connection failed because the server's certificate was not trusted (httpx wraps ssl's error)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def retries_before(response: httpx.Response) -> int:
    """How many times the retry transport retried the request before ``response`` came (0: none).

    The auth flow reads it: a token refused after retry waits may have expired during them.
    """
    retries: int = response.extensions.get(RETRIES, 0)
    return retries


def log_attempt(request: httpx.Request) -> None:
    """Log one attempt of ``request`` (at debug level; the URL redacted)."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s %s", request.method, redact_url(str(request.url)))


def log_answer(request: httpx.Request, response: httpx.Response) -> None:
    """Log the status an attempt of ``request`` was answered with (at debug level; the URL redacted)."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s %s -> %d", request.method, redact_url(str(request.url)), response.status_code)


def request_deadline(request: httpx.Request, default: float) -> float:
    """Seconds for all attempts of ``request``: its own longest timeout, so an audio download
    (``audio_timeout``) is not cut to an API call's; ``default`` for a request without any."""
    timeouts = [value for value in request.extensions.get("timeout", {}).values() if value is not None]
    return max(timeouts, default=default)


def _clip_timeouts(request: httpx.Request, remaining: float) -> None:
    timeouts = request.extensions.get("timeout", {})
    request.extensions["timeout"] = {
        key: remaining if value is None else min(value, remaining) for key, value in timeouts.items()
    }


class Attempts:
    """The attempts of one request: clips each to the shared deadline and decides what follows it.

    Both transports drive it; only sending, closing and sleeping differ between them.
    """

    def __init__(self, policy: RetryPolicy, request: httpx.Request, started: float | None = None) -> None:
        self.policy = policy
        self.request = request
        start = time.monotonic() if started is None else started
        self.deadline = start + request_deadline(request, policy.deadline)
        self.count = 0

    def begin(self) -> None:
        """Before each attempt: a retry gets only what is left of the deadline (the first has all of it)."""
        if self.count:
            _clip_timeouts(self.request, max(self.deadline - time.monotonic(), 0.001))

    def after_error(self, exc: httpx.TransportError) -> float:
        """The delay before the next attempt; or the typed error, raised, when there is none."""
        delay = self.policy.delay(self.count, self.request.method, error=exc, remaining=self._remaining())
        if delay is None:
            raise transport_error(exc, self.request, self.count + 1) from exc
        return self._next(type(exc).__name__, delay)

    def after_response(self, response: httpx.Response) -> float | None:
        """The delay before the next attempt, or None to hand this response on."""
        if response.status_code not in RETRY_STATUSES:  # the usual answer: nothing to decide
            if self.count:
                response.extensions[RETRIES] = self.count
            return None
        delay = self.policy.delay(
            self.count,
            self.request.method,
            status=response.status_code,
            retry_after=response.headers.get("retry-after"),
            remaining=self._remaining(),
        )
        if delay is None:
            if self.count:
                response.extensions[RETRIES] = self.count
            return None
        return self._next(f"status {response.status_code}", delay)

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _next(self, reason: str, delay: float) -> float:
        logger.info(
            "retrying %s %s after %s in %.2f s (retry %d)",
            self.request.method,
            redact_url(str(self.request.url)),
            reason,
            delay,
            self.count + 1,
        )
        self.count += 1
        return delay
