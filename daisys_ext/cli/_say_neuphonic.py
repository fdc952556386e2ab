"""``daisys say --service neuphonic``: Neuphonic's websocket TTS (`daisys_ext.peers.neuphonic`).

The API key comes from ``$NEUPHONIC_API_KEY`` only (a command line is seen by every user of
the machine, and kept in shell histories); it is in no output, log line or error. Text from
a file or a pipe is sent line by line as it is read (`speak_stream`), so speech starts before
all of it is there; a TEXT argument is sent whole (`speak`). The PCM (mono, 22050 Hz, 16-bit)
is written as a WAV as it arrives (`_say_peer`), and played along with ``--play``.

``--language`` (default ``en``), ``--region`` (default ``eu-west-1``), ``--speed`` (0.7 to
2.5) and ``--temperature`` (0 to 1) go to the service; ``--neuphonic-url`` replaces the
endpoint that region and language name (a local fake's, in tests). Neuphonic has no voice,
prosody, style or subtitles to choose, and gives WAV only: those options are refused. A key
the service refuses exits 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from ._exit import CliError, Exit, UsageError
from ._say_peer import peer_result, speak_into
from ._services import SayRequest, SayResult, refuse

if TYPE_CHECKING:
    from daisys_ext.peers import Spoken

    from ._store import TokenStore
    from ._ui import Ui

SERVICE = "neuphonic"
KEY_VARIABLE = "NEUPHONIC_API_KEY"
DEFAULT_LANGUAGE = "en"


def say(request: SayRequest, ui: Ui, store: TokenStore) -> SayResult:
    refuse(request, SERVICE, language=True)
    options = dict(request.options)
    if "url" in options and (request.language or "region" in options):
        given = " and ".join(
            flag for flag, on in (("--region", "region" in options), ("--language", request.language)) if on
        )
        raise UsageError(f"--neuphonic-url replaces the endpoint that {given} would name: give one or the other")
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise CliError(
            f"Neuphonic needs an API key: set {KEY_VARIABLE} (it is read from the environment only).", Exit.AUTH
        )
    from daisys_ext.peers import PeerConnectError
    from daisys_ext.peers.neuphonic import NeuphonicClient

    language = request.language or DEFAULT_LANGUAGE
    seen_text = False

    def lines() -> Iterator[str]:
        """The file's or the pipe's lines as they are read; blank ones say nothing, and are not sent."""
        nonlocal seen_text
        for chunk in request.source.chunks():
            if chunk.strip():
                seen_text = True
                yield chunk

    def some_text(spoken: Spoken) -> None:
        if not seen_text:
            raise UsageError("There was no text to speak.")

    try:
        with NeuphonicClient(key, language=language, **options) as client:

            def speak(out: BinaryIO) -> Spoken:
                if request.source.streamed:
                    return client.speak_stream(lines(), out, play=request.play)
                assert request.source.text is not None
                return client.speak(request.source.text, out, play=request.play)

            check = some_text if request.source.streamed else None
            spoken, size, first_audio = speak_into(request, ui, f"Neuphonic ({language})", speak, check=check)
    except PeerConnectError as exc:
        if exc.status in (401, 403):
            raise CliError(f"Neuphonic refused the API key in {KEY_VARIABLE} (HTTP {exc.status}).", Exit.AUTH) from None
        raise
    extra: dict[str, Any] = {"endpoint": client.endpoint}
    return peer_result(request, SERVICE, spoken, size, first_audio, {"language": language}, extra)
