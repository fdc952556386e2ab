"""The synchronous websocket session against the emulator's worker: modes, order, concurrency, errors, drops."""

from __future__ import annotations

import io
import logging
import threading
import wave
from pathlib import Path
from typing import Any

import pytest

from daisys_ext import (
    Client,
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


def pcm_of(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.readframes(wav.getnframes())


def rest_pcm(client: Client, take_id: str) -> bytes:
    """The take's audio as the REST API serves it: what every websocket mode must reproduce."""
    return pcm_of(bytes(client.get_take_audio(take_id)))


def worker_handshakes(emu: Emulator) -> int:
    return len(emu.requests_to("worker"))


@pytest.mark.parametrize("options", [None, PARTS, CHUNKS], ids=["default", "parts", "chunks"])
def test_a_request_gives_the_takes_audio_in_every_mode(
    client: Client, voice_id: str, tmp_path: Path, options: StreamOptions | None
) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        request_id = ws.generate_take(voice_id, TEXT, stream_options=options)
        items = list(ws.iter_request(request_id))
    take_ids = {take_id for take_id, *_ in items}
    assert len(take_ids) == 1
    take_id = take_ids.pop()
    statuses = [take.status for _, take, _, _ in items if take is not None]
    assert statuses[0] == Status.WAITING and statuses[-1] == Status.READY
    headers = [header for _, _, header, _ in items if header is not None]
    assert len(headers) == 2  # two sentences, two parts, each with its WAV header
    audio = b"".join(audio for _, _, _, audio in items if audio)
    assert audio == rest_pcm(client, take_id)


def test_write_wav_joins_the_parts_into_one_valid_wav(client: Client, voice_id: str, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    with client.websocket(voice_id=voice_id) as ws:
        info = ws.write_wav(ws.generate_take(voice_id, TEXT, stream_options=CHUNKS), target)
    assert isinstance(info, TakeResponse) and info.status == Status.READY
    assert pcm_of(target.read_bytes()) == rest_pcm(client, info.take_id)
    assert [p.name for p in tmp_path.iterdir()] == ["speech.wav"]  # no temporary file left behind


def test_speak_and_iter_pcm(client: Client, voice_id: str, tmp_path: Path) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        take = ws.speak(TEXT, tmp_path / "speak.wav")
        pcm = b"".join(ws.iter_pcm(ws.generate_take(voice_id, TEXT)))
    assert take.status == Status.READY
    assert pcm_of((tmp_path / "speak.wav").read_bytes()) == rest_pcm(client, take.take_id) == pcm


def test_shuffled_frames_come_out_in_order(emu: Emulator, client: Client, voice_id: str) -> None:
    emu.ws_shuffle_window = 8
    with client.websocket(voice_id=voice_id) as ws:
        request_id = ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        items = list(ws.iter_request(request_id))
    take_id = items[0][0]
    assert take_id is not None
    assert b"".join(audio for *_, audio in items if audio) == rest_pcm(client, take_id)


def test_two_requests_in_flight_are_both_whole_whichever_is_read_first(client: Client, voice_id: str) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        first = ws.generate_take(voice_id, "The first request. It has two parts.", stream_options=CHUNKS)
        second = ws.generate_take(voice_id, "The second request.", stream_options=PARTS)
        assert first != second
        # The worker serializes them: all of the first arrives while the second is read.
        second_items = list(ws.iter_request(second))
        first_items = list(ws.iter_request(first))
    for items in (first_items, second_items):
        take_id = items[0][0]
        assert take_id is not None and items[-1][1] is not None and items[-1][1].status == Status.READY
        assert b"".join(audio for *_, audio in items if audio) == rest_pcm(client, take_id)
    assert first_items[0][0] != second_items[0][0]


def test_threads_can_read_their_own_requests_at_once(client: Client, voice_id: str) -> None:
    results: dict[int, list[Any]] = {}
    with client.websocket(voice_id=voice_id) as ws:
        ids = [ws.generate_take(voice_id, f"Request number {n}.", stream_options=CHUNKS) for n in range(3)]

        def read(request_id: int) -> None:
            results[request_id] = list(ws.iter_request(request_id, timeout=30))

        threads = [threading.Thread(target=read, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(results) == ids
    for items in results.values():
        take_id = items[0][0]
        assert b"".join(audio for *_, audio in items if audio) == rest_pcm(client, take_id)


def test_callbacks_get_the_official_arguments_in_order(client: Client, voice_id: str) -> None:
    statuses: list[tuple[int, Status]] = []
    frames: list[tuple[int, str, int, int | None, int | None]] = []

    def status_cb(request_id: int, take: TakeResponse) -> None:
        statuses.append((request_id, take.status))

    def audio_cb(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        frames.append((request_id, take_id, part_id, chunk_id, None if audio is None else len(audio)))

    with client.websocket(voice_id=voice_id) as ws:
        request_id = ws.generate_take(
            voice_id, TEXT, stream_options=CHUNKS, status_callback=status_cb, audio_callback=audio_cb
        )
        while not statuses or statuses[-1][1] != Status.READY:
            ws.update(timeout=5)
    assert {r for r, _ in statuses} == {request_id} == {r for r, *_ in frames}
    assert [s for _, s in statuses][:2] == [Status.WAITING, Status.STARTED]
    assert len({take_id for _, take_id, *_ in frames}) == 1
    for part in (0, 1):
        chunks = [(c, n) for _, _, p, c, n in frames if p == part]
        assert [c for c, _ in chunks] == list(range(len(chunks)))
        assert chunks[-1][1] is None and all(n for _, n in chunks[:-1])  # end-of-part marker last
    assert frames[-1][2:] == (2, 0, None)  # end of take: an empty part 2


def test_parts_mode_callbacks_match_the_documentation(client: Client, voice_id: str) -> None:
    frames: list[tuple[int, int | None, bool]] = []

    def audio_cb(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        frames.append((part_id, chunk_id, audio is not None and audio[:4] == b"RIFF"))

    with client.websocket(voice_id=voice_id) as ws:
        ws.generate_take(voice_id, TEXT, audio_callback=audio_cb)
        while not frames or frames[-1][2]:
            ws.update(timeout=5)
    assert frames == [(0, None, True), (1, None, True), (2, None, False)]


def test_a_refused_request_fails_alone(client: Client, voice_id: str) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        good = ws.generate_take(voice_id, TEXT)
        bad = ws.generate_take("v0000000000000000000000000000", TEXT)
        errors: list[DaisysWebsocketGenerateError] = []
        while ws.in_flight:
            try:
                ws.update(timeout=5)
            except DaisysWebsocketGenerateError as exc:
                errors.append(exc)
        assert [e.request_id for e in errors] == [bad]
        assert "v0000000000000000000000000000" in str(errors[0])
        with pytest.raises(DaisysWebsocketGenerateError) as raised:
            list(ws.iter_request(bad))
        assert raised.value.request_id == bad
        items = list(ws.iter_request(good))
    assert items[-1][1] is not None and items[-1][1].status == Status.READY


def test_a_take_that_fails_ends_with_its_error_status_and_writes_no_file(
    client: Client, voice_id: str, tmp_path: Path
) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        failing = ws.generate_take(voice_id, "This will [[fail]].")
        items = list(ws.iter_request(failing))
        assert items[-1][1] is not None and items[-1][1].status == Status.ERROR
        with pytest.raises(DaisysTakeGenerateError, match="status error"):
            ws.write_wav(ws.generate_take(voice_id, "So will [[fail]] this."), tmp_path / "x.wav")
        # The session goes on.
        assert ws.write_wav(ws.generate_take(voice_id, TEXT), tmp_path / "ok.wav").status == Status.READY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.wav"]


def test_a_drop_between_requests_reconnects_with_a_fresh_url(emu: Emulator, client: Client, voice_id: str) -> None:
    emu.ws_drop_after = 1
    with client.websocket(voice_id=voice_id) as ws:
        for n in range(3):
            items = list(ws.iter_request(ws.generate_take(voice_id, f"Request {n}."), timeout=30))
            assert items[-1][1] is not None and items[-1][1].status == Status.READY
    assert worker_handshakes(emu) == 3
    urls = [r for r in emu.requests_to("api") if r.path.startswith("/v1/speak/websocket")]
    assert len(urls) == 3  # a fresh URL (and secret) for every connection


def test_a_command_racing_the_drop_is_sent_again(emu: Emulator, client: Client, voice_id: str) -> None:
    emu.ws_drop_after = 1
    with client.websocket(voice_id=voice_id) as ws:
        list(ws.iter_request(ws.generate_take(voice_id, "One.")))
        # The worker closes right after the first request; this command may reach a closing connection.
        second = ws.generate_take(voice_id, "Two.")
        items = list(ws.iter_request(second, timeout=30))
    assert items[-1][1] is not None and items[-1][1].status == Status.READY
    texts = sorted(take.text for take in client.get_takes() if take.text in ("One.", "Two."))
    assert texts == ["One.", "Two."]  # sent again at most once: no duplicate take


def test_a_drop_in_the_middle_of_a_request_is_a_clear_error(emu: Emulator, client: Client, voice_id: str) -> None:
    emu.ws_cut_after = 3
    with client.websocket(voice_id=voice_id) as ws:
        request_id = ws.generate_take(voice_id, TEXT, stream_options=CHUNKS)
        received = []
        with pytest.raises(DaisysWebsocketStreamError) as raised:
            for item in ws.iter_request(request_id, timeout=30):
                received.append(item)
        message = str(raised.value)
        assert "in the middle of the request" in message and "1011" in message and "awaiting part 0 chunk 3" in message
        assert raised.value.request_id == request_id
        assert sum(1 for *_, audio in received if audio) == 3  # what did arrive was delivered first
        emu.ws_cut_after = None
        after = list(ws.iter_request(ws.generate_take(voice_id, "After the drop."), timeout=30))
    assert after[-1][1] is not None and after[-1][1].status == Status.READY
    assert worker_handshakes(emu) == 2


def test_update_timeout_zero_does_not_block(client: Client, voice_id: str, emu: Emulator) -> None:
    emu.take_seconds = 5
    with client.websocket(voice_id=voice_id) as ws:
        ws.generate_take(voice_id, TEXT)
        for _ in range(20):
            ws.update(timeout=0)  # returns at once whether or not a message was waiting
        with pytest.raises(DaisysTimeoutError, match=r"did not complete within 0\.3 s"):
            list(ws.iter_request(ws.generate_take(voice_id, TEXT), timeout=0.3))


def test_disconnect_fails_requests_in_flight_and_closes(client: Client, voice_id: str, emu: Emulator) -> None:
    emu.take_seconds = 5
    ws = client.websocket(model="shakespeare")
    with ws:
        request_id = ws.generate_take(voice_id, TEXT)
        ws.update(timeout=2)
    with pytest.raises(DaisysWebsocketStreamError, match="disconnect"):
        list(ws.iter_request(request_id))
    with pytest.raises(DaisysWebsocketError, match="not connected"):
        ws.generate_take(voice_id, TEXT)
    ws.reconnect()
    try:
        assert ws.connected
    finally:
        ws.disconnect()


def test_generate_voice_streams_its_example_take(client: Client) -> None:
    with client.websocket(model="shakespeare") as ws:
        request_id = ws.generate_voice(name="Ada", model="shakespeare", gender="female")
        items = list(ws.iter_request(request_id))
    infos = [info for _, info, _, _ in items if info is not None]
    assert all(isinstance(info, VoiceInfo) for info in infos) and infos[-1].status == Status.READY
    example = infos[-1].example_take_id
    assert isinstance(example, str) and {take_id for take_id, *_ in items} == {example}
    assert b"".join(audio for *_, audio in items if audio) == rest_pcm(client, example)


def test_the_worker_secret_stays_out_of_errors_and_logs(
    emu: Emulator, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.ws_url_ttl = 0  # every worker URL has expired by the time it is used
    url = client.websocket_url("shakespeare")
    assert url is not None and "token=" in url
    with pytest.raises(DaisysWebsocketConnectError, match="403") as raised:
        client.websocket(model="shakespeare").reconnect()
    assert "token=[redacted]" in str(raised.value)
    handshakes = emu.requests_to("worker")
    assert len(handshakes) == 2  # one fresh URL was tried before giving up
    secrets = [h.query.split("token=")[1] for h in handshakes]
    # The emulator's own server logs what it receives; the client's loggers must not.
    client_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server"))
    for secret in secrets:
        assert secret not in str(raised.value) and secret not in client_log


def test_the_worker_gets_no_access_token(emu: Emulator, client: Client, voice_id: str) -> None:
    with client.websocket(voice_id=voice_id) as ws:
        list(ws.iter_request(ws.generate_take(voice_id, "Hi.")))
    (handshake,) = emu.requests_to("worker")
    assert handshake.header("Authorization") is None
