"""The Neuphonic clients against `FakeNeuphonic`: text in pieces, <STOP>, the audio byte for byte, WAV files,
parameters, the key kept secret, keep-alive and reconnection, and what goes wrong.

Every test body runs with the sync and the async client (`flavour`), unless its name says otherwise.
Passages end after `END_SILENCE` (0.2 s) of silence following the answer to <STOP>; no test times anything.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import threading
import wave
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.peers import Collect, collect

from daisys_ext import DaisysError, DaisysInputError, DaisysWebsocketConnectError
from daisys_ext.audio import FrameDecoder, FrameError, Reassembler, aplay, assemble_wav, play, to_mulaw
from daisys_ext.peers import PeerConnectError, PeerError, PeerStreamError
from daisys_ext.peers.neuphonic import SAMPLE_RATE, AsyncNeuphonicClient, NeuphonicClient, NeuphonicFrameDecoder
from daisys_ext.testing.neuphonic import FakeNeuphonic

Make = Callable[..., Any]
PIECES = ["Hel", "lo, ", "World! ", "How are", " you ", "today?"]
TEXT = "".join(PIECES)


async def test_text_in_pieces_gives_the_audio_the_fake_sent(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    async with neuphonic() as client:
        chunks = [pcm async for pcm in client.stream_text(PIECES)]
    connection = neuphonic_fake.connections[0]
    assert chunks == connection.audio and len(chunks) == 6  # one answer a word, as they came
    assert b"".join(chunks) == neuphonic_fake.expected_pcm(TEXT)
    assert connection.texts == [*PIECES, "<STOP>"]  # each piece as it came, then the end of the passage
    assert connection.received[-1] == '{"text": "<STOP>"}'
    assert (connection.language, connection.speed, connection.temperature) == ("en", 1.0, 0.5)


async def test_speak_writes_a_mono_22050_hz_16_bit_wav(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic, tmp_path: Path
) -> None:
    target = tmp_path / "hello.wav"
    async with neuphonic() as client:
        spoken = await client.speak("Hello, World!", target)
        assert client.sample_rate == SAMPLE_RATE == 22050
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (22050, 1, 2)
        assert wav.readframes(wav.getnframes()) == neuphonic_fake.pcm == neuphonic_fake.expected_pcm("Hello, World!")
    assert spoken.pcm_bytes == len(neuphonic_fake.pcm) and spoken.sample_rate == 22050
    assert neuphonic_fake.connections[0].texts == ["Hello, World!", "<STOP>"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello.wav"]


async def test_speak_stream_writes_a_text_still_being_written(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic, tmp_path: Path
) -> None:
    async with neuphonic() as client:
        spoken = await client.speak_stream(iter(PIECES), tmp_path / "pieces.wav")
    with wave.open(str(tmp_path / "pieces.wav")) as wav:
        assert wav.readframes(wav.getnframes()) == neuphonic_fake.pcm == neuphonic_fake.expected_pcm(TEXT)
    assert spoken.duration == pytest.approx(len(neuphonic_fake.pcm) / 44100)
    assert neuphonic_fake.connections[0].texts == [*PIECES, "<STOP>"]


async def test_speed_temperature_and_language_reach_the_service(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    async with neuphonic(url=neuphonic_fake.url_for("fr"), speed=2.5, temperature=0) as client:
        assert client.endpoint.endswith("/speak/fr?speed=2.5&temperature=0.0")
        await client.speak("Bonjour", io.BytesIO())
    connection = neuphonic_fake.connections[0]
    assert (connection.language, connection.speed, connection.temperature) == ("fr", 2.5, 0.0)


def test_the_real_endpoint_is_built_from_region_and_language() -> None:
    client = NeuphonicClient("key-0123456789", region="us-east-1", language="es", speed=0.7, temperature=1)
    assert client.endpoint == "wss://us-east-1.api.neuphonic.com/speak/es?speed=0.7&temperature=1.0"
    assert AsyncNeuphonicClient("key-0123456789").endpoint == (
        "wss://eu-west-1.api.neuphonic.com/speak/en?speed=1.0&temperature=0.5"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"speed": 0.69},
        {"speed": 2.51},
        {"speed": math.nan},
        {"speed": "fast"},
        {"temperature": -0.01},
        {"temperature": 1.01},
        {"temperature": True},
        {"region": "eu west"},
        {"language": "en/../x"},
        {"url": "http://127.0.0.1:1/speak/en"},
        {"keepalive": 0},
        {"end_silence": -1},
        {"timeout": math.inf},
    ],
    ids=lambda kwargs: "-".join(f"{k}={v}" for k, v in kwargs.items()),
)
async def test_parameters_outside_their_ranges_are_refused_before_connecting(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(DaisysInputError) as caught:
        neuphonic(**kwargs)
    name = next(iter(kwargs))
    assert name in str(caught.value)
    assert neuphonic_fake.connections == [] and neuphonic_fake.refused == []


@pytest.mark.parametrize("key", ["", "   ", None, "line\nbreak-key"], ids=["empty", "blank", "none", "newline"])
def test_a_missing_or_unusable_key_is_refused(key: Any) -> None:
    with pytest.raises(DaisysInputError, match="API key") as caught:
        NeuphonicClient(key)
    assert "line" not in str(caught.value) or "line break" in str(caught.value)


async def test_a_wrong_key_is_refused_and_never_shown(
    flavour: str, neuphonic: Make, neuphonic_fake: FakeNeuphonic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-key-not-to-be-shown-42"
    async with neuphonic(api_key=wrong) as client:
        shown = repr(client)
        with pytest.raises(PeerConnectError) as caught:
            await client.speak("Hello", io.BytesIO())
    assert caught.value.status == 403 and isinstance(caught.value, DaisysWebsocketConnectError)
    assert "HTTP 403 (is the API key right?)" in str(caught.value)
    assert neuphonic_fake.refused == [("/speak/en?speed=1.0&temperature=0.5", 403)]
    client_side = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server"))
    if flavour == "async":  # websockets logs the handshake's headers at DEBUG (websocket-client does not)
        assert "x-api-key: [redacted]" in client_side
    for text in (shown, str(caught.value), repr(caught.value), client_side):
        assert wrong not in text


async def test_the_right_key_is_in_no_log_line_either(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with neuphonic() as client:
        await client.speak("Hello", io.BytesIO())
        shown = repr(client)
    client_side = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server"))
    assert neuphonic_fake.api_key not in client_side and neuphonic_fake.api_key not in shown
    assert shown.endswith("(region='eu-west-1', language='en', speed=1.0, temperature=0.5)")


async def test_passages_share_one_connection_each_ended_by_stop(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    async with neuphonic() as client:
        first = await collect(client.stream_text("One passage here."))
        second = await collect(client.stream_text(["And ", "another ", "one."]))
    assert first == neuphonic_fake.expected_pcm("One passage here.")
    assert second == neuphonic_fake.expected_pcm("And another one.")
    [connection] = neuphonic_fake.connections
    assert connection.texts == ["One passage here.", "<STOP>", "And ", "another ", "one.", "<STOP>"]
    assert connection.passages == 2


async def test_a_keepalive_holds_an_idle_connection_open(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    neuphonic_fake.idle_timeout = 0.5
    async with neuphonic(keepalive=0.1) as client:
        before = await collect(client.stream_text("Before the pause."))
        assert before == neuphonic_fake.expected_pcm("Before the pause.")
        await asyncio.sleep(0.9)  # nearly twice the server's idle timeout, with nothing to say
        assert await collect(client.stream_text("After it.")) == neuphonic_fake.expected_pcm("After it.")
        assert client.connections == 1
    [connection] = neuphonic_fake.connections
    assert neuphonic_fake.idle_closes == 0 and connection.closed is None
    assert connection.texts.count("") >= 3  # the keep-alives: messages with no text
    assert [t for t in connection.texts if t] == ["Before the pause.", "<STOP>", "After it.", "<STOP>"]


async def test_an_idle_disconnect_is_replaced_at_the_next_passage(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    neuphonic_fake.idle_timeout = 0.3
    async with neuphonic(keepalive=None) as client:
        await collect(client.stream_text("Before the pause."))
        assert await asyncio.to_thread(neuphonic_fake.wait_for_idle_close)
        assert await collect(client.stream_text("After it.")) == neuphonic_fake.expected_pcm("After it.")
        assert client.connections == 2
    first, second = neuphonic_fake.connections
    assert first.closed == "idle" and second.texts == ["After it.", "<STOP>"]


async def test_a_connection_closed_after_a_passage_is_replaced(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    neuphonic_fake.close_after_stop = True
    async with neuphonic() as client:
        texts = ["First one.", "Second one.", "Third one."]
        spoken = [await collect(client.stream_text(text)) for text in texts]
    assert spoken == [neuphonic_fake.expected_pcm(text) for text in texts]
    assert [c.closed for c in neuphonic_fake.connections] == ["after <STOP>"] * 3


async def test_a_cut_before_any_audio_is_retried_on_a_new_connection(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    neuphonic_fake.cut_after_answers = 0  # the first connection is cut when its first answer is due
    async with neuphonic() as client:
        pcm = await collect(client.stream_text(PIECES))
    assert pcm == neuphonic_fake.expected_pcm(TEXT)
    first, second = neuphonic_fake.connections
    assert first.closed == "cut" and first.audio == []
    assert "".join(second.texts[:-1]) == TEXT and second.texts[-1] == "<STOP>"  # all of it, sent again


async def test_a_cut_in_the_middle_of_a_passage_is_a_stream_error(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    neuphonic_fake.cut_after_answers = 2
    async with neuphonic() as client:
        got: list[bytes] = []
        with pytest.raises(PeerStreamError, match=r'code 1011, "cut by the test"\), after \d+ bytes') as caught:
            async for pcm in client.stream_text(PIECES):
                got.append(pcm)
        assert got == neuphonic_fake.connections[0].audio and len(got) == 2
        assert isinstance(caught.value, DaisysError) and caught.value.service == "neuphonic"
        assert await collect(client.stream_text("Next.")) == neuphonic_fake.expected_pcm("Next.")  # a new connection


async def test_messages_without_audio_are_logged_and_skipped(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic, caplog: pytest.LogCaptureFixture
) -> None:
    neuphonic_fake.extra_messages = ["not JSON", '{"version": "1.0.0"}', '{"data": {"text": "hi"}}', b"\x00\x01"]
    async with neuphonic() as client:
        assert await collect(client.stream_text(TEXT)) == neuphonic_fake.expected_pcm(TEXT)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4 and all("without audio, ignored" in w for w in warnings)


async def test_corrupt_audio_is_a_stream_error(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    neuphonic_fake.extra_messages = ['{"data": {"audio": "@@not base64@@", "text": "x"}}']
    async with neuphonic() as client:
        with pytest.raises(PeerStreamError, match="cannot be decoded"):
            await collect(client.stream_text(TEXT))


async def test_no_text_sends_no_stop_and_gives_no_audio(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    async with neuphonic() as client:
        assert await collect(client.stream_text([])) == b""
        assert await collect(client.stream_text(["", "  "])) == b""
        assert await collect(client.stream_text("Now then.")) == neuphonic_fake.expected_pcm("Now then.")
    assert neuphonic_fake.connections[0].texts == ["  ", "Now then.", "<STOP>"]


async def test_bad_text_is_refused(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    async with neuphonic() as client:
        for text in ("", "  ", None, b"bytes"):
            with pytest.raises(DaisysInputError, match="non-empty string"):
                await client.speak(text, io.BytesIO())
        assert neuphonic_fake.connections == []
        with pytest.raises(DaisysInputError, match="str pieces, not bytes"):
            await collect(client.stream_text(["Fine, ", b"not fine"]))
        assert await collect(client.stream_text("Still fine.")) == neuphonic_fake.expected_pcm("Still fine.")


async def test_a_failing_text_source_raises_its_error(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    def text() -> Iterator[str]:
        yield "Some words "
        raise RuntimeError("the model went away")

    async with neuphonic() as client:
        with pytest.raises(RuntimeError, match="the model went away"):
            await collect(client.stream_text(text()))
        assert await collect(client.stream_text("Again.")) == neuphonic_fake.expected_pcm("Again.")


async def test_leaving_a_passage_early_leaves_the_client_usable(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    async with neuphonic() as client:
        passage = client.stream_text(PIECES)
        async for _ in passage:
            break
        await passage.aclose()
        assert await collect(client.stream_text("Next one.")) == neuphonic_fake.expected_pcm("Next one.")
    assert len(neuphonic_fake.connections) == 2  # the first still carried the rest of the passage


async def test_a_new_passage_ends_one_still_being_read(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    async with neuphonic() as client:
        first = client.stream_text(PIECES)
        await first.__anext__()
        assert await collect(client.stream_text("Meanwhile.")) == neuphonic_fake.expected_pcm("Meanwhile.")
        with pytest.raises(PeerStreamError, match="another passage started"):
            await first.__anext__()


async def test_audio_comes_while_the_text_is_still_being_written(
    flavour: str, neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    """The rest of the text waits until audio of its beginning has come: audio cannot wait for the text's end."""
    heard_sync, heard_async = threading.Event(), asyncio.Event()

    def words() -> Iterator[str]:  # read by the sync client's thread
        yield "Hello there my "
        assert heard_sync.wait(10)
        yield "friend."

    async def tokens() -> AsyncIterator[str]:  # read by the async client's task
        yield "Hello there my "
        await asyncio.wait_for(heard_async.wait(), 10)
        yield "friend."

    got: list[bytes] = []
    async with neuphonic() as client:
        async for pcm in client.stream_text(words() if flavour == "sync" else tokens()):
            got.append(pcm)
            heard_sync.set()
            heard_async.set()
    assert b"".join(got) == neuphonic_fake.expected_pcm("Hello there my friend.")


