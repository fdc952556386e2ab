"""Audio in the shapes other systems want: another sample rate, G.711 for telephony, mp3/Opus/FLAC.

Daisys speaks 16-bit PCM (``s16le``) at the voice's rate; a phone line wants 8 kHz mu-law or
A-law, a browser or a chat app wants Opus or mp3. Resampling and G.711 are pure Python on
`array` (numpy is not a dependency): linear in the length of the audio, and a few tens of
times faster than real time for speech. Compressed formats go through PyAV (the ``encode`` extra).

- `Resampler` / `resample`: windowed-sinc (Blackman window) polyphase resampling. Going down
  in rate it low-passes first, so content above the new Nyquist frequency is removed rather than
  folded back as audible aliasing (which plain linear interpolation does). The resampler is
  streaming: ``feed`` chunks as they come, ``flush`` at the end, and the output equals that of
  the whole audio resampled at once, with ``ceil(n * to_rate / from_rate)`` frames for ``n``
  input frames, aligned (no delay).
- `encode_mulaw` / `decode_mulaw`, `encode_alaw` / `decode_alaw`: ITU-T G.711, bit-exact with
  the reference implementation (Sun's ``g711.c``, which the removed ``audioop`` also used); one
  byte a sample, at any rate. `to_mulaw` / `to_alaw` resample to 8 kHz first, for telephony.
- `encode`: mp3, Ogg Opus, WebM Opus or FLAC bytes from PCM, with PyAV.
"""

from __future__ import annotations

import array
import io
import math
import sys
from collections.abc import Sequence
from functools import cache
from math import gcd
from operator import mul
from typing import Literal

from .playback import require

__all__ = [
    "ENCODINGS",
    "TELEPHONY_RATE",
    "Resampler",
    "decode_alaw",
    "decode_mulaw",
    "encode",
    "encode_alaw",
    "encode_mulaw",
    "resample",
    "to_alaw",
    "to_mulaw",
]

TELEPHONY_RATE = 8000
"""The sample rate of G.711 telephony (mu-law, A-law)."""

_SAMPLE_BYTES = 2
# The filter: this many zero crossings of the sinc on each side of a sample, and the passband
# ending at this fraction of the lower of the two Nyquist frequencies (the Blackman window's
# transition band takes the rest: content above Nyquist is attenuated, not folded back).
_ZERO_CROSSINGS = 16
_PASSBAND = 0.92
# A ratio whose reduced numerator is larger than this (44101 Hz to 8000 Hz, say) gets its filter
# phases rounded to 1/_MAX_PHASES of a sample: an error far below the 16-bit noise floor.
_MAX_PHASES = 1024

Encoding = Literal["mp3", "opus", "webm", "flac"]
ENCODINGS: dict[str, tuple[str, str]] = {
    "mp3": ("mp3", "libmp3lame"),
    "opus": ("ogg", "libopus"),
    "webm": ("webm", "libopus"),
    "flac": ("flac", "flac"),
}
"""The formats `encode` writes: its name, then PyAV's container and codec."""
_LAYOUTS = {1: "mono", 2: "stereo"}


def _input_error(message: str) -> Exception:
    from .._errors import DaisysInputError  # imported on error only: daisys_ext.audio stays free of httpx

    return DaisysInputError(message)


