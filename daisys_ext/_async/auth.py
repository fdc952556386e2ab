"""``AsyncDaisysAuth``: the Speak API's ``httpx.Auth``, driving the sans-I/O ``Tokens`` under a lock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .._errors import http_error
from .._fork import forget_after_fork
from .._http.retry import retries_before
from .._http.tokens import AsyncFlow, Tokens, first_request, next_request, public_request
from .._synchronization import AsyncLock
from .shared_tokens import AsyncSharedTokens

# A token renewed for a request and refused at once, twice: the credentials are not good enough.
MAX_REFUSALS = 2
# A token can also expire while the request it was renewed for waits on retries (Retry-After):
# renewed again then, up to this many renewals a call in all.
MAX_RENEWALS = 5


class AsyncDaisysAuth(httpx.Auth):
    """Log in on first use, renew the token on a 401 and retry; one renewal serves all waiting.

    The auth service's requests get the client's timeout and headers (its User-Agent and
    ``default_headers``): they are built here, not by the client, so nothing else would
    give them any.
    """

    # False keeps streamed audio streamed: with True httpx reads every body before the flow sees it.
    requires_response_body = False

    def __init__(
        self,
        tokens: Tokens,
        public_paths: frozenset[str],
        timeout: dict[str, Any],
        headers: Mapping[str, str] | None = None,
        shared: AsyncSharedTokens | None = None,
    ) -> None:
        self.tokens = tokens
        self.shared = shared or AsyncSharedTokens(None, tokens, 0.0)
        self._public_paths = public_paths
        self._timeout = timeout
        self._headers = dict(headers or {})
        self._lock = AsyncLock()
        forget_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: a lock of its own (another thread of the parent may have held this one)."""
        self._lock = AsyncLock()

    def _prepare(self, step: httpx.Request) -> httpx.Request:
        """An auth-service request as the client would send it: its timeout and headers, where not set."""
        step.extensions.setdefault("timeout", self._timeout)
        for name, value in self._headers.items():
            step.headers.setdefault(name, value)
        return step

    async def async_auth_flow(self, request: httpx.Request) -> AsyncFlow:
        if public_request(request, self._public_paths):
            yield request
            return
        stale: str | None = None  # the token the last attempt failed with; None: there was none
        renewals = refusals = 0
        while True:
            taken = False  # whether the token tried next is another process's renewal, from the token store
            if renewals or self.tokens.access_token is None:
                # Under the lock, and only if ``stale`` is still the token held: one renewal serves
                # every thread or task that failed with the same token, never a storm of them; with a
                # token store, one renewal serves every process sharing it (see shared_tokens).
                async with self._lock, self.shared.renewal(stale) as taken:
                    flow = self.tokens.renew(stale)
                    step = first_request(flow)
                    while step is not None:
                        answer = yield self._prepare(step)
                        await answer.aread()
                        step = next_request(flow, answer)
            stale = self.tokens.authorize(request)
            response = yield request
            if response.status_code != 401:
                return  # the answer, error or not, is the caller's to judge
            renewals += 1
            # Not a refusal of the credentials when a retry wait explains an expiry, or when the token was
            # another process's, which may have aged in the store (still bounded by MAX_RENEWALS).
            if not retries_before(response) and not taken:
                refusals += 1
            if refusals > MAX_REFUSALS or renewals > MAX_RENEWALS:
                await response.aread()
                raise http_error(response)
