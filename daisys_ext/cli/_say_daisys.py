"""``daisys say`` with the Daisys service: a take over REST, or sentences streamed over a websocket.

REST (the default for a TEXT argument): the take is generated while its status is shown,
then its audio is downloaded in the format asked for. The websocket (``--stream``,
``--play``, ``--subtitles``, or text from a file or a pipe): each sentence is sent as soon
as it has been read, and the WAV is written as its audio arrives (``speak_stream``), so
speech starts before a long text has been read.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ._exit import UsageError
from ._services import SayRequest, SayResult
from ._session import open_client
from ._voices import choose_voice

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse, VoiceInfo

    from ._store import TokenStore
    from ._ui import Status, Ui

SENTENCE_TIMEOUT = 120.0  # seconds for each sentence's audio over the websocket


def say(request: SayRequest, ui: Ui, store: TokenStore) -> SayResult:
    with open_client(store) as client:
        voice = choose_voice(client, request.voice, ui)
        # The websocket gives WAV: text from a file or a pipe in another format is read whole, then one take.
        streamed = request.source.streamed and request.format == "wav"
        if request.stream or request.play or request.subtitles or streamed:
            return _over_websocket(client, voice, request, ui)
        return _over_rest(client, voice, request, ui)


def take_options(request: SayRequest) -> dict[str, Any]:
    """The take's prosody, style and language, as the client takes them."""
    return {"prosody": prosody_model(request.prosody), "style": request.style, "override_language": request.language}


def prosody_model(levels: dict[str, int] | None) -> Any:
    """The prosody model with exactly these levels (``_values.prosody`` gives every level of one model)."""
    if levels is None:
        return None
    from daisys_ext import AffectProsody, SignalProsody, SimpleProsody

    from ._values import PROSODY_MODELS

    classes: dict[str, Any] = {"simple": SimpleProsody, "affect": AffectProsody, "signal": SignalProsody}
    for kind, fields in PROSODY_MODELS:
        if set(levels) == set(fields):
            return classes[kind].from_dict(levels)
    raise UsageError(f"--prosody: {', '.join(levels)} are not the levels of one prosody model.")


def take_seconds(take: TakeResponse) -> float | None:
    """The take's audio length, from its info (samples / rate), when the service gave it."""
    info = getattr(take, "info", None)
    duration, rate = getattr(info, "duration", None), getattr(info, "audio_rate", None)
    if isinstance(duration, int) and isinstance(rate, int) and rate > 0:
        return duration / rate
    return None


class Meter:
    """A binary file that passes writes on and notes them: when the first came, how many bytes, which format."""

    def __init__(
        self, out: BinaryIO, on_write: Callable[[Meter], None] | None = None, started: float | None = None
    ) -> None:
        self._out = out
        self._on_write = on_write
        self.started = time.monotonic() if started is None else started
        self.first_write: float | None = None
        self.bytes = 0
        self.byte_rate = 0
        self.data_offset = 0
        self._header = b""

    def write(self, data: bytes | memoryview) -> int:
        written = self._out.write(data)
        if self.first_write is None:
            self.first_write = time.monotonic() - self.started
        if not self.byte_rate and len(self._header) < 4096:
            self._read_format(bytes(data))
        self.bytes += len(data)
        if self._on_write is not None:
            self._on_write(self)
        return written

    def _read_format(self, data: bytes) -> None:
        from daisys_ext.audio import WavError, parse_wav_header

        self._header += data
        try:
            wav = parse_wav_header(self._header)
        except WavError:
            return
        self.byte_rate = wav.byte_rate
        self.data_offset = wav.data_offset

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio written so far (a WAV's)."""
        if not self.byte_rate:
            return 0.0
        return max(0, self.bytes - self.data_offset) / self.byte_rate

    def seekable(self) -> bool:
        return self._out.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._out.seek(offset, whence)

    def tell(self) -> int:
        return self._out.tell()

    def flush(self) -> None:
        self._out.flush()


@contextlib.contextmanager
def audio_target(output: str | None) -> Iterator[BinaryIO]:
    """Where audio goes: a path (atomically), standard output (``-``), or, to play only, a file thrown away."""
    from ._files import atomic_file

    if output == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    elif output is None:
        with tempfile.TemporaryDirectory(prefix="daisys-") as folder, open(Path(folder) / "say.wav", "w+b") as out:
            yield out
    else:
        with atomic_file(output) as out:
            yield out


def _file_result(request: SayRequest, size: int) -> tuple[str | None, int]:
    if request.output not in (None, "-"):
        assert request.output is not None
        return request.output, os.path.getsize(request.output)
    return request.output, size


def _over_rest(client: Client, voice: VoiceInfo, request: SayRequest, ui: Ui) -> SayResult:
    text = request.source.read().strip()
    with ui.status(f"Asking for a take with {voice.name}…") as status:
        take = client.generate_take(voice.voice_id, text, wait=False, **take_options(request))
        show = _take_status(status, take.take_id)
        show([take])
        take = client.wait_for_takes(take.take_id, callback=show)
        status.update(f"Take {take.take_id}: downloading the {request.format}…")
        with audio_target(request.output) as target:
            meter = Meter(target)
            client.get_take_audio(take.take_id, file=cast(BinaryIO, meter), format=request.format)
    file, size = _file_result(request, meter.bytes)
    return SayResult(
        file=file,
        format=request.format,
        bytes=size,
        duration_s=take_seconds(take),
        voice=voice.model_dump(),
        takes=[take.model_dump()],
        service="daisys",
    )


def _take_status(status: Status, take_id: str) -> Callable[[list[TakeResponse]], None]:
    def show(takes: list[TakeResponse]) -> None:
        status.update(f"Take {take_id}: {takes[0].status.value}")

    return show


def _over_websocket(client: Client, voice: VoiceInfo, request: SayRequest, ui: Ui) -> SayResult:
    started = time.monotonic()  # time to first audio counts the connection too
    with ui.status(f"Connecting to a worker for {voice.model}…") as status:

        def progress(meter: Meter) -> None:
            first, so_far = meter.first_write or 0.0, meter.audio_seconds
            status.update(f"Speaking with {voice.name}: first audio after {first:.2f} s, {so_far:.1f} s so far")

        with client.websocket(model=voice.model, voice_id=voice.voice_id) as ws:
            status.update(f"Speaking with {voice.name}…")
            with audio_target(request.output) as target:
                meter = Meter(target, progress, started)
                takes = ws.speak_stream(
                    request.source.chunks(),
                    cast(BinaryIO, meter),
                    **take_options(request),
                    timeout=SENTENCE_TIMEOUT,
                    subtitles=request.subtitles,
                    play=request.play,
                )
                if not takes:
                    raise UsageError("There was no text to speak.")
    file, size = _file_result(request, meter.bytes)
    return SayResult(
        file=file,
        format="wav",
        bytes=size,
        duration_s=meter.audio_seconds,
        voice=voice.model_dump(),
        takes=[take.model_dump() for take in takes],
        service="daisys",
        first_audio_s=meter.first_write,
        subtitles=request.subtitles,
    )
