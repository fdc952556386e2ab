"""The per-request reassembler and the continuous WAV writer: examples, errors, properties."""

from __future__ import annotations

import io
import itertools
import re
import struct
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings, strategies as st

from daisys_ext._audio.frames import AudioFrame, decode_frame, encode_frame
from daisys_ext._audio.reassembly import (
    Audio,
    ContinuousWav,
    PartEnd,
    PartStart,
    Reassembler,
    ReassemblyError,
    ReassemblyEvent,
    TakeEnd,
    as_callback_args,
    as_iter_item,
    assemble_wav,
)
from daisys_ext._audio.wav import WavError, wav_header

try:
    from daisys.v1.speak.sync_websocket import DaisysSyncAudioStream  # type: ignore[import-untyped]
except ImportError:  # the official SDK is a test extra, used only as a reference
    DaisysSyncAudioStream = None

TAKE = "t01jqrjq6xs1vbkdm1493e60gv2"
Key = tuple[int, int | None]


def wav(nbytes: int, fill: int = 1, rate: int = 22050, channels: int = 1, bits: int = 16) -> bytes:
    return wav_header(rate, channels, bits, nbytes) + bytes([fill]) * nbytes


def frame(part: int, chunk: int | None, audio: bytes = b"", request_id: int | str = 0) -> AudioFrame:
    return decode_frame(encode_frame(request_id, TAKE, part, chunk, audio))


def feed_all(r: Reassembler, frames: Iterable[AudioFrame]) -> list[ReassemblyEvent]:
    return [event for f in frames for event in r.feed(f)]


def callback_calls(events: Iterable[ReassemblyEvent]) -> list[tuple[int, int | None, bytes | None]]:
    return [args for e in events if (args := as_callback_args(e)) is not None]


# --- the documented example streams ---------------------------------------------------------


def test_documented_parts_stream_out_of_order() -> None:
    parts = [wav(12340 - 44, 1), wav(23450 - 44, 2)]
    frames = [frame(0, None, parts[0]), frame(1, None, parts[1]), frame(2, None)]
    r = Reassembler()
    assert r.feed(frames[2]) == []
    assert r.feed(frames[1]) == []
    events = r.feed(frames[0])
    assert [type(e) for e in events] == [PartStart, Audio, PartEnd] * 2 + [TakeEnd]
    assert r.done
    assert callback_calls(events) == [(0, None, parts[0]), (1, None, parts[1]), (2, None, None)]
    assert [e.header_size for e in events if isinstance(e, Audio)] == [44, 44]
    assert events[-1] == TakeEnd(2, None)


def test_documented_chunks_stream_out_of_order() -> None:
    part0, part1 = wav(4140 + 4096, 1), wav(4140 + 4096, 2)
    in_order = [
        frame(0, 0, part0[:4140]),
        frame(0, 1, part0[4140:]),
        frame(0, 2),
        frame(1, 0, part1[:4140]),
        frame(1, 1, part1[4140:]),
        frame(1, 2),
        frame(2, 0),
    ]
    r = Reassembler()
    events = feed_all(r, [in_order[i] for i in (6, 4, 2, 0, 5, 3, 1)])
    assert r.done
    assert callback_calls(events) == [
        (0, 0, part0[:4140]),
        (0, 1, part0[4140:]),
        (0, 2, None),
        (1, 0, part1[:4140]),
        (1, 1, part1[4140:]),
        (1, 2, None),
        (2, 0, None),
    ]
    starts = [e for e in events if isinstance(e, PartStart)]
    assert [(s.part_id, s.format and s.format.data_size) for s in starts] == [(0, 8236), (1, 8236)]


def test_events_view_the_received_message_without_copying() -> None:
    message = encode_frame(0, TAKE, 0, None, wav(8))
    events = Reassembler().feed(decode_frame(message))
    audio = next(e for e in events if isinstance(e, Audio))
    assert audio.data.obj is message
    assert audio.pcm.obj is message


def test_iter_request_items_match_the_official_sdk() -> None:
    part = wav(100)
    r = Reassembler()
    events = feed_all(r, [frame(0, 0, part[:60]), frame(0, 1, part[60:]), frame(0, 2), frame(1, 0)])
    items = [item for e in events if (item := as_iter_item(e)) is not None]
    assert items == [(part[:44], part[44:60]), (None, part[60:]), (None, None)]
    events = feed_all(Reassembler(), [frame(0, None, part), frame(1, None)])
    items = [item for e in events if (item := as_iter_item(e)) is not None]
    assert items == [(part[:44], part[44:])]


