"""The asyncio websocket session against the emulator's worker: the sync tests' cases, awaited."""

from __future__ import annotations

import asyncio
import io
import logging
import wave
from pathlib import Path

import pytest

from daisys_ext import (
    AsyncClient,
    DaisysTimeoutError,
    DaisysWebsocketError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
    Status,
    StreamMode,
    StreamOptions,
    TakeResponse,
)
from daisys_ext.testing import Emulator

TEXT = "Hello from the websocket. A second sentence follows."
CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)


async def rest_pcm(client: AsyncClient, take_id: str) -> bytes:
    with wave.open(io.BytesIO(bytes(await client.get_take_audio(take_id)))) as wav:
        return wav.readframes(wav.getnframes())


async def collect(aiter_: object) -> list:  # type: ignore[type-arg]
    return [item async for item in aiter_]  # type: ignore[attr-defined]


@pytest.mark.parametrize("options", [None, CHUNKS], ids=["parts", "chunks"])
async def test_a_request_gives_the_takes_audio(
    aclient: AsyncClient, voice_id: str, options: StreamOptions | None
) -> None:
    async with aclient.websocket(voice_id=voice_id) as ws:
        items = await collect(ws.iter_request(await ws.generate_take(voice_id, TEXT, stream_options=options)))
    take_id = items[0][0]
    assert [take.status for _, take, _, _ in items if take][-1] == Status.READY
    assert sum(1 for _, _, header, _ in items if header) == 2
    assert b"".join(audio for *_, audio in items if audio) == await rest_pcm(aclient, take_id)


async def test_write_wav_and_iter_pcm(aclient: AsyncClient, voice_id: str, tmp_path: Path, emu: Emulator) -> None:
    emu.ws_shuffle_window = 8
    async with aclient.websocket(voice_id=voice_id) as ws:
        take = await ws.speak(TEXT, tmp_path / "speak.wav")
        pcm = b"".join(await collect(ws.iter_pcm(await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS))))
    with wave.open(str(tmp_path / "speak.wav")) as wav:
        written = wav.readframes(wav.getnframes())
    assert written == await rest_pcm(aclient, take.take_id) == pcm


async def test_two_tasks_read_two_requests_at_once(aclient: AsyncClient, voice_id: str) -> None:
    async with aclient.websocket(voice_id=voice_id) as ws:
        first = await ws.generate_take(voice_id, "The first request. It has two parts.", stream_options=CHUNKS)
        second = await ws.generate_take(voice_id, "The second request.")
        both = await asyncio.gather(collect(ws.iter_request(second)), collect(ws.iter_request(first)))
    for items in both:
        assert items[-1][1].status == Status.READY
        assert b"".join(audio for *_, audio in items if audio) == await rest_pcm(aclient, items[0][0])


async def test_async_callbacks_are_awaited_in_order(aclient: AsyncClient, voice_id: str) -> None:
    statuses: list[Status] = []
    frames: list[tuple[int, int | None, bool]] = []

    async def status_cb(request_id: int, take: TakeResponse) -> None:
        await asyncio.sleep(0)
        statuses.append(take.status)

    def audio_cb(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        frames.append((part_id, chunk_id, audio is None))

    async with aclient.websocket(voice_id=voice_id) as ws:
        await ws.generate_take(voice_id, TEXT, status_callback=status_cb, audio_callback=audio_cb)
        while Status.READY not in statuses:
            await ws.update(timeout=5)
    assert statuses[:2] == [Status.WAITING, Status.STARTED]
    assert frames == [(0, None, False), (1, None, False), (2, None, True)]


async def test_a_refused_request_fails_alone(aclient: AsyncClient, voice_id: str) -> None:
    async with aclient.websocket(voice_id=voice_id) as ws:
        good = await ws.generate_take(voice_id, TEXT)
        bad = await ws.generate_take("v0000000000000000000000000000", TEXT)
        with pytest.raises(DaisysWebsocketGenerateError) as raised:
            await collect(ws.iter_request(bad))
        assert raised.value.request_id == bad
        items = await collect(ws.iter_request(good))
    assert items[-1][1].status == Status.READY


async def test_drops_between_and_in_the_middle_of_requests(emu: Emulator, aclient: AsyncClient, voice_id: str) -> None:
    emu.ws_drop_after = 1
    async with aclient.websocket(voice_id=voice_id) as ws:
        for n in range(2):
            items = await collect(ws.iter_request(await ws.generate_take(voice_id, f"Request {n}."), timeout=30))
            assert items[-1][1].status == Status.READY
        emu.ws_drop_after, emu.ws_cut_after = None, 2
        request_id = await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        with pytest.raises(DaisysWebsocketStreamError, match=r"1011.*in the middle of the request.*part 0 chunk 2"):
            await collect(ws.iter_request(request_id, timeout=30))
        emu.ws_cut_after = None
        items = await collect(ws.iter_request(await ws.generate_take(voice_id, "After."), timeout=30))
        assert items[-1][1].status == Status.READY
    # Two connections for the two requests, one after the cut; whether the second connection was also dropped
    # after its request depends on whether the worker saw ws_drop_after=None in time.
    assert len(emu.requests_to("worker")) in (3, 4)


async def test_timeouts_and_disconnect(emu: Emulator, aclient: AsyncClient, voice_id: str) -> None:
    emu.take_seconds = 5
    ws = aclient.websocket(model="shakespeare")
    async with ws:
        request_id = await ws.generate_take(voice_id, TEXT)
        for _ in range(10):
            await ws.update(timeout=0)
        with pytest.raises(DaisysTimeoutError):
            await collect(ws.iter_request(request_id, timeout=0.3))
    with pytest.raises(DaisysWebsocketStreamError, match="disconnect"):
        await collect(ws.iter_request(request_id))
    with pytest.raises(DaisysWebsocketError, match="not connected"):
        await ws.generate_take(voice_id, TEXT)


async def test_the_worker_secret_stays_out_of_the_logs(
    emu: Emulator, aclient: AsyncClient, voice_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with aclient.websocket(voice_id=voice_id) as ws:
        await collect(ws.iter_request(await ws.generate_take(voice_id, "Hi.")))
    (handshake,) = emu.requests_to("worker")
    secret = handshake.query.split("token=")[1]
    client_records = [r for r in caplog.records if not r.name.startswith("websockets.server")]
    assert any(r.name == "websockets.client" for r in client_records)  # the handshake was logged...
    assert all(secret not in r.getMessage() for r in client_records)  # ...without the secret
