"""``daisys say``: text to speech into a file, standard output or the speakers, by the service ``--service`` names.

The command line is checked first (`SayRequest`: every usage error before anything connects), then `speak`
hands it to the service: Daisys here, Vivoka and Neuphonic in `_say_peers`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ._auth import TokenStore, open_client
from ._exit import CliError, Exit, UsageError
from ._files import audio_format, check_format, download, refuse_stdout, speak_into, take_seconds, unused_path, written
from ._parser import PROSODY_MODELS, SERVICE_OPTIONS
from ._resources import choose_voice

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse, VoiceInfo

    from ._files import Meter
    from ._ui import Ui

SENTENCE_TIMEOUT = 120.0  # seconds for each sentence's audio over the websocket


@dataclass(frozen=True)
class TextSource:
    """The text to speak: the TEXT argument, or a file (``-``: standard input) read line by line as it comes."""

    text: str | None = None
    path: str | None = None  # when set, the text can be spoken before it is all read

    @property
    def name(self) -> str:
        """What the output is named after: the text, else the file (standard input: speech)."""
        if self.text is not None:
            return self.text
        return "speech" if self.path in (None, "-") else Path(self.path or "").stem

    def chunks(self) -> Iterator[str]:
        """The text in pieces as they can be read: lines (with their line ends) of a file or a pipe."""
        if self.text is not None:
            yield self.text
        elif self.path == "-":
            yield from iter(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict").readline, "")
        else:
            with open(self.path or "", encoding="utf-8") as handle:
                yield from handle

    def read(self) -> str:
        return "".join(self.chunks())


@dataclass(frozen=True)
class SayRequest:
    """What ``daisys say`` was asked, checked and with its defaults filled in."""

    source: TextSource
    output: str | None  # a path, "-" (standard output), or None (played only, no file kept)
    format: str
    origin: str = "wav"  # where the format was asked: "--format mp3", "-o x.mp3" (for messages)
    voice: str | None = None
    prosody: dict[str, int] | None = None
    style: list[str] | None = None
    language: str | None = None
    stream: bool = False  # over a websocket, sentence by sentence: the least latency
    play: bool = False
    subtitles: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the service's own options given (`SERVICE_OPTIONS`)


@dataclass(kw_only=True)
class SayResult:
    """What was spoken (``--json`` in this order): the file, its size and duration, the voice and the takes."""

    service: str
    file: str | None
    format: str
    bytes: int
    duration_s: float | None
    first_audio_s: float | None = None
    subtitles: str | None = None
    voice: dict[str, Any]
    takes: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # the service's own (`sample_rate`, its URL, ...)

    @classmethod
    def of(cls, service: str, request: SayRequest, meter: Meter, duration: float | None, **more: Any) -> SayResult:
        """What ``service`` spoke for ``request`` (its ``voice``, ``takes``, ... in ``more``), as ``meter`` saw it."""
        # A file's own size (a WAV's header is patched in place), else the bytes counted.
        size = meter.bytes if request.output in (None, "-") else Path(request.output).stat().st_size
        return cls(service=service, file=request.output, format=request.format, bytes=size, duration_s=duration, **more)

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in ("duration_s", "first_audio_s"):
            data[name] = None if data[name] is None else round(data[name], 3)
        return {**data, **data.pop("extra")}


def run(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    request = build_request(args)
    if request.play:  # --play needs the audio extra (sounddevice and PortAudio): said before anything is generated
        try:
            importlib.import_module("sounddevice")
        except ImportError:
            raise CliError("--play needs the audio extra: pip install 'daisys-ext[audio]'") from None
        except OSError as exc:  # sounddevice is there, PortAudio is not
            raise CliError(f"--play needs the PortAudio library, which sounddevice could not load ({exc})") from None
    result = speak(args.service, request, ui, store)
    line = written(result.file, None if result.file is None else result.bytes, result.duration_s, result.first_audio_s)
    line += f"; subtitles in {result.subtitles}." if result.subtitles else "."
    ui.result(result.as_json(), line, aside=result.file == "-")
    return Exit.OK


def text_source(args: argparse.Namespace) -> TextSource:
    """TEXT, ``-`` (standard input) or ``-f FILE``; with none of them, a pipe on standard input."""
    if args.text is not None and args.file is not None:
        raise UsageError("give TEXT or -f FILE, not both")
    if args.file is not None:
        if args.file != "-" and not os.path.isfile(args.file):
            raise UsageError(f"-f {args.file}: no such file")
        return TextSource(path=args.file)
    if args.text == "-" or (args.text is None and not sys.stdin.isatty()):
        return TextSource(path="-")
    if args.text is None:
        raise UsageError("give the TEXT to speak, - to read it from standard input, or -f FILE")
    if not args.text.strip():
        raise UsageError("TEXT is empty")
    return TextSource(text=args.text)


def build_request(args: argparse.Namespace) -> SayRequest:
    """The command line, checked, with its defaults filled in: every usage error before anything connects."""
    source = text_source(args)
    output = args.output
    fmt, origin = audio_format(output, args.format)
    websocket = (("--stream", args.stream), ("--play", args.play), ("--subtitles", args.subtitles))
    if fmt != "wav" and (wav_only := [flag for flag, on in websocket if on]):
        them = " and ".join(wav_only)
        raise UsageError(f"{them} {'give' if len(wav_only) > 1 else 'gives'} WAV audio, not {fmt} ({origin}): use wav")
    refuse_stdout(output, args.json)
    options: dict[str, Any] = {}  # the chosen service's own options that were given; another service's is refused
    for flag, (service, name, *_) in SERVICE_OPTIONS.items():
        if (value := getattr(args, f"{service}_{name}", None)) is None:
            continue
        if service != args.service:
            raise UsageError(f"{flag} is an option of --service {service}, not of --service {args.service}")
        options[name] = value
    if output is None and not args.play:
        output = str(unused_path(source.name, fmt))
    default_voice = os.environ.get("DAISYS_VOICE") if args.service == "daisys" else None  # a Daisys voice
    same = {name: getattr(args, name) for name in ("prosody", "language", "stream", "play", "subtitles")}
    voice = args.voice or default_voice or None
    return SayRequest(source, output, fmt, origin, voice, style=args.style or None, options=options, **same)


def refuse(request: SayRequest, service: str, *, voice: bool = False, language: bool = False) -> None:
    """A `UsageError` for what a WAV-only ``service`` cannot honour: prosody, style, subtitles, other formats;
    ``--voice`` and ``--language`` unless it takes them."""
    flags: dict[str, Any] = {"--prosody": request.prosody, "--style": request.style, "--subtitles": request.subtitles}
    flags |= {"--voice": request.voice and not voice, "--language": request.language and not language}
    if given := [flag for flag, on in flags.items() if on]:
        them = "it" if len(given) == 1 else "them"
        raise UsageError(f"--service {service} cannot honour {', '.join(given)}: leave {them} out")
    if request.format != "wav":
        raise UsageError(
            f"--service {service} gives WAV audio, not {request.format} ({request.origin}):"
            " use --format wav (or an -o name ending in .wav)"
        )


def speak(service: str, request: SayRequest, ui: Ui, store: TokenStore) -> SayResult:
    """``request`` spoken by ``service`` (one of `_parser.SERVICES`); the others' module imported only for them."""
    if service != "daisys":
        from ._say_peers import neuphonic, vivoka

        return vivoka(request, ui) if service == "vivoka" else neuphonic(request, ui)
    with open_client(store) as client:
        voice = choose_voice(client, request.voice, ui)
        # The websocket gives WAV: text from a file or a pipe in another format is read whole, then one take.
        streamed = request.source.path is not None and request.format == "wav"
        if request.stream or request.play or request.subtitles or streamed:
            return _over_websocket(client, voice, request, ui)
        return _over_rest(client, voice, request, ui)


