"""``daisys say --service vivoka``: Vivoka's local voice synthesis (`daisys_ext.peers.vivoka`).

Vivoka takes a whole text: a file or a pipe is read to its end first. ``--voice`` is one of
the service's voice ids (checked against its list, which an unknown one is told); without
it, its first voice speaks, and ``say`` says so. The PCM is written as a WAV as it arrives
(`_say_peer`), and played along with ``--play``. The service is ``--vivoka-url``, else
``$VIVOKA_URL``, else ``http://localhost:39806``. It has no prosody, style, subtitles or
language of its own (a voice has one), and gives WAV only: those options are refused.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, BinaryIO

from ._exit import NotFoundError, UsageError
from ._say_peer import peer_result, speak_into
from ._services import SayRequest, SayResult, refuse

if TYPE_CHECKING:
    from daisys_ext.peers import Spoken
    from daisys_ext.peers.vivoka import VivokaClient

    from ._store import TokenStore
    from ._ui import Ui

SERVICE = "vivoka"
LISTED = 10  # voice ids named in a note or an error, at most


def say(request: SayRequest, ui: Ui, store: TokenStore) -> SayResult:
    refuse(request, SERVICE, voice=True)
    from daisys_ext.peers.vivoka import DEFAULT_URL, VivokaClient

    url = request.options.get("url") or os.environ.get("VIVOKA_URL") or DEFAULT_URL
    text = request.source.read().strip()  # the service takes a whole text
    if not text:
        raise UsageError("There was no text to speak.")
    with VivokaClient(url) as client:
        voice_id, description = choose_voice(client, request.voice, ui)

        def speak(out: BinaryIO) -> Spoken:
            return client.speak(text, out, voice_id, play=request.play)

        spoken, size, first_audio = speak_into(request, ui, f"Vivoka's voice {voice_id}", speak)
    voice = {"voice_id": voice_id, "description": description}
    return peer_result(request, SERVICE, spoken, size, first_audio, voice, {"url": client.base_url})


def choose_voice(client: VivokaClient, wanted: str | None, ui: Ui) -> tuple[str, Any]:
    """``--voice``'s id if the service has it (exit 4 if not), else its first voice (and a note saying so)."""
    voices = client.voices()
    if wanted:
        if wanted not in voices:
            raise NotFoundError(f"Vivoka at {client.base_url} has no voice {wanted!r}; {_listed(voices)}.")
        return wanted, voices[wanted]
    if not voices:
        raise NotFoundError(f"Vivoka at {client.base_url} has no voices.")
    voice_id = next(iter(voices))
    ui.note(f"Using Vivoka's voice {voice_id}, its first; choose one with --voice ({_listed(voices)}).")
    return voice_id, voices[voice_id]


def _listed(voices: dict[str, Any]) -> str:
    if not voices:
        return "it has none"
    ids = list(voices)
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return f"its voices: {', '.join(ids[:LISTED])}{more}"
