"""The generated code's parsed answers, checked to be what each route promises."""

from __future__ import annotations

from typing import Any, TypeVar

from .._errors import DaisysResponseError
from .._logging import redact_text, redact_url
from .hooks import last_response

T = TypeVar("T")


def unreadable(what: str, problem: Exception | str) -> DaisysResponseError:
    """The error for an answer that is not what ``what`` (a method's name) promises, with the answer."""
    response = last_response()
    where = ""
    if response is not None:
        request = response.request
        where = f" ({request.method} {redact_url(str(request.url))} answered {response.status_code})"
    if isinstance(problem, Exception):
        problem = f"{type(problem).__name__}: {problem}"
    detail = redact_text(problem)[:300]
    return DaisysResponseError(f"{what}: the service's answer could not be understood{where}: {detail}", response)


def parsed(value: Any, cls: type[T], what: str) -> T:
    """The generated code's parsed answer, checked to be what the route promises."""
    if not isinstance(value, cls):
        raise unreadable(what, f"expected a {cls.__name__}, got {type(value).__name__}")
    return value


def parsed_list(value: Any, cls: type[T], what: str) -> list[T]:
    """The generated code's parsed list answer, checked to hold only ``cls``."""
    if not isinstance(value, list) or not all(isinstance(v, cls) for v in value):
        raise unreadable(what, f"expected a list of {cls.__name__}")
    return value
