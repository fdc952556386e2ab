"""What ``daisys say --service vivoka|neuphonic`` share: the peer's WAV written where ``-o`` says, and the result.

Both peers' ``speak`` write raw PCM as one WAV to a binary file as it arrives (playing it
along with ``play=True``). Here that file is ``-o``'s, written atomically, standard output
(``-o -``: a pipe gets "unknown length" sizes), or, to play only, a file thrown away, as
for the Daisys service (`audio_target`); a `Meter` between them shows progress and notes
when the first audio came.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ._say_daisys import Meter, audio_target
from ._services import SayRequest, SayResult

if TYPE_CHECKING:
    from daisys_ext.peers import Spoken

    from ._ui import Ui

Speak = Callable[[BinaryIO], "Spoken"]
"""Writes the speech as a WAV to the file it is given, and says what it wrote."""


def speak_into(
    request: SayRequest,
    ui: Ui,
    label: str,
    speak: Speak,
    *,
    check: Callable[[Spoken], None] | None = None,
) -> tuple[Spoken, int, float | None]:
    """Run ``speak`` into the request's output while a status shows ``label``'s progress.

    Returns what was spoken, the bytes written, and the seconds from the start to the first
    audio (not the WAV header, written before any). ``check`` may refuse what was spoken
    (raising), before a file is kept.
    """
    started = time.monotonic()
    first_audio: float | None = None
    with ui.status(f"Speaking with {label}…") as status:

        def progress(meter: Meter) -> None:
            nonlocal first_audio
            if first_audio is None and meter.data_offset and meter.bytes > meter.data_offset:
                first_audio = time.monotonic() - started
            if first_audio is not None:
                status.update(
                    f"Speaking with {label}: first audio after {first_audio:.2f} s, {meter.audio_seconds:.1f} s so far"
                )

        with audio_target(request.output) as target:
            meter = Meter(target, progress, started)
            spoken = speak(cast(BinaryIO, meter))
            if check is not None:
                check(spoken)
    size = meter.bytes
    if request.output not in (None, "-"):
        size = os.path.getsize(str(request.output))
    return spoken, size, first_audio


def peer_result(
    request: SayRequest,
    service: str,
    spoken: Spoken,
    size: int,
    first_audio: float | None,
    voice: dict[str, Any],
    extra: dict[str, Any],
) -> SayResult:
    """The `SayResult` of a peer: a WAV, its duration from the PCM, no takes."""
    return SayResult(
        file=request.output,
        format="wav",
        bytes=size,
        duration_s=spoken.duration,
        voice=voice,
        takes=[],
        service=service,
        first_audio_s=first_audio,
        extra={"sample_rate": spoken.sample_rate, "pcm_bytes": spoken.pcm_bytes, **extra},
    )
