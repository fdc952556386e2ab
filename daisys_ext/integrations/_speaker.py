"""An agent's turns spoken on warm websocket sessions of ours: the engine under both framework services.

A `Speaker` holds the client, the voice and its settings, and the `Sessions` of its model: the session
in use, and a spare one opened beside it. A `SpokenTurn` takes a turn's sentences, sends each as a take
request (at most ``ahead`` in flight, as `Turn` decides), and gives their audio back in text order as
events. When the listener interrupts while takes are still queued on the worker, the turn's connection
is dropped with them and the spare takes its place, so the next turn is served at once, as on an idle
session. Nothing here knows Pipecat or LiveKit: their services only turn these events into frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, Unpack

from daisys_speak_api.models import Status, StreamMode, StreamOptions

from .._async.websocket_session import AsyncWebsocket
from .._audio.wav import WavError, WavFormat, parse_wav_header
from .._errors import DaisysError, DaisysTakeGenerateError, DaisysWebsocketStreamError
from ._turns import DEFAULT_AHEAD, Sentence, Turn
from ._voices import newest_ready_voice

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._bodies import Prosody

__all__ = [
    "Sessions",
    "Speaker",
    "SpeakerOptions",
    "SpokenTurn",
    "TakeSettings",
    "TurnAudio",
    "TurnEnd",
    "VoiceOptions",
]

log = logging.getLogger("daisys_ext.integrations")
CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)  # the least latency: audio as it is generated


class VoiceOptions(TypedDict, total=False):
    """Who speaks and how, by keyword: what both framework services take and hand to their `Speaker`."""

    voice_id: str | None
    """The voice; without one, the newest ready voice of ``model`` (or of any model)."""
    model: str | None
    """The model whose newest ready voice speaks when no ``voice_id`` is given."""
    prosody: Prosody | None
    """The takes' prosody."""
    style: list[str] | None
    """The takes' style."""


class SpeakerOptions(VoiceOptions, total=False):
    """`VoiceOptions` and the client to speak through (without one, made from the ``DAISYS_*`` environment)."""

    client: AsyncClient | None


@dataclass(frozen=True)
class TakeSettings:
    """What a sentence is spoken with; taken when the sentence is given, so a change applies from the next."""

    voice_id: str
    prosody: Prosody | None = None
    style: tuple[str, ...] | None = None
    language: str | None = None


@dataclass(frozen=True)
class TurnAudio:
    """A piece of a sentence's audio (16-bit PCM at ``sample_rate``); ``first`` for the sentence's first."""

    sentence: Sentence[TakeSettings]
    pcm: bytes
    sample_rate: int
    first: bool


@dataclass(frozen=True)
class TurnEnd:
    """A sentence's audio is complete, or ``error`` says why it failed (the turn goes on with the next)."""

    sentence: Sentence[TakeSettings]
    sample_rate: int | None
    error: DaisysError | None = None


TurnEvent = TurnAudio | TurnEnd


class Sessions:
    """The websocket sessions of one model: the one in use, and a spare opened beside it for interruptions."""

    def __init__(self, client: AsyncClient, model: str) -> None:
        self.client = client
        self.model = model
        self.current: AsyncWebsocket | None = None
        self._spare: asyncio.Task[AsyncWebsocket] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Open the session in use now, and the spare in the background."""
        self.current = await self._open()
        self._spare = asyncio.create_task(self._open())

    async def _open(self) -> AsyncWebsocket:
        ws = self.client.websocket(self.model)
        await ws.reconnect()
        return ws

    async def replace(self) -> None:
        """Move to the spare session; the current one is dropped with whatever is queued on it."""
        old, spare, self._spare = self.current, self._spare, None
        try:
            self.current = await spare if spare is not None else await self._open()
        except DaisysError as exc:  # the spare could not open: one more try now, in the caller's time
            log.warning("the spare websocket did not open (%s); opening another", exc)
            self.current = await self._open()
        self._spare = asyncio.create_task(self._open())
        if old is not None:
            self._drop(old)

    def _drop(self, ws: AsyncWebsocket) -> None:
        """Disconnect ``ws`` beside the caller (its requests fail, and nobody reads them any more)."""
        task = asyncio.create_task(ws.disconnect())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Close every session (safe to call twice)."""
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.cancel()
            with contextlib.suppress(asyncio.CancelledError, DaisysError):
                await (await spare).disconnect()
        current, self.current = self.current, None
        if current is not None:
            await current.disconnect()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


