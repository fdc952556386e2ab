"""The exceptions daisys_ext raises: one hierarchy under ``DaisysError``.

HTTP failures are also ``httpx.HTTPStatusError`` instances (with ``.request`` and
``.response``), so code written for the official SDK (``except HTTPStatusError``,
``e.response.json()``) keeps working. Messages never contain a secret.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
from httpx import HTTPStatusError

from ._logging import redact_text, redact_url

if TYPE_CHECKING:
    from daisys_speak_api.models import HTTPValidationError


class DaisysError(RuntimeError):
    """Base of every error daisys_ext raises."""


class DaisysInputError(DaisysError, ValueError):
    """An argument was rejected before anything was sent (an unknown audio format, say)."""


class DaisysCredentialsError(DaisysError):
    """No usable credentials: nothing to log in or refresh with, or the service refused them."""

    def __init__(self, message: str = "Insufficient credentials provided.") -> None:
        super().__init__(message)


class DaisysConnectionError(DaisysError, httpx.TransportError):
    """The service could not be reached, or the connection broke, after the retries the client allows."""


class DaisysTokenStoreError(DaisysError):
    """A shared token store (``FileTokenStore``, ``RedisTokenStore``) could not be reached, read, or locked in time."""


class DaisysTimeoutError(DaisysError, TimeoutError):
    """A call or a wait ran past its deadline; ``last`` holds the last states seen, if any."""

    def __init__(self, message: str, last: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.last = list(last)


class DaisysHTTPError(DaisysError, HTTPStatusError):
    """The service answered with an error status."""

    def __init__(self, message: str, *, request: httpx.Request, response: httpx.Response) -> None:
        HTTPStatusError.__init__(self, message, request=request, response=response)

    @property
    def status_code(self) -> int:
        """The HTTP status of the error answer."""
        return self.response.status_code

    @property
    def detail(self) -> Any:
        """The ``detail`` of the service's JSON error body, or the body's text."""
        return error_detail(self.response)


class DaisysAuthenticationError(DaisysHTTPError, DaisysCredentialsError):
    """The service refused the credentials (401) and neither a refresh nor a login helped."""


class DaisysNotFoundError(DaisysHTTPError):
    """No such model, voice or take (404)."""


class DaisysValidationError(DaisysHTTPError):
    """The service rejected the request's content (422); ``errors`` is its parsed detail."""

    @property
    def errors(self) -> HTTPValidationError | None:
        """The 422 answer parsed as the service's validation errors, or None when it has another shape."""
        from daisys_speak_api.models import HTTPValidationError

        try:
            return HTTPValidationError.from_dict(self.response.json())
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


class DaisysRateLimitError(DaisysHTTPError):
    """Too many requests (429), still so after the retries allowed."""


class DaisysServerError(DaisysHTTPError):
    """The service failed (5xx), still so after the retries allowed."""


class DaisysResponseError(DaisysError):
    """An answer that cannot be understood: not JSON, not the shape the route promises, a redirect
    without a Location or in a loop. ``response`` is the answer, where there is one."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class DaisysGenerateError(DaisysError):
    """Generation ended in error; ``response`` holds the take(s) or voice(s) as last seen."""

    def __init__(self, message: str, response: Any) -> None:
        super().__init__(message)
        self.response = response


class DaisysTakeGenerateError(DaisysGenerateError):
    """A take ended in error or timeout."""


class DaisysVoiceGenerateError(DaisysGenerateError):
    """A voice ended in error or timeout."""


class DaisysDeletionError(DaisysError):
    """A deletion did not happen."""


class DaisysTakeDeletionError(DaisysDeletionError):
    """A take could not be deleted (not found, say)."""


class DaisysVoiceDeletionError(DaisysDeletionError):
    """A voice could not be deleted (not found, say)."""


class DaisysUpdateError(DaisysError):
    """An update did not happen."""


class DaisysVoiceUpdateError(DaisysUpdateError):
    """A voice could not be updated (not found, say)."""


class DaisysWebsocketError(DaisysError):
    """Base of the websocket errors."""


class DaisysWebsocketConnectError(DaisysWebsocketError):
    """The websocket could not be opened."""


class DaisysWebsocketStreamError(DaisysWebsocketError):
    """The websocket stream broke, or carried something that could not be understood."""

    def __init__(self, message: str, request_id: int | str | None = None) -> None:
        super().__init__(message + (f" (request_id={request_id!r})" if request_id is not None else ""))
        self.request_id = request_id


class DaisysWebsocketGenerateError(DaisysWebsocketError):
    """The worker reported an error for one request; other requests go on."""

    def __init__(self, message: str, request_id: int | str | None) -> None:
        super().__init__(f"{message} (request_id={request_id!r})")
        self.request_id = request_id


def error_detail(response: httpx.Response) -> Any:
    """The ``detail`` field of an error body, else its text (both possibly empty)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError, httpx.ResponseNotRead):
        try:
            return response.text
        except httpx.ResponseNotRead:
            return ""
    return body.get("detail", body) if isinstance(body, dict) else body


_BY_STATUS: dict[int, type[DaisysHTTPError]] = {
    401: DaisysAuthenticationError,
    404: DaisysNotFoundError,
    422: DaisysValidationError,
    429: DaisysRateLimitError,
}


def http_error(response: httpx.Response) -> DaisysHTTPError:
    """The typed error for an error response, with a message that says what failed and why."""
    request = response.request
    status = response.status_code
    cls = _BY_STATUS.get(status, DaisysServerError if status >= 500 else DaisysHTTPError)
    detail = error_detail(response)
    if not isinstance(detail, str):
        detail = json.dumps(detail)
    reason = response.reason_phrase or "error"
    message = f"{request.method} {redact_url(str(request.url))} answered {status} {reason}"
    if detail:
        message += ": " + redact_text(detail[:500])
    return cls(message, request=request, response=response)


def broken_answer(exc: httpx.TransportError, what: str) -> DaisysError:
    """The typed error for an answer (``what`` names it) whose body stopped coming after its headers."""
    if isinstance(exc, httpx.TimeoutException):
        return DaisysTimeoutError(f"{what} stalled: nothing more came within the read timeout ({type(exc).__name__})")
    return DaisysConnectionError(f"{what} broke: {type(exc).__name__}: {redact_text(str(exc))}")


def transport_error(exc: httpx.TransportError, request: httpx.Request, attempts: int) -> DaisysError:
    """The typed error for a request that failed without an answer, after ``attempts`` tries."""
    where = f"{request.method} {redact_url(str(request.url))}"
    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
    if isinstance(exc, httpx.TimeoutException):
        return DaisysTimeoutError(f"{where} timed out ({type(exc).__name__}) after {tries}")
    return DaisysConnectionError(f"{where} failed after {tries}: {type(exc).__name__}: {redact_text(str(exc))}")
