"""A text still being written (a language model's tokens), spoken sentence by sentence on one websocket session.

Each complete sentence goes out as its own take request as soon as it is complete, without
waiting for the audio of the ones before it; the requests' items come back in the order of
the text. The text is read beside the caller (a task here; a thread in the sync twin), so a
slow producer of text never holds back audio that has already arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .._synchronization import EMPTY, AsyncBackground, AsyncQueue
from .._text.pieces import async_iterate
from .._text.sentences import SentenceChunker
from .._websocket.protocol import Item

_END_OF_TEXT = object()


class _TextFailed:
    """The text's iterator raised: its error, to raise in the caller after the audio before it."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def sentence_items(
    text_chunks: Any,
    send: Callable[[str], Awaitable[int]],
    items_of: Callable[[int], AsyncIterator[tuple[str | None, Item]]],
    abandon: Callable[[int], None],
) -> AsyncIterator[tuple[int, Item | None]]:
    """``(request_id, item)`` for every sentence's request in text order; ``(request_id, None)`` ends each.

    ``send`` makes a sentence's request and gives its id; ``items_of`` gives a request's
    items; ``abandon`` drops a request nobody will read. Leaving early (the listener
    interrupted) sends no more sentences and drops the audio of those sent.
    """
    requests = AsyncQueue()  # request ids in text order, then _END_OF_TEXT (or a _TextFailed)

    async def send_one(sentence: str) -> None:
        request_id = await send(sentence)
        requests.put(request_id)
        if reader.stopped:  # the caller left while it was sent (a thread sees it only now): nobody will read it
            abandon(request_id)

    async def read_text() -> None:
        chunker = SentenceChunker()
        try:
            async for piece in async_iterate(text_chunks):
                for sentence in chunker.feed(piece):
                    if reader.stopped:
                        return
                    await send_one(sentence)
            for sentence in chunker.flush():
                if reader.stopped:
                    return
                await send_one(sentence)
        except Exception as exc:  # handed to the caller, in order: the audio of earlier sentences comes first
            requests.put(_TextFailed(exc))
        finally:
            requests.put(_END_OF_TEXT)

    reader = AsyncBackground(read_text)
    reader.start()
    try:
        while True:
            entry = await requests.get()
            if entry is _END_OF_TEXT:
                return
            if isinstance(entry, _TextFailed):
                raise entry.error
            async for _, item in items_of(entry):
                yield entry, item
            yield entry, None
    finally:
        await reader.stop()
        while (left := requests.get_nowait()) is not EMPTY:
            if isinstance(left, int):
                abandon(left)
