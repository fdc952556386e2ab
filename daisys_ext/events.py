"""httpx event hooks: log every exchange (redacted) and turn error answers into typed errors.

Raising here, as each answer arrives, means the generated code only ever parses success
answers, and the error keeps the real ``httpx.Response``. A 401 on a request the auth flow
manages is left to the auth flow, which renews the token and retries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from .auth import MANAGED
from .errors import http_error
from .redact import redact_url

logger = logging.getLogger("daisys_ext")


def _log_request(request: httpx.Request) -> None:
    logger.debug("%s %s", request.method, redact_url(str(request.url)))


def _needs_raise(response: httpx.Response) -> bool:
    if response.status_code < 400:
        return False
    return not (response.status_code == 401 and response.request.extensions.get(MANAGED))


def _log_response(response: httpx.Response) -> None:
    request = response.request
    logger.debug("%s %s -> %d", request.method, redact_url(str(request.url)), response.status_code)


def raise_for_status(response: httpx.Response) -> None:
    _log_response(response)
    if _needs_raise(response):
        response.read()
        raise http_error(response)


async def araise_for_status(response: httpx.Response) -> None:
    _log_response(response)
    if _needs_raise(response):
        await response.aread()
        raise http_error(response)


async def _alog_request(request: httpx.Request) -> None:
    _log_request(request)


def sync_hooks() -> dict[str, list[Callable[..., Any]]]:
    return {"request": [_log_request], "response": [raise_for_status]}


def async_hooks() -> dict[str, list[Callable[..., Awaitable[Any]]]]:
    return {"request": [_alog_request], "response": [araise_for_status]}
