"""Putting one request's audio frames back in order, and joining its parts into one WAV.

Websocket messages may arrive out of order; `Reassembler` holds the early ones (their audio
copied out of the message, so that what is held is what is counted) and hands out in-order
events. `ContinuousWav` turns those events into one WAV.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import BinaryIO

from . import DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_BUFFERED_FRAMES
from .frames import AudioFrame
from .wav import WavError, WavFormat, parse_wav_header, wav_header

__all__ = [
    "Audio",
    "ContinuousWav",
    "HoldBudget",
    "PartEnd",
    "PartStart",
    "Reassembler",
    "ReassemblyError",
    "ReassemblyEvent",
    "TakeEnd",
    "as_callback_args",
    "as_iter_item",
    "assemble_wav",
]

_MAX_WAV_DATA = 0xFFFFFFFF - 36 - 1

Key = tuple[int, int | None]


class ReassemblyError(ValueError):
    """The frames of a request cannot be put together; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PartStart:
    """A part begins; ``format`` is its WAV format, None for a service sending raw audio."""

    part_id: int
    format: WavFormat | None


@dataclass(frozen=True, slots=True)
class Audio:
    """One frame's audio, in order: ``data`` is the payload exactly as received.

    The first frame of a part starts with the part's WAV header, ``header_size`` bytes
    long (0 for every other frame): ``header`` and ``pcm`` split it without copying.
    """

    part_id: int
    chunk_id: int | None
    data: memoryview
    header_size: int = 0

    @property
    def header(self) -> memoryview:
        """The WAV header at the start of this audio, if any (empty for raw PCM)."""
        return self.data[: self.header_size]

    @property
    def pcm(self) -> memoryview:
        """The PCM samples of this audio, without any header."""
        return self.data[self.header_size :]

    def __repr__(self) -> str:
        return (
            f"Audio(part_id={self.part_id}, chunk_id={self.chunk_id},"
            f" data=<{len(self.data)} bytes>, header_size={self.header_size})"
        )


@dataclass(frozen=True, slots=True)
class PartEnd:
    """A part is complete.

    ``chunk_id`` is the id of the empty end-of-part frame in chunks mode; it is None in
    parts mode, where the stream has no such frame because each part arrives whole.
    """

    part_id: int
    chunk_id: int | None


@dataclass(frozen=True, slots=True)
class TakeEnd:
    """The take is complete: the ids are those of the empty end-of-take frame."""

    part_id: int
    chunk_id: int | None


ReassemblyEvent = PartStart | Audio | PartEnd | TakeEnd


def as_callback_args(event: ReassemblyEvent) -> tuple[int, int | None, bytes | None] | None:
    """``(part_id, chunk_id, audio)`` for the official SDK's ``audio_callback``, or None.

    The official SDK calls back once per frame, in order, with the frame's payload (WAV
    header included) or None for an end marker; `PartStart`, and `PartEnd` in parts
    mode, have no frame of their own and so no call.
    """
    match event:
        case Audio():
            return event.part_id, event.chunk_id, bytes(event.data)
        case TakeEnd() | PartEnd(chunk_id=int()):
            return event.part_id, event.chunk_id, None
    return None


def as_iter_item(event: ReassemblyEvent) -> tuple[bytes | None, bytes | None] | None:
    """``(header, audio)`` of the official SDK's ``iter_request`` tuples, or None for no item.

    As in the official SDK, a part's first frame is split into its WAV header (up to and
    including the data chunk's id and size) and audio, and a chunks-mode end-of-part
    marker yields ``(None, None)``; the end of the take yields nothing.
    """
    match event:
        case Audio():
            header = bytes(event.header) if event.header_size else None
            return header, bytes(event.pcm)
        case PartEnd(chunk_id=int()):
            return None, None
    return None


