"""What the other services' clients share, without I/O: the PCM format, WAV writing, and frame numbering.

Both services send raw PCM (no WAV header) in base64 inside JSON text messages, with no ids:
their `FrameDecoder`s number the audio messages as the parts of one take (parts mode: each
arrives whole), so a ``Reassembler(wav_headers=False)`` puts them together like Daisys frames.
A message without audio makes no frame (an empty frame would be the end-of-take marker); the
stream's end, which neither service marks with a message, is `PcmFrameDecoder.end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from .._audio.frames import AudioFrame, FrameError, Message, load_json
from .._audio.reassembly import Audio, ContinuousWav, PartStart
from .._audio.wav import PCM, WavFormat
from .errors import PeerError

__all__ = ["PcmFormat", "PcmFrameDecoder", "PcmWavWriter", "Spoken", "UnknownMessage", "describe", "json_of"]


@dataclass(frozen=True, slots=True)
class PcmFormat:
    """Raw PCM's layout: little-endian signed samples (8-bit: unsigned), channels interleaved."""

    sample_rate: int
    channels: int = 1
    sample_width: int = 2
    """Bytes per sample."""

    @property
    def block_align(self) -> int:
        """Bytes in one sample frame (all channels)."""
        return self.channels * self.sample_width

    @property
    def bytes_per_second(self) -> int:
        """Bytes of PCM in one second of audio."""
        return self.sample_rate * self.block_align

    @property
    def wav_format(self) -> WavFormat:
        """As the `WavFormat` of a canonical 44-byte header (what ``daisys_ext.audio`` works with)."""
        return WavFormat(self.sample_rate, self.channels, self.sample_width * 8, PCM, 44, 0)

    def duration(self, pcm_bytes: int) -> float:
        """Seconds of audio in ``pcm_bytes`` bytes."""
        return pcm_bytes / self.bytes_per_second


@dataclass(frozen=True, slots=True)
class Spoken:
    """What ``speak`` wrote: the audio's format and how many bytes of PCM (the WAV header not counted)."""

    format: PcmFormat
    pcm_bytes: int

    @property
    def sample_rate(self) -> int:
        """The sample rate of the audio, in Hz."""
        return self.format.sample_rate

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.format.duration(self.pcm_bytes)


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """A message of no shape a service's client reads (no audio, nor anything else); ``why`` says what, for the log."""

    why: str


class PcmWavWriter:
    """Raw PCM as one WAV file (or raw PCM with ``raw=True``), through the shared `ContinuousWav`.

    A seekable ``out`` gets its header's sizes fixed by `close`; a pipe gets "unknown length" sizes.
    """

    def __init__(self, out: BinaryIO, format: PcmFormat, *, raw: bool = False) -> None:
        self.format = format
        self._wav = ContinuousWav(out, raw=raw)
        self._wav.feed([PartStart(0, format.wav_format)])

    @property
    def pcm_bytes(self) -> int:
        return self._wav.data_size

    def write(self, pcm: bytes | memoryview) -> None:
        self._wav.feed([Audio(0, None, memoryview(pcm))])

    def close(self) -> None:
        self._wav.close()


class PcmFrameDecoder:
    """Numbers the audio messages of one stream as the parts of one take; subclasses say what audio a message holds.

    `decode` is the `FrameDecoder` call: it raises `FrameError` for a message that carries no
    audio. `frames` gives ``[]`` for those instead, and `end` the end-of-take marker that
    closes the stream for the `Reassembler` (neither service sends one).
    """

    service = "the service"

    def __init__(self, request_id: int | str = 0, take_id: str = "stream") -> None:
        self.request_id = request_id
        self.take_id = take_id
        self._next = 0

    def audio(self, message: Message) -> bytes | None:
        """The PCM ``message`` carries, or None for a message without audio; raises `FrameError` for bad audio."""
        raise NotImplementedError

    def frames(self, message: Message) -> list[AudioFrame]:
        """The frame of an audio message; ``[]`` for any other message.

        Raises `FrameError` for a message that cannot be read, whatever the parsing raised
        (the service's own error message is its `PeerError`).
        """
        try:
            audio = self.audio(message)
        except (FrameError, PeerError):
            raise
        except Exception as exc:  # whatever a message does to the parsing, it is that message's error
            raise FrameError(
                f"a message of {self.service} cannot be read ({type(exc).__name__}): {describe(message, 80)}"
            ) from None
        if not audio:
            return []
        part, self._next = self._next, self._next + 1
        return [AudioFrame(self.request_id, self.take_id, part, None, memoryview(audio).toreadonly())]

    def decode(self, message: Message) -> AudioFrame:
        frames = self.frames(message)
        if not frames:
            raise FrameError(f"this message of {self.service} carries no audio: {describe(message)}")
        return frames[0]

    def end(self) -> AudioFrame:
        """The end-of-take marker after the last audio message (an empty frame)."""
        return AudioFrame(self.request_id, self.take_id, self._next, None, memoryview(b""))


def json_of(message: Message) -> Any:
    """A text message's JSON; raises `ValueError` for a binary message or text that cannot be read as JSON."""
    if not isinstance(message, str):
        raise ValueError(f"a binary message of {len(message)} bytes, where JSON text was expected")
    return load_json(message)


def describe(message: Message, limit: int = 200) -> str:
    """A message as a log line shows it: text clipped, binary by its size."""
    if not isinstance(message, str):
        return f"<binary, {len(message)} bytes>"
    return repr(message if len(message) <= limit else message[:limit] + "...")
