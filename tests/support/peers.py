"""Helpers for the Vivoka and Neuphonic clients' tests (tests/peers): one test body for both flavours.

A sync client is wrapped (`Awaited`) so that it is awaited like its async twin: its methods are
awaited, ``stream_text`` is an async iterator, ``synthesize_stream`` an async context manager and
iterator. The sync calls still block, which is fine against the fakes' servers in threads of their own.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

FLAVOURS = ("sync", "async")
END_SILENCE = 0.2  # seconds of silence after <STOP>'s answer that end a passage here (the fake answers at once)


class SyncStream:
    """A sync ``VivokaStream`` awaited like an ``AsyncVivokaStream``."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def __repr__(self) -> str:
        return repr(self.stream)

    async def __aenter__(self) -> SyncStream:
        self.stream.__enter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.stream.__exit__(*exc_info)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for pcm in self.stream:
            yield pcm

    async def aclose(self) -> None:
        self.stream.close()


class Awaited:
    """A sync peer client whose calls are awaited like its async twin's."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __repr__(self) -> str:
        return repr(self.client)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.client, name)
        if not inspect.ismethod(value):
            return value

        async def call(*args: Any, **kwargs: Any) -> Any:
            return value(*args, **kwargs)

        return call

    async def __aenter__(self) -> Awaited:
        self.client.__enter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.client.__exit__(*exc_info)

    def synthesize_stream(self, *args: Any, **kwargs: Any) -> SyncStream:
        return SyncStream(self.client.synthesize_stream(*args, **kwargs))

    async def stream_text(self, text_chunks: Any) -> AsyncIterator[bytes]:
        stream = self.client.stream_text(text_chunks)
        try:
            for pcm in stream:
                yield pcm
        finally:
            stream.close()


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([pcm async for pcm in chunks])


class Collect:
    """An `AudioOutput` that keeps what it is given, for the playback tests."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, pcm: bytes) -> None:
        self.data += pcm

    def close(self) -> None:
        self.closed = True
