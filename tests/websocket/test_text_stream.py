"""Speech as the text is written: `stream_text` and `speak_stream` on both sessions against the emulator's worker.

The text comes as a model writes it: a few characters at a time, with pauses. For the async session it is an async
generator; for the sync session a plain generator, which the session reads in a thread of its own.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import threading
import time
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.flavours import Api

from daisys_ext import DaisysInputError, DaisysTakeGenerateError, TakeResponse
from daisys_ext.audio import read_subtitles
from daisys_ext.testing import Emulator

SENTENCES = ["It costs 3.5 euros, e.g. in Paris.", "Dr. Smith agrees!", "A third sentence, to finish."]
TEXT = " ".join(SENTENCES)


def tokens(text: str, size: int = 4) -> list[str]:
    """The text in pieces of ``size`` characters, as a model streams it (cutting words and numbers anywhere)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


class Writer:
    """A text being written, for either flavour: tokens with pauses, and points where it waits for the test."""

    def __init__(self, flavour: str, pieces: list[str], *, pause: float = 0.005) -> None:
        self.flavour = flavour
        self.pieces = pieces
        self.pause = pause
        self.waits: dict[int, threading.Event] = {}  # before piece i, wait until the test sets this
        self.pauses: dict[int, float] = {}  # before piece i, a longer pause
        self.exhausted = threading.Event()

    def wait_before(self, index: int) -> threading.Event:
        self.waits[index] = threading.Event()
        return self.waits[index]

    def source(self) -> Any:
        return self._async() if self.flavour == "async" else self._sync()

    def _sync(self) -> Iterator[str]:
        for i, piece in enumerate(self.pieces):
            if i in self.waits:
                self.waits[i].wait(10)
            time.sleep(self.pauses.get(i, self.pause))
            yield piece
        self.exhausted.set()

    async def _async(self) -> AsyncIterator[str]:
        for i, piece in enumerate(self.pieces):
            if i in self.waits:
                await asyncio.to_thread(self.waits[i].wait, 10)
            await asyncio.sleep(self.pauses.get(i, self.pause))
            yield piece
        self.exhausted.set()


def pcm_of(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.readframes(wav.getnframes())


async def rest_pcm(api: Api, take_ids: list[str]) -> bytes:
    return b"".join([pcm_of(bytes(await api.get_take_audio(take_id))) for take_id in take_ids])


async def takes_made(api: Api) -> list[TakeResponse]:
    """The takes made by the test, oldest first (the voice's example take left out)."""
    takes = sorted(await api.get_takes(), key=lambda take: take.timestamp_ms)
    examples = {voice.example_take_id for voice in await api.get_voices()}
    return [take for take in takes if take.take_id not in examples]


async def test_a_written_text_is_one_pcm_stream_equal_to_each_sentences_audio_in_order(
    api: Api, voice_id: str, flavour: str
) -> None:
    writer = Writer(flavour, tokens(TEXT))
    first_sentence_done = writer.wait_before(len(tokens(SENTENCES[0] + " ")) + 1)
    chunks: list[bytes] = []
    async with api.websocket(voice_id=voice_id) as ws:
        async for pcm in ws.stream_text(writer.source(), sentence_timeout=10):
            if not chunks:
                # The first sentence's audio is here while the text is still being written.
                assert not writer.exhausted.is_set()
                first_sentence_done.set()
            chunks.append(pcm)
    takes = await takes_made(api)
    assert [take.text for take in takes] == SENTENCES  # not split inside "3.5", after "e.g." or "Dr."
    assert b"".join(chunks) == await rest_pcm(api, [take.take_id for take in takes])


async def test_speak_stream_writes_one_wav_with_subtitles_and_plays_it(
    api: Api, voice_id: str, flavour: str, tmp_path: Path
) -> None:
    played: list[bytes] = []

    class Output:  # in place of the sound card
        def write(self, pcm: bytes) -> None:
            played.append(pcm)

        def close(self) -> None:
            played.append(b"")

    async with api.websocket(voice_id=voice_id) as ws:
        text = Writer(flavour, tokens(TEXT, 7)).source()
        takes = await ws.speak_stream(text, tmp_path / "out.wav", subtitles=tmp_path / "out.srt", play=Output())
        # Lines, with their line ends (pieces are joined as they come, as a model's tokens carry their spaces).
        lines = [line + "\n" for line in SENTENCES]
        await ws.speak_stream(lines, tmp_path / "list.wav", subtitles=tmp_path / "out.vtt")
    assert [take.text for take in takes] == SENTENCES
    pcm = pcm_of((tmp_path / "out.wav").read_bytes())
    assert pcm == await rest_pcm(api, [take.take_id for take in takes])
    assert b"".join(played) == pcm and played[-1] == b""  # every sample, in order, then the output closed
    with wave.open(str(tmp_path / "out.wav")) as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
    # The emulator speaks each of its normalized sentences as a part: a cue each, with that text, back to back.
    normalized = [sentence for take in takes for sentence in take.info.normalized_text]
    take_ends = list(itertools.accumulate(round(take.info.duration * 1000 / rate) for take in takes))
    for name in ("out.srt", "out.vtt"):
        cues = read_subtitles(tmp_path / name)
        assert [cue.text for cue in cues] == normalized
        assert cues[0].start_ms == 0
        assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(cues))
        assert cues[-1].end_ms == round(frames * 1000 / rate)
        ends = {cue.end_ms for cue in cues}
        assert all(min(abs(end - t) for t in ends) <= 1 for end in take_ends)  # each take's audio ends on a cue
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.wav", "out.srt", "out.vtt", "out.wav"]


