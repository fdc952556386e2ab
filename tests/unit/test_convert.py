"""Conversions: resampling (frequency kept, aliasing removed, streaming = whole), G.711, and PyAV encodings."""

from __future__ import annotations

import array
import importlib.util
import io
import itertools
import math
import sys
import warnings
from types import ModuleType

import pytest
from hypothesis import given, settings, strategies as st

from daisys_ext._audio.convert import (
    ENCODINGS,
    Resampler,
    decode_alaw,
    decode_mulaw,
    encode,
    encode_alaw,
    encode_mulaw,
    resample,
    to_alaw,
    to_mulaw,
)
from daisys_ext._audio.playback import MissingExtraError
from daisys_ext._errors import DaisysInputError


def pcm_of(values: list[int] | array.array[int]) -> bytes:
    samples = array.array("h", values)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def values_of(pcm: bytes) -> list[int]:
    samples = array.array("h")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tolist()


def tone(frequency: float, rate: int, seconds: float = 1.0, amplitude: float = 10000) -> bytes:
    return pcm_of([round(amplitude * math.sin(2 * math.pi * frequency * i / rate)) for i in range(int(rate * seconds))])


def zero_crossings(values: list[int]) -> int:
    signs = [v > 0 for v in values if v != 0]
    return sum(a != b for a, b in itertools.pairwise(signs))


def level_db(pcm: bytes, reference: float = 10000) -> float:
    """The RMS level relative to a sine of amplitude ``reference``, ignoring the edges."""
    values = values_of(pcm)[100:-100]
    rms = math.sqrt(sum(v * v for v in values) / len(values))
    return 20 * math.log10(max(rms, 1e-9) / (reference / math.sqrt(2)))


def audioop_or_skip() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module: ModuleType = pytest.importorskip("audioop", reason="audioop was removed in Python 3.13")
    return module


ALL_SAMPLES = pcm_of(list(range(-32768, 32768)))

# --- resampling -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"), [(44100, 8000), (24000, 8000), (8000, 44100), (22050, 48000), (48000, 44100), (44100, 44101)]
)
def test_a_resampled_tone_keeps_its_frequency_and_level(source: int, target: int) -> None:
    out = resample(tone(440, source), source, target)
    assert len(out) == 2 * target
    # 440 Hz for one second: 880 sign changes, give or take one at each end.
    assert abs(zero_crossings(values_of(out)) - 880) <= 2
    assert abs(level_db(out)) < 0.1


@pytest.mark.parametrize("frequency", [5000, 6000, 10000, 20000])
def test_downsampling_removes_what_the_new_rate_cannot_hold(frequency: int) -> None:
    # Above 4 kHz an 8 kHz signal would alias (6 kHz would come back as 2 kHz): it must be filtered out.
    assert level_db(resample(tone(frequency, 44100), 44100, 8000)) < -60


def test_the_telephone_band_passes() -> None:
    for frequency in (300, 1000, 3000):
        assert abs(level_db(resample(tone(frequency, 44100), 44100, 8000))) < 0.2
    assert level_db(resample(tone(3400, 44100), 44100, 8000)) > -1.5


@pytest.mark.parametrize(
    ("source", "target", "frames"), [(44100, 8000, 1), (44100, 8000, 6), (8000, 44100, 3), (3, 2, 4)]
)
def test_the_output_length_is_the_input_duration_rounded_up(source: int, target: int, frames: int) -> None:
    out = resample(b"\1\0" * frames, source, target)
    assert len(out) // 2 == -(-frames * target // source)


def test_a_constant_stays_constant_away_from_the_edges() -> None:
    out = values_of(resample(pcm_of([1000] * 4410), 44100, 8000))
    assert set(out[100:-100]) == {1000}


def test_silence_and_nothing() -> None:
    assert resample(b"\0\0" * 100, 16000, 8000) == b"\0\0" * 50
    assert resample(b"", 44100, 8000) == b""


def test_the_same_rate_is_the_same_audio() -> None:
    pcm = tone(440, 16000, 0.1)
    assert resample(pcm, 16000, 16000) == pcm


def test_full_scale_input_is_clipped_not_wrapped() -> None:
    square = pcm_of(([32767] * 20 + [-32768] * 20) * 200)
    out = values_of(resample(square, 44100, 8000))
    assert max(out) == 32767 and min(out) == -32768  # the ringing overshoots and is clipped


