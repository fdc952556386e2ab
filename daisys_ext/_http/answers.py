"""The generated code's parsed answers, checked to be what each route promises."""

from __future__ import annotations

from typing import Any, TypeVar

from .._errors import DaisysError

T = TypeVar("T")


def parsed(value: Any, cls: type[T], what: str) -> T:
    """The generated code's parsed answer, checked to be what the route promises."""
    if not isinstance(value, cls):
        raise DaisysError(f"{what}: the service's answer could not be understood ({type(value).__name__}).")
    return value


def parsed_list(value: Any, cls: type[T], what: str) -> list[T]:
    if not isinstance(value, list) or not all(isinstance(v, cls) for v in value):
        raise DaisysError(f"{what}: the service's answer could not be understood (expected a list).")
    return value
