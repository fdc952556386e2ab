# Generated from daisys_ext/_async/hooks.py by scripts/unasync.py: edit that one, then `make unasync`.
"""The client's httpx event hooks: log every exchange, and raise the typed error for an error answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .._errors import http_error
from .._http.hooks import is_error, log_request, log_response, remember


def on_request(request: httpx.Request) -> None:
    log_request(request)


def on_response(response: httpx.Response) -> None:
    log_response(response)
    remember(response)
    if is_error(response):
        response.read()
        raise http_error(response)


def event_hooks() -> dict[str, list[Callable[..., Any]]]:
    return {"request": [on_request], "response": [on_response]}