def test_header_with_extra_chunks_is_split_at_the_data_chunk() -> None:
    fmt = wav_header(22050, 1, 16, 0)[12:36]
    body = b"WAVE" + fmt + b"LIST\x03\x00\x00\x00abc\x00" + b"data\x04\x00\x00\x00" + b"\1\2\3\4"
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    events = Reassembler().feed(frame(0, None, data))
    audio = next(e for e in events if isinstance(e, Audio))
    assert audio.header_size == len(data) - 4
    assert audio.pcm.tobytes() == b"\1\2\3\4"


# --- duplicates -----------------------------------------------------------------------------


def test_exact_duplicates_are_ignored_and_counted() -> None:
    r = Reassembler()
    part = wav(10)
    assert r.feed(frame(1, None, part)) == []
    assert r.feed(frame(1, None, part)) == []  # duplicate of a held frame
    assert len(r.feed(frame(0, None, part))) == 6
    assert r.feed(frame(0, None, part)) == []  # duplicate of a delivered frame
    assert r.feed(frame(2, None)) == [TakeEnd(2, None)]
    assert r.feed(frame(2, None)) == []  # duplicate end marker after the end
    assert r.duplicates == 3


def test_conflicting_duplicate_of_a_held_frame() -> None:
    r = Reassembler()
    r.feed(frame(1, None, wav(10, 1)))
    with pytest.raises(ReassemblyError, match=r"conflicting duplicate of part 1: 55 bytes differ .*\(54 bytes\)"):
        r.feed(frame(1, None, wav(11, 1)))


def test_conflicting_duplicate_of_a_delivered_frame() -> None:
    r = Reassembler()
    r.feed(frame(0, 0, wav(10, 1)))
    with pytest.raises(ReassemblyError, match=r"conflicting duplicate of part 0 chunk 0: 54 bytes, CRC-32"):
        r.feed(frame(0, 0, wav(10, 2)))


def test_a_data_frame_where_an_end_marker_was_is_a_conflict() -> None:
    r = Reassembler()
    r.feed(frame(0, 2))
    with pytest.raises(ReassemblyError, match="conflicting duplicate of part 0 chunk 2"):
        r.feed(frame(0, 2, b"\1\2"))


# --- protocol errors ------------------------------------------------------------------------


def test_mixing_parts_and_chunks_is_an_error() -> None:
    r = Reassembler()
    r.feed(frame(0, None, wav(4)))
    with pytest.raises(ReassemblyError, match=r"mixes modes: it began in parts mode, but part 1 chunk 0"):
        r.feed(frame(1, 0, wav(4)))
    r = Reassembler()
    r.feed(frame(0, 0, wav(4)))
    with pytest.raises(ReassemblyError, match=r"began in chunks mode, but part 1 has chunk_id=None"):
        r.feed(frame(1, None))


def test_frames_of_another_request_or_take_are_errors() -> None:
    r = Reassembler(request_id=4)
    with pytest.raises(ReassemblyError, match=r"frame for request 5 fed to the reassembler of request 4"):
        r.feed(frame(0, None, wav(4), request_id=5))
    r.feed(frame(0, None, wav(4), request_id=4))
    other = decode_frame(encode_frame(4, "t-other", 1, None, wav(4)))
    with pytest.raises(ReassemblyError, match=rf"request 4 is take '{TAKE}', but part 1 names take 't-other'"):
        r.feed(other)


def test_a_frame_after_the_end_of_the_take_is_an_error() -> None:
    r = Reassembler()
    feed_all(r, [frame(0, None, wav(4)), frame(1, None)])
    assert r.done
    with pytest.raises(ReassemblyError, match="part 2 arrived after the end of the take"):
        r.feed(frame(2, None, wav(4)))


def test_a_frame_past_an_early_end_of_take_marker_is_an_error() -> None:
    r = Reassembler()
    r.feed(frame(2, 0))
    with pytest.raises(
        ReassemblyError, match=r"part 3 chunk 0 lies after the end of the take \(end-of-take marker: part 2\)"
    ):
        r.feed(frame(3, 0, wav(4)))
    with pytest.raises(ReassemblyError, match="part 2 chunk 1 lies after the end of the take"):
        r.feed(frame(2, 1, b"\1"))


