"""The generated endpoints' parsed answers, held with the response they came from and checked."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from .._errors import DaisysResponseError
from .._logging import redact_text, redact_url

T = TypeVar("T")


def unreadable(what: str, problem: Exception | str, response: httpx.Response | None) -> DaisysResponseError:
    """The error for an answer that is not what ``what`` (a method's name) promises, with the answer."""
    where = ""
    if response is not None:
        request = response.request
        where = f" ({request.method} {redact_url(str(request.url))} answered {response.status_code})"
    if isinstance(problem, Exception):
        problem = f"{type(problem).__name__}: {problem}"
    detail = redact_text(problem)[:300]
    return DaisysResponseError(f"{what}: the service's answer could not be understood{where}: {detail}", response)


class Answer:
    """What a generated endpoint's ``parse`` made of ``response`` (None: the thing was not found).

    A plain class rather than a dataclass: one is made on every call, and a frozen dataclass
    costs three times as much to make.
    """

    __slots__ = ("response", "value", "what")

    def __init__(self, what: str, value: Any, response: httpx.Response) -> None:
        self.what = what  # the method's name, for the error
        self.value = value
        self.response = response

    def one(self, cls: type[T]) -> T:
        """The answer, checked to be what the route promises."""
        if not isinstance(self.value, cls):
            raise unreadable(self.what, f"expected a {cls.__name__}, got {type(self.value).__name__}", self.response)
        return self.value

    def many(self, cls: type[T]) -> list[T]:
        """The list answer, checked to hold only ``cls``."""
        value = self.value
        if not isinstance(value, list) or not all(isinstance(v, cls) for v in value):
            raise unreadable(self.what, f"expected a list of {cls.__name__}", self.response)
        return value
