"""Several readers of one websocket session at once: threads on the sync `Websocket`, tasks on the `AsyncWebsocket`.

These stay one test per flavour: the sync session's readers are threads, the async session's are tasks of one
event loop, and the wrapped sync session of `support.flavours` would block that loop.
"""

from __future__ import annotations

import asyncio
import io
import threading
import wave
from collections.abc import AsyncIterable
from typing import Any, TypeVar

from daisys_ext import AsyncClient, Client, Status, StreamMode, StreamOptions

CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)
T = TypeVar("T")


def pcm_of(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.readframes(wav.getnframes())


async def collect(items: AsyncIterable[T]) -> list[T]:
    return [item async for item in items]


def test_threads_can_read_their_own_requests_at_once(client: Client, voice_id: str) -> None:
    results: dict[int, list[Any]] = {}
    with client.websocket(voice_id=voice_id) as ws:
        ids = [ws.generate_take(voice_id, f"Request number {n}.", stream_options=CHUNKS) for n in range(3)]

        def read(request_id: int) -> None:
            results[request_id] = list(ws.iter_request(request_id, request_timeout=30))

        threads = [threading.Thread(target=read, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(results) == ids
    for items in results.values():
        take_id = items[0][0]
        rest = pcm_of(bytes(client.get_take_audio(take_id)))
        assert b"".join(audio for *_, audio in items if audio) == rest


async def test_two_tasks_read_two_requests_at_once(aclient: AsyncClient, voice_id: str) -> None:
    async with aclient.websocket(voice_id=voice_id) as ws:
        first = await ws.generate_take(voice_id, "The first request. It has two parts.", stream_options=CHUNKS)
        second = await ws.generate_take(voice_id, "The second request.")
        both = await asyncio.gather(collect(ws.iter_request(second)), collect(ws.iter_request(first)))
    for items in both:
        assert items[-1][1].status == Status.READY
        rest = pcm_of(bytes(await aclient.get_take_audio(items[0][0])))
        assert b"".join(audio for *_, audio in items if audio) == rest
