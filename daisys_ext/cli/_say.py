"""``daisys say``: text to speech into a file, standard output or the speakers, by the service ``--service`` names.

A service is a function ``(SayRequest, ...) -> SayResult`` that `speak` calls: Daisys
(`_say_daisys`), Vivoka and Neuphonic (`_say_peers`). It refuses what it cannot honour with a
`UsageError` (`refuse` does it for the common options) before it connects. Options of one
service only (``--vivoka-url``, ``--region``, ...) are named in `_parser.SERVICE_OPTIONS`; the
chosen service finds them in `SayRequest.options`, and another service's is a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._exit import CliError, Exit, UsageError
from ._files import audio_format, refuse_terminal, slug, unused_path, written
from ._parser import SERVICE_OPTIONS

if TYPE_CHECKING:
    from ._auth import TokenStore
    from ._ui import Ui


@dataclass(frozen=True)
class TextSource:
    """The text to speak: the TEXT argument, or a file (``-``: standard input) read line by line as it comes."""

    text: str | None = None
    path: str | None = None

    @property
    def streamed(self) -> bool:
        """Whether the text comes from a file or a pipe (and can be spoken before it is all read)."""
        return self.path is not None

    @property
    def name(self) -> str:
        """What to name the output after: the text's first words, or the file."""
        if self.text is not None:
            return slug(self.text)
        return "speech" if self.path in (None, "-") else slug(Path(self.path or "").stem)

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


@dataclass
class SayResult:
    """What was spoken: the file, its size and duration, the voice and the takes (as the API shows them)."""

    file: str | None
    format: str
    bytes: int
    duration_s: float | None
    voice: dict[str, Any]
    takes: list[dict[str, Any]]
    service: str
    first_audio_s: float | None = None
    subtitles: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in ("service", "file", "format", "bytes", "duration_s")}
        data.update(first_audio_s=self.first_audio_s, subtitles=self.subtitles, voice=self.voice, takes=self.takes)
        for name in ("duration_s", "first_audio_s"):
            data[name] = None if data[name] is None else round(data[name], 3)
        return {**data, **self.extra}


def refuse(request: SayRequest, service: str, *, voice: bool = False, language: bool = False) -> None:
    """A `UsageError` for what a WAV-only ``service`` cannot honour: prosody, style, subtitles, and as told.

    ``voice`` and ``language``: whether the service takes ``--voice`` and ``--language``.
    """
    flags = (
        ("--prosody", request.prosody),
        ("--style", request.style),
        ("--subtitles", request.subtitles),
        ("--voice", request.voice and not voice),
        ("--language", request.language and not language),
    )
    if given := [flag for flag, on in flags if on]:
        them = "it" if len(given) == 1 else "them"
        raise UsageError(f"--service {service} cannot honour {', '.join(given)}: leave {them} out")
    if request.format != "wav":
        raise UsageError(
            f"--service {service} gives WAV audio, not {request.format} ({request.origin}):"
            " use --format wav (or an -o name ending in .wav)"
        )


def speak(service: str, request: SayRequest, ui: Ui, store: TokenStore) -> SayResult:
    """``request`` spoken by ``service`` (one of `_parser.SERVICES`), its module imported only when it is chosen."""
    if service == "daisys":
        from ._say_daisys import say

        return say(request, ui, store)
    from ._say_peers import neuphonic, vivoka

    return vivoka(request, ui) if service == "vivoka" else neuphonic(request, ui)


def run(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    request = build_request(args)
    if request.play:
        require_playback()
    result = speak(args.service, request, ui, store)
    if args.json:
        ui.json(result.as_json())
        return Exit.OK
    line = written(result.file, None if result.file is None else result.bytes, result.duration_s, result.first_audio_s)
    line += f"; subtitles in {result.subtitles}." if result.subtitles else "."
    (ui.note if result.file == "-" else ui.print)(line)
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
    wav_only = [flag for flag, on in websocket if on]
    if fmt != "wav" and wav_only:
        them = " and ".join(wav_only)
        raise UsageError(f"{them} {'give' if len(wav_only) > 1 else 'gives'} WAV audio, not {fmt} ({origin}): use wav")
    if output == "-" and args.json:
        raise UsageError("-o - writes the audio to standard output, where --json would go too; choose one")
    refuse_terminal(output)
    options = service_options(args)
    if output is None and not args.play:
        output = str(unused_path(source.name, fmt))
    default_voice = os.environ.get("DAISYS_VOICE") if args.service == "daisys" else None  # a Daisys voice
    return SayRequest(
        source=source,
        output=output,
        format=fmt,
        origin=origin,
        voice=args.voice or default_voice or None,
        prosody=args.prosody,
        style=args.style or None,
        language=args.language,
        stream=args.stream,
        play=args.play,
        subtitles=args.subtitles,
        options=options,
    )


def service_options(args: argparse.Namespace) -> dict[str, Any]:
    """The chosen service's own options that were given, by name; another service's is a usage error."""
    options: dict[str, Any] = {}
    for flag, (service, name, *_) in SERVICE_OPTIONS.items():
        if (value := getattr(args, f"{service}_{name}", None)) is None:
            continue
        if service != args.service:
            raise UsageError(f"{flag} is an option of --service {service}, not of --service {args.service}")
        options[name] = value
    return options


def require_playback() -> None:
    """--play needs the audio extra (sounddevice and PortAudio): say so before anything is generated."""
    try:
        importlib.import_module("sounddevice")
    except ImportError:
        raise CliError("--play needs the audio extra: pip install 'daisys-ext[audio]'") from None
    except OSError as exc:  # sounddevice is there, PortAudio is not
        raise CliError(f"--play needs the PortAudio library, which sounddevice could not load ({exc})") from None