def test_stereo_channels_are_resampled_apart() -> None:
    left = values_of(tone(440, 22050))
    interleaved = array.array("h", [0] * (2 * len(left)))
    interleaved[0::2] = array.array("h", left)
    out = values_of(resample(pcm_of(interleaved), 22050, 16000, channels=2))
    assert abs(zero_crossings(out[0::2]) - 880) <= 2
    assert set(out[1::2]) == {0}


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 3000), max_size=12),
    rates=st.sampled_from([(44100, 8000), (8000, 22050), (48000, 44100), (16000, 16000), (44100, 44101)]),
    channels=st.sampled_from([1, 2]),
)
def test_streaming_gives_the_same_audio_as_resampling_at_once(
    cuts: list[int], rates: tuple[int, int], channels: int
) -> None:
    pcm = tone(440, rates[0], 0.07 / channels)[: 3000 // (2 * channels) * 2 * channels]
    resampler = Resampler(*rates, channels=channels)
    points = [0, *sorted(cuts), len(pcm)]
    streamed = b"".join(resampler.feed(pcm[a:b]) for a, b in itertools.pairwise(points))
    assert streamed + resampler.flush() == resample(pcm, *rates, channels=channels)


def test_output_comes_before_the_end_of_the_stream() -> None:
    resampler = Resampler(44100, 8000)
    first = resampler.feed(tone(440, 44100, 0.5))
    assert len(first) > 2 * 3900  # all but the filter's few milliseconds of look-ahead
    assert len(first + resampler.flush()) == 2 * 4000


def test_the_resampler_rejects_an_incomplete_last_frame_and_reuse() -> None:
    resampler = Resampler(16000, 8000)
    resampler.feed(b"\0\0\0")
    with pytest.raises(DaisysInputError, match="inside a frame"):
        resampler.flush()
    with pytest.raises(DaisysInputError, match="flushed"):
        resampler.feed(b"\0\0")


@pytest.mark.parametrize(("source", "target", "channels"), [(0, 8000, 1), (8000, -1, 1), (8000, 16000, 0)])
def test_impossible_resampling_is_rejected(source: int, target: int, channels: int) -> None:
    with pytest.raises(DaisysInputError, match="cannot resample"):
        Resampler(source, target, channels=channels)


def test_odd_sized_pcm_is_rejected() -> None:
    with pytest.raises(DaisysInputError, match="not whole frames"):
        resample(b"\0\0\0", 16000, 8000)
    with pytest.raises(DaisysInputError, match="not whole frames"):
        resample(b"\0\0", 16000, 8000, channels=2)


def test_resampling_agrees_with_audioop_ratecv_in_band() -> None:
    audioop = audioop_or_skip()
    pcm = tone(300, 16000)
    ours = values_of(resample(pcm, 16000, 8000))
    theirs = values_of(audioop.ratecv(pcm, 2, 1, 16000, 8000, None)[0])
    n = min(len(ours), len(theirs))
    # ratecv interpolates without a filter; for a low tone both are the same waveform, up to a small error.
    worst = max(abs(a - b) for a, b in zip(ours[100 : n - 100], theirs[100 : n - 100], strict=True))
    assert worst < 200  # 2% of the amplitude


# --- G.711 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoder", "decoder"), [(encode_mulaw, decode_mulaw), (encode_alaw, decode_alaw)])
def test_g711_round_trip_is_within_half_a_step(encoder: object, decoder: object) -> None:
    assert callable(encoder) and callable(decoder)
    codes = encoder(ALL_SAMPLES)
    assert len(codes) == 65536
    back = values_of(decoder(codes))
    for x, y in zip(range(-32768, 32768), back, strict=True):
        # G.711 steps double with each segment: the error is at most about 1/32 of the value (3%),
        # and a few units near zero. Beyond the top segment, the largest code stands for the rest.
        assert abs(x - y) <= max(abs(x) // 32 + 8, 16) or abs(x) > 31000


@pytest.mark.parametrize(("encoder", "decoder"), [(encode_mulaw, decode_mulaw), (encode_alaw, decode_alaw)])
def test_g711_decoded_values_encode_to_themselves(encoder: object, decoder: object) -> None:
    assert callable(encoder) and callable(decoder)
    decoded = decoder(bytes(range(256)))
    assert decoder(encoder(decoded)) == decoded


def test_g711_known_values() -> None:
    assert encode_mulaw(pcm_of([0, 32767, -32768])) == b"\xff\x80\x00"
    assert encode_alaw(pcm_of([0, 32767, -32768])) == b"\xd5\xaa\x2a"
    assert values_of(decode_mulaw(b"\xff\x80\x00")) == [0, 32124, -32124]
    assert values_of(decode_alaw(b"\xd5\xaa\x2a")) == [8, 32256, -32256]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(encode_mulaw, "lin2ulaw"), (encode_alaw, "lin2alaw"), (decode_mulaw, "ulaw2lin"), (decode_alaw, "alaw2lin")],
)
def test_g711_is_bit_exact_with_audioop(ours: object, theirs: str) -> None:
    audioop = audioop_or_skip()
    assert callable(ours)
    data = ALL_SAMPLES if theirs.startswith("lin") else bytes(range(256))
    assert ours(data) == getattr(audioop, theirs)(data, 2)


