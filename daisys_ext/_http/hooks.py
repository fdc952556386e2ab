"""What the clients' httpx event hooks decide: log every exchange (redacted), and which answers are errors.

Raising as each answer arrives means the generated code only ever parses success answers,
and the error keeps the real ``httpx.Response``. A 401 on a request the auth flow manages
is left to the auth flow, which renews the token and retries. The hooks themselves are
``_async/hooks.py`` and its generated twin.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

import httpx

from .._logging import redact_url
from .tokens import MANAGED

logger = logging.getLogger("daisys_ext")


def log_request(request: httpx.Request) -> None:
    logger.debug("%s %s", request.method, redact_url(str(request.url)))


def log_response(response: httpx.Response) -> None:
    request = response.request
    logger.debug("%s %s -> %d", request.method, redact_url(str(request.url)), response.status_code)


def is_error(response: httpx.Response) -> bool:
    """Whether the hook raises for this answer: any error status but a 401 the auth flow will handle."""
    if response.status_code < 400:
        return False
    return not (response.status_code == 401 and response.request.extensions.get(MANAGED))


# The last answer the hooks saw in this thread or task: the generated parser raises on an
# answer it cannot read without handing the answer over, and the typed error wants it.
_last_response: ContextVar[httpx.Response | None] = ContextVar("daisys_ext_last_response", default=None)


def remember(response: httpx.Response) -> None:
    _last_response.set(response)


def last_response() -> httpx.Response | None:
    """The answer the hooks saw last in this thread or task, if any."""
    return _last_response.get()