def test_a_chunk_past_its_part_end_is_an_error() -> None:
    r = Reassembler()
    r.feed(frame(0, 3))
    with pytest.raises(ReassemblyError, match=r"part 0 chunk 4 lies after the end of part 0 \(end marker: chunk 3\)"):
        r.feed(frame(0, 4, b"\1"))


def test_end_markers_contradicting_received_frames_are_errors() -> None:
    r = Reassembler()
    r.feed(frame(3, None, wav(4)))
    with pytest.raises(ReassemblyError, match="end-of-take marker at part 2, but part 3 was received"):
        r.feed(frame(2, None))
    r = Reassembler()
    r.feed(frame(0, 5, b"\1"))
    with pytest.raises(ReassemblyError, match="end marker for part 0 at chunk 3, but part 0 chunk 5 was received"):
        r.feed(frame(0, 3))


def test_two_end_markers_are_errors() -> None:
    r = Reassembler()
    r.feed(frame(3, None))
    with pytest.raises(ReassemblyError, match="second end-of-take marker at part 2; the first was at part 3"):
        r.feed(frame(2, None))
    r = Reassembler()
    r.feed(frame(0, 3))
    with pytest.raises(ReassemblyError, match="second end marker for part 0 at chunk 2; the first was at chunk 3"):
        r.feed(frame(0, 2))


def test_a_part_must_start_with_a_wav_header() -> None:
    with pytest.raises(ReassemblyError, match="part 0 should begin with its part's whole WAV header: not a RIFF"):
        Reassembler().feed(frame(0, None, b"\0" * 100))
    # Chunk 0 must hold the whole header (as it does from Daisys: 44 bytes + audio).
    with pytest.raises(ReassemblyError, match=r"part 0 chunk 0 should begin .*: no data chunk within the 40 bytes"):
        Reassembler().feed(frame(0, 0, wav(100)[:40]))


def test_raw_audio_without_headers() -> None:
    r = Reassembler(wav_headers=False)
    events = feed_all(r, [frame(0, 1, b"\3\4"), frame(0, 0, b"\1\2"), frame(0, 2), frame(1, 0)])
    assert events[0] == PartStart(0, None)
    assert [(e.header_size, bytes(e.pcm)) for e in events if isinstance(e, Audio)] == [(0, b"\1\2"), (0, b"\3\4")]
    assert assemble_wav(events, raw=True) == b"\1\2\3\4"
    with pytest.raises(WavError, match="part 0 has no WAV header; use raw=True"):
        assemble_wav(events)


def test_reassembly_error_is_a_value_error() -> None:
    assert issubclass(ReassemblyError, ValueError)


# --- the buffer bound -----------------------------------------------------------------------


def test_buffered_bytes_are_bounded() -> None:
    r = Reassembler(max_buffered_bytes=100)
    r.feed(frame(1, None, wav(40)))
    assert (r.buffered_frames, r.buffered_bytes) == (1, 84)
    with pytest.raises(
        ReassemblyError,
        match=re.escape(
            "too much out-of-order audio: holding 1 frames (84 bytes), part 2 (84 bytes) would pass"
            " max_buffered_frames=4096 or max_buffered_bytes=100; still awaiting part 0"
        ),
    ):
        r.feed(frame(2, None, wav(40)))


def test_buffered_frames_are_bounded() -> None:
    r = Reassembler(max_buffered_frames=2)
    r.feed(frame(0, 1, b"\1"))
    r.feed(frame(0, 2, b"\1"))
    with pytest.raises(ReassemblyError, match=r"max_buffered_frames=2 .*still awaiting part 0 chunk 0"):
        r.feed(frame(0, 3, b"\1"))


def test_delivered_frames_free_the_buffer() -> None:
    r = Reassembler(max_buffered_bytes=60)
    r.feed(frame(1, None, wav(10)))
    feed_all(r, [frame(0, None, wav(10)), frame(3, None, wav(10))])
    assert (r.buffered_frames, r.buffered_bytes) == (1, 54)


# --- what is missing ------------------------------------------------------------------------


