"""``daisys say --service vivoka|neuphonic``: the other services (`daisys_ext.peers`), WAV only.

Vivoka takes a whole text and has its own voice ids. Neuphonic's API key comes from ``$NEUPHONIC_API_KEY``
only (a command line is seen by every user of the machine), and text from a pipe is sent as it is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from ._exit import CliError, Exit, NotFoundError, UsageError
from ._files import speak_into
from ._say import SayRequest, SayResult, refuse

if TYPE_CHECKING:
    from daisys_ext.peers import Spoken
    from daisys_ext.peers.vivoka import VivokaClient

    from ._files import Meter
    from ._ui import Ui

NEUPHONIC_KEY = "NEUPHONIC_API_KEY"
LISTED = 10  # Vivoka voice ids named in a note or an error, at most


def _result(request: SayRequest, service: str, spoken: Spoken, meter: Meter, voice: Any, **url: str) -> SayResult:
    """What was spoken; ``first_audio_s`` counts to the first audio, not the WAV header (written before any)."""
    extra = {"sample_rate": spoken.sample_rate, "pcm_bytes": spoken.pcm_bytes, **url}
    first = meter.first_audio
    return SayResult.of(service, request, meter, spoken.duration, voice=voice, first_audio_s=first, extra=extra)


def vivoka(request: SayRequest, ui: Ui) -> SayResult:
    refuse(request, "vivoka", voice=True)
    from daisys_ext.peers.vivoka import DEFAULT_URL, VivokaClient

    url = request.options.get("url") or os.environ.get("VIVOKA_URL") or DEFAULT_URL
    if not (text := request.source.read().strip()):  # the service takes a whole text
        raise UsageError("There was no text to speak.")
    with VivokaClient(url) as client:
        voice_id, description = _vivoka_voice(client, request.voice, ui)
        label = f"Vivoka's voice {voice_id}"
        spoken, meter = speak_into(
            request.output, ui, label, lambda out: client.speak(text, out, voice_id, play=request.play)
        )
        voice = {"voice_id": voice_id, "description": description}
        return _result(request, "vivoka", spoken, meter, voice=voice, url=client.base_url)


def _vivoka_voice(client: VivokaClient, wanted: str | None, ui: Ui) -> tuple[str, Any]:
    """``--voice``'s id if the service has it (exit 4 if not), else its first voice (and a note saying so)."""
    voices = client.voices()
    ids = list(voices)
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    listed = f"its voices: {', '.join(ids[:LISTED])}{more}" if ids else "it has none"
    if wanted:
        if wanted not in voices:
            raise NotFoundError(f"Vivoka at {client.base_url} has no voice {wanted!r}; {listed}.")
        return wanted, voices[wanted]
    if not voices:
        raise NotFoundError(f"Vivoka at {client.base_url} has no voices.")
    ui.note(f"Using Vivoka's voice {ids[0]}, its first; choose one with --voice ({listed}).")
    return ids[0], voices[ids[0]]


def neuphonic(request: SayRequest, ui: Ui) -> SayResult:
    refuse(request, "neuphonic", language=True)
    options = dict(request.options)
    if "url" in options and (request.language or "region" in options):
        flags = (("--region", "region" in options), ("--language", request.language))
        given = " and ".join(flag for flag, on in flags if on)
        raise UsageError(f"--neuphonic-url replaces the endpoint that {given} would name: give one or the other")
    if not (key := os.environ.get(NEUPHONIC_KEY, "").strip()):
        problem = f"Neuphonic needs an API key: set {NEUPHONIC_KEY} (it is read from the environment only)."
        raise CliError(problem, Exit.AUTH)
    from daisys_ext.peers import PeerConnectError
    from daisys_ext.peers.neuphonic import NeuphonicClient

    language = request.language or "en"
    seen_text = False

    def lines() -> Iterator[str]:
        """The file's or the pipe's lines as they are read; blank ones say nothing, and are not sent."""
        nonlocal seen_text
        for chunk in request.source.chunks():
            if chunk.strip():
                seen_text = True
                yield chunk

    try:
        with NeuphonicClient(key, language=language, **options) as client:

            def speak(out: BinaryIO) -> Spoken:
                if request.source.path is None:
                    return client.speak(request.source.text or "", out, play=request.play)
                spoken = client.speak_stream(lines(), out, play=request.play)
                if not seen_text:
                    raise UsageError("There was no text to speak.")
                return spoken

            spoken, meter = speak_into(request.output, ui, f"Neuphonic ({language})", speak)
            return _result(request, "neuphonic", spoken, meter, voice={"language": language}, endpoint=client.endpoint)
    except PeerConnectError as exc:
        if exc.status in (401, 403):
            problem = f"Neuphonic refused the API key in {NEUPHONIC_KEY} (HTTP {exc.status})."
            raise CliError(problem, Exit.AUTH) from None
        raise