async def test_the_decoder_takes_the_fakes_messages_to_the_same_pcm(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    neuphonic_fake.extra_messages = ['{"version": "1.0.0"}']
    async with neuphonic() as client:
        pcm = await collect(client.stream_text(TEXT))
    decoder = NeuphonicFrameDecoder()
    assert isinstance(decoder, FrameDecoder)
    reassembler = Reassembler(wav_headers=False)
    events = []
    for message in [*neuphonic_fake.extra_messages, *neuphonic_fake.connections[0].sent]:
        for frame in decoder.frames(message):
            events += reassembler.feed(frame)
    events += reassembler.feed(decoder.end())
    assert reassembler.done and assemble_wav(events, raw=True) == pcm
    with pytest.raises(FrameError, match="carries no audio"):
        decoder.decode('{"version": "1.0.0"}')
    frame = NeuphonicFrameDecoder().decode(neuphonic_fake.connections[0].sent[0])
    assert bytes(frame.audio) == neuphonic_fake.connections[0].audio[0] and frame.part_id == 0


async def test_the_pcm_plays_and_converts_with_the_shared_audio_tools(
    flavour: str, neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    along, streamed = Collect(), Collect()
    async with neuphonic() as client:
        await client.speak("Play this.", io.BytesIO(), play=along)
        if flavour == "sync":
            play(client.client.stream_text("Play this."), client.sample_rate, output=streamed, jitter_ms=0)
        else:
            await aplay(client.stream_text("Play this."), client.sample_rate, output=streamed, jitter_ms=0)
    pcm = neuphonic_fake.expected_pcm("Play this.")
    assert bytes(along.data) == bytes(streamed.data) == pcm and along.closed and streamed.closed
    assert len(to_mulaw(pcm, client.sample_rate)) == pytest.approx(len(pcm) // 2 * 8000 / 22050, abs=2)


async def test_a_closed_client_says_so(neuphonic: Make, neuphonic_fake: FakeNeuphonic) -> None:
    client = neuphonic()
    await client.speak("Once.", io.BytesIO())
    await client.close()
    with pytest.raises(PeerError, match="closed"):
        await client.speak("Twice.", io.BytesIO())
    assert not client.connected


async def test_connect_opens_the_connection_ahead_of_the_first_passage(
    neuphonic: Make, neuphonic_fake: FakeNeuphonic
) -> None:
    async with neuphonic() as client:
        await client.connect()
        assert client.connected and client.connections == 1
        await client.speak("Ready.", io.BytesIO())
        assert client.connections == 1
    assert len(neuphonic_fake.connections) == 1 and neuphonic_fake.connections[0].texts == ["Ready.", "<STOP>"]


async def test_an_unreachable_service_is_a_connect_error(flavour: str) -> None:
    with FakeNeuphonic() as fake:
        url, key = fake.url, fake.api_key
    client: Any = NeuphonicClient(key, url=url) if flavour == "sync" else AsyncNeuphonicClient(key, url=url)
    with pytest.raises(PeerConnectError, match="Could not connect to Neuphonic") as caught:
        if flavour == "sync":
            client.speak("Hello", io.BytesIO())
        else:
            await client.speak("Hello", io.BytesIO())
    assert caught.value.status is None and key not in str(caught.value)


def test_the_fake_answers_the_documented_inline_stop() -> None:
    """The page's second example: text and <STOP> in one message."""
    from websockets.sync.client import connect

    with FakeNeuphonic() as fake, connect(fake.url, additional_headers={"x-api-key": fake.api_key}) as ws:
        ws.send(json.dumps({"text": "Hello, World! <STOP>"}))
        answers = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
    assert [a["data"]["text"] for a in answers] == ["Hello, ", "World! "]
    assert set(answers[0]) == {"version", "timestamp", "data"}