async def test_a_failed_sentence_raises_after_the_audio_before_it_and_writes_no_file(
    api: Api, voice_id: str, flavour: str, tmp_path: Path
) -> None:
    text = "A good first sentence. Then [[fail]] this one. And a third."
    async with api.websocket(voice_id=voice_id) as ws:
        chunks: list[bytes] = []
        with pytest.raises(DaisysTakeGenerateError):
            async for pcm in ws.stream_text(Writer(flavour, tokens(text)).source(), sentence_timeout=10):
                chunks.append(pcm)
        first = (await takes_made(api))[0]
        assert b"".join(chunks) == await rest_pcm(api, [first.take_id])
        with pytest.raises(DaisysTakeGenerateError):
            source = Writer(flavour, tokens(text)).source()
            await ws.speak_stream(source, tmp_path / "out.wav", subtitles=tmp_path / "s.srt")
        assert await ws.speak("Still usable.", tmp_path / "after.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after.wav"]


async def test_interrupting_sends_no_more_sentences_and_leaves_the_connection_usable(
    api: Api, voice_id: str, flavour: str, tmp_path: Path
) -> None:
    pieces = tokens(TEXT)
    writer = Writer(flavour, pieces)
    listener_gone = writer.wait_before(len(tokens(SENTENCES[0] + " ")) + 1)
    async with api.websocket(voice_id=voice_id) as ws:
        stream = ws.stream_text(writer.source(), sentence_timeout=10)
        assert await stream.__anext__()  # the first sentence's audio begins; then the listener interrupts
        await stream.aclose()
        listener_gone.set()  # the text goes on being written, to no one
        await asyncio.sleep(0.3)  # time for a sync session's reader thread to see the rest of the text
        assert [take.text for take in await takes_made(api)] == [SENTENCES[0]]
        assert ws.in_flight in ([], [0])  # at most the interrupted sentence, still finishing, its audio dropped
        take = await ws.speak("The connection still works.", tmp_path / "after.wav")
    assert take.status == "ready"


async def test_a_text_that_fails_raises_its_error_after_the_audio_before_it(
    api: Api, voice_id: str, flavour: str
) -> None:
    class Broken(Exception):
        pass

    def failing() -> Iterator[str]:
        yield "The one sentence that makes it. "
        yield "And then the model"
        raise Broken

    async def afailing() -> AsyncIterator[str]:
        for piece in failing():
            yield piece

    async with api.websocket(voice_id=voice_id) as ws:
        chunks: list[bytes] = []
        with pytest.raises(Broken):
            async for pcm in ws.stream_text(afailing() if flavour == "async" else failing(), sentence_timeout=10):
                chunks.append(pcm)
    (take,) = await takes_made(api)
    assert b"".join(chunks) == await rest_pcm(api, [take.take_id])


async def test_a_dropped_connection_between_sentences_is_reopened(
    api: Api, voice_id: str, flavour: str, emu: Emulator
) -> None:
    emu.ws_drop_after = 1  # the worker closes the connection after a request, when it has no other
    pieces = tokens(TEXT)
    writer = Writer(flavour, pieces)
    second = len(tokens(SENTENCES[0] + " ")) + 1
    writer.pauses[second] = 1.0  # the model pauses between sentences: the worker is idle and drops the connection
    async with api.websocket(voice_id=voice_id) as ws:
        chunks = [pcm async for pcm in ws.stream_text(writer.source(), sentence_timeout=10)]
    takes = await takes_made(api)
    assert [take.text for take in takes] == SENTENCES
    assert b"".join(chunks) == await rest_pcm(api, [take.take_id for take in takes])
    assert len(emu.requests_to("worker")) >= 2


async def test_a_session_for_a_model_needs_a_voice(api: Api, flavour: str) -> None:
    async with api.websocket(model="shakespeare") as ws:
        with pytest.raises(DaisysInputError, match="voice_id"):
            async for _ in ws.stream_text(["Hello."]):
                pass
