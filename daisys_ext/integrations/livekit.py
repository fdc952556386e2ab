"""Daisys as a LiveKit Agents TTS: ``TTS``, streaming on our warm websocket sessions, with a transcript per sentence.

``pip install 'daisys-ext[livekit]'``. ``TTS.stream()`` gives a ``SynthesizeStream``: the text pushed into it
(``push_text``, ``flush``, ``end_input``) is cut into sentences by our `SentenceChunker`, each sentence a take
request of one `SpokenTurn` (at most two in flight), one segment per stream; its audio is pushed as it
arrives, with a ``TimedString`` per sentence timed by its samples. ``synthesize(text)`` is LiveKit's
``ChunkedStream`` over the same stream. Audio is at Daisys's native rate; LiveKit resamples.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Never, Unpack

try:
    from livekit.agents import tts
    from livekit.agents._exceptions import APIConnectionError, APIError, APIStatusError, APITimeoutError
    from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, TimedString
    from livekit.agents.utils import shortuuid
except ImportError as exc:  # pragma: no cover - exercised in the core venv, where LiveKit Agents is absent
    raise ImportError(
        f"daisys_ext.integrations.livekit needs LiveKit Agents: pip install 'daisys-ext[livekit]' ({exc})"
    ) from exc

from .._audio.convert import Resampler
from .._errors import (
    DaisysConnectionError,
    DaisysError,
    DaisysGenerateError,
    DaisysHTTPError,
    DaisysInputError,
    DaisysTimeoutError,
    DaisysWebsocketConnectError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
)
from .._text.sentences import SentenceChunker
from .._websocket.connection import HandshakeRefused
from ._speaker import Speaker, SpeakerOptions, SpokenTurn, TurnAudio, log

if TYPE_CHECKING:
    from .._bodies import Prosody

__all__ = ["DAISYS_SAMPLE_RATE", "TTS", "SynthesizeStream"]

DAISYS_SAMPLE_RATE = 44100  # what Daisys's models speak at; audio at another rate is resampled to it
GENERATION_FAILED = 500  # the status of a take the worker failed to generate (it has none of its own)


class TTS(tts.TTS[Never]):  # no events of its own beyond LiveKit's
    """Daisys's voices for LiveKit Agents: ``AgentSession(tts=TTS(...))``.

    By keyword (`SpeakerOptions`): ``voice_id``, ``model``, ``client``, ``prosody``, ``style``. ``client`` is
    an `AsyncClient`; without one, one is made from the ``DAISYS_*`` environment (as ``AsyncClient()``
    does) and closed with the TTS. Without ``voice_id`` the newest ready voice of ``model`` (or of any
    model) speaks, and the TTS logs which.
    """

    def __init__(self, **options: Unpack[SpeakerOptions]) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=True, aligned_transcript=True),
            sample_rate=DAISYS_SAMPLE_RATE,
            num_channels=1,
        )
        self._speaker = Speaker(**options)
        self._prewarming: asyncio.Task[object] | None = None

    @property
    def model(self) -> str:
        return self._speaker.model or "unknown"

    @property
    def provider(self) -> str:
        return "Daisys"

    @property
    def speaker(self) -> Speaker:
        """The voice and its warm sessions (for a look at which voice speaks, and where)."""
        return self._speaker

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        """``text`` spoken as one ``ChunkedStream`` (LiveKit's own, over `stream`)."""
        return self._synthesize_with_stream(text, conn_options=conn_options)

    def stream(self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS) -> SynthesizeStream:
        """A stream for one segment of text as it is written."""
        return SynthesizeStream(tts=self, conn_options=conn_options)

    def prewarm(self) -> None:
        """Choose the voice and open the websocket now, before the first text."""
        if self._prewarming is None:
            self._prewarming = asyncio.get_running_loop().create_task(self._speaker.start())

    def update_options(
        self,
        *,
        voice_id: str | None = None,
        model: str | None = None,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
    ) -> None:
        """Change the voice (or the model: its newest ready voice), prosody or style from the next sentence on."""
        if voice_id is not None or model is not None:
            self._speaker.set_voice(voice_id, model)
        if prosody is not None:
            self._speaker.prosody = prosody
        if style is not None:
            self._speaker.style = tuple(style)

    async def aclose(self) -> None:
        if self._prewarming is not None:
            with contextlib.suppress(Exception):
                await self._prewarming
        await self._speaker.close()


class SynthesizeStream(tts.SynthesizeStream):
    """One segment: text in as it is written, sentences out as take requests, audio pushed as it arrives.

    ``aclose()`` in the middle stops sending and drops what is in flight (the connection with it, when
    takes are queued on it: the next stream is served on the spare one). A sentence that fails before any
    audio fails the stream (LiveKit retries it); after audio, it is reported as a recoverable error and the
    segment goes on with the next sentence.
    """

    def __init__(self, *, tts: TTS, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, conn_options=conn_options)
        self._speaker = tts.speaker

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        request_id = shortuuid()
        rate = self._tts.sample_rate
        output_emitter.initialize(
            request_id=request_id, sample_rate=rate, num_channels=1, mime_type="audio/pcm", stream=True
        )
        try:
            await self._speaker.start()
        except DaisysError as exc:
            raise api_error(exc) from exc
        turn = self._speaker.turn()
        feeder = asyncio.create_task(self._feed(turn))
        resampler: Resampler | None = None
        segment = heard = False
        try:
            async for event in turn.events():
                if not segment:
                    output_emitter.start_segment(segment_id=request_id)
                    segment = True
                sentence = event.sentence
                if isinstance(event, TurnAudio):
                    pcm = event.pcm
                    if event.sample_rate != rate:
                        resampler = resampler or Resampler(event.sample_rate, rate)
                        pcm = resampler.feed(pcm)
                    output_emitter.push(pcm)
                    heard = True
                elif event.error is not None:
                    if not heard:  # LiveKit retries the whole stream, as it does only before any audio
                        raise api_error(event.error) from event.error
                    # After audio a retry is no longer possible: the error is reported, the segment goes on.
                    log.warning("Daisys could not speak %r: %s", sentence.text, event.error)
                    self._emit_error(api_error(event.error), recoverable=True)
                elif event.sample_rate is not None:
                    start, end = sentence.start_seconds(event.sample_rate), sentence.end_seconds(event.sample_rate)
                    output_emitter.push_timed_transcript(TimedString(sentence.text + " ", start, end))
            await feeder  # its error, if the text could not be sent
            if resampler is not None:
                output_emitter.push(resampler.flush())
            if segment:
                output_emitter.end_segment()
        finally:
            if not feeder.done():
                feeder.cancel()
                with contextlib.suppress(asyncio.CancelledError, DaisysError):
                    await feeder
            if not turn.turn.complete:  # closed in the middle, or failed: drop what is in flight
                await turn.interrupt()

    async def _feed(self, turn: SpokenTurn) -> None:
        """The pushed text into sentences, each sent as it is complete; the first flush ends the segment."""
        chunker = SentenceChunker()
        async for data in self._input_ch:
            if isinstance(data, self._FlushSentinel):
                break
            self._mark_started()
            for sentence in chunker.feed(data):
                await turn.say(sentence)
        for sentence in chunker.flush():
            await turn.say(sentence)
        turn.end()


def api_error(exc: DaisysError) -> APIError:
    """LiveKit's error for ours, retryable as LiveKit's own plugins mark it (it retries only before any audio)."""
    message = str(exc)
    status = _status(exc)
    if isinstance(exc, DaisysTimeoutError):
        return APITimeoutError(message)
    if status is not None:
        return APIStatusError(message, status_code=status)  # 4xx but 408 and 429: not retryable
    if isinstance(exc, DaisysConnectionError | DaisysWebsocketConnectError | DaisysWebsocketStreamError):
        return APIConnectionError(message)
    if isinstance(exc, DaisysGenerateError | DaisysWebsocketGenerateError):
        return APIStatusError(message, status_code=GENERATION_FAILED)
    if isinstance(exc, DaisysInputError):
        return APIStatusError(message, status_code=400)
    return APIError(message, retryable=False)


def _status(exc: BaseException | None) -> int | None:
    """The HTTP status behind an error (an API answer, a refused websocket handshake), if any."""
    while exc is not None:
        if isinstance(exc, DaisysHTTPError):
            return exc.status_code
        if isinstance(exc, HandshakeRefused):
            return exc.status
        exc = exc.__cause__
    return None