def test_missing_in_parts_mode() -> None:
    r = Reassembler()
    assert r.describe_missing() == "no audio has arrived yet"
    feed_all(r, [frame(0, None, wav(4)), frame(2, None, wav(4)), frame(5, None, wav(4))])
    assert r.missing() == [(1, None), (3, None), (4, None)]
    assert r.missing(limit=2) == [(1, None), (3, None)]
    assert r.describe_missing() == (
        "awaiting part 1, part 3, part 4; 2 later frames (96 bytes) held; end of take not yet received"
    )
    r.feed(frame(7, None))
    assert r.missing() == [(1, None), (3, None), (4, None), (6, None)]


def test_missing_in_chunks_mode() -> None:
    r = Reassembler()
    feed_all(r, [frame(0, 0, wav(4)), frame(0, 3, b"\1"), frame(0, 4), frame(2, 1, b"\1"), frame(3, 0)])
    assert r.missing() == [(0, 1), (0, 2), (1, 0), (2, 0)]
    assert "end of take" not in r.describe_missing()
    r = Reassembler()
    r.feed(frame(0, 0, wav(4)))
    assert r.missing() == [(0, 1)]  # nothing is known beyond the next frame
    assert r.describe_missing() == "awaiting part 0 chunk 1; end of take not yet received"


def test_missing_is_bounded_even_for_far_away_ids() -> None:
    r = Reassembler()
    r.feed(frame(10**12, None, wav(4)))
    assert len(r.missing()) == 20
    assert r.describe_missing().startswith("awaiting part 0, part 1, part 2, part 3, part 4, ...")


def test_nothing_missing_when_done() -> None:
    r = Reassembler()
    feed_all(r, [frame(0, None, wav(4)), frame(1, None)])
    assert (r.missing(), r.describe_missing()) == ([], "the take is complete")


# --- ContinuousWav --------------------------------------------------------------------------


def events_for(parts: Sequence[bytes], chunk: int | None = None) -> list[ReassemblyEvent]:
    """In-order events of a take made of these part WAVs, split in chunks of ``chunk`` bytes."""
    r = Reassembler()
    frames = []
    for p, data in enumerate(parts):
        if chunk is None:
            frames.append(frame(p, None, data))
            continue
        pieces = [data[:44]] + [data[i : i + chunk] for i in range(44, len(data), chunk)]
        pieces[0:2] = [b"".join(pieces[0:2])]
        frames += [frame(p, c, piece) for c, piece in enumerate(pieces)] + [frame(p, len(pieces))]
    frames.append(frame(len(parts), None if chunk is None else 0))
    return feed_all(r, frames)