class Speaker:
    """A voice on warm websocket sessions: the client, the voice and its settings, the sessions of its model.

    ``client`` is an `AsyncClient`; without one, one is made from the ``DAISYS_*`` environment (as
    ``AsyncClient()`` does) and closed with the speaker. Without ``voice_id`` the newest ready voice of
    ``model`` (or of any model) speaks, and the speaker logs which.
    """

    def __init__(
        self,
        client: AsyncClient | None = None,
        *,
        language: str | None = None,
        ahead: int = DEFAULT_AHEAD,
        **voice: Unpack[VoiceOptions],
    ) -> None:
        unknown = voice.keys() - VoiceOptions.__optional_keys__
        if unknown:  # as Python would say of a misspelt keyword argument
            raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}")
        self._client = client
        self._owns_client = client is None
        self.voice_id = voice.get("voice_id")
        self.model = voice.get("model")
        self.prosody = voice.get("prosody")
        style = voice.get("style")
        self.style = tuple(style) if style is not None else None
        self.language = language
        self.ahead = ahead
        self._sessions: Sessions | None = None
        self._retired: list[Sessions] = []  # of another model, after a change of voice
        self._starting = asyncio.Lock()
        self._pending: tuple[str | None, str | None] | None = None  # a voice change, made before the next sentence

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            from .._async.client import AsyncClient

            self._client = AsyncClient()
        return self._client

    async def start(self) -> Sessions:
        """Choose the voice (if none was given) and open the sessions; the sessions in use.

        A voice change asked for with `set_voice` is made here, before the next sentence.
        """
        async with self._starting:
            if self._sessions is None:
                await self._choose(self.voice_id, self.model)
                assert self.model is not None
                sessions = Sessions(self.client, self.model)
                await sessions.open()
                self._sessions = sessions
            if self._pending is not None:
                (voice_id, model), self._pending = self._pending, None
                await self._choose(voice_id, model)
                if self._sessions.model != self.model:  # that model's worker: new sessions
                    assert self.model is not None
                    sessions = Sessions(self.client, self.model)
                    await sessions.open()
                    self._retired.append(self._sessions)  # open for the sentences already sent to it
                    self._sessions = sessions
            return self._sessions

    async def _choose(self, voice_id: str | None, model: str | None) -> None:
        if voice_id is None:
            voice = await newest_ready_voice(self.client, model)
            of = f" of model {model}" if model else ""
            log.info("speaking with voice %s (%s), the newest ready voice%s", voice.name, voice.voice_id, of)
            self.voice_id, self.model = voice.voice_id, voice.model
        else:
            model = (await self.client.get_voice(voice_id)).model if model is None else model
            self.voice_id, self.model = voice_id, model

    def set_voice(self, voice_id: str | None = None, model: str | None = None) -> None:
        """Speak with another voice (or the newest ready voice of ``model``) from the next sentence on.

        A voice of another model needs that model's worker: new sessions are opened, and the old ones
        stay open for the sentences already sent to them until the speaker closes.
        """
        self._pending = (voice_id, model)

    async def change_voice(self, voice_id: str | None = None, model: str | None = None) -> None:
        """`set_voice`, made now (its errors raised here)."""
        self.set_voice(voice_id, model)
        await self.start()

    def settings(self) -> TakeSettings:
        """The settings a sentence given now is spoken with."""
        if self.voice_id is None:
            raise DaisysError("The speaker has not started: no voice is chosen yet.")
        return TakeSettings(self.voice_id, self.prosody, self.style, self.language)

    def turn(self) -> SpokenTurn:
        """A new turn on this speaker's sessions."""
        return SpokenTurn(self)

    async def close(self) -> None:
        """Close the sessions, and the client if the speaker made it."""
        sessions, self._sessions = self._sessions, None
        retired, self._retired = self._retired, []
        for each in [*retired, *([sessions] if sessions else [])]:
            await each.close()
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.close()


