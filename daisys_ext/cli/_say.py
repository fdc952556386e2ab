"""``daisys say``: text to speech, into a file, standard output, or the speakers."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from ._exit import CliError, Exit, UsageError
from ._files import format_of, human_size, seconds, unused_path
from ._services import SERVICE_OPTIONS, SayRequest, SayResult, TextSource, option_dest, speaker
from ._store import TokenStore
from ._ui import Ui
from ._values import styles


def run(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    request = build_request(args)
    if request.play:
        require_playback()
    result = speaker(args.service)(request, ui, store)
    show(result, args.json, ui)
    return Exit.OK


def text_source(args: argparse.Namespace) -> TextSource:
    """TEXT, ``-`` (standard input) or ``-f FILE``; with none of them, a pipe on standard input."""
    if args.text is not None and args.file is not None:
        raise UsageError("give TEXT or -f FILE, not both")
    if args.file is not None:
        if args.file != "-" and not os.path.isfile(args.file):
            raise UsageError(f"-f {args.file}: no such file")
        return TextSource(path=args.file)
    if args.text == "-":
        return TextSource(path="-")
    if args.text is not None:
        if not args.text.strip():
            raise UsageError("TEXT is empty")
        return TextSource(text=args.text)
    if not sys.stdin.isatty():
        return TextSource(path="-")
    raise UsageError("give the TEXT to speak, - to read it from standard input, or -f FILE")


def build_request(args: argparse.Namespace) -> SayRequest:
    """The command line, checked, with its defaults filled in."""
    source = text_source(args)
    output = args.output
    fmt = format_of(output, args.format)
    websocket_only = [name for name, on in (("--stream", args.stream), ("--play", args.play)) if on]
    if args.subtitles:
        websocket_only.append("--subtitles")
    if fmt != "wav" and websocket_only:
        raise UsageError(f"{', '.join(websocket_only)} give WAV audio; leave out --format {fmt} (or use wav)")
    if output == "-" and args.json:
        raise UsageError("-o - writes the audio to standard output, where --json would go too; choose one")
    options = service_options(args)
    if output is None and not args.play:
        output = str(unused_path(source.name, fmt))
    default_voice = os.environ.get("DAISYS_VOICE") if args.service == "daisys" else None  # a Daisys voice
    return SayRequest(
        source=source,
        output=output,
        format=fmt,
        voice=args.voice or default_voice or None,
        prosody=args.prosody,
        style=styles(args.style),
        language=args.language,
        stream=args.stream,
        play=args.play,
        subtitles=args.subtitles,
        options=options,
    )


def service_options(args: argparse.Namespace) -> dict[str, Any]:
    """The chosen service's own options that were given, by name; another service's is a usage error."""
    options: dict[str, Any] = {}
    for flag, (service, name) in SERVICE_OPTIONS.items():
        value = getattr(args, option_dest(flag), None)
        if value is None:
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


def show(result: SayResult, as_json: bool, ui: Ui) -> None:
    if as_json:
        ui.json(result.as_json())
        return
    duration = "" if result.duration_s is None else f"{seconds(result.duration_s)} of audio, "
    first = "" if result.first_audio_s is None else f" (first audio after {result.first_audio_s:.2f} s)"
    subtitles = f"; subtitles in {result.subtitles}" if result.subtitles else ""
    if result.file is None:
        ui.print(f"Played {duration.rstrip(', ')}{first}{subtitles}.")
    elif result.file == "-":
        ui.note(f"Wrote {duration}{human_size(result.bytes)} to standard output{first}{subtitles}.")
    else:
        ui.print(f"Saved {result.file}: {duration}{human_size(result.bytes)}{first}{subtitles}.")