def _samples(pcm: bytes | bytearray | memoryview, typecode: str = "h") -> array.array[int]:
    values = array.array(typecode)
    values.frombytes(pcm)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _pcm(values: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _check_pcm(pcm: bytes | bytearray | memoryview, channels: int) -> None:
    if channels < 1:
        raise _input_error(f"channels must be at least 1, not {channels}")
    frame = _SAMPLE_BYTES * channels
    if len(pcm) % frame:
        raise _input_error(
            f"{len(pcm)} bytes are not whole frames of 16-bit PCM with {channels} channel(s) ({frame} bytes each)"
        )


# --- resampling ---------------------------------------------------------------------------------


@cache
def _filter(up: int, down: int) -> tuple[int, int, tuple[tuple[float, ...], ...]]:
    """(half width, phases, the kernel of each phase) for resampling by up/down (reduced)."""
    cutoff = 0.5 * min(1.0, up / down) * _PASSBAND  # cycles per input sample
    half = math.ceil(_ZERO_CROSSINGS / (2 * cutoff))
    phases = min(up, _MAX_PHASES)
    kernels = []
    for phase in range(phases):
        fraction = phase / phases  # the output sample lies this far after input sample i0
        taps = []
        for k in range(-half + 1, half + 1):  # input samples i0 - half + 1 .. i0 + half
            d = k - fraction
            x = d / half
            window = 0.42 + 0.5 * math.cos(math.pi * x) + 0.08 * math.cos(2 * math.pi * x)
            arg = 2 * cutoff * d
            sinc = 1.0 if arg == 0 else math.sin(math.pi * arg) / (math.pi * arg)
            taps.append(max(window, 0.0) * sinc)
        total = math.fsum(taps)  # unity gain at 0 Hz for every phase: no ripple on a constant
        kernels.append(tuple(t / total for t in taps))
    return half, phases, tuple(kernels)


class _Channel:
    """One channel's resampling state: the input samples still needed and the next output's index."""

    def __init__(self, up: int, down: int) -> None:
        self.up, self.down = up, down
        self.half, self.phases, self.kernels = _filter(up, down)
        # Input sample j is history[j - base]; the zeros stand for the silence before the audio.
        self.history: list[int] = [0] * (self.half - 1)
        self.base = -(self.half - 1)
        self.received = 0
        self.produced = 0

    def feed(self, samples: Sequence[int], *, final: bool) -> list[int]:
        self.history.extend(samples)
        self.received += len(samples)
        up, down, half, phases, kernels = self.up, self.down, self.half, self.phases, self.kernels
        if final:
            self.history.extend([0] * half)  # the silence after the audio
            stop = -(-self.received * up // down)  # every output instant before the end of the input
        else:
            # Output n needs input up to floor(n * down / up) + half: all of it received.
            stop = -(-(self.received - half) * up // down) if self.received >= half else 0
        history, base, taps = self.history, self.base, 2 * half
        out = []
        for n in range(self.produced, stop):
            position, phase = divmod(n * down, up)
            if phases != up:
                phase = phase * phases // up
            start = position - half + 1 - base
            value = sum(map(mul, kernels[phase], history[start : start + taps]))
            out.append(-32768 if value <= -32768 else 32767 if value >= 32767 else round(value))
        self.produced = max(self.produced, stop)
        # Forget the input no later output needs.
        keep_from = self.produced * down // up - half + 1
        if keep_from > base:
            del history[: keep_from - base]
            self.base = keep_from
        return out


class Resampler:
    """Resamples a stream of 16-bit PCM (little-endian, interleaved) from one rate to another.

    ``feed`` takes chunks of any size (a partial frame waits for the rest) and returns the
    audio that can be computed so far; the filter needs a few input samples beyond each output
    sample, so output lags input by a few milliseconds until ``flush``. The concatenated output
    equals `resample` of the whole input.
    """

    def __init__(self, from_rate: int, to_rate: int, *, channels: int = 1) -> None:
        if from_rate <= 0 or to_rate <= 0 or channels < 1:
            raise _input_error(f"cannot resample {channels} channel(s) from {from_rate} Hz to {to_rate} Hz")
        self.from_rate, self.to_rate, self.channels = from_rate, to_rate, channels
        divisor = gcd(from_rate, to_rate)
        up, down = to_rate // divisor, from_rate // divisor
        self._channels = [_Channel(up, down) for _ in range(channels)] if up != down else []
        self._partial = b""
        self._finished = False

    def feed(self, pcm: bytes | bytearray | memoryview) -> bytes:
        """The resampled audio that the input so far determines."""
        if self._finished:
            raise _input_error("this Resampler was flushed: make a new one for more audio")
        data = self._partial + bytes(pcm)
        whole = len(data) - len(data) % (_SAMPLE_BYTES * self.channels)
        self._partial = data[whole:]
        return self._run(data[:whole], final=False)

    def flush(self) -> bytes:
        """The rest of the output; the resampler is then finished. An incomplete last frame is an error."""
        if self._finished:
            return b""
        self._finished = True
        if self._partial:
            raise _input_error(f"the input ended inside a frame ({len(self._partial)} bytes left over)")
        return self._run(b"", final=True)

    def _run(self, data: bytes, *, final: bool) -> bytes:
        if not self._channels:  # the same rate
            return data
        samples = _samples(data)
        n = self.channels
        outputs = [state.feed(samples[c::n], final=final) for c, state in enumerate(self._channels)]
        if n == 1:
            return _pcm(array.array("h", outputs[0]))
        interleaved = array.array("h", bytes(2 * n * len(outputs[0])))
        for c, channel in enumerate(outputs):
            interleaved[c::n] = array.array("h", channel)
        return _pcm(interleaved)


def resample(pcm: bytes | bytearray | memoryview, from_rate: int, to_rate: int, *, channels: int = 1) -> bytes:
    """16-bit PCM at ``from_rate`` as 16-bit PCM at ``to_rate`` (see `Resampler`)."""
    _check_pcm(pcm, channels)
    resampler = Resampler(from_rate, to_rate, channels=channels)
    return resampler.feed(pcm) + resampler.flush()


# --- G.711: mu-law and A-law -----------------------------------------------------------------

_MULAW_BIAS = 0x84
_MULAW_CLIP = 8159
_SEGMENT_ENDS_MULAW = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_SEGMENT_ENDS_ALAW = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for segment, end in enumerate(ends):
        if value <= end:
            return segment
    return len(ends)


def _linear_to_mulaw(sample: int) -> int:
    value = sample >> 2  # G.711 mu-law works on 14 bits
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, _MULAW_CLIP) + (_MULAW_BIAS >> 2)
    segment = _segment(value, _SEGMENT_ENDS_MULAW)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0xF)) ^ mask


