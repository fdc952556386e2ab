"""``daisys say`` with the Daisys service: a take over REST, or sentences streamed over a websocket.

REST (a TEXT argument): the take is generated while its status is shown, then its audio is
downloaded in the format asked for. The websocket (``--stream``, ``--play``, ``--subtitles``,
or text from a file or a pipe): each sentence is sent as soon as it has been read, and the
WAV is written as its audio arrives (``speak_stream``), so speech starts before a long text
has been read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ._auth import open_client
from ._exit import UsageError
from ._files import Meter, audio_target, check_service_format, status_words, take_seconds
from ._resources import choose_voice
from ._say import SayRequest, SayResult

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse, VoiceInfo

    from ._auth import TokenStore
    from ._ui import Ui

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
    from daisys_ext import AffectProsody, SignalProsody, SimpleProsody

    from ._parser import PROSODY_MODELS

    prosody = None
    if request.prosody is not None:  # `_parser.prosody` gives every level of exactly one model
        classes: dict[str, Any] = {"simple": SimpleProsody, "affect": AffectProsody, "signal": SignalProsody}
        kind = next(kind for kind, fields in PROSODY_MODELS if set(request.prosody) == set(fields))
        prosody = classes[kind].from_dict(request.prosody)
    return {"prosody": prosody, "style": request.style, "override_language": request.language}


def _result(request: SayRequest, voice: VoiceInfo, meter: Meter, takes: list[TakeResponse], **more: Any) -> SayResult:
    size = meter.bytes if request.output in (None, "-") else Path(str(request.output)).stat().st_size
    dumped = [take.model_dump() for take in takes]
    return SayResult(
        request.output, request.format, size, voice=voice.model_dump(), takes=dumped, service="daisys", **more
    )


def _over_rest(client: Client, voice: VoiceInfo, request: SayRequest, ui: Ui) -> SayResult:
    text = request.source.read().strip()
    check_service_format(client, request.format, request.origin)  # before the take is made
    with ui.status(f"Asking for a take with {voice.name}…") as status:
        take = client.generate_take(voice.voice_id, text, wait=False, **take_options(request))

        def show(takes: list[TakeResponse]) -> None:
            status.update(f"Take {take.take_id}: {status_words(takes[0].status)}")

        show([take])
        take = client.wait_for_takes(take.take_id, callback=show)
        status.update(f"Take {take.take_id}: downloading the {request.format}…")
        with audio_target(request.output) as target:
            meter = Meter(target)
            client.get_take_audio(take.take_id, file=cast(BinaryIO, meter), format=request.format)
    return _result(request, voice, meter, [take], duration_s=take_seconds(take))


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
                    sentence_timeout=SENTENCE_TIMEOUT,
                    subtitles=request.subtitles,
                    play=request.play,
                )
                if not takes:
                    raise UsageError("There was no text to speak.")
    return _result(
        request,
        voice,
        meter,
        takes,
        duration_s=meter.audio_seconds,
        first_audio_s=meter.first_write,
        subtitles=request.subtitles,
    )
