"""Deterministic speech-like audio for the emulator: one tone sequence per sentence, WAV framing and real encodings.

Nothing here is speech; each sentence becomes a run of gliding "syllable" tones ending in a short silence, so a
listener hears distinct segments and tests can count and measure them.
"""

from __future__ import annotations

import array
import functools
import hashlib
import io
import math
import re
import struct
import sys
from collections.abc import Mapping

RATE = 44100
"""Sample rate of every take, as in the service's TakeInfo.audio_rate."""

FORMATS = ("wav", "mp3", "flac", "m4a", "webm")
"""Audio formats of GET /takes/{take_id}/{format}, in the service's enum order."""

CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
}

# format -> (container, encoder, sample rate); webm carries opus, which only knows 48 kHz.
_ENCODERS = {
    "mp3": ("mp3", "libmp3lame", 44100),
    "flac": ("flac", "flac", 44100),
    "m4a": ("ipod", "aac", 44100),
    "webm": ("webm", "libopus", 48000),
}

CACHED_SENTENCES = 64
"""Sentences whose audio is kept (at most 12 s each: 68 MB at worst, some 25 MB for ordinary ones)."""
_SILENCE_SECONDS = 0.25
_TABLE_SIZE = 4096
_SINE = [math.sin(2.0 * math.pi * i / _TABLE_SIZE) for i in range(_TABLE_SIZE)]
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def available_formats() -> tuple[str, ...]:
    """The formats this emulator can give: every one with PyAV (the emulator extra), else WAV only."""
    try:
        import av  # noqa: F401
    except ImportError:
        return ("wav",)
    return FORMATS


class EncodingUnavailable(Exception):
    """Raised when a compressed format is asked for but PyAV is not installed."""


def split_sentences(text: str) -> list[str]:
    """Split text into normalized sentences (whitespace collapsed); always at least one, possibly empty."""
    flat = " ".join(text.split())
    sentences = [s for s in _SENTENCE_END.split(flat) if s]
    return sentences or [flat]


def _pace(prosody: Mapping[str, object] | None) -> int:
    value = prosody.get("pace", 0) if prosody else 0
    return value if isinstance(value, int) else 0


def sentence_samples(sentence: str, prosody: Mapping[str, object] | None = None) -> int:
    """Length in samples of a sentence's audio, trailing silence included (known before synthesis)."""
    # Roughly the docs' example: two short sentences of 14 and 21 characters last ~3.4 s together.
    voiced = (0.45 + 0.075 * len(sentence)) * (1.0 - 0.03 * _pace(prosody))
    voiced = min(max(voiced, 0.3), 12.0)
    return int(voiced * RATE) + int(_SILENCE_SECONDS * RATE)


def synthesize(sentence: str, *, seed: str, base_hz: float, prosody: Mapping[str, object] | None = None) -> bytes:
    """16-bit little-endian mono PCM for one sentence, a pure function of its arguments (so cached by them)."""
    pitch = prosody.get("pitch", 0) if prosody else 0
    expression = prosody.get("expression", 0) if prosody else 0
    key = (
        sentence,
        seed,
        base_hz,
        _pace(prosody),
        pitch if isinstance(pitch, int) else 0,
        expression if isinstance(expression, int) else 0,
    )
    return _synthesize(*key)


@functools.lru_cache(maxsize=CACHED_SENTENCES)
def _synthesize(sentence: str, seed: str, base_hz: float, pace: int, pitch: int, expression: int) -> bytes:
    # Each word is one period of its tone repeated (bytes repetition runs in C), its ends ramped in Python:
    # some 50 times cheaper than computing every sample, which made the emulator slower than its clients.
    total = sentence_samples(sentence, {"pace": pace})
    voiced = total - int(_SILENCE_SECONDS * RATE)
    digest = hashlib.sha256(f"{seed}\x00{sentence}".encode()).digest()
    f0 = base_hz * 2.0 ** (pitch / 24.0)
    glide = 0.15 + 0.02 * expression
    words = sentence.split() or ["."]
    weights = [len(w) + 2 for w in words]
    scale = voiced / sum(weights)
    out = bytearray(2 * total)
    pos = 0
    gap = int(0.035 * RATE)
    for index, weight in enumerate(weights):
        length = int(weight * scale)
        body = max(length - gap, 1)
        byte = digest[index % len(digest)]
        start_hz = f0 * (0.85 + 0.3 * byte / 255.0)
        hz = start_hz * (1.0 + glide / 2 * (1 if byte & 1 else -1))  # the middle of the word's glide
        out[2 * pos : 2 * (pos + body)] = _tone(hz, body)
        pos += length
    return bytes(out)


def _tone(hz: float, samples: int) -> bytes:
    """``samples`` of a buzzy vowel at about ``hz`` (a whole number of samples a period), ramped in and out."""
    period = max(2, round(RATE / hz))
    # Fundamental plus two harmonics reads as a buzzy vowel rather than a pure beep.
    cycle = array.array("h", (int(6000.0 * _voice(i / period)) for i in range(period)))
    if sys.byteorder == "big":
        cycle.byteswap()
    repeated = (cycle.tobytes() * (samples // period + 1))[: 2 * samples]
    tone = array.array("h")
    tone.frombytes(repeated)
    if sys.byteorder == "big":
        tone.byteswap()
    ramp = min(int(0.012 * RATE), samples // 2)
    for i in range(ramp):
        gain = i / ramp
        tone[i] = int(tone[i] * gain)
        tone[samples - 1 - i] = int(tone[samples - 1 - i] * gain)
    if sys.byteorder == "big":
        tone.byteswap()
    return tone.tobytes()


def _voice(x: float) -> float:
    """One period (x in [0, 1)) of the vowel: fundamental and two harmonics."""
    p = int(x * _TABLE_SIZE)
    return _SINE[p % _TABLE_SIZE] + 0.5 * _SINE[(2 * p) % _TABLE_SIZE] + 0.25 * _SINE[(3 * p) % _TABLE_SIZE]


def wav_header(samples: int, rate: int = RATE) -> bytes:
    """The 44-byte RIFF header of a 16-bit mono WAV file holding `samples` samples."""
    data = 2 * samples
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data, b"WAVE", b"fmt ", 16, 1, 1, rate, 2 * rate, 2, 16, b"data", data
    )


def wav_file(pcm: bytes) -> bytes:
    """A complete WAV file around 16-bit mono PCM."""
    return wav_header(len(pcm) // 2) + pcm


def encode(pcm: bytes, fmt: str) -> bytes:
    """Encode 16-bit mono 44.1 kHz PCM into a real mp3/flac/m4a/webm file with PyAV."""
    if fmt == "wav":
        return wav_file(pcm)
    try:
        import av
    except ImportError as exc:  # the emulator works without PyAV; only compressed formats need it
        raise EncodingUnavailable(fmt) from exc
    container, codec, rate = _ENCODERS[fmt]
    samples = len(pcm) // 2
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.audio.stream.AudioStream)
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
        frames = []
        if samples:
            frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
            frame.planes[0].update(pcm if sys.byteorder == "little" else _swapped(pcm))
            frame.sample_rate = RATE
            frames = resampler.resample(frame)
        frames += resampler.resample(None)
        for converted in frames:
            for packet in stream.encode(converted):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def _swapped(pcm: bytes) -> bytes:
    values = array.array("h", pcm)
    values.byteswap()
    return values.tobytes()
