"""Playback while audio arrives: the jitter buffer's decisions, and play/aplay against a fake sound card.

No test needs a sound card or sounddevice: the output is injected (``output=``), or sounddevice is
replaced by a fake module. The fake output consumes at a scaled real-time pace and records what it
got; nothing asserts on time.
"""

from __future__ import annotations

import array
import asyncio
import math
import sys
import threading
import time
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from daisys_ext._audio import playback
from daisys_ext._audio.playback import AudioOutput, JitterBuffer, MissingExtraError, PlaybackResult
from daisys_ext._errors import DaisysInputError
from daisys_ext.audio import aplay, play

RATE = 8000


def sine(n: int, *, channels: int = 1) -> bytes:
    """``n`` frames of a 440 Hz tone (every sample distinct enough to catch reordering), little-endian."""
    values = array.array(
        "h", (int(9000 * math.sin(2 * math.pi * 440 * (i // channels) / RATE)) + i % 7 for i in range(n * channels))
    )
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` in chunks of these sizes, cycling through them."""
    chunks, pos, i = [], 0, 0
    while pos < len(data):
        chunks.append(data[pos : pos + sizes[i % len(sizes)]])
        pos += sizes[i % len(sizes)]
        i += 1
    return chunks


class FakeOutput:
    """An `AudioOutput` that consumes at ``speed`` times real time and records every write."""

    def __init__(self, byte_rate: int, *, speed: float = 50.0, fail_after: int | None = None) -> None:
        self.byte_rate = byte_rate
        self.speed = speed
        self.fail_after = fail_after
        self.writes: list[bytes] = []
        self.closed = 0
        self._condition = threading.Condition()

    def write(self, pcm: bytes) -> None:
        if self.fail_after is not None and len(self.writes) >= self.fail_after:
            raise OSError("device unplugged")
        time.sleep(len(pcm) / self.byte_rate / self.speed)
        with self._condition:
            self.writes.append(pcm)
            self._condition.notify_all()

    def close(self) -> None:
        self.closed += 1

    @property
    def received(self) -> bytes:
        with self._condition:
            return b"".join(self.writes)

    def wait_for(self, nbytes: int) -> None:
        """Block until at least ``nbytes`` were written (a hang guard, not a timing assertion)."""
        with self._condition:
            assert self._condition.wait_for(lambda: sum(map(len, self.writes)) >= nbytes, timeout=60)


def test_the_fake_output_is_an_audio_output() -> None:
    assert isinstance(FakeOutput(1), AudioOutput)


# --- JitterBuffer: the decisions ---------------------------------------------------------


def test_nothing_is_handed_out_before_the_start_threshold() -> None:
    buffer = JitterBuffer(frame_bytes=2, start_bytes=10, block_bytes=4)
    buffer.push(b"\1" * 8)
    assert buffer.take() == b""
    buffer.push(b"\2" * 2)
    assert buffer.take() == b"\1" * 4
    assert buffer.take() == b"\1" * 4
    assert buffer.take() == b"\2" * 2


def test_the_end_of_input_starts_playback_below_the_threshold() -> None:
    buffer = JitterBuffer(frame_bytes=2, start_bytes=100, block_bytes=64)
    buffer.push(b"ab")
    assert buffer.take() == b""
    buffer.end()
    assert buffer.take() == b"ab"
    assert buffer.take() is None
    assert buffer.underruns == 0


def test_an_underrun_pauses_and_resumes_with_the_next_audio_without_rebuffering() -> None:
    buffer = JitterBuffer(frame_bytes=2, start_bytes=4, block_bytes=64)
    buffer.push(b"abcd")
    assert buffer.take() == b"abcd"
    assert buffer.take() == b""  # dry: wait (no silence is made up)
    assert buffer.take() == b""  # still the same pause
    assert buffer.underruns == 1
    buffer.push(b"ef")  # less than the start threshold: played at once all the same
    assert buffer.take() == b"ef"
    assert buffer.take() == b""
    assert buffer.underruns == 2
    buffer.end()
    assert buffer.take() is None
    assert buffer.frames_out == 3


def test_waiting_to_start_is_not_an_underrun() -> None:
    buffer = JitterBuffer(frame_bytes=2, start_bytes=0, block_bytes=64)
    assert buffer.take() == b""
    assert buffer.underruns == 0


def test_a_frame_split_across_pushes_waits_for_its_other_half() -> None:
    buffer = JitterBuffer(frame_bytes=4, start_bytes=0, block_bytes=64)
    buffer.push(b"abcdef")
    assert buffer.take() == b"abcd"
    assert buffer.take() == b""
    buffer.push(b"gh")
    assert buffer.take() == b"efgh"


def test_an_incomplete_last_frame_is_dropped_and_counted() -> None:
    buffer = JitterBuffer(frame_bytes=4, start_bytes=0, block_bytes=64)
    buffer.push(b"abcdefg")
    buffer.end()
    assert buffer.take() == b"abcd"
    assert buffer.take() is None
    assert buffer.trailing_bytes == 3


def test_blocks_are_whole_frames() -> None:
    buffer = JitterBuffer(frame_bytes=6, start_bytes=0, block_bytes=20)
    assert buffer.block_bytes == 18
    with pytest.raises(ValueError, match="whole blocks"):
        JitterBuffer(frame_bytes=4, start_bytes=0, block_bytes=3)


def test_push_after_end_is_an_error() -> None:
    buffer = JitterBuffer(frame_bytes=2, start_bytes=0, block_bytes=2)
    buffer.end()
    with pytest.raises(ValueError, match="after end"):
        buffer.push(b"ab")


# --- play: the writer thread and the output ---------------------------------------------


@pytest.mark.parametrize("sizes", [[4096], [1], [3, 1000, 7], [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]])
def test_every_sample_is_handed_over_in_order(sizes: list[int]) -> None:
    pcm = sine(4000)
    output = FakeOutput(2 * RATE, speed=100)
    result = play(cut(pcm, sizes), RATE, output=output, jitter_ms=50)
    assert output.received == pcm
    assert all(len(block) % 2 == 0 and block for block in output.writes)
    assert result == PlaybackResult(frames=4000, underruns=result.underruns, trailing_bytes=0)
    assert output.closed == 1


def test_stereo_chunks_that_split_frames_and_samples() -> None:
    pcm = sine(1000, channels=2)
    output = FakeOutput(4 * RATE, speed=100)
    result = play(cut(pcm, [3, 5, 1, 999]), RATE, channels=2, output=output, jitter_ms=20)
    assert output.received == pcm
    assert all(len(block) % 4 == 0 for block in output.writes)
    assert result.frames == 1000


def test_an_incomplete_frame_at_the_end_is_not_played() -> None:
    pcm = sine(100)
    output = FakeOutput(2 * RATE, speed=1000)
    result = play([pcm, b"\x01"], RATE, output=output)
    assert output.received == pcm
    assert result.trailing_bytes == 1


def test_a_producer_faster_than_real_time_loses_nothing() -> None:
    pcm = sine(8000)  # a second of audio, handed over at once, played at 20x
    output = FakeOutput(2 * RATE, speed=20)
    result = play(cut(pcm, [160]), RATE, output=output)
    assert output.received == pcm
    assert result.underruns == 0  # the input ended before the buffer could run dry


def test_a_producer_slower_than_real_time_pauses_playback_without_silence() -> None:
    first, second = sine(2000), sine(3000)[4000:]
    output = FakeOutput(2 * RATE, speed=100)

    def slow() -> Iterator[bytes]:
        yield first
        output.wait_for(len(first))  # the output has played everything: it is starved
        yield second

    result = play(slow(), RATE, output=output, jitter_ms=10)
    # Nothing dropped, nothing inserted (a pause writes no zeros): exactly the input, in order.
    assert output.received == first + second
    assert result.frames == (len(first) + len(second)) // 2
    assert result.underruns <= 1  # 1 when the writer looked before the second chunk came


def test_playback_starts_while_the_input_is_still_arriving() -> None:
    output = FakeOutput(2 * RATE, speed=100)
    head = sine(800)  # 100 ms: at the threshold

    def stream() -> Iterator[bytes]:
        yield head
        output.wait_for(2)  # would hang (and fail the guard) if playback waited for the end of the input
        yield sine(800)

    play(stream(), RATE, output=output, jitter_ms=100)
    assert output.received == head + sine(800)


def test_nothing_is_played_before_the_jitter_buffer_is_full() -> None:
    output = FakeOutput(2 * RATE, speed=1000)
    seen_before_threshold: list[bytes] = []

    def stream() -> Iterator[bytes]:
        for _ in range(9):
            yield b"\0\0" * 80  # 10 ms each: 90 ms < 100 ms
        seen_before_threshold.append(output.received)
        yield b"\0\0" * 80

    play(stream(), RATE, output=output, jitter_ms=100)
    assert seen_before_threshold == [b""]
    assert len(output.received) == 2 * 800


def test_a_short_input_plays_when_it_ends() -> None:
    output = FakeOutput(2 * RATE, speed=1000)
    assert play([b"\1\0" * 10], RATE, output=output, jitter_ms=5000).frames == 10
    assert output.received == b"\1\0" * 10


def test_an_empty_input_plays_nothing_and_closes_the_output() -> None:
    output = FakeOutput(2 * RATE)
    assert play([], RATE, output=output) == PlaybackResult(0, 0, 0)
    assert output.writes == [] and output.closed == 1


def test_an_input_error_stops_playback_and_is_raised() -> None:
    output = FakeOutput(2 * RATE, speed=1000)

    def broken() -> Iterator[bytes]:
        yield sine(100)
        raise ConnectionError("stream lost")

    with pytest.raises(ConnectionError, match="stream lost"):
        play(broken(), RATE, output=output)
    assert output.closed == 1


def test_an_output_error_stops_reading_the_input_and_is_raised() -> None:
    output = FakeOutput(2 * RATE, fail_after=1)
    read = 0

    def endless() -> Iterator[bytes]:
        nonlocal read
        while True:
            read += 1
            yield sine(100)

    with pytest.raises(OSError, match="unplugged"):
        play(endless(), RATE, output=output, jitter_ms=0)
    assert output.closed == 1
    assert read < 10**6  # it stopped


@pytest.mark.parametrize("kwargs", [{"sample_width": 5}, {"channels": 0}, {"jitter_ms": -1}, {"sample_rate": 0}])
def test_impossible_formats_are_rejected(kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"sample_rate": RATE, "output": FakeOutput(1)} | kwargs
    with pytest.raises(DaisysInputError, match="cannot play"):
        play([], **arguments)


# --- aplay -------------------------------------------------------------------------------


async def test_aplay_plays_an_async_stream_in_order() -> None:
    pcm = sine(3000)
    output = FakeOutput(2 * RATE, speed=100)

    async def stream() -> AsyncIterator[bytes]:
        for chunk in cut(pcm, [7, 300, 1]):
            yield chunk
            await asyncio.sleep(0)

    result = await aplay(stream(), RATE, output=output, jitter_ms=20)
    assert output.received == pcm
    assert result.frames == 3000
    assert output.closed == 1


async def test_aplay_leaves_the_event_loop_free_while_the_output_blocks() -> None:
    gate = threading.Event()
    gate_timed_out: list[bool] = []

    class GatedOutput(FakeOutput):
        """Blocks in write until a coroutine opens the gate: only possible if the event loop is free."""

        def write(self, pcm: bytes) -> None:
            if not gate.wait(timeout=60):  # a hang guard: aplay blocking the loop would never let the gate open
                gate_timed_out.append(True)
            super().write(pcm)

    output = GatedOutput(2 * RATE, speed=1000)

    async def stream() -> AsyncIterator[bytes]:
        yield sine(800)
        yield sine(8)

    task = asyncio.create_task(aplay(stream(), RATE, output=output, jitter_ms=0))
    await asyncio.sleep(0)  # aplay starts, reads the stream and waits for the writer
    gate.set()  # this coroutine runs while playback is under way
    result = await task
    assert gate_timed_out == []
    assert output.received == sine(800) + sine(8)
    assert result.frames == 808


async def test_cancelling_aplay_stops_and_closes_the_output() -> None:
    output = FakeOutput(2 * RATE, speed=100)
    started = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield sine(800)
        started.set()
        await asyncio.Event().wait()  # the stream never continues
        yield b""

    task = asyncio.create_task(aplay(stalled(), RATE, output=output, jitter_ms=0))
    await started.wait()
    await asyncio.to_thread(output.wait_for, 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert output.closed == 1


async def test_aplay_raises_the_input_error() -> None:
    output = FakeOutput(2 * RATE, speed=1000)

    async def broken() -> AsyncIterator[bytes]:
        yield sine(10)
        raise ConnectionError("gone")

    with pytest.raises(ConnectionError, match="gone"):
        await aplay(broken(), RATE, output=output)
    assert output.closed == 1


# --- the sound card: sounddevice, present (faked) or missing ----------------------------


class FakeStream:
    """Enough of sounddevice.RawOutputStream to see what playback does with it."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.calls: list[str] = []
        self.data = bytearray()
        FakeStream.last = self

    last: FakeStream

    def start(self) -> None:
        self.calls.append("start")

    def write(self, pcm: bytes) -> None:
        self.data += pcm

    def stop(self) -> None:
        self.calls.append("stop")

    def close(self) -> None:
        self.calls.append("close")


@pytest.fixture
def fake_sounddevice(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("sounddevice")
    module.RawOutputStream = FakeStream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", module)


@pytest.mark.usefixtures("fake_sounddevice")
def test_without_output_the_default_device_is_opened_and_drained() -> None:
    pcm = sine(500)
    result = play(cut(pcm, [33]), 22050, channels=1, sample_width=2)
    stream = FakeStream.last
    assert stream.kwargs == {"samplerate": 22050, "channels": 1, "dtype": "int16"}
    assert bytes(stream.data) == pcm
    assert stream.calls == ["start", "stop", "close"]  # stop() lets the buffered audio finish
    assert result.frames == 500


@pytest.mark.usefixtures("fake_sounddevice")
async def test_aplay_opens_the_default_device_too() -> None:
    async def stream() -> AsyncIterator[bytes]:
        yield b"\0\0\0" * 4

    await aplay(stream(), 16000, sample_width=3)
    assert FakeStream.last.kwargs["dtype"] == "int24"
    assert bytes(FakeStream.last.data) == b"\0" * 12


def test_a_missing_sounddevice_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice now raises ImportError
    consumed: list[bytes] = []

    def stream() -> Iterator[bytes]:
        consumed.append(b"\0\0")
        yield b"\0\0"

    with pytest.raises(MissingExtraError, match=r"pip install 'daisys-ext\[audio\]'") as caught:
        play(stream(), RATE)
    assert isinstance(caught.value, ImportError)
    assert caught.value.extra == "audio" and caught.value.name == "sounddevice"
    assert consumed == []  # raised before reading any input


async def test_a_missing_sounddevice_names_the_extra_in_aplay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)

    async def stream() -> AsyncIterator[bytes]:
        yield b""

    with pytest.raises(MissingExtraError, match=r"daisys-ext\[audio\]"):
        await aplay(stream(), RATE)


def test_a_missing_portaudio_library_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_portaudio(module: str, extra: str, purpose: str) -> Any:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(playback, "require", no_portaudio)
    with pytest.raises(MissingExtraError, match="libportaudio2") as caught:
        play([], RATE)
    assert caught.value.extra == "audio"
