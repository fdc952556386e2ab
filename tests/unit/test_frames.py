"""The audio frame decoders: the Daisys one's round trips and error paths, and fuzzing all three (Daisys, Vivoka,
Neuphonic) with deep nesting, huge numbers and impossible WAV header fields."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest
from hypothesis import given, settings, strategies as st

from daisys_ext._audio.frames import (
    AudioFrame,
    DaisysFrameDecoder,
    FrameDecoder,
    FrameError,
    decode_frame,
    encode_frame,
)
from daisys_ext._audio.reassembly import Reassembler, ReassemblyError
from daisys_ext._audio.wav import wav_header
from daisys_ext._peers.errors import PeerError, PeerResponseError
from daisys_ext._peers.neuphonic import NeuphonicFrameDecoder
from daisys_ext._peers.vivoka import VivokaFrameDecoder, parse_ticket

RIFF = b"RIFF\x24\x00\x00\x00WAVE"


def with_metadata(meta: bytes, audio: bytes = RIFF) -> bytes:
    return b"JSON" + struct.pack("<I", len(meta)) + meta + audio


def with_fields(**fields: object) -> bytes:
    return with_metadata(json.dumps(fields).encode())


# --- decoding ------------------------------------------------------------------------------


def test_decodes_a_parts_mode_frame() -> None:
    frame = decode_frame(encode_frame(3, "t01abc", 1, None, RIFF))
    assert frame == AudioFrame(3, "t01abc", 1, None, memoryview(RIFF))
    assert frame.audio == RIFF
    assert not (frame.is_end or frame.ends_part or frame.ends_take)


def test_decodes_a_chunks_mode_frame_with_string_request_id() -> None:
    frame = decode_frame(encode_frame("req-7", "t01abc", 0, 5, b"\1\2"))
    assert (frame.request_id, frame.part_id, frame.chunk_id, bytes(frame.audio)) == ("req-7", 0, 5, b"\1\2")


def test_reads_the_documented_layout() -> None:
    # Built by hand from the docs, not with encode_frame: JSON, uint32 LE length, metadata, RIFF...
    meta = b'{"take_id": "t1", "part_id": 2, "chunk_id": 0, "request_id": 9}'
    message = b"JSON" + len(meta).to_bytes(4, "little") + meta + RIFF
    frame = decode_frame(message)
    assert frame == decode_frame(encode_frame(9, "t1", 2, 0, RIFF))
    assert (frame.take_id, frame.part_id, frame.chunk_id, frame.request_id) == ("t1", 2, 0, 9)
    assert frame.audio.tobytes().startswith(b"RIFF")


@pytest.mark.parametrize(
    ("chunk_id", "ends_part", "ends_take"),
    [(None, False, True), (0, False, True), (1, True, False), (7, True, False)],
)
def test_end_markers(chunk_id: int | None, ends_part: bool, ends_take: bool) -> None:
    frame = decode_frame(encode_frame(0, "t", 2, chunk_id))
    assert frame.is_end
    assert (frame.ends_part, frame.ends_take) == (ends_part, ends_take)


def test_null_chunk_id_means_parts_mode() -> None:
    frame = decode_frame(with_fields(take_id="t", part_id=0, chunk_id=None, request_id=0))
    assert frame.chunk_id is None


def test_unknown_metadata_fields_are_ignored() -> None:
    frame = decode_frame(with_fields(take_id="t", part_id=0, request_id=0, sample_rate=22050))
    assert frame.part_id == 0


def test_audio_is_a_read_only_view_not_a_copy() -> None:
    message = bytearray(encode_frame(0, "t", 0, None, b"\1\2\3\4"))
    frame = decode_frame(message)
    assert frame.audio.readonly
    message[-1] = 9  # the view sees the message itself
    assert frame.audio.tobytes() == b"\1\2\3\x09"


def test_accepts_bytes_bytearray_and_memoryview() -> None:
    message = encode_frame(1, "t", 0, 1, b"ab")
    decoded = [decode_frame(m) for m in (message, bytearray(message), memoryview(message))]
    assert decoded[0] == decoded[1] == decoded[2]


def test_repr_shows_the_audio_length_not_the_bytes() -> None:
    assert repr(decode_frame(encode_frame(1, "t", 0, 1, b"ab"))) == (
        "AudioFrame(request_id=1, take_id='t', part_id=0, chunk_id=1, audio=<2 bytes>)"
    )


def test_decoder_protocol() -> None:
    decoder = DaisysFrameDecoder()
    assert isinstance(decoder, FrameDecoder)
    assert decoder.decode(encode_frame(0, "t", 0, None, RIFF)).audio == RIFF
    with pytest.raises(FrameError, match="got a text message"):
        decoder.decode('{"data": {}}')


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"", "message too short: 0 bytes b'', an audio frame needs at least 8"),
        (b"JSON\x05\x00", "message too short: 6 bytes b'JSON\\x05\\x00'"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "bad magic b'RIFF': an audio frame starts with b'JSON'"),
        (b"json\x00\x00\x00\x00", "bad magic b'json'"),
        (b"\xff\xfe\x00\x01\x00\x00\x00\x00", "bad magic b'\\xff\\xfe\\x00\\x01'"),
        (
            b"JSON\x40\x00\x00\x00{}",
            "metadata length 64 runs past the end of the message: needs 72 bytes, the message has 10",
        ),
        (
            b"JSON\xff\xff\xff\xff{}",
            "metadata length 4294967295 runs past the end of the message: needs 4294967303 bytes",
        ),
        (with_metadata(b'{"take_id": "\xff"}'), "metadata is not UTF-8: invalid start byte at byte 13"),
        (with_metadata(b'{"take_id": '), "metadata is not JSON: Expecting value at char 12"),
        (with_metadata(b""), "metadata is not JSON: Expecting value at char 0 of ''"),
        (with_metadata(b"[1, 2]"), "metadata is not a JSON object but array '[1, 2]'"),
        (with_metadata(b'"text"'), "metadata is not a JSON object but string"),
        (with_metadata(b"null"), "metadata is not a JSON object but null"),
    ],
)
def test_malformed_messages(message: bytes, expected: str) -> None:
    with pytest.raises(FrameError, match=re.escape(expected)):
        decode_frame(message)


VALID = {"take_id": "t", "part_id": 0, "request_id": 0}
NON_NEGATIVE = "must be a non-negative integer, found"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"take_id": None}, "metadata has no 'take_id' field (fields: ['part_id', 'request_id'])"),
        ({"part_id": None}, "metadata has no 'part_id' field"),
        ({"request_id": None}, "metadata has no 'request_id' field"),
        ({"take_id": 5}, "field 'take_id' must be a string, found number 5"),
        ({"take_id": [None]}, "field 'take_id' must be a string, found array [None]"),
        ({"part_id": "0"}, f"field 'part_id' {NON_NEGATIVE} string '0'"),
        ({"part_id": 1.0}, f"field 'part_id' {NON_NEGATIVE} number 1.0"),
        ({"part_id": True}, f"field 'part_id' {NON_NEGATIVE} boolean True"),
        ({"part_id": -1}, f"field 'part_id' {NON_NEGATIVE} number -1"),
        ({"chunk_id": -3}, f"field 'chunk_id' {NON_NEGATIVE} number -3"),
        ({"chunk_id": [1]}, f"field 'chunk_id' {NON_NEGATIVE} array [1]"),
        ({"request_id": 1.5}, "field 'request_id' must be an integer or a string, found number 1.5"),
        ({"request_id": False}, "field 'request_id' must be an integer or a string, found boolean False"),
        ({"request_id": {"id": 1}}, "found object {'id': 1}"),
    ],
)
def test_missing_or_ill_typed_fields(changes: dict[str, object], expected: str) -> None:
    """``changes`` alters a valid metadata object; None removes the field."""
    fields = {k: v for k, v in (VALID | changes).items() if v is not None}
    with pytest.raises(FrameError, match=re.escape(expected)):
        decode_frame(with_fields(**fields))


def test_null_take_id_is_ill_typed() -> None:
    with pytest.raises(FrameError, match="field 'take_id' must be a string, found null None"):
        decode_frame(with_fields(take_id=None, part_id=0, request_id=0))


def test_long_metadata_is_clipped_in_messages() -> None:
    with pytest.raises(FrameError) as caught:
        decode_frame(with_metadata(b"[" + b"1," * 500 + b"1]"))
    assert len(str(caught.value)) < 150


def test_frame_error_is_a_value_error() -> None:
    assert issubclass(FrameError, ValueError)


# --- properties ----------------------------------------------------------------------------

ids = st.integers(0, 2**31)
request_ids = st.one_of(ids, st.text(max_size=20))
chunk_ids = st.one_of(st.none(), ids)
payloads = st.binary(max_size=300)


@settings(max_examples=200, deadline=None)
@given(request_ids, st.text(max_size=30), ids, chunk_ids, payloads)
def test_encode_decode_round_trip(
    request_id: int | str, take_id: str, part_id: int, chunk_id: int | None, audio: bytes
) -> None:
    frame = decode_frame(encode_frame(request_id, take_id, part_id, chunk_id, audio))
    assert frame == AudioFrame(request_id, take_id, part_id, chunk_id, memoryview(audio))


@settings(max_examples=200, deadline=None)
@given(request_ids, ids, chunk_ids, payloads, st.data())
def test_truncation_inside_the_prefix_or_metadata_is_an_error(
    request_id: int | str, part_id: int, chunk_id: int | None, audio: bytes, data: st.DataObject
) -> None:
    message = encode_frame(request_id, "t01", part_id, chunk_id, audio)
    end_of_metadata = 8 + struct.unpack_from("<I", message, 4)[0]
    cut = data.draw(st.integers(0, end_of_metadata - 1))
    with pytest.raises(FrameError, match=r"too short|runs past the end"):
        decode_frame(message[:cut])


@settings(max_examples=200, deadline=None)
@given(payloads, st.binary(min_size=4, max_size=4).filter(lambda magic: magic != b"JSON"))
def test_corrupted_magic_is_an_error(audio: bytes, magic: bytes) -> None:
    message = magic + encode_frame(0, "t", 0, None, audio)[4:]
    with pytest.raises(FrameError, match=re.escape(f"bad magic {magic!r}")):
        decode_frame(message)


@settings(max_examples=200, deadline=None)
@given(payloads, st.data())
def test_corrupted_length_is_an_error(audio: bytes, data: st.DataObject) -> None:
    message = encode_frame(0, "t01", 0, 3, audio)
    true_length = struct.unpack_from("<I", message, 4)[0]
    # Shorter cuts the JSON object short; longer than the message runs past its end.
    # (Longer but within the message may still parse, if the audio starts with blanks.)
    wrong = data.draw(
        st.one_of(st.integers(0, true_length - 1), st.integers(len(message) - 7, 2**32 - 1)),
        label="wrong length",
    )
    with pytest.raises(FrameError, match=r"not JSON|runs past the end"):
        decode_frame(message[:4] + struct.pack("<I", wrong) + message[8:])


def test_length_pointing_into_the_audio_is_an_error() -> None:
    message = encode_frame(0, "t01", 0, 3, RIFF)
    length = struct.unpack_from("<I", message, 4)[0]
    with pytest.raises(FrameError, match="metadata is not JSON: Extra data"):
        decode_frame(message[:4] + struct.pack("<I", length + 4) + message[8:])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=64), st.binary(max_size=40).map(lambda b: b"JSON" + b)))
def test_arbitrary_bytes_decode_or_raise_frame_error(message: bytes) -> None:
    try:
        frame = decode_frame(message)
    except FrameError:
        return
    assert isinstance(frame.part_id, int)


# --- a worker that lies: all three decoders ------------------------------------------------------------------------


def nested(depth: int, leaf: str) -> str:
    return "[" * depth + leaf + "]" * depth


def place(template: str, value: str) -> str:
    return template.replace("@", value)


# Where a hostile value sits in each service's messages ("@" is replaced by it).
DAISYS_METADATA = ["@", '{"request_id": @}', '{"request_id": 0, "take_id": "t", "part_id": @}', '{"x": @}']
VIVOKA_MESSAGES = ["@", '{"data": @}', '{"event": @}', '{"error": @}', '{"other": @}']
NEUPHONIC_MESSAGES = ["@", '{"data": @}', '{"data": {"audio": @}}', '{"data": {"audio": "AAA=", "text": @}}']
HOSTILE = st.one_of(
    st.integers(1, 3000).map(lambda d: nested(d, "1")),  # nesting, up to past the recursion limit
    st.integers(1, 9000).map(lambda n: "9" * n),  # integer literals, up to past the 4,300-digit limit
    st.integers(1, 9000).map(lambda n: "-" + "1" * n + ".5e" + "3" * min(n, 400)),
)


@settings(max_examples=60, deadline=None)
@given(where=st.sampled_from(DAISYS_METADATA), value=HOSTILE)
def test_the_daisys_decoder_turns_any_metadata_into_a_frame_or_a_frame_error(where: str, value: str) -> None:
    try:
        frame = DaisysFrameDecoder().decode(with_metadata(place(where, value).encode()))
    except FrameError:
        return
    assert isinstance(frame, AudioFrame)


@settings(max_examples=60, deadline=None)
@given(where=st.sampled_from(VIVOKA_MESSAGES), value=HOSTILE)
def test_the_vivoka_decoder_turns_any_message_into_frames_or_a_typed_error(where: str, value: str) -> None:
    try:
        frames = VivokaFrameDecoder().frames(place(where, value))
    except (FrameError, PeerError) as exc:  # PeerError: an ``error`` message, which the stream raises
        assert str(exc)
        return
    assert frames == []


@settings(max_examples=60, deadline=None)
@given(where=st.sampled_from(NEUPHONIC_MESSAGES), value=HOSTILE)
def test_the_neuphonic_decoder_turns_any_message_into_frames_or_a_frame_error(where: str, value: str) -> None:
    try:
        frames = NeuphonicFrameDecoder().frames(place(where, value))
    except FrameError:
        return
    assert frames == [] or all(isinstance(f, AudioFrame) for f in frames)


@pytest.mark.parametrize(
    "decoder",
    [DaisysFrameDecoder(), VivokaFrameDecoder(), NeuphonicFrameDecoder()],
    ids=["daisys", "vivoka", "neuphonic"],
)
def test_json_nested_a_thousand_deep_or_a_huge_number_is_a_frame_error_not_a_raw_one(decoder: FrameDecoder) -> None:
    for leaf in (nested(100_000, "1"), "1" * 5000):
        text = '{"data": ' + leaf + ', "request_id": ' + leaf + "}"
        message = with_metadata(text.encode()) if isinstance(decoder, DaisysFrameDecoder) else text
        with pytest.raises(FrameError) as raised:
            decoder.decode(message)
        assert not isinstance(raised.value, RecursionError)


def wav_with(offset: int, size: int, value: int) -> bytes:
    wav = bytearray(wav_header(22050, 1, 16, 8) + b"\x01" * 8)
    wav[offset : offset + size] = value.to_bytes(size, "little")
    return bytes(wav)


@settings(max_examples=100, deadline=None)
@given(
    field=st.sampled_from([(4, 4), (16, 4), (20, 2), (22, 2), (24, 4), (28, 4), (32, 2), (34, 2), (40, 4)]),
    value=st.integers(0, 2**32 - 1),
)
def test_any_wav_header_field_of_a_daisys_part_is_audio_or_a_reassembly_error(
    field: tuple[int, int], value: int
) -> None:
    offset, size = field
    wav = wav_with(offset, size, value % (1 << (8 * size)))
    reassembler = Reassembler()
    try:
        events = reassembler.feed(decode_frame(encode_frame(0, "t", 0, None, wav)))
    except ReassemblyError:
        return
    assert events


@settings(max_examples=100, deadline=None)
@given(rate=st.one_of(st.integers(-(2**64), 2**64), st.text(max_size=30), st.floats(allow_nan=True)))
def test_a_vivoka_sample_rate_is_one_a_wav_can_carry_or_a_response_error(rate: object) -> None:
    """Vivoka's only WAV header field comes from its synthesize answer."""
    try:
        ticket = parse_ticket({"token": "T0K3N-never-shown-9f2", "sample_rate": rate}, "v", "http://x/synthesize")
    except PeerResponseError as exc:
        assert "T0K3N-never-shown-9f2" not in str(exc)
        return
    wav_header(ticket.sample_rate, 1, 16, 0)  # writable
    wav_header(ticket.sample_rate, 2, 32, 0)


@settings(max_examples=50, deadline=None)
@given(audio=st.binary(min_size=2, max_size=200))
def test_neuphonic_audio_that_looks_like_a_wav_header_is_just_pcm(audio: bytes) -> None:
    """Neuphonic sends raw PCM: whatever the bytes (a WAV header with impossible fields among them), they are audio."""
    payload = wav_with(24, 4, 0xFFFFFFFF) + audio
    text = json.dumps({"data": {"audio": base64.b64encode(payload).decode()}})
    (frame,) = NeuphonicFrameDecoder().frames(text)
    reassembler = Reassembler(wav_headers=False)
    assert bytes(reassembler.feed(frame)[1].data) == payload  # PartStart, then its Audio