class HoldBudget:
    """The out-of-order audio several reassemblers hold together (a session's requests), up to ``max_bytes``.

    Each request's own bound leaves the sum unbounded (64 requests of 15 MiB each); a session
    shares one budget between its requests.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.held = 0


class Reassembler:
    """Puts the audio frames of ONE request back in order and reports them as events.

    Works in parts mode (``chunk_id`` None) or chunks mode, as the first frame shows.
    Out-of-order frames are held until they can be delivered, their audio copied out of the
    message (a view would keep the whole message alive, metadata and all, uncounted), up
    to ``max_buffered_bytes`` of audio and ``max_buffered_frames`` frames, and within
    ``budget`` when one is shared with other reassemblers.
    """

    def __init__(
        self,
        *,
        request_id: int | str | None = None,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        max_buffered_frames: int = DEFAULT_MAX_BUFFERED_FRAMES,
        wav_headers: bool = True,
        budget: HoldBudget | None = None,
    ) -> None:
        self.request_id = request_id
        self.budget = budget
        self.take_id: str | None = None
        self.max_buffered_bytes = max_buffered_bytes
        self.max_buffered_frames = max_buffered_frames
        self.wav_headers = wav_headers
        self.duplicates = 0
        self._chunked: bool | None = None
        self._next: Key = (0, None)
        self._pending: dict[Key, AudioFrame] = {}
        self._buffered_bytes = 0
        # Delivered frames are gone, so a later copy is checked against a fingerprint.
        self._delivered: dict[Key, tuple[int, int]] = {}
        self._part_ends: dict[int, int] = {}
        self._take_end: int | None = None
        self._done = False

    @property
    def done(self) -> bool:
        """The end-of-take marker has been delivered: every frame of the take is out."""
        return self._done

    @property
    def buffered_bytes(self) -> int:
        """Bytes of audio held back until the frames before them arrive."""
        return self._buffered_bytes

    @property
    def buffered_frames(self) -> int:
        """Frames held back until the frames before them arrive."""
        return len(self._pending)

    def feed(self, frame: AudioFrame) -> list[ReassemblyEvent]:
        """Take one frame, in any order; return the events it makes deliverable, in order."""
        self._check_identity(frame)
        key = (frame.part_id, frame.chunk_id)
        if self._is_duplicate(key, frame):
            self.duplicates += 1
            return []
        if self._done:
            raise ReassemblyError(f"{_name(key)} arrived after the end of the take")
        self._check_position(key, frame)
        if frame.is_end:
            self._note_end(key, frame)
        if key != self._next:
            self._hold(key, frame)
            return []
        events: list[ReassemblyEvent] = []
        self._deliver(frame, events)
        while (held := self._pending.pop(self._next, None)) is not None:
            self._release(len(held.audio))
            self._deliver(held, events)
        return events

    def discard(self) -> None:
        """Drop every frame held (the request failed or was given up): its budget is free again."""
        self._pending.clear()
        self._release(self._buffered_bytes)

    def missing(self, limit: int = 20) -> list[Key]:
        """Ids of frames still awaited, next first, up to ``limit`` of them.

        Beyond the next one, only gaps before frames already buffered (or before a known
        end marker) are listed: what follows the last received frame is unknown.
        """
        if self._done:
            return []
        part, chunk = self._next
        last_part = self._take_end
        if last_part is None:
            last_part = max((p for p, _ in self._pending), default=part)
        found: list[Key] = []
        if not self._chunked:
            for p in range(part, last_part + 1):
                if (p, None) not in self._pending:
                    found.append((p, None))
                    if len(found) >= limit:
                        break
            return found
        last_chunks: dict[int, int] = {}
        for p, c in self._pending:
            last_chunks[p] = max(last_chunks.get(p, 0), c or 0)
        last_chunks |= self._part_ends
        if self._take_end is not None:
            last_chunks[self._take_end] = 0
        for p in range(part, last_part + 1):
            first = (chunk or 0) if p == part else 0
            for c in range(first, max(first, last_chunks.get(p, first)) + 1):
                if (p, c) not in self._pending:
                    found.append((p, c))
                    if len(found) >= limit:
                        return found
        return found

    def describe_received(self) -> str:
        """A few words on the audio handed out so far, e.g. for a dropped connection's error."""
        if not self._delivered:
            return "no audio in order"
        size = sum(length for length, _ in self._delivered.values())
        last = max(self._delivered, key=_order)
        return f"{len(self._delivered)} audio frames in order ({size} bytes, up to {_name(last)})"

    def describe_missing(self) -> str:
        """A sentence on what is still awaited, e.g. for a dropped connection's error."""
        if self._done:
            return "the take is complete"
        if self._chunked is None:
            return "no audio has arrived yet"
        awaited = self.missing(limit=6)
        names = ", ".join(_name(k) for k in awaited[:5]) + (", ..." if len(awaited) > 5 else "")
        text = f"awaiting {names}"
        if self._pending:
            text += f"; {len(self._pending)} later frames ({self._buffered_bytes} bytes) held"
        if self._take_end is None:
            text += "; end of take not yet received"
        return text

    def _check_identity(self, frame: AudioFrame) -> None:
        if self.request_id is None:
            self.request_id = frame.request_id
        elif frame.request_id != self.request_id:
            raise ReassemblyError(
                f"frame for request {frame.request_id!r} fed to the reassembler of request {self.request_id!r}"
            )
        if self.take_id is None:
            self.take_id = frame.take_id
        elif frame.take_id != self.take_id:
            raise ReassemblyError(
                f"request {self.request_id!r} is take {self.take_id!r}, but"
                f" {_name((frame.part_id, frame.chunk_id))} names take {frame.take_id!r}"
            )
        chunked = frame.chunk_id is not None
        if self._chunked is None:
            self._chunked = chunked
            self._next = (0, 0 if chunked else None)
        elif chunked != self._chunked:
            mode = "parts" if chunked else "chunks"
            raise ReassemblyError(
                f"request {self.request_id!r} mixes modes: it began in {mode} mode, but"
                f" {_name((frame.part_id, frame.chunk_id))} has chunk_id={frame.chunk_id}"
            )

    def _is_duplicate(self, key: Key, frame: AudioFrame) -> bool:
        fingerprint = self._delivered.get(key)
        if fingerprint is not None:
            if fingerprint == _fingerprint(frame.audio):
                return True
            earlier = f"{fingerprint[0]} bytes, CRC-32 {fingerprint[1]:08x}"
            now = f"{len(frame.audio)} bytes, CRC-32 {_fingerprint(frame.audio)[1]:08x}"
        else:
            held = self._pending.get(key)
            if held is None:
                return False
            if held.audio == frame.audio:
                return True
            earlier, now = f"{len(held.audio)} bytes", f"{len(frame.audio)} bytes"
        raise ReassemblyError(
            f"conflicting duplicate of {_name(key)}: {now} differ from the copy received earlier ({earlier})"
        )

    def _check_position(self, key: Key, frame: AudioFrame) -> None:
        part, chunk = key
        end = self._take_end
        if end is not None and (part > end or (part == end and not frame.ends_take)):
            raise ReassemblyError(f"{_name(key)} lies after the end of the take (end-of-take marker: part {end})")
        part_end = self._part_ends.get(part)
        if part_end is not None and chunk is not None and chunk > part_end:
            raise ReassemblyError(f"{_name(key)} lies after the end of part {part} (end marker: chunk {part_end})")

    def _note_end(self, key: Key, frame: AudioFrame) -> None:
        part, chunk = key
        if frame.ends_take:
            if self._take_end is not None:
                raise ReassemblyError(
                    f"second end-of-take marker at part {part}; the first was at part {self._take_end}"
                )
            later = sorted((k for k in self._pending if k[0] >= part), key=_order)
            if later:
                raise ReassemblyError(f"end-of-take marker at part {part}, but {_name(later[-1])} was received")
            self._take_end = part
            return
        assert chunk is not None
        if part in self._part_ends:
            raise ReassemblyError(
                f"second end marker for part {part} at chunk {chunk}; the first was at chunk {self._part_ends[part]}"
            )
        later = sorted((k for k in self._pending if k[0] == part and (k[1] or 0) > chunk), key=_order)
        if later:
            raise ReassemblyError(f"end marker for part {part} at chunk {chunk}, but {_name(later[-1])} was received")
        self._part_ends[part] = chunk

    def _hold(self, key: Key, frame: AudioFrame) -> None:
        size = len(frame.audio)
        if len(self._pending) >= self.max_buffered_frames or self._buffered_bytes + size > self.max_buffered_bytes:
            raise ReassemblyError(
                f"too much out-of-order audio: holding {len(self._pending)} frames"
                f" ({self._buffered_bytes} bytes), {_name(key)} ({size} bytes) would pass"
                f" max_buffered_frames={self.max_buffered_frames} or"
                f" max_buffered_bytes={self.max_buffered_bytes}; still awaiting {_name(self._next)}"
            )
        budget = self.budget
        if budget is not None and budget.held + size > budget.max_bytes:
            raise ReassemblyError(
                f"too much out-of-order audio in the session: its requests hold {budget.held} bytes together,"
                f" {_name(key)} ({size} bytes) would pass the session's limit of {budget.max_bytes};"
                f" still awaiting {_name(self._next)}"
            )
        self._pending[key] = replace(frame, audio=memoryview(bytes(frame.audio)).toreadonly())
        self._buffered_bytes += size
        if budget is not None:
            budget.held += size

    def _release(self, size: int) -> None:
        self._buffered_bytes -= size
        if self.budget is not None:
            self.budget.held -= size

    def _deliver(self, frame: AudioFrame, events: list[ReassemblyEvent]) -> None:
        part, chunk = key = (frame.part_id, frame.chunk_id)
        self._delivered[key] = _fingerprint(frame.audio)
        if frame.ends_take:
            self._done = True
            events.append(TakeEnd(part, chunk))
            return
        if frame.ends_part:
            self._next = (part + 1, 0)
            events.append(PartEnd(part, chunk))
            return
        header_size = 0
        if not chunk:  # a part's first frame: parts mode, or chunk 0
            wav = self._header(key, frame.audio) if self.wav_headers else None
            header_size = wav.data_offset if wav else 0
            events.append(PartStart(part, wav))
        events.append(Audio(part, chunk, frame.audio, header_size))
        if chunk is None:
            self._next = (part + 1, None)
            events.append(PartEnd(part, None))
        else:
            self._next = (part, chunk + 1)

    def _header(self, key: Key, audio: memoryview) -> WavFormat:
        try:
            return parse_wav_header(audio)
        except WavError as e:
            raise ReassemblyError(f"{_name(key)} should begin with its part's whole WAV header: {e}") from None


