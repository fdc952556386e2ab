# Generated from daisys_ext/_async/auth.py by scripts/unasync.py: edit that one, then `make unasync`.
"""``DaisysAuth``: the Speak API's ``httpx.Auth``, driving the sans-I/O ``Tokens`` under a lock."""

from __future__ import annotations

from typing import Any

import httpx

from .._errors import http_error
from .._http.tokens import Flow, Tokens, first_request, next_request, public_request
from .._synchronization import Lock


class DaisysAuth(httpx.Auth):
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
        self._lock = Lock()

    def sync_auth_flow(self, request: httpx.Request) -> Flow:
        if public_request(request, self._public_paths):
            yield request
            return
        if self.tokens.access_token is None:
            with self._lock:
                flow = self.tokens.renew(None)
                step = first_request(flow)
                while step is not None:
                    step.extensions.setdefault("timeout", self._timeout)
                    answer = yield step
                    answer.read()
                    step = next_request(flow, answer)
        used = self.tokens.authorize(request)
        response = yield request
        if response.status_code != 401:
            return
        with self._lock:
            flow = self.tokens.renew(used)
            step = first_request(flow)
            while step is not None:
                step.extensions.setdefault("timeout", self._timeout)
                answer = yield step
                answer.read()
                step = next_request(flow, answer)
        self.tokens.authorize(request)
        response = yield request
        if response.status_code == 401:
            response.read()
            raise http_error(response)
