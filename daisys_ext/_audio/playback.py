"""Playing PCM while it is still arriving: a jitter buffer, a writer thread, and the sound card behind a small protocol.

For "speech as the text is written", audio should start as soon as the first sentence's first
chunk is in, and keep going as later chunks and sentences arrive. ``play`` (an iterable of PCM
chunks), ``aplay`` (an async iterable; both in ``_async/playing.py``, one source) and `Player` do that:

- **Start.** Nothing is played until ``jitter_ms`` of audio is buffered, or the input has ended
  (a sentence shorter than that plays at once when its stream ends). This cushion absorbs the
  unevenness of a network stream.
- **Underrun** (the input is slower than real time and the buffer runs dry): playback *pauses*.
  Nothing is written until more audio arrives, and then it resumes at once. No silence is
  inserted into the stream and no sample is skipped: a sound card plays silence by itself while
  it waits, and the speech carries on where it stopped. It does not wait for ``jitter_ms`` again:
  between two sentences (two take requests) that would add the cushion to every pause, and the
  buffer cannot see the card's own queue, so it would also "rebuffer" when nothing was wrong.
  `PlaybackResult.underruns` counts the pauses.
- **Faster input** is buffered in memory (speech is about 88 kB a second at 44.1 kHz), never dropped.
- **Chunk sizes** are free: a chunk that ends inside a sample (or inside a frame of several
  channels) keeps the partial bytes for the next one. An incomplete frame at the very end of the
  input is not audio; it is dropped and counted in `PlaybackResult.trailing_bytes`.

`JitterBuffer` holds those decisions without I/O. The writer thread (`start_writer`) hands its blocks to an
`AudioOutput`: the sound card through ``sounddevice`` (the ``audio`` extra, imported when
``play`` is called without ``output=``), or any object with a blocking ``write`` and a ``close``.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .wav import WavError, WavFormat, parse_wav_header

__all__ = [
    "DEFAULT_JITTER_MS",
    "AudioOutput",
    "JitterBuffer",
    "MissingExtraError",
    "PlayAlong",
    "PlaybackResult",
    "Player",
    "open_sound_card",
    "start_writer",
]

DEFAULT_JITTER_MS = 200
"""The audio buffered before playback starts: a few network chunks, short enough not to be heard as a delay."""
MAX_HEADER = 64 * 1024
"""A WAV header longer than this is not one: stop waiting for the rest of it."""
BLOCK_MS = 40
"""The most audio handed to the output in one write, so that the buffer's view of what is left stays current."""

_DTYPES = {1: "uint8", 2: "int16", 3: "int24", 4: "int32"}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    def __init__(self, message: str, *, extra: str, name: str | None = None) -> None:
        super().__init__(message, name=name)
        self.extra = extra