def _fingerprint(audio: memoryview) -> tuple[int, int]:
    # CRC-32 catches the accidental conflicts a buggy sender makes, far cheaper than a
    # cryptographic hash on every frame.
    return len(audio), zlib.crc32(audio)


def _order(key: Key) -> tuple[int, int]:
    return key[0], -1 if key[1] is None else key[1]


def _name(key: Key) -> str:
    part, chunk = key
    return f"part {part}" if chunk is None else f"part {part} chunk {chunk}"


class ContinuousWav:
    """Joins the in-order events of one request into a single WAV, or into raw PCM.

    Writes to ``out`` as events come (a seekable file gets its header's sizes fixed at
    the end; a pipe gets 0xFFFFFFFF "unknown length" sizes), or builds bytes when
    ``out`` is None. All parts must share one format. A take without audio gives no bytes.
    """

    def __init__(self, out: BinaryIO | None = None, *, raw: bool = False) -> None:
        self._out = out
        self._buffer = bytearray() if out is None else None
        self._raw = raw
        self._format: WavFormat | None = None
        self._header_at: int | None = None
        self._data_size = 0
        self._closed = False

    @property
    def format(self) -> WavFormat | None:
        """The audio's format (from the first part), None until a part has started."""
        return self._format

    @property
    def data_size(self) -> int:
        """Bytes of PCM written so far."""
        return self._data_size

    @property
    def nframes(self) -> int:
        """Sample frames written so far (0 before the format is known)."""
        return self._data_size // self._format.block_align if self._format else 0

    def feed(self, events: Iterable[ReassemblyEvent]) -> None:
        """Write these events' audio; the end of the take closes the output's WAV."""
        for event in events:
            if self._closed:
                raise WavError(f"{event!r} came after the WAV was closed")
            match event:
                case PartStart():
                    self._start_part(event)
                case Audio():
                    self._write(event.pcm)
                case TakeEnd():
                    self.close()

    def close(self) -> None:
        """Finish the WAV: pad byte, then the header's final sizes. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._raw or self._format is None:
            return
        if self._data_size & 1:
            self._emit(b"\0")
        header = self._header(self._data_size)
        if self._buffer is not None:
            self._buffer[: len(header)] = header
        elif self._out is not None and self._header_at is not None:
            end = self._out.tell()
            self._out.seek(self._header_at)
            self._out.write(header)
            self._out.seek(end)

    def getvalue(self) -> bytes:
        """The bytes written so far, when building bytes (``out`` None)."""
        if self._buffer is None:
            raise ValueError("this ContinuousWav writes to a file, not to bytes")
        return bytes(self._buffer)

    def _start_part(self, event: PartStart) -> None:
        wav = event.format
        if wav is None:
            if not self._raw:
                raise WavError(f"part {event.part_id} has no WAV header; use raw=True for raw audio")
            return
        if self._format is None:
            self._format = wav
            if not self._raw:
                seekable = self._out is None or self._out.seekable()
                if self._out is not None and seekable:
                    self._header_at = self._out.tell()
                self._emit(self._header(0 if seekable else None))
        elif not self._format.matches(wav):
            raise WavError(
                f"part {event.part_id} is {wav} but the parts before it are {self._format};"
                " they cannot be joined into one WAV"
            )

    def _write(self, pcm: memoryview) -> None:
        self._data_size += len(pcm)
        if not self._raw and self._data_size > _MAX_WAV_DATA:
            raise WavError(f"{self._data_size} bytes of audio do not fit a WAV file (4 GiB limit)")
        self._emit(pcm)

    def _emit(self, data: bytes | memoryview) -> None:
        if self._buffer is not None:
            self._buffer += data
        elif self._out is not None:
            self._out.write(data)

    def _header(self, data_size: int | None) -> bytes:
        wav = self._format
        assert wav is not None
        return wav_header(wav.sample_rate, wav.channels, wav.bits_per_sample, data_size, audio_format=wav.audio_format)


def assemble_wav(events: Iterable[ReassemblyEvent], *, raw: bool = False) -> bytes:
    """One continuous WAV (or raw PCM) from the in-order events of a whole request."""
    wav = ContinuousWav(raw=raw)
    wav.feed(events)
    wav.close()
    return wav.getvalue()