def _take_options(request: SayRequest) -> dict[str, Any]:
    """The take's prosody, style and language, as the client takes them."""
    from daisys_ext import AffectProsody, SignalProsody, SimpleProsody

    prosody = None
    if request.prosody is not None:  # `_parser.prosody` gives every level of exactly one model
        classes: dict[str, Any] = {"simple": SimpleProsody, "affect": AffectProsody, "signal": SignalProsody}
        kind = next(kind for kind, fields in PROSODY_MODELS if set(request.prosody) == set(fields))
        prosody = classes[kind].from_dict(request.prosody)
    return {"prosody": prosody, "style": request.style, "override_language": request.language}


def _over_rest(client: Client, voice: VoiceInfo, request: SayRequest, ui: Ui) -> SayResult:
    text = request.source.read().strip()
    check_format(client, request.format, request.origin)  # before the take is made
    with ui.status(f"Asking for a take with {voice.name}…") as status:
        take = client.generate_take(voice.voice_id, text, wait=False, **_take_options(request))
        take, meter = download(client, take, request.format, request.output, status)
    dumped = {"voice": voice.model_dump(), "takes": [take.model_dump()]}
    return SayResult.of("daisys", request, meter, take_seconds(take), **dumped)


def _over_websocket(client: Client, voice: VoiceInfo, request: SayRequest, ui: Ui) -> SayResult:
    options = {**_take_options(request), "subtitles": request.subtitles, "play": request.play}

    def stream(out: BinaryIO) -> list[TakeResponse]:
        with client.websocket(model=voice.model, voice_id=voice.voice_id) as ws:
            takes = ws.speak_stream(request.source.chunks(), out, sentence_timeout=SENTENCE_TIMEOUT, **options)
        if not takes:
            raise UsageError("There was no text to speak.")  # and no file is left
        return takes

    takes, meter = speak_into(request.output, ui, voice.name, stream)  # time to first audio counts the connection too
    dumped = {"voice": voice.model_dump(), "takes": [take.model_dump() for take in takes]}
    first, subtitles = meter.first_audio, request.subtitles
    return SayResult.of(
        "daisys", request, meter, meter.audio_seconds, first_audio_s=first, subtitles=subtitles, **dumped
    )