def require(module: str, extra: str, purpose: str) -> Any:
    """Import ``module`` for ``purpose``, or raise `MissingExtraError` naming ``pip install 'daisys-ext[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs the {module!r} package: pip install 'daisys-ext[{extra}]'", extra=extra, name=module
        ) from exc


@runtime_checkable
class AudioOutput(Protocol):
    """Where played audio goes: a sound card, or anything that consumes PCM the way one does.

    ``write`` blocks until the output has room for ``pcm`` (a sound card: until it has played
    enough of what it holds), and is always given whole frames. ``close`` is called once, after
    the last write (or when playback stops on an error), and returns when the audio written so
    far has been played.
    """

    def write(self, pcm: bytes) -> None:
        """Play (or queue) these PCM bytes; may block until there is room."""
        ...

    def close(self) -> None:
        """Play what is queued, then release the output."""
        ...


@dataclass(frozen=True, slots=True)
class PlaybackResult:
    """What a playback did: the frames written, the pauses for lack of audio, the incomplete frame at the end."""

    frames: int
    """Sample frames written to the output (one sample per channel)."""
    underruns: int
    """Times the buffer ran dry after playback had started, while more input was still to come."""
    trailing_bytes: int
    """Bytes of an incomplete frame at the end of the input, not played."""


class JitterBuffer:
    """The playback decisions without I/O: what to write next, and when to wait.

    `push` input bytes as they come and `end` when the input is complete; `take` says what the
    writer does next: a block of whole frames to write, ``b""`` to wait for more input, or None
    when everything has been handed out.
    """

    def __init__(self, *, frame_bytes: int, start_bytes: int, block_bytes: int) -> None:
        if frame_bytes < 1 or block_bytes < frame_bytes:
            raise ValueError(f"frame_bytes={frame_bytes} and block_bytes={block_bytes} cannot make whole blocks")
        self.frame_bytes = frame_bytes
        self.start_bytes = start_bytes
        self.block_bytes = block_bytes - block_bytes % frame_bytes
        self._data = bytearray()
        self._ended = False
        self._started = False
        self._starved = False
        self.frames_out = 0
        self.underruns = 0

    def push(self, data: bytes | bytearray | memoryview) -> None:
        """Add input bytes (any length: a partial frame waits for the rest)."""
        if self._ended:
            raise ValueError("push after end")
        self._data += data

    def end(self) -> None:
        """The input is complete: play what is buffered, even if less than the start threshold."""
        self._ended = True

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def buffered(self) -> int:
        """Bytes held, including an incomplete frame."""
        return len(self._data)

    @property
    def trailing_bytes(self) -> int:
        """After `end`: the bytes of an incomplete last frame, which are never handed out."""
        return len(self._data) % self.frame_bytes if self._ended else 0

    def take(self) -> bytes | None:
        """The next block to write; ``b""`` to wait for more input; None when finished."""
        if not self._started:
            if len(self._data) < self.start_bytes and not self._ended:
                return b""
            self._started = True
        whole = len(self._data) - len(self._data) % self.frame_bytes
        if whole == 0:
            if self._ended:
                return None
            if not self._starved and self.frames_out:
                self.underruns += 1
            self._starved = True
            return b""
        self._starved = False
        size = min(whole, self.block_bytes)
        block = bytes(self._data[:size])
        del self._data[:size]
        self.frames_out += size // self.frame_bytes
        return block


class Writer:
    """The writer thread: takes blocks from the buffer and writes them to the output, outside the lock."""

    def __init__(self, output: AudioOutput, buffer: JitterBuffer) -> None:
        self._output = output
        self._buffer = buffer
        self._condition = threading.Condition()
        self._stopped = False
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="daisys-ext-playback", daemon=True)
        self._thread.start()

    def push(self, data: bytes) -> None:
        with self._condition:
            self._buffer.push(data)
            self._condition.notify()

    def end(self) -> None:
        with self._condition:
            self._buffer.end()
            self._condition.notify()

    def stop(self) -> None:
        """Stop after the write in progress (the input failed, or the caller gave up)."""
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> PlaybackResult:
        """After the thread ended: the result, or the output's error raised."""
        if self.error is not None:
            raise self.error
        buffer = self._buffer
        return PlaybackResult(buffer.frames_out, buffer.underruns, buffer.trailing_bytes)

    def _run(self) -> None:
        try:
            while True:
                with self._condition:
                    while not self._stopped and (block := self._buffer.take()) == b"":
                        self._condition.wait()
                    if self._stopped or block is None:
                        break
                self._output.write(block)
        except BaseException as exc:  # handed to the caller's thread by result()
            self.error = exc
        finally:
            try:
                self._output.close()
            except BaseException as exc:
                self.error = self.error or exc
            self.done.set()


