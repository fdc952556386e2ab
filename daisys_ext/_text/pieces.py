"""A text given in pieces (a language model's tokens as they come), read the way each flavour can.

``scripts/unasync.py`` maps the ``Async*`` and ``async_*`` names here to their twins without the prefix.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

AsyncTextChunks = AsyncIterable[str] | Iterable[str]
"""A text in pieces for the async session: an async iterable (a model's tokens as they come) or a plain one."""
TextChunks = Iterable[str]
"""A text in pieces for the sync session."""


async def async_iterate(items: Any) -> Any:
    """The items of an async iterable, or of a plain one (read in the event loop: keep it quick)."""
    if isinstance(items, str):
        yield items
    elif hasattr(items, "__aiter__"):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


def iterate(items: Any) -> Any:
    """The items of an iterable (a lone string is one item, not its characters)."""
    if isinstance(items, str):
        yield items
    else:
        yield from items
