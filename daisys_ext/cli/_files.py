"""The audio the commands write, and how it is described: formats, file names, where audio goes, sizes and durations."""

from __future__ import annotations

import contextlib
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from daisys_ext._files import atomic_file

from ._exit import UsageError
from ._parser import FORMATS

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse

    from ._ui import Status, Ui

T = TypeVar("T")
STATUS_WORDS = {f"progress_{n}": f"generating, {n} %" for n in (25, 50, 75)}
STATUS_WORDS.update(started="generating", error="failed", timeout="timed out")


def audio_format(output: str | None, given: str | None) -> tuple[str, str]:
    """The audio format (``--format``, else -o's extension, else wav) and where it was asked (``-o x.mp3``); a usage
    error when the file would hold audio its name does not say."""
    suffix = Path(output).suffix.lower().lstrip(".") if output and output != "-" else ""
    if given:
        if suffix in FORMATS and suffix != given:
            raise UsageError(f"-o {output} names {suffix} audio, but --format {given} was given: make them agree")
        return given, f"--format {given}"
    if suffix in FORMATS:
        return suffix, f"-o {output}"
    if suffix:
        raise UsageError(
            f"-o {output}: .{suffix} is not an audio format daisys writes ({', '.join(FORMATS)}):"
            " end the name in one of them, or give --format"
        )
    return "wav", "wav"


def check_format(client: Client, fmt: str, origin: str) -> None:
    """A usage error when the service cannot give ``fmt`` (an emulator without PyAV says so), before a take is made."""
    if fmt == "wav":
        return
    formats = client.version().additional_properties.get("formats")
    if isinstance(formats, list) and fmt not in formats:
        raise UsageError(
            f"{origin}: this service gives {', '.join(map(str, formats))} audio only, not {fmt}"
            " (an emulator gives every format with its extra: pip install 'daisys-ext[emulator]')"
        )


def refuse_stdout(output: str | None, json: bool) -> None:
    """``-o -`` with ``--json``, or on a terminal (binary audio on the screen): a usage error saying what to do."""
    if output == "-" and json:
        raise UsageError("-o - writes the audio to standard output, where --json would go too; choose one")
    if output == "-" and sys.stdout.isatty():
        raise UsageError("-o - writes binary audio, and standard output is a terminal: give -o FILE, or pipe it")


def status_words(status: Any) -> str:
    """A take's or voice's status as a person reads it: ``progress_25`` is "generating, 25 %"."""
    value = str(getattr(status, "value", status))
    return STATUS_WORDS.get(value, value)


def take_seconds(take: TakeResponse) -> float | None:
    """The take's audio length, from its info (samples / rate), when the service gave it."""
    info = getattr(take, "info", None)
    duration, rate = getattr(info, "duration", None), getattr(info, "audio_rate", None)
    return duration / rate if isinstance(duration, int) and isinstance(rate, int) and rate > 0 else None


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe summary of ``text``: lowercase ASCII words joined by '-', cut at a word, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        if len(candidate := f"{out}-{word}" if out else word) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "speech")


def safe_name(name: str) -> str:
    """A name from a batch's ``name`` column as a plain file name (no folders, no hidden files)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).lstrip(".-").rstrip("-")


def unused_path(name: str, suffix: str) -> Path:
    """A file in the current folder named after ``name``'s first words (`slug`), with ``-2`` and so on if taken."""
    stem = slug(name)
    path, n = Path(f"{stem}.{suffix}"), 2
    while path.exists():
        path, n = Path(f"{stem}-{n}.{suffix}"), n + 1
    return path


def human_size(size: int) -> str:
    """Bytes as people read them: 980 B, 207.4 kB, 3.1 MB (decimal units)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def seconds(value: float) -> str:
    """A duration as people read it: 2.35 s, 1 min 04 s."""
    if value < 60:
        return f"{value:.2f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest:02d} s"


def written(output: str | None, size: int | None, duration: float | None, first_audio: float | None = None) -> str:
    """What was written, for a person: ``Saved x.wav: 1.20 s of audio, 105.9 kB (first audio after 0.31 s)``."""
    parts = (None if duration is None else f"{seconds(duration)} of audio", None if size is None else human_size(size))
    what = ", ".join(part for part in parts if part)
    first = "" if first_audio is None else f" (first audio after {first_audio:.2f} s)"
    if output is None:
        return f"Played {what}{first}"
    return f"Wrote {what} to standard output{first}" if output == "-" else f"Saved {output}: {what}{first}"


class Meter:
    """A binary file that passes writes on and notes them (bytes, the WAV's rate, when its first audio came); with a
    ``status``, it shows ``label``, the time to the first audio and the seconds so far as audio arrives."""

    def __init__(self, out: BinaryIO, status: Status | None = None, label: str = "") -> None:
        self._out, self._status, self._label = out, status, label
        self.started = time.monotonic()
        self.first_audio: float | None = None  # seconds from the start to the first audio after the WAV's header
        self.bytes = self.byte_rate = self.data_offset = 0
        self._header = b""

    def write(self, data: bytes | memoryview) -> int:
        written = self._out.write(data)
        self.bytes += len(data)
        if not self.byte_rate and len(self._header) < 4096:
            from daisys_ext.audio import WavError, parse_wav_header

            self._header += bytes(data)
            with contextlib.suppress(WavError):
                wav = parse_wav_header(self._header)
                self.byte_rate, self.data_offset = wav.byte_rate, wav.data_offset
        if self.first_audio is None and self.byte_rate and self.bytes > self.data_offset:
            self.first_audio = time.monotonic() - self.started
        if self._status is not None and self.first_audio is not None:
            so_far = f"first audio after {self.first_audio:.2f} s, {self.audio_seconds:.1f} s so far"
            self._status.update(f"{self._label}: {so_far}")
        return written

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio written so far (a WAV's)."""
        return max(0, self.bytes - self.data_offset) / self.byte_rate if self.byte_rate else 0.0

    def __getattr__(self, name: str) -> Any:  # seek, tell, flush, ...: the file's own (a WAV's header is patched)
        return getattr(self._out, name)


@contextlib.contextmanager
def audio_target(output: str | None) -> Iterator[BinaryIO]:
    """Where audio goes: a path (atomically), standard output (``-``), or, to play only, a file thrown away."""
    if output == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    elif output is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="daisys-") as folder, open(Path(folder) / "say.wav", "w+b") as out:
            yield out
    else:
        with atomic_file(output) as out:
            yield out


def download(
    client: Client, take: TakeResponse, fmt: str, output: str | None, status: Status
) -> tuple[TakeResponse, Meter]:
    """``take`` once it is done (its status shown meanwhile), and its audio written where ``output`` says."""

    def show(takes: list[TakeResponse]) -> None:
        status.update(f"Take {take.take_id}: {status_words(takes[0].status)}")

    if not take.status.done():
        show([take])
        take = client.wait_for_takes(take.take_id, callback=show)
    status.update(f"Take {take.take_id}: downloading the {fmt}…")
    with audio_target(output) as target:
        meter = Meter(target)
        client.get_take_audio(take.take_id, file=cast(BinaryIO, meter), format=fmt)
    return take, meter


def speak_into(output: str | None, ui: Ui, label: str, speak: Callable[[BinaryIO], T]) -> tuple[T, Meter]:
    """``speak`` writing audio where ``output`` says while a status shows ``label``'s progress (`Meter`)."""
    with ui.status(f"Speaking with {label}…") as status, audio_target(output) as target:
        meter = Meter(target, status, f"Speaking with {label}")
        return speak(cast(BinaryIO, meter)), meter
