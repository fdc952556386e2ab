"""``daisys say --service``: which text-to-speech service speaks, and what a service is given and gives back.

A service is a module with ``say(request, ui, store) -> SayResult``, named here: Daisys,
Vivoka and Neuphonic (``daisys_ext.peers``). Adding another is a module beside
``_say_daisys.py`` and one line in `SERVICES`: ``--service`` takes its choices from there,
and the ``say`` command, its options and its output stay as they are. A service refuses
options it cannot honour with a `UsageError` (`refuse` does it for the common ones). Options
of one service only (``--vivoka-url``, ``--region``, ...) are named in `SERVICE_OPTIONS`: the
chosen service finds them in `SayRequest.options`, and another service's is a usage error.
"""

from __future__ import annotations

import importlib
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ._exit import UsageError

if TYPE_CHECKING:
    from ._store import TokenStore
    from ._ui import Ui

SERVICES: dict[str, str] = {
    "daisys": "daisys_ext.cli._say_daisys",
    "vivoka": "daisys_ext.cli._say_vivoka",
    "neuphonic": "daisys_ext.cli._say_neuphonic",
}
"""Service name -> the module that speaks with it (imported only when chosen)."""

DEFAULT_SERVICE = "daisys"

SERVICE_OPTIONS: dict[str, tuple[str, str]] = {
    "--vivoka-url": ("vivoka", "url"),
    "--neuphonic-url": ("neuphonic", "url"),
    "--region": ("neuphonic", "region"),
    "--speed": ("neuphonic", "speed"),
    "--temperature": ("neuphonic", "temperature"),
}
"""An option of one service only -> (that service, its name in `SayRequest.options`)."""


def option_dest(flag: str) -> str:
    """Where argparse keeps a service's own option: ``--region`` -> ``neuphonic_region``."""
    service, name = SERVICE_OPTIONS[flag]
    return f"{service}_{name}"


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
        from ._files import slug

        if self.text is not None:
            return slug(self.text)
        return "speech" if self.path in (None, "-") else slug(Path(self.path or "").stem)

    def chunks(self) -> Iterator[str]:
        """The text in pieces as they can be read: lines (with their line ends) of a file or a pipe."""
        if self.text is not None:
            yield self.text
            return
        if self.path == "-":
            stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict")
            yield from iter(stdin.readline, "")
            return
        assert self.path is not None
        with open(self.path, encoding="utf-8") as handle:
            yield from handle

    def read(self) -> str:
        """All of the text."""
        return "".join(self.chunks())


@dataclass(frozen=True)
class SayRequest:
    """What ``daisys say`` was asked, checked and with its defaults filled in."""

    source: TextSource
    output: str | None  # a path, "-" (standard output), or None (played only, no file kept)
    format: str
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
        return {
            "service": self.service,
            "file": self.file,
            "format": self.format,
            "bytes": self.bytes,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
            "first_audio_s": None if self.first_audio_s is None else round(self.first_audio_s, 3),
            "subtitles": self.subtitles,
            "voice": self.voice,
            "takes": self.takes,
            **self.extra,
        }


class Speaker(Protocol):
    def __call__(self, request: SayRequest, ui: Ui, store: TokenStore) -> SayResult: ...


def refuse(
    request: SayRequest,
    service: str,
    *,
    voice: bool = False,
    language: bool = False,
    formats: tuple[str, ...] = ("wav",),
) -> None:
    """A one-line `UsageError` for what ``service`` cannot honour: prosody, style, subtitles, and as told.

    ``voice`` and ``language``: whether the service takes ``--voice`` and ``--language``;
    ``formats``: the audio formats it gives.
    """
    given = [
        flag
        for flag, on in (
            ("--prosody", request.prosody),
            ("--style", request.style),
            ("--subtitles", request.subtitles),
            ("--voice", request.voice and not voice),
            ("--language", request.language and not language),
        )
        if on
    ]
    if given:
        them = "it" if len(given) == 1 else "them"
        raise UsageError(f"--service {service} cannot honour {', '.join(given)}: leave {them} out")
    if request.format not in formats:
        raise UsageError(
            f"--service {service} gives {', '.join(f.upper() for f in formats)} audio, not {request.format}:"
            f" use --format {formats[0]} (or an -o name ending in .{formats[0]})"
        )


def speaker(service: str) -> Speaker:
    """The ``say`` of a service named in `SERVICES`."""
    module = importlib.import_module(SERVICES[service])
    say: Speaker = module.say
    return say