def _mulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + _MULAW_BIAS) << ((code & 0x70) >> 4)
    return _MULAW_BIAS - magnitude if code & 0x80 else magnitude - _MULAW_BIAS


def _linear_to_alaw(sample: int) -> int:
    value = sample >> 3  # G.711 A-law works on 13 bits
    if value >= 0:
        mask = 0xD5
    else:
        mask, value = 0x55, -value - 1
    segment = _segment(value, _SEGMENT_ENDS_ALAW)
    if segment >= 8:
        return 0x7F ^ mask
    quantised = (value >> 1) & 0xF if segment < 2 else (value >> segment) & 0xF
    return ((segment << 4) | quantised) ^ mask


def _alaw_to_linear(code: int) -> int:
    code ^= 0x55
    magnitude = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    if segment == 0:
        magnitude += 8
    elif segment == 1:
        magnitude += 0x108
    else:
        magnitude = (magnitude + 0x108) << (segment - 1)
    return magnitude if code & 0x80 else -magnitude


@cache
def _encoder(law: str) -> bytes:
    """The code of every 16-bit sample, indexed by the sample as unsigned (two's complement)."""
    encode = _linear_to_mulaw if law == "mulaw" else _linear_to_alaw
    return bytes(encode(u - 65536 if u >= 32768 else u) for u in range(65536))


@cache
def _decoder(law: str) -> tuple[int, ...]:
    decode = _mulaw_to_linear if law == "mulaw" else _alaw_to_linear
    return tuple(decode(code) for code in range(256))


def _encode(pcm: bytes | bytearray | memoryview, law: str) -> bytes:
    _check_pcm(pcm, 1)
    return bytes(map(_encoder(law).__getitem__, _samples(pcm, "H")))


def _decode(data: bytes | bytearray | memoryview, law: str) -> bytes:
    return _pcm(array.array("h", map(_decoder(law).__getitem__, bytes(data))))


