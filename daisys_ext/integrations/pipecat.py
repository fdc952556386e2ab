"""Daisys as a Pipecat TTS service: ``DaisysTTSService``, a ``WebsocketTTSService`` on our warm websocket sessions.

``pip install 'daisys-ext[pipecat]'``. Pipecat's aggregator cuts the model's text into sentences and calls
`DaisysTTSService.run_tts` for each; the sentences of one turn share Pipecat's audio context and become
take requests of one `SpokenTurn` (at most two in flight). Their audio comes back in text order into
that context, resampled to the pipeline's rate when it differs; each sentence's start in the turn's audio
is reported with ``add_word_timestamps``, so the conversation keeps what was spoken; the context is closed
(``TTSStoppedFrame``) once the turn's last sentence has all its audio.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

try:
    from pipecat.frames.frames import ErrorFrame, Frame, StartFrame, TTSAudioRawFrame, TTSStoppedFrame
    from pipecat.services.settings import ServiceSettings, TTSSettings
    from pipecat.services.tts_service import WebsocketTTSService
    from pipecat.transcriptions.language import Language
    from pipecat.utils.errors import ErrorCategory
    from pipecat.utils.types import NOT_GIVEN, NotGiven
except ImportError as exc:  # pragma: no cover - exercised in the core venv, where Pipecat is absent
    raise ImportError(
        f"daisys_ext.integrations.pipecat needs Pipecat: pip install 'daisys-ext[pipecat]' ({exc})"
    ) from exc

from .._audio.convert import Resampler
from .._errors import DaisysError
from ._speaker import Speaker, SpokenTurn, TurnAudio

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._bodies import Prosody

__all__ = ["DaisysTTSService", "DaisysTTSSettings"]


@dataclass
class DaisysTTSSettings(TTSSettings):
    """The service's settings, changed mid-call with ``TTSUpdateSettingsFrame(delta=DaisysTTSSettings(...))``.

    ``voice`` (a voice id) and ``model`` (its newest ready voice speaks), ``language`` (the takes'
    ``override_language``), ``prosody`` and ``style``: each applies from the next sentence.
    """

    prosody: Prosody | NotGiven | None = field(default_factory=lambda: NOT_GIVEN)
    style: list[str] | NotGiven | None = field(default_factory=lambda: NOT_GIVEN)


class DaisysTTSService(WebsocketTTSService):
    """Daisys's voices in a Pipecat pipeline, over a warm websocket.

    ``client`` is an `AsyncClient`; without one, one is made from the ``DAISYS_*`` environment (as
    ``AsyncClient()`` does) and closed with the service. Without ``voice_id`` the newest ready voice of
    ``model`` (or of any model) speaks, and the service logs which. ``sample_rate`` defaults to the
    pipeline's output rate; other keyword arguments go to Pipecat's ``WebsocketTTSService``.
    """

    Settings = DaisysTTSSettings
    _settings: DaisysTTSSettings

    def __init__(
        self,
        *,
        voice_id: str | None = None,
        model: str | None = None,
        client: AsyncClient | None = None,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
        sample_rate: int | None = None,
        **kwargs: Any,
    ) -> None:
        settings = DaisysTTSSettings(model=model, voice=voice_id, language=None, prosody=prosody, style=style)
        if (delta := kwargs.pop("settings", None)) is not None:
            settings.apply_update(delta)
        super().__init__(
            push_text_frames=False,  # the spoken text follows the audio, from the sentences' timestamps
            push_start_frame=True,
            sample_rate=sample_rate,
            settings=settings,
            **kwargs,
        )
        self._speaker = Speaker(client, voice_id=voice_id, model=model, prosody=prosody, style=style)
        self._turns: dict[str, tuple[SpokenTurn, asyncio.Task[None]]] = {}  # by audio context

    def can_generate_metrics(self) -> bool:
        return True

    def language_to_service_language(self, language: Language) -> str | None:
        return str(language.value)

    # -- the connection --------------------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self._connect()

    async def _connect(self) -> None:
        await super()._connect()  # type: ignore[no-untyped-call]
        await self._connect_websocket()

    async def _disconnect(self) -> None:
        await super()._disconnect()  # type: ignore[no-untyped-call]
        for turn, reader in list(self._turns.values()):
            reader.cancel()
            await turn.interrupt(drop_queued=False)  # the sessions close next
        self._turns.clear()
        await self._disconnect_websocket()

    async def _connect_websocket(self) -> None:
        """Choose the voice and open the warm sessions (our session reconnects by itself after a drop)."""
        try:
            await self._speaker.start()
        except DaisysError as exc:
            await self.push_error(error_msg=f"Daisys could not connect: {exc}", exception=exc)
            return
        self._settings.voice, self._settings.model = self._speaker.voice_id, self._speaker.model
        await self._call_event_handler("on_connected")

    async def _disconnect_websocket(self) -> None:
        await self._speaker.close()
        await self._call_event_handler("on_disconnected")

    async def _receive_messages(self) -> None:
        """Not used: each turn reads its own requests' audio from our session."""

    # -- speaking ----------------------------------------------------------------------------------------

    async def on_turn_context_created(self, context_id: str) -> None:
        """A reply begins: its turn (and the task that plays it) is made now, before its first sentence."""
        await super().on_turn_context_created(context_id)
        for stale in [c for c, (turn, _) in self._turns.items() if not turn.turn.sentences]:
            turn, reader = self._turns.pop(stale)  # a reply that never spoke (no context of Pipecat's to end it)
            reader.cancel()
            await turn.interrupt(drop_queued=False)
        self._turn(context_id)

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        """Send one sentence of the turn of ``context_id``; its audio arrives in that context later."""
        turn = self._turn(context_id)
        try:
            await turn.say(text.strip())
        except DaisysError as exc:
            yield ErrorFrame(error=f"Daisys could not speak {text.strip()!r}: {exc}", exception=exc)
            return
        await self.start_tts_usage_metrics(text)
        yield None

    async def flush_audio(self, context_id: str | None = None) -> None:
        """The turn's text is complete: its context closes once its last sentence has all its audio."""
        entry = self._turns.get(context_id or "")
        if entry is not None:
            entry[0].end()

    async def on_audio_context_interrupted(self, context_id: str) -> None:
        """The listener spoke: nothing more of this turn is sent or pushed; queued takes go with their connection."""
        entry = self._turns.pop(context_id, None)
        if entry is not None:
            turn, reader = entry
            reader.cancel()
            await turn.interrupt()
        await super().on_audio_context_interrupted(context_id)

    async def _update_settings(self, delta: ServiceSettings) -> dict[str, Any]:
        """Apply a settings change from the next sentence on (a voice of another model opens its sessions)."""
        assert isinstance(delta, TTSSettings)
        changed: dict[str, Any] = await super()._update_settings(delta)
        speaker, settings = self._speaker, self._settings
        if changed.keys() & {"voice", "model"}:
            voice = _given(settings.voice) if "voice" in changed else None
            model = _given(settings.model) if "model" in changed or voice is None else None
            try:
                await speaker.change_voice(voice, model)
            except DaisysError as exc:  # the old voice goes on speaking
                message = f"Daisys cannot change the voice: {exc}"
                await self.push_error(error_msg=message, exception=exc, category=ErrorCategory.APPLICATION)
            settings.voice, settings.model = speaker.voice_id, speaker.model
        if "prosody" in changed:
            speaker.prosody = None if isinstance(settings.prosody, NotGiven) else settings.prosody
        if "style" in changed:
            style = settings.style
            speaker.style = tuple(style) if isinstance(style, list) else None
        if "language" in changed:
            speaker.language = _given(settings.language)
        return changed

    def _turn(self, context_id: str) -> SpokenTurn:
        entry = self._turns.get(context_id)
        if entry is None:
            turn = self._speaker.turn()
            entry = (turn, self.create_task(self._play(context_id, turn), name=f"daisys-turn-{context_id}"))
            self._turns[context_id] = entry
        return entry[0]

    async def _play(self, context_id: str, turn: SpokenTurn) -> None:
        """The turn's audio into its context, a timestamp at each sentence's start; the context closed at its end."""
        resampler: Resampler | None = None
        async for event in turn.events():
            if isinstance(event, TurnAudio):
                sentence, pcm = event.sentence, event.pcm
                if event.first:
                    start = sentence.start_seconds(event.sample_rate)
                    await self.add_word_timestamps([(sentence.text, start)], context_id)
                if event.sample_rate != self.sample_rate:
                    if resampler is None:
                        resampler = Resampler(event.sample_rate, self.sample_rate)
                    pcm = resampler.feed(pcm)
                await self._append_audio(context_id, pcm)
            elif event.error is not None:  # not fatal: the turn goes on with its next sentence
                await self.push_error(
                    error_msg=f"Daisys could not speak {event.sentence.text!r}: {event.error}",
                    exception=event.error,
                    category=ErrorCategory.SERVER,
                )
        if turn.turn.interrupted:
            return
        if resampler is not None:
            await self._append_audio(context_id, resampler.flush())
        self._turns.pop(context_id, None)
        await self.append_to_audio_context(context_id, TTSStoppedFrame(context_id=context_id))
        await self.remove_audio_context(context_id)

    async def _append_audio(self, context_id: str, pcm: bytes) -> None:
        if pcm:
            frame = TTSAudioRawFrame(pcm, self.sample_rate, 1, context_id=context_id)
            await self.append_to_audio_context(context_id, frame)

    async def cleanup(self) -> None:
        await super().cleanup()  # type: ignore[no-untyped-call]
        with contextlib.suppress(DaisysError):
            await self._speaker.close()


def _given(value: object) -> str | None:
    """A setting's value as a string, None when unset."""
    return value if isinstance(value, str) else None
