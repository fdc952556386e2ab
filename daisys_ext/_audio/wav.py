"""WAV (RIFF/WAVE) header helpers: read a header from a prefix of a file, write one, fix sizes.

Daisys sends each part as a WAV file, and in chunks mode only the first chunk carries the
header, so the parser works on whatever prefix of the file has arrived.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

__all__ = ["WavError", "WavFormat", "fix_wav_sizes", "parse_wav_header", "wav_header"]

BytesLike = bytes | bytearray | memoryview

PCM = 1
_CHUNK_HEADER = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")
_CANONICAL = struct.Struct("<4sI4s4sIHHIIHH4sI")
CANONICAL_HEADER_SIZE = _CANONICAL.size  # 44
_MAX_U32 = 0xFFFFFFFF
_MAX_U16 = 0xFFFF
# Headers are small; a file-like whose data chunk is not within this prefix is not a
# WAV file we produced or received, and reading further would only waste memory.
_HEADER_SCAN_LIMIT = 1 << 16


class WavError(ValueError):
    """The bytes are not a WAV header this module can read, or cannot be written as one."""


@dataclass(frozen=True, slots=True)
class WavFormat:
    """The sample layout of a WAV file plus where its audio starts and how long it claims to be."""

    sample_rate: int
    channels: int
    bits_per_sample: int
    audio_format: int
    """The fmt chunk's format tag: 1 for integer PCM, 3 for IEEE float, 0xFFFE extensible."""
    data_offset: int
    """Offset of the first audio byte: the header is ``file[:data_offset]``."""
    data_size: int
    """The size the data chunk declares; in a streamed file it may exceed the bytes present."""

    @property
    def block_align(self) -> int:
        """Bytes per sample frame (one sample for every channel)."""
        return self.channels * ((self.bits_per_sample + 7) // 8)

    @property
    def byte_rate(self) -> int:
        """Bytes of audio per second."""
        return self.sample_rate * self.block_align

    @property
    def nframes(self) -> int:
        """Sample frames in the declared data size."""
        return self.data_size // self.block_align

    def matches(self, other: WavFormat) -> bool:
        """Whether audio in ``other`` can be appended to audio in this format unchanged."""
        return self._layout() == other._layout()

    def _layout(self) -> tuple[int, int, int, int]:
        return self.sample_rate, self.channels, self.bits_per_sample, self.audio_format

    def __str__(self) -> str:
        kind = {PCM: "PCM", 3: "float"}.get(self.audio_format, f"format 0x{self.audio_format:04x}")
        return f"{self.bits_per_sample}-bit {kind}, {self.channels} ch, {self.sample_rate} Hz"


def parse_wav_header(data: BytesLike) -> WavFormat:
    """Read the format and the data chunk's position from the start of a WAV file.

    Only the header needs to be present: the data chunk's declared size may describe bytes
    that have not arrived yet. Chunks other than ``fmt `` (LIST, fact, ...) are skipped.
    Raises WavError naming what is wrong.
    """
    # The standard `wave` module wants a readable file holding the whole data chunk,
    # so it cannot read the header-only first chunk of a chunks-mode part: walk by hand.
    view = memoryview(data).cast("B")
    n = len(view)
    if n < 12:
        raise WavError(f"truncated WAV header: {n} bytes given, the RIFF header alone needs 12")
    if view[0:4].tobytes() != b"RIFF" or view[8:12].tobytes() != b"WAVE":
        raise WavError(
            f"not a RIFF/WAVE file: starts with {bytes(view[0:4])!r} and has form type {bytes(view[8:12])!r}"
        )
    fmt: tuple[int, int, int, int, int, int] | None = None
    seen: list[str] = []
    pos = 12
    while pos + 8 <= n:
        chunk_id, size = _CHUNK_HEADER.unpack_from(view, pos)
        seen.append(f"{chunk_id.decode('latin-1')!r}@{pos}")
        if chunk_id == b"data":
            if fmt is None:
                raise WavError(f"data chunk at offset {pos} comes before any fmt chunk")
            tag, channels, rate, _, _, bits = fmt
            return WavFormat(rate, channels, bits, tag, pos + 8, size)
        if chunk_id == b"fmt ":
            fmt = _read_fmt(view, pos, size)
        # RIFF chunks are word aligned: an odd-sized chunk is followed by a pad byte.
        pos += 8 + size + (size & 1)
    what = "fmt" if fmt is None else "data"
    walked = ", ".join(seen) or "none"
    raise WavError(f"no {what} chunk within the {n} bytes given (chunks seen: {walked})")


def _read_fmt(view: memoryview, pos: int, size: int) -> tuple[int, int, int, int, int, int]:
    if size < _FMT.size:
        raise WavError(f"fmt chunk at offset {pos} is {size} bytes, needs at least {_FMT.size}")
    if pos + 8 + _FMT.size > len(view):
        raise WavError(f"truncated fmt chunk at offset {pos}: needs {pos + 8 + _FMT.size} bytes, {len(view)} given")
    fields: tuple[int, int, int, int, int, int] = _FMT.unpack_from(view, pos + 8)
    _, channels, rate, _, _, bits = fields
    if channels == 0 or rate == 0 or bits == 0:
        raise WavError(f"fmt chunk declares {channels} channels, {rate} Hz, {bits} bits per sample; none may be 0")
    _check_layout(rate, channels, bits, "fmt chunk declares")
    return fields


def _check_layout(sample_rate: int, channels: int, bits_per_sample: int, what: str) -> None:
    """A layout whose header can be written: block align within 16 bits and byte rate within 32."""
    block_align = channels * ((bits_per_sample + 7) // 8)
    if block_align > _MAX_U16 or sample_rate * block_align > _MAX_U32:
        raise WavError(
            f"{what} {channels} channels, {sample_rate} Hz, {bits_per_sample} bits per sample: its block align"
            f" ({block_align}) or byte rate ({sample_rate * block_align}) does not fit a WAV header"
        )


def wav_header(
    sample_rate: int,
    channels: int,
    bits_per_sample: int,
    data_size: int | None,
    *,
    audio_format: int = PCM,
) -> bytes:
    """The canonical 44-byte header for ``data_size`` bytes of audio.

    ``data_size=None`` writes 0xFFFFFFFF sizes, the usual mark of a stream of unknown
    length (for pipes, which cannot be patched afterwards). For an odd ``data_size`` the
    RIFF size counts the pad byte the writer must append after the data.
    """
    if min(sample_rate, channels, bits_per_sample) <= 0 or max(channels, bits_per_sample, audio_format) > _MAX_U16:
        raise WavError(
            f"cannot write a header for {channels} channels, {sample_rate} Hz, {bits_per_sample} bits per sample"
        )
    _check_layout(sample_rate, channels, bits_per_sample, "cannot write a header for")
    if data_size is None:
        riff_size = data_size = _MAX_U32
    else:
        riff_size = 36 + data_size + (data_size & 1)
        if data_size < 0 or riff_size > _MAX_U32:
            raise WavError(f"data size {data_size} does not fit a WAV file (4 GiB limit)")
    block_align = channels * ((bits_per_sample + 7) // 8)
    fmt = (audio_format, channels, sample_rate, sample_rate * block_align, block_align, bits_per_sample)
    return _CANONICAL.pack(b"RIFF", riff_size, b"WAVE", b"fmt ", _FMT.size, *fmt, b"data", data_size)


def fix_wav_sizes(wav: bytearray | BinaryIO) -> WavFormat:
    """Set the RIFF and data sizes of a finished WAV to match its length, in place.

    For a WAV built by streaming (e.g. one part's header followed by several parts'
    audio), whose header still describes the first part. Everything after the data
    chunk header counts as audio. A file-like must be readable, writable and seekable,
    with the WAV starting at offset 0; its position is left at the end. Returns the
    corrected format.
    """
    if isinstance(wav, bytearray):
        fmt = parse_wav_header(wav)
        total = len(wav)
    else:
        wav.seek(0)
        fmt = parse_wav_header(wav.read(_HEADER_SCAN_LIMIT))
        total = wav.seek(0, io.SEEK_END)
    data_size = total - fmt.data_offset
    if total - 8 > _MAX_U32:
        raise WavError(f"{total} bytes do not fit a WAV file (4 GiB limit)")
    for offset, value in ((4, total - 8), (fmt.data_offset - 4, data_size)):
        if isinstance(wav, bytearray):
            struct.pack_into("<I", wav, offset, value)
        else:
            wav.seek(offset)
            wav.write(struct.pack("<I", value))
    if not isinstance(wav, bytearray):
        wav.seek(0, io.SEEK_END)
    return replace(fmt, data_size=data_size)