def test_g711_needs_whole_samples() -> None:
    with pytest.raises(DaisysInputError, match="not whole frames"):
        encode_mulaw(b"\0")


@pytest.mark.parametrize(("convert", "decoder"), [(to_mulaw, decode_mulaw), (to_alaw, decode_alaw)])
def test_telephony_audio_is_8_khz(convert: object, decoder: object) -> None:
    assert callable(convert) and callable(decoder)
    encoded = convert(tone(440, 22050), 22050)
    assert len(encoded) == 8000  # one byte a sample, one second
    back = values_of(decoder(encoded))
    assert abs(zero_crossings(back) - 880) <= 2
    assert abs(level_db(pcm_of(back))) < 0.3


# --- PyAV encodings ---------------------------------------------------------------------------

# PyAV comes with the emulator extra, which the tests install; without it these tests skip, the rest run.
needs_pyav = pytest.mark.skipif(importlib.util.find_spec("av") is None, reason="PyAV (the encode extra) is missing")


def decoded(data: bytes) -> tuple[str, int, int, int]:
    """(container, sample rate, channels, samples) of encoded audio, decoded back with PyAV."""
    import av

    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.audio[0]
        samples: int = sum(frame.samples for frame in container.decode(stream))
        return container.format.name, stream.codec_context.sample_rate, stream.codec_context.channels, samples


@needs_pyav
@pytest.mark.parametrize(
    ("fmt", "container", "rate", "slack"),
    [
        ("mp3", "mp3", 44100, 1152),
        ("opus", "ogg", 48000, 960),
        ("webm", "matroska,webm", 48000, 960),
        ("flac", "flac", 44100, 0),
    ],
)
def test_encoded_audio_decodes_to_the_same_duration(fmt: str, container: str, rate: int, slack: int) -> None:
    data = encode(tone(440, 44100), 44100, fmt)  # type: ignore[arg-type]
    name, decoded_rate, channels, samples = decoded(data)
    assert (name, decoded_rate, channels) == (container, rate, 1)
    assert abs(samples - rate) <= slack  # one second, give or take the codec's frame of padding


@needs_pyav
def test_flac_is_lossless() -> None:
    import av

    pcm = tone(440, 16000, 0.25)
    with av.open(io.BytesIO(encode(pcm, 16000, "flac")), "r") as container:
        frames = list(container.decode(audio=0))
    assert b"".join(bytes(frame.planes[0])[: frame.samples * 2] for frame in frames) == pcm


@needs_pyav
def test_a_rate_the_codec_lacks_becomes_the_next_one_up() -> None:
    assert decoded(encode(tone(440, 22050), 22050, "mp3"))[1] == 22050  # mp3 has 22.05 kHz
    _, rate, _, samples = decoded(encode(tone(440, 22050), 22050, "opus"))  # Opus has 24 and 48 kHz
    assert rate == 48000 and abs(samples - 48000) <= 960


@needs_pyav
def test_stereo_and_a_bitrate() -> None:
    stereo = pcm_of(array.array("h", values_of(tone(440, 44100))) * 2)  # any interleaved data will do
    _, _, channels, samples = decoded(encode(stereo, 44100, "mp3", channels=2, bitrate=64000))
    assert channels == 2 and abs(samples - 44100) <= 1152


@needs_pyav
def test_encoding_nothing_gives_a_valid_empty_file() -> None:
    assert decoded(encode(b"", 44100, "flac"))[3] == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "aiff"}, "cannot encode 'aiff'"),
        ({"channels": 6}, "6 channels"),
        ({"sample_rate": 0}, "0 Hz"),
    ],
)
def test_impossible_encodings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"pcm": b"", "sample_rate": 44100, "format": "mp3"} | kwargs
    with pytest.raises(DaisysInputError, match=message):
        encode(**arguments)  # type: ignore[arg-type]


def test_encodings_are_listed() -> None:
    assert set(ENCODINGS) == {"mp3", "opus", "webm", "flac"}


def test_a_missing_pyav_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'daisys-ext\[encode\]'") as caught:
        encode(b"\0\0", 44100, "opus")
    assert isinstance(caught.value, ImportError) and caught.value.extra == "encode"
