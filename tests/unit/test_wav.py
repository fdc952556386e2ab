"""WAV header helpers: parsing prefixes, writing headers, fixing sizes; checked against `wave`."""

from __future__ import annotations

import io
import re
import struct
import wave

import pytest
from hypothesis import given, settings, strategies as st

from daisys_ext._audio.wav import WavError, WavFormat, fix_wav_sizes, parse_wav_header, wav_header


def chunk(chunk_id: bytes, body: bytes) -> bytes:
    """A RIFF chunk, with the pad byte an odd-sized body needs."""
    return chunk_id + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def fmt_body(rate: int = 22050, channels: int = 1, bits: int = 16, tag: int = 1) -> bytes:
    align = channels * ((bits + 7) // 8)
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_with_wave(data: bytes) -> tuple[wave._wave_params, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getparams(), w.readframes(w.getnframes())


# --- parse_wav_header -------------------------------------------------------------------


def test_parses_the_canonical_header() -> None:
    header = wav_header(24000, 2, 16, 4000)
    assert len(header) == 44
    fmt = parse_wav_header(header)
    assert fmt == WavFormat(24000, 2, 16, 1, data_offset=44, data_size=4000)
    assert (fmt.block_align, fmt.byte_rate, fmt.nframes) == (4, 96000, 1000)
    assert str(fmt) == "16-bit PCM, 2 ch, 24000 Hz"


def test_skips_other_chunks_and_honours_the_pad_byte() -> None:
    # An odd-sized LIST chunk is followed by a pad byte that is not part of any chunk.
    data = riff(
        chunk(b"LIST", b"INFOabc"),
        chunk(b"fmt ", fmt_body()),
        chunk(b"fact", b"\5\0\0\0"),
        chunk(b"data", b"\0" * 10),
    )
    fmt = parse_wav_header(data)
    assert fmt.data_offset == len(data) - 10
    assert fmt.data_size == 10
    assert read_with_wave(data)[0].nframes == 5  # `wave` agrees on where the data is


def test_reads_a_header_only_prefix() -> None:
    # The first chunk of a chunks-mode part: the sizes describe the whole part.
    fmt = parse_wav_header(wav_header(22050, 1, 16, 1_000_000))
    assert (fmt.data_offset, fmt.data_size) == (44, 1_000_000)


def test_accepts_memoryview_and_bytearray() -> None:
    header = wav_header(8000, 1, 8, 3)
    assert parse_wav_header(memoryview(header)) == parse_wav_header(bytearray(header))


def test_extended_fmt_chunk() -> None:
    # WAVE_FORMAT_EXTENSIBLE has a 40-byte fmt chunk; only the first 16 bytes matter here.
    body = fmt_body(48000, 2, 24, tag=0xFFFE) + b"\x16\0" + b"\0" * 22
    fmt = parse_wav_header(riff(chunk(b"fmt ", body), b"data\0\0\0\0"))
    assert (fmt.audio_format, fmt.bits_per_sample, fmt.block_align) == (0xFFFE, 24, 6)
    assert "format 0xfffe" in str(fmt)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"RIFF\0\0", "truncated WAV header: 6 bytes given"),
        (b"JSON\0\0\0\0WAVEfmt ", "not a RIFF/WAVE file: starts with b'JSON'"),
        (b"RIFF\0\0\0\0AVI LIST", "form type b'AVI '"),
        (riff(chunk(b"LIST", b"x" * 5)), "no fmt chunk within the 26 bytes given"),
        (riff(chunk(b"fmt ", fmt_body())), "no data chunk within the 36 bytes given"),
        (riff(chunk(b"fmt ", fmt_body()), b"da"), "no data chunk within the 38 bytes given"),
        (riff(b"data\0\0\0\0", chunk(b"fmt ", fmt_body())), "data chunk at offset 12 comes before"),
        (riff(chunk(b"fmt ", b"\1\0\1\0")), "fmt chunk at offset 12 is 4 bytes, needs at least 16"),
        (riff(chunk(b"fmt ", fmt_body()))[:30], "truncated fmt chunk at offset 12: needs 36 bytes, 30"),
        (riff(chunk(b"fmt ", fmt_body(channels=0)), b"data\0\0\0\0"), "0 channels"),
        (riff(chunk(b"fmt ", fmt_body(rate=0)), b"data\0\0\0\0"), "0 Hz"),
    ],
)
def test_parse_errors_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(WavError, match=re.escape(message)):
        parse_wav_header(data)