def read_wav(data: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnframes(), w.readframes(w.getnframes())


def test_continuous_wav_joins_parts_to_bytes() -> None:
    data = assemble_wav(events_for([wav(10, 1), wav(6, 2), wav(0), wav(4, 3)], chunk=4))
    assert read_wav(data) == (22050, 10, b"\1" * 10 + b"\2" * 6 + b"\3" * 4)
    assert len(data) == 44 + 20


def test_continuous_wav_writes_a_seekable_file_and_fixes_sizes() -> None:
    out = io.BytesIO(b"prefix")
    out.seek(6)
    writer = ContinuousWav(out)
    writer.feed(events_for([wav(10, 1), wav(6, 2)]))
    assert (writer.data_size, writer.nframes) == (16, 8)
    assert read_wav(out.getvalue()[6:]) == (22050, 8, b"\1" * 10 + b"\2" * 6)
    with pytest.raises(ValueError, match="writes to a file, not to bytes"):
        writer.getvalue()


class Pipe(io.BytesIO):
    def seekable(self) -> bool:
        return False


def test_continuous_wav_to_a_pipe_says_the_length_is_unknown() -> None:
    out = Pipe()
    ContinuousWav(out).feed(events_for([wav(10, 1)]))
    assert struct.unpack_from("<I", out.getvalue(), 40)[0] == 0xFFFFFFFF
    assert out.getvalue()[44:] == b"\1" * 10


def test_continuous_wav_pads_odd_data() -> None:
    data = assemble_wav(events_for([wav(3, 1, bits=8), wav(2, 2, bits=8)]))
    assert len(data) == 44 + 5 + 1
    # The data size excludes the pad byte; the RIFF size includes it.
    assert (struct.unpack_from("<I", data, 40)[0], struct.unpack_from("<I", data, 4)[0]) == (5, 36 + 6)
    assert read_wav(data)[1:] == (5, b"\1\1\1\2\2")


def test_continuous_wav_raw_pcm() -> None:
    assert assemble_wav(events_for([wav(4, 1), wav(2, 2)], chunk=2), raw=True) == b"\1" * 4 + b"\2" * 2


def test_continuous_wav_rejects_differing_formats() -> None:
    parts = [wav(4, rate=22050), wav(4, rate=24000)]
    with pytest.raises(
        WavError,
        match=re.escape(
            "part 1 is 16-bit PCM, 1 ch, 24000 Hz but the parts before it are"
            " 16-bit PCM, 1 ch, 22050 Hz; they cannot be joined into one WAV"
        ),
    ):
        assemble_wav(events_for(parts))


def test_continuous_wav_after_close() -> None:
    writer = ContinuousWav()
    events = events_for([wav(4)])
    writer.feed(events)
    writer.close()  # a second close is harmless
    with pytest.raises(WavError, match="came after the WAV was closed"):
        writer.feed(events[:1])


def test_empty_take_gives_no_bytes() -> None:
    assert assemble_wav(events_for([])) == b""


def test_closing_early_keeps_what_arrived_playable() -> None:
    writer = ContinuousWav()
    writer.feed(events_for([wav(10, 1), wav(4, 2)])[:3])  # part 0 only, no end of take
    writer.close()
    assert read_wav(writer.getvalue())[1] == 5


# --- properties -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Take:
    chunked: bool
    parts: list[bytes]  # each part's complete WAV file
    frames: list[tuple[int, int | None, bytes]]  # in order: part, chunk, audio
    nframes: int
    pcm: bytes

    def messages(self, request_id: int = 0) -> list[bytes]:
        return [encode_frame(request_id, TAKE, p, c, audio) for p, c, audio in self.frames]


def header(rate: int, channels: int, bits: int, size: int, extra: bytes) -> bytes:
    """A WAV header, with ``extra`` chunks between fmt and data if given."""
    canonical = wav_header(rate, channels, bits, size)
    riff_size = struct.unpack_from("<I", canonical, 4)[0] + len(extra)
    return b"RIFF" + struct.pack("<I", riff_size) + canonical[8:36] + extra + canonical[36:]


@st.composite
def takes(draw: st.DrawFn, chunked: bool | None = None, max_parts: int = 5) -> Take:
    chunked = draw(st.booleans()) if chunked is None else chunked
    rate = draw(st.sampled_from([16000, 22050, 24000, 44100]))
    channels, width = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    extra = draw(st.sampled_from([b"", b"LIST\x03\x00\x00\x00abc\x00", b"fact\x04\x00\x00\x00\x01\x00\x00\x00"]))
    parts: list[bytes] = []
    pcm: list[bytes] = []
    frames: list[tuple[int, int | None, bytes]] = []
    for p in range(draw(st.integers(1, max_parts))):
        nframes = draw(st.integers(0, 150))
        audio = draw(st.binary(min_size=nframes * channels * width, max_size=nframes * channels * width))
        head = header(rate, channels, width * 8, len(audio), extra)
        parts.append(head + audio)
        pcm.append(audio)
        if not chunked:
            frames.append((p, None, head + audio))
            continue
        # Chunk 0 holds the header and maybe some audio; no other chunk is empty.
        cuts = draw(st.lists(st.integers(1, len(audio) - 1), max_size=8, unique=True)) if len(audio) > 1 else []
        bounds = [0, *sorted(cuts), len(audio)] if audio else [0, 0]
        pieces = [audio[a:b] for a, b in itertools.pairwise(bounds)]
        pieces[0] = head + pieces[0]
        frames += [(p, c, piece) for c, piece in enumerate(pieces)]
        frames.append((p, len(pieces), b""))
    frames.append((len(parts), 0 if chunked else None, b""))
    total = b"".join(pcm)
    return Take(chunked, parts, frames, len(total) // (channels * width), total)


@st.composite
def arrivals(draw: st.DrawFn, take: Take) -> tuple[list[int], int]:
    """An arrival order: a permutation of the frames, with some sent twice."""
    order = list(draw(st.permutations(range(len(take.frames)))))
    copies = draw(st.lists(st.integers(0, len(take.frames) - 1), max_size=6))
    for index in copies:
        order.insert(draw(st.integers(0, len(order))), index)
    return order, len(copies)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_arrival_order_delivers_the_take_in_order(data: st.DataObject) -> None:
    take = data.draw(takes())
    order, copies = data.draw(arrivals(take))
    messages = take.messages()
    r = Reassembler()
    events = feed_all(r, (decode_frame(messages[i]) for i in order))

    assert r.done and r.duplicates == copies and r.buffered_frames == 0
    # Exactly the official SDK's callbacks: every frame once, in order, None for markers.
    assert callback_calls(events) == [(p, c, audio or None) for p, c, audio in take.frames]
    # Each part's audio, joined, is the part's WAV file byte for byte.
    for p, part in enumerate(take.parts):
        assert b"".join(e.data for e in events if isinstance(e, Audio) and e.part_id == p) == part
    # Structure: each part opens, carries audio, closes; the take ends last.
    shape = [(type(e).__name__, e.part_id) for e in events if not isinstance(e, Audio)]
    expected = [(kind, p) for p in range(len(take.parts)) for kind in ("PartStart", "PartEnd")]
    assert shape == [*expected, ("TakeEnd", len(take.parts))]

    _, nframes, pcm = read_wav(assemble_wav(events))
    assert (nframes, pcm) == (take.nframes, take.pcm)
    assert assemble_wav(events, raw=True) == take.pcm


@pytest.mark.skipif(DaisysSyncAudioStream is None, reason="the official daisys SDK is not installed")
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_same_callbacks_as_the_official_sdk(data: st.DataObject) -> None:
    take = data.draw(takes())
    order = data.draw(st.permutations(range(len(take.frames))))
    official_calls: list[tuple[int, int | None, bytes | None]] = []

    def record(request_id: int, take_id: str, part_id: int, chunk_id: int | None, audio: bytes | None) -> None:
        official_calls.append((part_id, chunk_id, audio))

    official = DaisysSyncAudioStream(0, TAKE, None, record)
    ours = Reassembler()
    events: list[ReassemblyEvent] = []
    for i in order:
        p, c, audio = take.frames[i]
        official.receive_chunk(p, c, audio or None)
        events += ours.feed(frame(p, c, audio))
    assert callback_calls(events) == official_calls
    assert ours.done == official.done


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_dropped_frame_is_never_done_and_is_named_missing(data: st.DataObject) -> None:
    take = data.draw(takes())
    order, _ = data.draw(arrivals(take))
    dropped = data.draw(st.sampled_from(order), label="dropped")
    messages = take.messages()
    r = Reassembler()
    events = feed_all(r, (decode_frame(messages[i]) for i in order if i != dropped))

    key: Key = take.frames[dropped][:2]
    assert not r.done
    assert r.missing()[0] == key  # everything before it was delivered
    name = f"part {key[0]}" + ("" if key[1] is None else f" chunk {key[1]}")
    assert r.describe_missing().startswith(f"awaiting {name}")
    assert callback_calls(events) == [(p, c, audio or None) for p, c, audio in take.frames[:dropped]]


@settings(max_examples=200, deadline=None)
@given(takes(), st.booleans())
def test_buffering_past_the_bound_is_an_error(take: Take, by_frames: bool) -> None:
    # Arriving in reverse, every frame but the first in order waits in the buffer.
    frames = [frame(p, c, audio) for p, c, audio in reversed(take.frames)]
    held_bytes = sum(len(f.audio) for f in frames[:-1])
    held_frames = len(frames) - 1
    if by_frames:
        assume(held_frames >= 1)
        tight, roomy = Reassembler(max_buffered_frames=held_frames - 1), Reassembler(max_buffered_frames=held_frames)
    else:
        assume(held_bytes >= 1)
        tight, roomy = Reassembler(max_buffered_bytes=held_bytes - 1), Reassembler(max_buffered_bytes=held_bytes)
    with pytest.raises(ReassemblyError, match="too much out-of-order audio"):
        feed_all(tight, frames)
    feed_all(roomy, frames)
    assert roomy.done


@settings(max_examples=100, deadline=None)
@given(takes(chunked=True), st.data())
def test_chunk_boundaries_do_not_change_the_joined_wav(take: Take, data: st.DataObject) -> None:
    as_parts = Reassembler()
    parts_events = feed_all(as_parts, [frame(p, None, part) for p, part in enumerate(take.parts)])
    parts_events += as_parts.feed(frame(len(take.parts), None))
    order = data.draw(st.permutations(range(len(take.frames))))
    chunk_events = feed_all(Reassembler(), (frame(*take.frames[i]) for i in order))
    assert assemble_wav(chunk_events) == assemble_wav(parts_events)