def encode_mulaw(pcm: bytes | bytearray | memoryview) -> bytes:
    """G.711 mu-law: one byte for each 16-bit sample, at the same rate (the caller resamples; see `to_mulaw`)."""
    return _encode(pcm, "mulaw")


def decode_mulaw(data: bytes | bytearray | memoryview) -> bytes:
    """16-bit PCM from G.711 mu-law bytes."""
    return _decode(data, "mulaw")


def encode_alaw(pcm: bytes | bytearray | memoryview) -> bytes:
    """G.711 A-law: one byte for each 16-bit sample, at the same rate (the caller resamples; see `to_alaw`)."""
    return _encode(pcm, "alaw")


def decode_alaw(data: bytes | bytearray | memoryview) -> bytes:
    """16-bit PCM from G.711 A-law bytes."""
    return _decode(data, "alaw")


def to_mulaw(pcm: bytes | bytearray | memoryview, sample_rate: int) -> bytes:
    """Mono 16-bit PCM at ``sample_rate`` as 8 kHz mu-law, for telephony (North America, Japan)."""
    return encode_mulaw(resample(pcm, sample_rate, TELEPHONY_RATE))


def to_alaw(pcm: bytes | bytearray | memoryview, sample_rate: int) -> bytes:
    """Mono 16-bit PCM at ``sample_rate`` as 8 kHz A-law, for telephony (Europe and most of the world)."""
    return encode_alaw(resample(pcm, sample_rate, TELEPHONY_RATE))


# --- compressed formats, with PyAV -----------------------------------------------------------


def encode(
    pcm: bytes | bytearray | memoryview,
    sample_rate: int,
    format: Encoding = "mp3",
    *,
    channels: int = 1,
    bitrate: int | None = None,
) -> bytes:
    """16-bit PCM (little-endian, interleaved) as a complete file in ``format``, with PyAV.

    ``format`` is ``"mp3"``, ``"opus"`` (Ogg Opus, an ``.opus`` file), ``"webm"`` (Opus in WebM,
    what browsers stream) or ``"flac"`` (lossless). The sample rate is kept where the codec
    allows it; otherwise PyAV resamples to the nearest rate the codec has above it (Opus: 8, 12,
    16, 24 or 48 kHz; mp3: 8 to 48 kHz). ``bitrate`` in bits per second, or the codec's default.
    Needs ``pip install 'daisys-ext[encode]'``.
    """
    if format not in ENCODINGS:
        raise _input_error(f"cannot encode {format!r}: the formats are {', '.join(map(repr, ENCODINGS))}")
    if channels not in _LAYOUTS:
        raise _input_error(f"cannot encode {channels} channels: 1 (mono) or 2 (stereo)")
    if sample_rate <= 0:
        raise _input_error(f"cannot encode audio at {sample_rate} Hz")
    _check_pcm(pcm, channels)
    require("av", "encode", f"Encoding {format}")
    import av

    container, codec_name = ENCODINGS[format]
    rate = _codec_rate(av.Codec(codec_name, "w").audio_rates, sample_rate)
    layout = _LAYOUTS[channels]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec_name, rate=rate, layout=layout)
        assert isinstance(stream, av.audio.stream.AudioStream)
        if bitrate is not None:
            stream.codec_context.bit_rate = bitrate
        frames = len(pcm) // (_SAMPLE_BYTES * channels)
        if frames:
            frame = av.AudioFrame(format="s16", layout=layout, samples=frames)
            frame.planes[0].update(bytes(pcm) if sys.byteorder == "little" else _pcm(_samples(pcm)))
            frame.sample_rate = sample_rate
            frame.pts = 0
            for packet in stream.encode(frame):  # PyAV converts the rate, sample format and frame size
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def _codec_rate(supported: Sequence[int] | None, sample_rate: int) -> int:
    if not supported or sample_rate in supported:
        return sample_rate
    above = [rate for rate in supported if rate >= sample_rate]
    return min(above) if above else max(supported)