def test_lists_the_chunks_it_walked() -> None:
    data = riff(chunk(b"fmt ", fmt_body()), chunk(b"LIST", b"ab"))
    with pytest.raises(WavError, match=r"chunks seen: 'fmt '@12, 'LIST'@36\)"):
        parse_wav_header(data)


def test_a_huge_chunk_size_does_not_run_away() -> None:
    data = riff(chunk(b"fmt ", fmt_body())) + b"LIST" + struct.pack("<I", 0xFFFFFFF0)
    with pytest.raises(WavError, match="no data chunk"):
        parse_wav_header(data)


def test_wav_error_is_a_value_error() -> None:
    assert issubclass(WavError, ValueError)


# --- wav_header ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    rate=st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000]),
    channels=st.integers(1, 4),
    width=st.integers(1, 4),
    nframes=st.integers(0, 300),
)
def test_header_plus_data_reads_back_with_wave(rate: int, channels: int, width: int, nframes: int) -> None:
    pcm = bytes(range(256)) * (nframes * channels * width // 256 + 1)
    pcm = pcm[: nframes * channels * width]
    data = wav_header(rate, channels, width * 8, len(pcm)) + pcm + b"\0" * (len(pcm) & 1)
    params, frames = read_with_wave(data)
    assert (params.framerate, params.nchannels, params.sampwidth, params.nframes) == (
        rate,
        channels,
        width,
        nframes,
    )
    assert frames == pcm
    fmt = parse_wav_header(data)
    assert (fmt.sample_rate, fmt.channels, fmt.bits_per_sample, fmt.data_size) == (
        rate,
        channels,
        width * 8,
        len(pcm),
    )
    # The RIFF size covers everything after itself, pad byte included.
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8


def test_unknown_length_header() -> None:
    header = wav_header(22050, 1, 16, None)
    assert struct.unpack_from("<I", header, 4)[0] == 0xFFFFFFFF
    assert parse_wav_header(header).data_size == 0xFFFFFFFF


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((22050, 1, 16, -1), "data size -1 does not fit"),
        ((22050, 1, 16, 0xFFFFFFFF), "does not fit a WAV file"),
        ((22050, 0, 16, 10), "0 channels"),
        ((0, 1, 16, 10), "0 Hz"),
    ],
)
def test_wav_header_rejects_what_cannot_be_written(args: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(WavError, match=message):
        wav_header(*args)


# --- fix_wav_sizes ------------------------------------------------------------------------


def stale_concatenation() -> bytes:
    """Part 1's header followed by the audio of two parts: sizes describe part 1 only."""
    return wav_header(16000, 1, 16, 6) + b"\1\0" * 3 + b"\2\0" * 5


def test_fix_sizes_of_a_bytearray() -> None:
    data = bytearray(stale_concatenation())
    fmt = fix_wav_sizes(data)
    assert fmt.data_size == 16
    params, frames = read_with_wave(bytes(data))
    assert params.nframes == 8
    assert frames == b"\1\0" * 3 + b"\2\0" * 5
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8


def test_fix_sizes_of_a_file() -> None:
    buffer = io.BytesIO(stale_concatenation())
    buffer.seek(5)
    assert fix_wav_sizes(buffer).data_size == 16
    assert buffer.tell() == len(buffer.getvalue())  # left at the end, ready to append
    assert read_with_wave(buffer.getvalue())[0].nframes == 8


def test_fix_sizes_with_extra_chunks_before_data() -> None:
    data = bytearray(riff(chunk(b"fmt ", fmt_body()), chunk(b"LIST", b"abc"), b"data\0\0\0\0") + b"\0" * 12)
    assert fix_wav_sizes(data).data_size == 12
    assert read_with_wave(bytes(data))[0].nframes == 6


def test_fix_sizes_is_idempotent() -> None:
    data = bytearray(stale_concatenation())
    fix_wav_sizes(data)
    once = bytes(data)
    fix_wav_sizes(data)
    assert bytes(data) == once


def test_fix_sizes_rejects_what_is_not_wav() -> None:
    with pytest.raises(WavError, match="not a RIFF/WAVE file"):
        fix_wav_sizes(io.BytesIO(b"JSON" + b"\0" * 60))
