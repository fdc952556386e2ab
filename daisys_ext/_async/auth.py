"""``AsyncDaisysAuth``: the Speak API's ``httpx.Auth``, driving the sans-I/O ``Tokens`` under a lock."""

from __future__ import annotations

from typing import Any

import httpx

from .._errors import http_error
from .._http.tokens import AsyncFlow, Tokens, first_request, next_request, public_request
from .._synchronization import AsyncLock


class AsyncDaisysAuth(httpx.Auth):
    """Log in on first use, renew the token once on a 401 and retry once; one renewal serves all waiting.

    The auth service's requests get the client's timeout: they are built here, not by the
    client, so nothing else would give them one.
    """

    # False keeps streamed audio streamed: with True httpx reads every body before the flow sees it.
    requires_response_body = False

    def __init__(self, tokens: Tokens, public_paths: frozenset[str], timeout: dict[str, Any]) -> None:
        self.tokens = tokens
        self._public_paths = public_paths
        self._timeout = timeout
        self._lock = AsyncLock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncFlow:
        if public_request(request, self._public_paths):
            yield request
            return
        if self.tokens.access_token is None:
            async with self._lock:
                flow = self.tokens.renew(None)
                step = first_request(flow)
                while step is not None:
                    step.extensions.setdefault("timeout", self._timeout)
                    answer = yield step
                    await answer.aread()
                    step = next_request(flow, answer)
        used = self.tokens.authorize(request)
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock:
            flow = self.tokens.renew(used)
            step = first_request(flow)
            while step is not None:
                step.extensions.setdefault("timeout", self._timeout)
                answer = yield step
                await answer.aread()
                step = next_request(flow, answer)
        self.tokens.authorize(request)
        response = yield request
        if response.status_code == 401:
            await response.aread()
            raise http_error(response)