class SpokenTurn:
    """One turn: sentences in with `say` (then `end`), their audio out of `events` in text order.

    Each sentence is a take request on the speaker's session, sent as soon as `Turn` allows (at most
    ``ahead`` in flight). A failed sentence is a `TurnEnd` with its error, and the turn goes on.
    `interrupt` stops it: nothing more is sent or given out, and takes still queued on the worker are
    dropped with their connection (the spare session serves the next turn).
    """

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self.turn: Turn[TakeSettings] = Turn(speaker.ahead)
        self._events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()
        self._changed = asyncio.Event()  # set (and replaced) when a sentence was sent or the input ended
        self._sending = asyncio.Lock()  # sentences go out in text order
        self._send_errors: dict[int, DaisysError] = {}
        self._sessions: dict[int, Sessions] = {}  # where each sentence is to go (its model's sessions)
        self._pump: asyncio.Task[None] | None = None

    async def say(self, text: str) -> Sentence[TakeSettings]:
        """A complete sentence to speak after the ones before it; sent now if the pacing allows."""
        sessions = await self.speaker.start()
        sentence = self.turn.add(text, self.speaker.settings())
        self._sessions[sentence.index] = sessions
        self._start()
        await self._send_allowed()
        return sentence

    def end(self) -> None:
        """No more sentences: `events` ends once the last one's audio is complete."""
        self.turn.end_input()
        self._start()
        self._wake()

    async def events(self) -> AsyncIterator[TurnEvent]:
        """The turn's audio and sentence ends, in text order, until the turn is complete or interrupted."""
        self._start()
        while (event := await self._events.get()) is not None:
            yield event

    async def interrupt(self, *, drop_queued: bool = True) -> None:
        """Stop the turn; drop the connection if takes are still queued on it (within a few milliseconds).

        ``drop_queued=False`` leaves the connection as it is (the speaker is about to close anyway).
        """
        dropped = self.turn.interrupt()
        self._wake()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        self._events.put_nowait(None)
        for sentence in dropped if drop_queued else ():
            sessions, ws = self._sessions[sentence.index], sentence.session
            if ws is sessions.current and isinstance(ws, AsyncWebsocket) and sentence.request_id in ws.in_flight:
                await sessions.replace()  # its take (and any after it) would delay the next turn

    # -- what the methods above share ---------------------------------------------------------------

    def _start(self) -> None:
        if self._pump is None and not self.turn.interrupted:
            self._pump = asyncio.create_task(self._run())

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _send_allowed(self) -> None:
        """Send the sentences the pacing allows now, in order."""
        async with self._sending:
            for sentence in self.turn.to_send():
                ws, settings = self._sessions[sentence.index].current, sentence.settings
                assert ws is not None
                try:
                    request_id = await ws.generate_take(
                        settings.voice_id,
                        sentence.text,
                        override_language=settings.language,
                        style=list(settings.style) if settings.style is not None else None,
                        prosody=settings.prosody,
                        stream_options=CHUNKS,
                    )
                except DaisysError as exc:
                    self._send_errors[sentence.index] = exc
                    request_id = -1
                self.turn.sent(sentence, request_id, ws)
                self._wake()

    async def _run(self) -> None:
        """Hear the sentences in order, sending more as each one completes."""
        try:
            while (sentence := self.turn.next_to_hear()) is not None or not self.turn.input_ended:
                if sentence is None or not sentence.sent:
                    await self._changed.wait()
                    continue
                await self._hear(sentence)
                await self._send_allowed()
        except Exception:  # a bug here must not pass silently: the turn ends short, and says why in the log
            log.exception("a turn stopped before its end")
        finally:
            self._events.put_nowait(None)

    async def _hear(self, sentence: Sentence[TakeSettings]) -> None:
        """One sentence's audio into the events, then its end (with its error, if it failed)."""
        rate: int | None = None
        block = 2
        error = self._send_errors.pop(sentence.index, None)
        if error is None:
            ws = sentence.session
            assert isinstance(ws, AsyncWebsocket) and sentence.request_id is not None
            status = None
            try:
                async for _, take, header, audio in ws.iter_request(sentence.request_id):
                    if take is not None:
                        status = take.status
                    if header:
                        wav = _format(header)
                        rate, block = wav.sample_rate, wav.block_align
                        if (wav.channels, wav.bits_per_sample) != (1, 16):
                            raise DaisysWebsocketStreamError(f"Expected 16-bit mono audio, got {wav}")
                    if audio and rate is not None:
                        first = self.turn.audio(sentence, len(audio) // block)
                        self._events.put_nowait(TurnAudio(sentence, audio, rate, first))
                if status != Status.READY:
                    raise DaisysTakeGenerateError(f"The take of sentence {sentence.index} ended {status}", None)
            except DaisysError as exc:
                error = exc
        self.turn.finished(sentence, failed=error is not None)
        self._events.put_nowait(TurnEnd(sentence, rate, error))


def _format(header: bytes) -> WavFormat:
    """A part's audio format, from its WAV header; a header that cannot be read breaks the request's stream."""
    try:
        return parse_wav_header(header)
    except WavError as exc:
        raise DaisysWebsocketStreamError(f"A part's WAV header cannot be read: {exc}") from exc
