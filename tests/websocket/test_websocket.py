"""The websocket sessions, `Websocket` and `AsyncWebsocket`, against the emulator's worker: modes, order, errors, drops.

Each test runs twice, once per flavour (the `api` and `flavour` fixtures): its body is written against the asyncio
session, and the sync client and its session are wrapped so that they are awaited alike (`support.flavours`).
Coroutine callbacks, which only the async session awaits, have a test of their own at the end; readers in several
threads or tasks at once are in `test_websocket_concurrency.py`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import wave
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from support.flavours import Api

from daisys_ext import (
    AsyncClient,
    Client,
    DaisysInputError,
    DaisysTakeGenerateError,
    DaisysTimeoutError,
    DaisysWebsocketConnectError,
    DaisysWebsocketError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
    Status,
    StreamMode,
    StreamOptions,
    TakeResponse,
    VoiceInfo,
)
from daisys_ext.testing import Emulator

TEXT = "Hello from the websocket. A second sentence follows."
CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)
PARTS = StreamOptions(mode=StreamMode.PARTS)
T = TypeVar("T")


def pcm_of(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.readframes(wav.getnframes())


async def rest_pcm(api: Api | AsyncClient, take_id: str) -> bytes:
    """The take's audio as the REST API serves it: what every websocket mode must reproduce."""
    return pcm_of(bytes(await api.get_take_audio(take_id)))


async def collect(items: AsyncIterable[T]) -> list[T]:
    return [item async for item in items]


def worker_handshakes(emu: Emulator) -> int:
    return len(emu.requests_to("worker"))


# -- modes and output --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [None, PARTS, CHUNKS], ids=["default", "parts", "chunks"])
async def test_a_request_gives_the_takes_audio_in_every_mode(
    api: Api, voice_id: str, options: StreamOptions | None
) -> None:
    async with api.websocket(voice_id=voice_id) as ws:
        request_id = await ws.generate_take(voice_id, TEXT, stream_options=options)
        items = await collect(ws.iter_request(request_id))
    take_ids = {take_id for take_id, *_ in items}
    assert len(take_ids) == 1
    take_id = take_ids.pop()
    statuses = [take.status for _, take, _, _ in items if take is not None]
    assert statuses[0] == Status.WAITING and statuses[-1] == Status.READY
    headers = [header for _, _, header, _ in items if header is not None]
    assert len(headers) == 2  # two sentences, two parts, each with its WAV header
    audio = b"".join(audio for _, _, _, audio in items if audio)
    assert audio == await rest_pcm(api, take_id)


async def test_write_wav_joins_the_parts_into_one_valid_wav(api: Api, voice_id: str, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    async with api.websocket(voice_id=voice_id) as ws:
        info = await ws.write_wav(await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS), target)
    assert isinstance(info, TakeResponse) and info.status == Status.READY
    assert pcm_of(target.read_bytes()) == await rest_pcm(api, info.take_id)
    assert [p.name for p in tmp_path.iterdir()] == ["speech.wav"]  # no temporary file left behind


# The sync twin read iter_pcm in the default mode, in order; the async one in chunks, shuffled: both, for both.
@pytest.mark.parametrize(
    ("options", "shuffle_window"), [(None, None), (CHUNKS, 8)], ids=["default-in-order", "chunks-shuffled"]
)
async def test_speak_and_iter_pcm(
    api: Api, emu: Emulator, voice_id: str, tmp_path: Path, options: StreamOptions | None, shuffle_window: int | None
) -> None:
    if shuffle_window is not None:
        emu.ws_shuffle_window = shuffle_window
    async with api.websocket(voice_id=voice_id) as ws:
        take = await ws.speak(TEXT, tmp_path / "speak.wav")
        pcm = b"".join(await collect(ws.iter_pcm(await ws.generate_take(voice_id, TEXT, stream_options=options))))
    assert take.status == Status.READY
    assert pcm_of((tmp_path / "speak.wav").read_bytes()) == await rest_pcm(api, take.take_id) == pcm


