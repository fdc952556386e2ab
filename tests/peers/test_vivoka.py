"""The Vivoka clients against `FakeVivoka`: voices, streamed PCM byte for byte, WAV files, events, errors, secrets.

Every test body runs with the sync and the async client (`flavour`), unless its name says otherwise.
"""

from __future__ import annotations

import io
import json
import logging
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.peers import Collect, collect

from daisys_ext import (
    DaisysConnectionError,
    DaisysError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysWebsocketConnectError,
    DaisysWebsocketStreamError,
)
from daisys_ext.audio import FrameDecoder, FrameError, Reassembler, TakeEnd, aplay, assemble_wav, play, resample
from daisys_ext.peers import PeerConnectError, PeerError, PeerStreamError, VivokaError
from daisys_ext.peers.vivoka import AsyncVivokaClient, VivokaClient, VivokaFrameDecoder
from daisys_ext.testing.vivoka import FakeVivoka

Make = Callable[..., Any]
TEXT = "I want a coffee"


async def test_voices_are_the_services_object_keyed_by_voice_id(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    async with vivoka(vivoka_fake.url) as client:
        assert await client.voices() == vivoka_fake.voices
    assert [(r.method, r.path) for r in vivoka_fake.requests] == [("GET", "/v1/voice-synthesis/voices")]


async def test_the_stream_yields_the_pcm_the_fake_sent(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    vivoka_fake.sample_rate = 16000
    async with vivoka(vivoka_fake.url) as client:
        stream = client.synthesize_stream(TEXT, "fake-voice-b")
        assert stream.sample_rate is None  # nothing asked yet
        async with stream:
            assert stream.sample_rate == 16000 and stream.format.sample_width == 2 and stream.format.channels == 1
            chunks = [pcm async for pcm in stream]
    sent = vivoka_fake.streams[0]
    assert chunks == sent.audio and len(chunks) > 1  # message by message, as they came
    assert b"".join(chunks) == sent.pcm == vivoka_fake.audio_for(TEXT, "fake-voice-b")
    assert vivoka_fake.requests[0].body == {"text": TEXT, "voice_id": "fake-voice-b"}


async def test_the_first_voice_speaks_when_none_is_named(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    async with vivoka(vivoka_fake.url) as client:
        pcm = await collect(client.synthesize_stream(TEXT))  # iterating alone posts, connects, and closes
    assert [r.path for r in vivoka_fake.requests] == ["/v1/voice-synthesis/voices", "/v1/voice-synthesis/synthesize"]
    assert vivoka_fake.requests[1].body == {"text": TEXT, "voice_id": "fake-voice-a"}
    assert pcm == vivoka_fake.audio_for(TEXT, "fake-voice-a")


async def test_speak_writes_a_wav_at_the_services_sample_rate(
    vivoka: Make, vivoka_fake: FakeVivoka, tmp_path: Path
) -> None:
    vivoka_fake.sample_rate = 24000
    target = tmp_path / "coffee.wav"
    async with vivoka(vivoka_fake.url) as client:
        spoken = await client.speak(TEXT, target, "fake-voice-a")
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
        assert wav.readframes(wav.getnframes()) == vivoka_fake.streams[0].pcm
    assert spoken.sample_rate == 24000 and spoken.pcm_bytes == len(vivoka_fake.streams[0].pcm)
    assert spoken.duration == pytest.approx(spoken.pcm_bytes / 48000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coffee.wav"]  # no temporary file left


async def test_speak_to_a_file_object_as_wav_or_raw_pcm(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    wav_out, raw_out = io.BytesIO(), io.BytesIO()
    async with vivoka(vivoka_fake.url) as client:
        await client.speak(TEXT, wav_out)
        await client.speak(TEXT, raw_out, raw=True)
    pcm = vivoka_fake.audio_for(TEXT, "fake-voice-a")
    assert raw_out.getvalue() == pcm
    with wave.open(io.BytesIO(wav_out.getvalue())) as wav:
        assert wav.readframes(wav.getnframes()) == pcm


async def test_events_go_to_the_callback_and_the_log(
    vivoka: Make, vivoka_fake: FakeVivoka, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daisys_ext.peers.vivoka")
    seen: list[Any] = []
    async with vivoka(vivoka_fake.url, on_event=seen.append) as client:
        await collect(client.synthesize_stream(TEXT))
        mine: list[Any] = []
        await collect(client.synthesize_stream(TEXT, on_event=mine.append))  # one stream's own callback
    assert seen == [{"type": "synthesis_started"}, {"type": "synthesis_finished"}] == mine
    logged = [r.getMessage() for r in caplog.records if r.name == "daisys_ext.peers.vivoka" and "event" in r.message]
    assert logged.count('Vivoka event: {"type": "synthesis_started"}') == 2


async def test_the_async_client_awaits_a_coroutine_callback(vivoka_fake: FakeVivoka) -> None:
    seen: list[Any] = []

    async def on_event(event: Any) -> None:
        seen.append(event)

    async with AsyncVivokaClient(vivoka_fake.url, on_event=on_event) as client:
        await collect(client.synthesize_stream(TEXT))
    assert seen == [{"type": "synthesis_started"}, {"type": "synthesis_finished"}]


def test_the_sync_client_refuses_a_coroutine_callback(vivoka_fake: FakeVivoka) -> None:
    async def on_event(event: Any) -> None: ...

    with pytest.raises(DaisysInputError, match="coroutine function"):
        VivokaClient(vivoka_fake.url, on_event=on_event)


async def test_an_error_message_raises_vivoka_error_with_its_content(
    vivoka: Make, vivoka_fake: FakeVivoka, tmp_path: Path
) -> None:
    vivoka_fake.error = {"code": 42, "message": "engine failure"}
    vivoka_fake.error_after = 2
    got: list[bytes] = []
    async with vivoka(vivoka_fake.url) as client:
        with pytest.raises(VivokaError) as caught:
            async for pcm in client.synthesize_stream(TEXT):
                got.append(pcm)
        with pytest.raises(VivokaError):
            await client.speak(TEXT, tmp_path / "never.wav")
    assert caught.value.content == {"code": 42, "message": "engine failure"}
    assert isinstance(caught.value, PeerError) and caught.value.service == "vivoka"
    assert 'Vivoka reported an error during synthesis: {"code": 42, "message": "engine failure"}' in str(caught.value)
    assert got == vivoka_fake.streams[0].audio[:2]  # the audio before the error was handed out
    assert list(tmp_path.iterdir()) == []  # an atomic file: nothing half-written


async def test_messages_of_unknown_shape_are_logged_and_skipped(
    vivoka: Make, vivoka_fake: FakeVivoka, caplog: pytest.LogCaptureFixture
) -> None:
    vivoka_fake.extra_messages = [
        "not JSON",
        "[1, 2]",
        '{"something": "else"}',
        '{"data": "data:audio/wav;base64,UklGRg=="}',
        b"\x00\x01binary",
    ]
    async with vivoka(vivoka_fake.url) as client:
        pcm = await collect(client.synthesize_stream(TEXT))
    assert pcm == vivoka_fake.streams[0].pcm
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    warnings = [w for w in warnings if "unknown message" in w]
    assert len(warnings) == 5
    assert "not JSON" in warnings[0] and "binary, 8 bytes" in warnings[4]


async def test_an_abnormal_close_is_a_stream_error(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    vivoka_fake.close_code, vivoka_fake.close_reason = 1011, "engine crashed"
    async with vivoka(vivoka_fake.url) as client:
        with pytest.raises(PeerStreamError, match='code 1011, "engine crashed"') as caught:
            await collect(client.synthesize_stream(TEXT))
    assert isinstance(caught.value, DaisysWebsocketStreamError)
    assert f"after {len(vivoka_fake.streams[0].pcm)} bytes" in str(caught.value)


async def test_corrupt_audio_is_a_stream_error(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    vivoka_fake.extra_messages = ['{"data": "data:audio/pcm;base64,@@not base64@@"}']
    async with vivoka(vivoka_fake.url) as client:
        with pytest.raises(PeerStreamError, match="cannot be decoded"):
            await collect(client.synthesize_stream(TEXT))


async def test_a_service_without_voices_says_so(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    vivoka_fake.voices = {}
    async with vivoka(vivoka_fake.url) as client:
        assert await client.voices() == {}
        with pytest.raises(PeerError, match="has no voices"):
            await collect(client.synthesize_stream(TEXT))


@pytest.mark.parametrize(
    ("text", "voice_id"),
    [("", None), ("   ", None), (b"bytes", None), (None, None), (TEXT, 5), (TEXT, "")],
    ids=["empty", "blank", "bytes", "none", "voice-number", "voice-empty"],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    vivoka: Make, vivoka_fake: FakeVivoka, text: Any, voice_id: Any, tmp_path: Path
) -> None:
    async with vivoka(vivoka_fake.url) as client:
        with pytest.raises(DaisysInputError):
            client.synthesize_stream(text, voice_id)
        with pytest.raises(DaisysInputError):
            await client.speak(text, tmp_path / "x.wav", voice_id)
    assert vivoka_fake.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"connect_timeout": -1}, {"sample_width": 5}, {"channels": 0}],
    ids=["timeout", "connect-timeout", "sample-width", "channels"],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(DaisysInputError):
        VivokaClient(**kwargs)


@pytest.mark.parametrize("url", ["localhost:39806", "ftp://localhost", "http://", "http://h/?q=1", 5])
def test_a_bad_base_url_is_refused(url: Any) -> None:
    with pytest.raises(DaisysInputError, match="base_url"):
        AsyncVivokaClient(url)


async def test_the_services_refusal_is_a_typed_http_error(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    async with vivoka(vivoka_fake.url) as client:
        with pytest.raises(DaisysNotFoundError, match=r"answered 404 Not Found: .*no voice 'nobody'") as caught:
            await collect(client.synthesize_stream(TEXT, "nobody"))
    assert caught.value.status_code == 404 and caught.value.detail == {"error": "no voice 'nobody'"}


async def test_an_unreachable_service_is_a_connection_error(vivoka: Make) -> None:
    with FakeVivoka() as fake:
        url = fake.url
    async with vivoka(url) as client:
        with pytest.raises(DaisysConnectionError, match=r"GET http://127\.0\.0\.1"):
            await client.voices()


async def test_the_token_is_in_no_log_line_error_or_repr(
    vivoka: Make, vivoka_fake: FakeVivoka, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    reprs: list[str] = []
    async with vivoka(vivoka_fake.url) as client:
        stream = client.synthesize_stream(TEXT)
        async with stream:
            reprs.append(repr(stream))
            await collect(stream)
        vivoka_fake.refuse_websockets = True
        with pytest.raises(PeerConnectError) as refused:
            await collect(client.synthesize_stream(TEXT))
        errors.append(refused.value)
        vivoka_fake.refuse_websockets = False
        vivoka_fake.close_code = 1011
        with pytest.raises(PeerStreamError) as broken:
            await collect(client.synthesize_stream(TEXT))
        errors.append(broken.value)
    tokens = [stream.token for stream in vivoka_fake.streams]
    assert len(tokens) == 3 and all(len(token) > 20 for token in tokens)
    assert refused.value.status == 404 and isinstance(refused.value, DaisysWebsocketConnectError)
    assert "/v1/ws/[redacted]: HTTP 404" in str(refused.value)
    assert refused.value.__context__ is None and refused.value.__cause__ is None
    # The fake's own server logs what it received; everything of the client's side is checked.
    client_side = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server"))
    assert "/v1/ws/[redacted]" in client_side  # the websocket was logged, without its token
    for token in tokens:
        assert token not in client_side
        for shown in [*reprs, *map(str, errors), *map(repr, errors)]:
            assert token not in shown


async def test_the_decoder_takes_the_fakes_messages_to_the_same_pcm(vivoka: Make, vivoka_fake: FakeVivoka) -> None:
    async with vivoka(vivoka_fake.url) as client:
        pcm = await collect(client.synthesize_stream(TEXT))
    decoder = VivokaFrameDecoder(request_id="r1")
    assert isinstance(decoder, FrameDecoder)
    reassembler = Reassembler(wav_headers=False)
    events = []
    for message in vivoka_fake.streams[0].messages:  # events too: they make no frame
        for frame in decoder.frames(message):
            events += reassembler.feed(frame)
    events += reassembler.feed(decoder.end())
    assert reassembler.done and isinstance(events[-1], TakeEnd)
    assert assemble_wav(events, raw=True) == pcm
    with pytest.raises(FrameError, match="carries no audio"):
        decoder.decode(json.dumps({"event": "started"}))
    with pytest.raises(VivokaError):
        decoder.decode(json.dumps({"error": "boom"}))


async def test_the_pcm_plays_and_converts_with_the_shared_audio_tools(
    flavour: str, vivoka: Make, vivoka_fake: FakeVivoka
) -> None:
    along, streamed = Collect(), Collect()
    async with vivoka(vivoka_fake.url) as client:
        await client.speak(TEXT, io.BytesIO(), play=along)
        if flavour == "sync":
            with client.client.synthesize_stream(TEXT) as stream:
                result = play(stream, stream.sample_rate, output=streamed, jitter_ms=0)
        else:
            async with client.synthesize_stream(TEXT) as astream:
                result = await aplay(astream.__aiter__(), astream.sample_rate, output=streamed, jitter_ms=0)
    pcm = vivoka_fake.audio_for(TEXT, "fake-voice-a")
    assert bytes(along.data) == bytes(streamed.data) == pcm and along.closed and streamed.closed
    assert result.trailing_bytes == 0
    assert len(resample(pcm, 22050, 11025)) == pytest.approx(len(pcm) / 2, abs=4)


async def test_a_callers_http_client_is_used_and_left_open(vivoka_fake: FakeVivoka) -> None:
    async with httpx.AsyncClient() as http:
        async with AsyncVivokaClient(vivoka_fake.url, http_client=http) as client:
            assert await client.voices() == vivoka_fake.voices
        assert not http.is_closed


def test_errors_are_daisys_errors() -> None:
    assert issubclass(VivokaError, PeerError) and issubclass(PeerError, DaisysError)
    assert repr(VivokaClient()) == "VivokaClient(base_url='http://localhost:39806')"
