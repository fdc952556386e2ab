"""User callbacks, as each flavour takes them: the async one awaits coroutine functions, the sync one refuses them.

``scripts/unasync.py`` maps each ``async_*`` function here to its twin without the prefix.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._errors import DaisysInputError


async def async_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call a user callback; a coroutine function's result is awaited."""
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        await result


def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call a user callback."""
    function(*args, **kwargs)


def async_choose_callback(callback: Any, async_callback: Any) -> Any:
    """The official ``wait_for_takes`` takes ``async_callback`` too; here either kind may go in either."""
    return callback or async_callback


def choose_callback(callback: Any, async_callback: Any) -> Any:
    """Refuses ``async_callback``: nothing awaits it in a synchronous client."""
    if async_callback is not None:
        raise DaisysInputError("async_callback needs the AsyncClient; give callback here.")
    return callback


def async_accept_callbacks(*callbacks: Any) -> None:
    """A session's callbacks may be plain or coroutine functions here: coroutines are awaited."""


def accept_callbacks(*callbacks: Any) -> None:
    """Refuses a coroutine function: nothing would await it, and it would silently never run."""
    for callback in callbacks:
        if inspect.iscoroutinefunction(callback):
            raise DaisysInputError(
                f"{getattr(callback, '__name__', 'the callback')} is a coroutine function: nothing awaits it in a "
                "synchronous session. Give a plain function, or use the AsyncClient's session."
            )