def start_writer(
    sample_rate: int, channels: int, sample_width: int, jitter_ms: float, output: AudioOutput | None
) -> Writer:
    """A writer thread playing to ``output`` (the sound card when None), behind a jitter buffer for this format."""
    if sample_rate <= 0 or channels <= 0 or sample_width not in _DTYPES or jitter_ms < 0:
        from .._errors import DaisysInputError

        raise DaisysInputError(
            f"cannot play {channels} channels of {sample_width}-byte samples at {sample_rate} Hz"
            f" with {jitter_ms} ms of jitter buffer (sample widths: 1 to 4 bytes)"
        )
    frame_bytes = channels * sample_width
    buffer = JitterBuffer(
        frame_bytes=frame_bytes,
        start_bytes=frame_bytes * round(sample_rate * jitter_ms / 1000),
        block_bytes=frame_bytes * max(1, sample_rate * BLOCK_MS // 1000),
    )
    if output is None:
        output = open_sound_card(sample_rate, channels=channels, sample_width=sample_width)
    return Writer(output, buffer)


class Player:
    """PCM pushed as it is written, played by a writer thread: what ``speak(..., play=True)`` uses.

    ``output`` replaces the sound card, as for `play`. ``push`` never blocks (the jitter
    buffer holds what the card has not played yet); ``finish`` waits until all is played.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        channels: int = 1,
        sample_width: int = 2,
        output: AudioOutput | None = None,
        jitter_ms: float = DEFAULT_JITTER_MS,
    ) -> None:
        self._writer = start_writer(sample_rate, channels, sample_width, jitter_ms, output)

    def push(self, pcm: bytes | bytearray | memoryview) -> None:
        """Hand over more PCM; raises the output's error if playing already failed."""
        if self._writer.done.is_set():
            self._writer.result()
        self._writer.push(bytes(pcm))

    def finish(self) -> PlaybackResult:
        """No more PCM is coming: wait until it is all played, then close the output."""
        self._writer.end()
        self._writer.join()
        return self._writer.result()

    def stop(self) -> None:
        """Stop now (the audio failed, or the caller gave up), after the block being written."""
        self._writer.stop()
        self._writer.join()


class _SoundCard:
    """`AudioOutput` on a sounddevice raw output stream (PortAudio's blocking write)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, pcm: bytes) -> None:
        # An underflow (the card ran dry while we waited for input) is the pause we chose, not an error.
        self._stream.write(pcm)

    def close(self) -> None:
        try:
            self._stream.stop()  # returns once the buffered audio has been played
        finally:
            self._stream.close()


def open_sound_card(sample_rate: int, *, channels: int = 1, sample_width: int = 2) -> AudioOutput:
    """The default output device as an `AudioOutput`, through sounddevice (``pip install 'daisys-ext[audio]'``)."""
    try:
        sounddevice = require("sounddevice", "audio", "Playing audio")
    except OSError as exc:  # sounddevice is there but its PortAudio library is not (Linux: libportaudio2)
        raise MissingExtraError(
            f"Playing audio needs the PortAudio library, which sounddevice could not load ({exc});"
            " on Linux install libportaudio2 (e.g. apt install libportaudio2)",
            extra="audio",
            name="sounddevice",
        ) from exc
    stream = sounddevice.RawOutputStream(samplerate=sample_rate, channels=channels, dtype=_DTYPES[sample_width])
    stream.start()
    return _SoundCard(stream)


class PlayAlong:
    """Plays audio as it is written or downloaded (``play=True``: the sound card; or an `AudioOutput` in its place).

    The player opens at the first audio, when its format is known.
    """

    def __init__(self, play: bool | AudioOutput) -> None:
        self._output = play if not isinstance(play, bool) else None
        self._player: Player | None = None
        self._header: bytearray | None = bytearray()  # of a WAV file fed by feed_wav, until it is whole
        self._wav: WavFormat | None = None

    def feed_wav(self, data: bytes | memoryview) -> None:
        """Feed the bytes of a WAV file as they download: its header first, then its PCM."""
        if self._header is None:
            self.feed(data, None)
            return
        self._header += data
        try:
            wav = parse_wav_header(self._header)
        except WavError as exc:
            if len(self._header) > MAX_HEADER:
                from .._errors import DaisysResponseError

                raise DaisysResponseError(f"The audio to play is not a WAV file: {exc}") from None
            return  # not all of the header yet
        pcm, self._header = memoryview(bytes(self._header))[wav.data_offset :], None
        self._wav = wav
        self.feed(pcm, wav)

    def feed(self, pcm: bytes | memoryview, wav: WavFormat | None) -> None:
        """Feed PCM in the format ``wav`` (the player opens at the first, when the format is known)."""
        wav = wav or self._wav
        if self._player is None:
            if wav is None:
                return
            self._player = Player(
                wav.sample_rate, channels=wav.channels, sample_width=wav.bits_per_sample // 8, output=self._output
            )
        self._player.push(pcm)

    def finish(self) -> None:
        """Wait until everything fed is played (blocking: run it off an event loop)."""
        if self._player is not None:
            self._player.finish()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