async def test_shuffled_frames_come_out_in_order(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.ws_shuffle_window = 8
    async with api.websocket(voice_id=voice_id) as ws:
        request_id = await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        items = await collect(ws.iter_request(request_id))
    take_id = items[0][0]
    assert take_id is not None
    assert b"".join(audio for *_, audio in items if audio) == await rest_pcm(api, take_id)


async def test_two_requests_in_flight_are_both_whole_whichever_is_read_first(api: Api, voice_id: str) -> None:
    async with api.websocket(voice_id=voice_id) as ws:
        first = await ws.generate_take(voice_id, "The first request. It has two parts.", stream_options=CHUNKS)
        second = await ws.generate_take(voice_id, "The second request.", stream_options=PARTS)
        assert first != second
        # The worker serializes them: all of the first arrives while the second is read.
        second_items = await collect(ws.iter_request(second))
        first_items = await collect(ws.iter_request(first))
    for items in (first_items, second_items):
        take_id = items[0][0]
        assert take_id is not None and items[-1][1] is not None and items[-1][1].status == Status.READY
        assert b"".join(audio for *_, audio in items if audio) == await rest_pcm(api, take_id)
    assert first_items[0][0] != second_items[0][0]


async def test_generate_voice_streams_its_example_take(api: Api) -> None:
    async with api.websocket(model="shakespeare") as ws:
        request_id = await ws.generate_voice(name="Ada", model="shakespeare", gender="female")
        items = await collect(ws.iter_request(request_id))
    infos = [info for _, info, _, _ in items if info is not None]
    assert all(isinstance(info, VoiceInfo) for info in infos) and infos[-1].status == Status.READY
    example = infos[-1].example_take_id
    assert isinstance(example, str) and {take_id for take_id, *_ in items} == {example}
    assert b"".join(audio for *_, audio in items if audio) == await rest_pcm(api, example)


# -- callbacks ---------------------------------------------------------------------------------------------------------


async def test_callbacks_get_the_official_arguments_in_order(api: Api, voice_id: str) -> None:
    statuses: list[tuple[int, Status]] = []
    frames: list[tuple[int, str, int, int | None, int | None]] = []

    def status_cb(request_id: int, take: TakeResponse) -> None:
        statuses.append((request_id, take.status))

    def audio_cb(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        frames.append((request_id, take_id, part_id, chunk_id, None if audio is None else len(audio)))

    async with api.websocket(voice_id=voice_id) as ws:
        request_id = await ws.generate_take(
            voice_id, TEXT, stream_options=CHUNKS, status_callback=status_cb, audio_callback=audio_cb
        )
        while not statuses or statuses[-1][1] != Status.READY:
            await ws.update(timeout=5)
    assert {r for r, _ in statuses} == {request_id} == {r for r, *_ in frames}
    assert [s for _, s in statuses][:2] == [Status.WAITING, Status.STARTED]
    assert len({take_id for _, take_id, *_ in frames}) == 1
    for part in (0, 1):
        chunks = [(c, n) for _, _, p, c, n in frames if p == part]
        assert [c for c, _ in chunks] == list(range(len(chunks)))
        assert chunks[-1][1] is None and all(n for _, n in chunks[:-1])  # end-of-part marker last
    assert frames[-1][2:] == (2, 0, None)  # end of take: an empty part 2


async def test_parts_mode_callbacks_match_the_documentation(api: Api, voice_id: str) -> None:
    frames: list[tuple[int, int | None, bool]] = []

    def audio_cb(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        frames.append((part_id, chunk_id, audio is not None and audio[:4] == b"RIFF"))

    async with api.websocket(voice_id=voice_id) as ws:
        await ws.generate_take(voice_id, TEXT, audio_callback=audio_cb)
        while not frames or frames[-1][2]:
            await ws.update(timeout=5)
    assert frames == [(0, None, True), (1, None, True), (2, None, False)]


# -- errors ------------------------------------------------------------------------------------------------------------


async def test_a_refused_request_fails_alone(api: Api, voice_id: str) -> None:
    """The refusal is raised by update() first, and again by the request's own iteration."""
    async with api.websocket(voice_id=voice_id) as ws:
        good = await ws.generate_take(voice_id, TEXT)
        bad = await ws.generate_take("v0000000000000000000000000000", TEXT)
        errors: list[DaisysWebsocketGenerateError] = []
        while ws.in_flight:
            try:
                await ws.update(timeout=5)
            except DaisysWebsocketGenerateError as exc:
                errors.append(exc)
        assert [e.request_id for e in errors] == [bad]
        assert "v0000000000000000000000000000" in str(errors[0])
        with pytest.raises(DaisysWebsocketGenerateError) as raised:
            await collect(ws.iter_request(bad))
        assert raised.value.request_id == bad
        items = await collect(ws.iter_request(good))
    assert items[-1][1] is not None and items[-1][1].status == Status.READY


async def test_a_refused_request_fails_its_iteration(api: Api, voice_id: str) -> None:
    """Without update() in between: iterating the refused request raises its refusal, the other one goes on."""
    async with api.websocket(voice_id=voice_id) as ws:
        good = await ws.generate_take(voice_id, TEXT)
        bad = await ws.generate_take("v0000000000000000000000000000", TEXT)
        with pytest.raises(DaisysWebsocketGenerateError) as raised:
            await collect(ws.iter_request(bad))
        assert raised.value.request_id == bad
        items = await collect(ws.iter_request(good))
    assert items[-1][1].status == Status.READY


async def test_a_take_that_fails_raises_after_its_error_status_and_writes_no_file(
    api: Api, voice_id: str, tmp_path: Path
) -> None:
    """The emulator's worker reports it by its status alone here: iter_request yields the statuses up to
    ``error``, then raises (as the official SDK's iteration does when the worker's message follows)."""
    async with api.websocket(voice_id=voice_id) as ws:
        failing = await ws.generate_take(voice_id, "This will [[fail]].")
        items: list[Any] = []
        with pytest.raises(DaisysWebsocketGenerateError, match="ended with status error") as raised:
            async for item in ws.iter_request(failing):
                items.append(item)
        assert raised.value.request_id == failing
        assert items[-1][1] is not None and items[-1][1].status == Status.ERROR
        with pytest.raises(DaisysTakeGenerateError, match="status error"):
            await ws.write_wav(await ws.generate_take(voice_id, "So will [[fail]] this."), tmp_path / "x.wav")
        # The session goes on.
        assert (await ws.write_wav(await ws.generate_take(voice_id, TEXT), tmp_path / "ok.wav")).status == Status.READY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.wav"]


# -- dropped connections -----------------------------------------------------------------------------------------------


async def test_a_drop_between_requests_reconnects_with_a_fresh_url(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.ws_drop_after = 1
    async with api.websocket(voice_id=voice_id) as ws:
        for n in range(3):
            items = await collect(
                ws.iter_request(await ws.generate_take(voice_id, f"Request {n}."), request_timeout=30)
            )
            assert items[-1][1] is not None and items[-1][1].status == Status.READY
    assert worker_handshakes(emu) == 3
    urls = [r for r in emu.requests_to("api") if r.path.startswith("/v1/speak/websocket")]
    assert len(urls) == 3  # a fresh URL (and secret) for every connection


async def test_a_command_racing_the_drop_is_sent_again(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.ws_drop_after = 1
    async with api.websocket(voice_id=voice_id) as ws:
        await collect(ws.iter_request(await ws.generate_take(voice_id, "One.")))
        # The worker closes right after the first request; this command may reach a closing connection.
        second = await ws.generate_take(voice_id, "Two.")
        items = await collect(ws.iter_request(second, request_timeout=30))
    assert items[-1][1] is not None and items[-1][1].status == Status.READY
    texts = sorted(take.text for take in await api.get_takes() if take.text in ("One.", "Two."))
    assert texts == ["One.", "Two."]  # sent again at most once: no duplicate take


async def test_a_drop_in_the_middle_of_a_request_is_a_clear_error(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.ws_cut_after = 3
    async with api.websocket(voice_id=voice_id) as ws:
        request_id = await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        received = []
        with pytest.raises(DaisysWebsocketStreamError) as raised:
            async for item in ws.iter_request(request_id, request_timeout=30):
                received.append(item)
        message = str(raised.value)
        assert "before the request's end" in message and "1011" in message and "awaiting part 0 chunk 3" in message
        assert raised.value.request_id == request_id
        assert sum(1 for *_, audio in received if audio) == 3  # what did arrive was delivered first
        emu.ws_cut_after = None
        after = await collect(ws.iter_request(await ws.generate_take(voice_id, "After the drop."), request_timeout=30))
    assert after[-1][1] is not None and after[-1][1].status == Status.READY
    assert worker_handshakes(emu) == 2


async def test_drops_between_and_in_the_middle_of_requests(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.ws_drop_after = 1
    async with api.websocket(voice_id=voice_id) as ws:
        for n in range(2):
            items = await collect(
                ws.iter_request(await ws.generate_take(voice_id, f"Request {n}."), request_timeout=30)
            )
            assert items[-1][1].status == Status.READY
        emu.ws_drop_after, emu.ws_cut_after = None, 2
        request_id = await ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        with pytest.raises(DaisysWebsocketStreamError, match=r"1011.*before the request.s end.*part 0 chunk 2"):
            await collect(ws.iter_request(request_id, request_timeout=30))
        emu.ws_cut_after = None
        items = await collect(ws.iter_request(await ws.generate_take(voice_id, "After."), request_timeout=30))
        assert items[-1][1].status == Status.READY
    # Two connections for the two requests, one after the cut; whether the second connection was also dropped
    # after its request depends on whether the worker saw ws_drop_after=None in time.
    assert len(emu.requests_to("worker")) in (3, 4)


# -- timeouts and disconnecting ----------------------------------------------------------------------------------------


async def test_update_timeout_zero_does_not_block(api: Api, voice_id: str, emu: Emulator) -> None:
    emu.take_seconds = 5
    async with api.websocket(voice_id=voice_id) as ws:
        await ws.generate_take(voice_id, TEXT)
        for _ in range(20):
            await ws.update(timeout=0)  # returns at once whether or not a message was waiting
        with pytest.raises(DaisysTimeoutError, match=r"did not complete within 0\.3 s"):
            await collect(ws.iter_request(await ws.generate_take(voice_id, TEXT), request_timeout=0.3))


async def test_disconnect_fails_requests_in_flight_and_closes(api: Api, voice_id: str, emu: Emulator) -> None:
    emu.take_seconds = 5
    ws = api.websocket(model="shakespeare")
    async with ws:
        request_id = await ws.generate_take(voice_id, TEXT)
        await ws.update(timeout=2)
    with pytest.raises(DaisysWebsocketStreamError, match="disconnect"):
        await collect(ws.iter_request(request_id))
    with pytest.raises(DaisysWebsocketError, match="not connected"):
        await ws.generate_take(voice_id, TEXT)
    await ws.reconnect()
    try:
        assert ws.connected
    finally:
        await ws.disconnect()


async def test_timeouts_and_disconnect(emu: Emulator, api: Api, voice_id: str) -> None:
    """A request whose iteration timed out is still in flight: the disconnect fails it."""
    emu.take_seconds = 5
    ws = api.websocket(model="shakespeare")
    async with ws:
        request_id = await ws.generate_take(voice_id, TEXT)
        for _ in range(10):
            await ws.update(timeout=0)
        with pytest.raises(DaisysTimeoutError):
            await collect(ws.iter_request(request_id, request_timeout=0.3))
    with pytest.raises(DaisysWebsocketStreamError, match="disconnect"):
        await collect(ws.iter_request(request_id))
    with pytest.raises(DaisysWebsocketError, match="not connected"):
        await ws.generate_take(voice_id, TEXT)


# -- secrets -----------------------------------------------------------------------------------------------------------


async def test_the_worker_secret_stays_out_of_errors_and_logs(
    emu: Emulator, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.ws_url_ttl = 0  # every worker URL has expired by the time it is used
    url = await api.websocket_url("shakespeare")
    assert url is not None and "token=" in url
    with pytest.raises(DaisysWebsocketConnectError, match="403") as raised:
        await api.websocket(model="shakespeare").reconnect()
    assert "token=[redacted]" in str(raised.value)
    handshakes = emu.requests_to("worker")
    assert len(handshakes) == 2  # one fresh URL was tried before giving up
    secrets = [h.query.split("token=")[1] for h in handshakes]
    # The emulator's own server logs what it receives; the client's loggers must not.
    client_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server"))
    for secret in secrets:
        assert secret not in str(raised.value) and secret not in client_log


async def test_the_worker_secret_stays_out_of_the_logs(
    flavour: str, emu: Emulator, api: Api, voice_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with api.websocket(voice_id=voice_id) as ws:
        await collect(ws.iter_request(await ws.generate_take(voice_id, "Hi.")))
    (handshake,) = emu.requests_to("worker")
    secret = handshake.query.split("token=")[1]
    client_records = [r for r in caplog.records if not r.name.startswith("websockets.server")]
    # The connection was logged: by the session, in both flavours; and by the websockets library under the async
    # session (websocket-client, under the sync one, logs nothing unless traced)...
    assert any(r.name == "daisys_ext.websocket" and "token=[redacted]" in r.getMessage() for r in client_records)
    if flavour == "async":
        assert any(r.name == "websockets.client" for r in client_records)
    assert all(secret not in r.getMessage() for r in client_records)  # ...without the secret


async def test_the_worker_gets_no_access_token(emu: Emulator, api: Api, voice_id: str) -> None:
    async with api.websocket(voice_id=voice_id) as ws:
        await collect(ws.iter_request(await ws.generate_take(voice_id, "Hi.")))
    (handshake,) = emu.requests_to("worker")
    assert handshake.header("Authorization") is None


# -- one flavour only --------------------------------------------------------------------------------------------------


async def test_async_callbacks_are_awaited_in_order(aclient: AsyncClient, voice_id: str) -> None:
    """Coroutine callbacks are the async session's, which awaits them (the sync one refuses them: see below)."""
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


def test_the_sync_session_refuses_coroutine_callbacks(client: Client, voice_id: str, emu: Emulator) -> None:
    """Nothing would await them: refused before anything is sent, rather than never run."""

    async def status_cb(request_id: int, take: TakeResponse) -> None:
        raise AssertionError("never called")

    with client.websocket(voice_id=voice_id) as ws:
        commands = len(emu.requests_to("worker"))
        with pytest.raises(DaisysInputError, match="status_cb is a coroutine function"):
            ws.generate_take(voice_id, TEXT, status_callback=status_cb)
        with pytest.raises(DaisysInputError, match="coroutine function"):
            ws.generate_voice("Ada", "shakespeare", "female", audio_callback=status_cb)
        assert ws.in_flight == []
        assert len(emu.requests_to("worker")) == commands
