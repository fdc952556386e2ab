# Generated from daisys_ext/_async/websocket_session.py by scripts/unasync.py: edit that one, then `make unasync`.
"""``Websocket``: a websocket session with a Daisys worker, for the lowest latency from text to audio.

This is the one source of both sessions: ``scripts/unasync.py`` writes
``_sync/websocket_session.py`` (``Websocket``, on websocket-client) from it. Every decision
(request ids, commands, ordering, which callback, what a dropped connection costs) is
`SessionProtocol`'s; the connection (``_websocket/connection.py``) sends and receives; this
class only connects, waits and hands out what the protocol decided.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from daisys_speak_api.models import StreamMode, StreamOptions, TakeResponse

from .._audio import DEFAULT_MAX_BUFFERED_BYTES
from .._audio.subtitles import write_subtitles
from .._bodies import take_generate, voice_generate
from .._callbacks import accept_callbacks, call
from .._deadline import deadline_after, expired, remaining
from .._errors import (
    DaisysError,
    DaisysInputError,
    DaisysTimeoutError,
    DaisysWebsocketConnectError,
    DaisysWebsocketError,
)
from .._files import output_file
from .._logging import redact_logs
from .._synchronization import Atomic, Lock, Signal
from .._text.pieces import TextChunks
from .._websocket.connection import Connection, ConnectionLost, ConnectOptions, HandshakeRefused
from .._websocket.output import AudioOut, WavTarget
from .._websocket.protocol import (
    DEFAULT_STALL_TIMEOUT,
    END,
    AudioCallback,
    Info,
    Item,
    IterItem,
    SessionProtocol,
    StatusCallback,
    official_item,
)
from .playing import playing_along
from .text_stream import sentence_items

if TYPE_CHECKING:
    from daisys_speak_api.models import TakeGenerateWithoutVoice, VoiceGender, VoiceInfo

    from .._audio.frames import FrameDecoder
    from .._audio.playback import AudioOutput
    from .._bodies import Prosody, UserData

__all__ = ["Websocket"]

log = logging.getLogger("daisys_ext.websocket")
NOT_CONNECTED = "The websocket is not connected: use it in a with block (or call reconnect() first)."
STALL_PROBE = 0.05
"""Seconds a reader listens, at least, before it takes the worker for silent (``stall_timeout``)."""


class SessionClient(Protocol):
    """The client as a session sees it (a protocol, met by `Client`): a voice's model, a worker URL for a model."""

    def get_voice(self, voice_id: str) -> VoiceInfo: ...

    def websocket_url(
        self, model: str | None = None, voice_id: str | None = None, raise_on_error: bool = True
    ) -> str | None: ...


class Websocket:
    """A websocket session with a worker for one model; use it as a context manager (``with``).

    Several requests may be in flight at once: each has its own id, its callbacks, and
    its output kept until iterated. A connection the worker drops between requests is
    reopened with a fresh URL from the API; a drop in the middle of a request fails that
    request with `DaisysWebsocketStreamError`. Callbacks run in whichever caller is reading
    (``update`` or ``iter_request``); a coroutine function is refused here, where nothing
    would await it (the async session awaits them). Several callers
    may iterate their own requests at once: one reads, the others wait for what it brings.

    ``stall_timeout`` (seconds, None for no bound) bounds every wait for the worker: when it
    sends nothing about any request in flight for that long, they fail with
    `DaisysTimeoutError` and the connection is replaced for later requests.
    """

    def __init__(
        self,
        client: SessionClient,
        model: str | None = None,
        voice_id: str | None = None,
        *,
        connect: ConnectOptions | None = None,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        decoder: FrameDecoder | None = None,
        worker_url: str | None = None,
        stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
    ) -> None:
        if not model and not voice_id:
            raise DaisysInputError("A websocket needs a model or a voice_id.")
        redact_logs()
        self.model = model
        self.voice_id = voice_id
        self._worker_url = worker_url
        self._client = client
        self._options = connect or ConnectOptions()
        self._protocol = SessionProtocol(decoder=decoder, max_buffered_bytes=max_buffered_bytes)
        self.stall_timeout = stall_timeout
        self._guard = Atomic()  # guards the protocol and the fields below
        self._ws: Connection | None = None
        self._resend: list[str] = []  # commands to send once a connection is open again
        self._closed = True  # by the user: nothing reconnects until reconnect()
        self._opening = Lock()  # one connection opened at a time
        # Who reads the connection: whichever caller needs a message when nobody is reading (``update``, or an
        # iteration whose request has nothing to give) sets ``_reading``, receives ONE message, hands it to the
        # protocol and sets ``_progress``; every other caller meanwhile waits on that event, then looks at its
        # own request again (the message may have been for it) and, if still empty, reads or waits in turn.
        # The event is replaced after each message, so a wait is always for the next one.
        self._reading = False
        self._progress = Signal()

    def __enter__(self) -> Websocket:
        self.reconnect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.disconnect()

    @property
    def connected(self) -> bool:
        """Whether a connection to a worker is open now (the session reconnects by itself when needed)."""
        ws = self._ws
        return ws is not None and ws.is_open

    @property
    def stall_timeout(self) -> float | None:
        """Seconds the worker may send nothing about any request in flight before they fail (None: no bound)."""
        return self._protocol.stall_timeout

    @stall_timeout.setter
    def stall_timeout(self, value: float | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value > 0):
            raise DaisysInputError(f"stall_timeout must be a positive number of seconds or None, not {value!r}")
        self._protocol.stall_timeout = None if value is None or math.isinf(value) else float(value)

    @property
    def in_flight(self) -> list[int]:
        """Ids of the requests still expecting messages from the worker."""
        with self._guard:
            return self._protocol.in_flight

    # -- the connection ------------------------------------------------------------------------------

    def reconnect(self) -> None:
        """Open a new connection, with a fresh URL from the API (closing the current one first).

        Requests the worker had taken on fail (their audio went with the old connection);
        commands it had not answered yet are sent again on the new one.
        """
        with self._guard:
            self._closed = False
            ws = self._ws
        if ws is not None:
            self._lost(ws, "reconnect() was called", reopen=False)
        with self._opening:
            self._open()

    def disconnect(self) -> None:
        """Close the connection; requests still in flight fail. Safe to call twice."""
        with self._guard:
            self._closed = True
            ws, self._ws = self._ws, None
            self._resend = []
            self._protocol.connection_lost("disconnect() was called", resend=False)
        if ws is not None:
            ws.close()

    def _open(self, connect_timeout: float | None = None) -> Connection:
        """Open a connection (the caller holds ``_opening``) and send the commands waiting for one."""
        if self.model is None:
            assert self.voice_id is not None
            self.model = (self._client.get_voice(self.voice_id)).model
        options = self._options
        if connect_timeout:
            options = dataclasses.replace(options, timeout=connect_timeout)
        for attempt in range(2):
            try:
                url = self._worker_url or self._client.websocket_url(self.model)
            except DaisysError as exc:
                raise DaisysWebsocketConnectError(f"No worker URL for model {self.model!r}: {exc}") from exc
            assert url is not None
            try:
                ws = Connection.connect(url, options)
                break
            except HandshakeRefused as exc:
                if exc.status not in (401, 403) or attempt:  # the URL's secret expired on the way: one fresh URL
                    raise
        with self._guard:
            self._ws = ws
            resend, self._resend = self._resend, []
            self._protocol.connection_opened()
        for command in resend:
            try:
                ws.send(command)
            except ConnectionLost:
                break  # the next read finds the connection lost; every command still unanswered goes again
        return ws

    def _connection(self, connect_timeout: float | None = None) -> Connection:
        ws = self._ws
        if ws is not None:
            return ws
        with self._opening:
            with self._guard:
                ws, closed = self._ws, self._closed
            if ws is not None:
                return ws
            if closed:
                raise DaisysWebsocketError(NOT_CONNECTED)
            return self._open(connect_timeout)

    def _lost(self, ws: Connection, why: str, *, reopen: bool = True) -> None:
        """The connection ``ws`` is gone: settle its requests, and open another unless closed by the user."""
        with self._guard:
            if ws is not self._ws:
                return  # already handled by another caller
            self._ws = None
            self._resend += self._protocol.connection_lost(why, resend=not self._closed)
            closed = self._closed
        ws.drop()
        if closed or not reopen:
            return
        log.info("worker connection closed (%s); reconnecting", why)
        with self._opening:
            if self._ws is not None:
                return
            try:
                self._open()
            except DaisysWebsocketConnectError as exc:
                # Not raised here: the requests the drop cut short have errors of their own to raise first,
                # and whatever needs the connection next tries again (and raises this if it still fails).
                log.warning("reconnecting failed: %s", exc)

    # -- requests ----------------------------------------------------------------------------------

    def generate_take(
        self,
        voice_id: str,
        text: str,
        override_language: str | None = None,
        style: list[str] | None = None,
        prosody: Prosody | None = None,
        stream_options: StreamOptions | None = None,
        status_webhook: str | None = None,
        done_webhook: str | None = None,
        status_callback: StatusCallback | None = None,
        audio_callback: AudioCallback | None = None,
        timeout: float | None = None,
        user_data: UserData | None = None,
        *,
        connect_timeout: float | None = None,
    ) -> int:
        """Ask the worker for a take; returns the request id for ``iter_request`` and the callbacks.

        ``status_callback(request_id, take)`` gets every status change;
        ``audio_callback(request_id, take_id, part_id, chunk_id, audio)`` every frame in
        order (``audio`` None at an end marker). Without callbacks the output is kept
        until ``iter_request`` reads it. ``connect_timeout`` bounds opening a connection
        first, if one must be opened (``timeout`` is the official SDK's name for it).
        """
        accept_callbacks(status_callback, audio_callback)
        if timeout is not None and connect_timeout is not None and timeout != connect_timeout:
            raise DaisysInputError("Give connect_timeout, or the official SDK's timeout for it, not both.")
        body = take_generate(voice_id, text, override_language, style, prosody, status_webhook, done_webhook, user_data)
        with self._guard:
            request_id, command = self._protocol.take_command(body, stream_options, status_callback, audio_callback)
        self._send(request_id, command, connect_timeout if connect_timeout is not None else timeout)
        return request_id

    def generate_voice(
        self,
        name: str,
        model: str,
        gender: VoiceGender | str,
        description: str | None = None,
        default_style: list[str] | None = None,
        default_prosody: Prosody | None = None,
        example_take: TakeGenerateWithoutVoice | None = None,
        stream_options: StreamOptions | None = None,
        done_webhook: str | None = None,
        status_callback: StatusCallback | None = None,
        audio_callback: AudioCallback | None = None,
    ) -> int:
        """Ask the worker for a new voice; its example take streams like a take (chunks by default)."""
        accept_callbacks(status_callback, audio_callback)
        body = voice_generate(
            name, model, gender, description, default_style, default_prosody, example_take, done_webhook
        )
        options = stream_options or StreamOptions(mode=StreamMode.CHUNKS)
        with self._guard:
            request_id, command = self._protocol.voice_command(body, options, status_callback, audio_callback)
        self._send(request_id, command, None)
        return request_id

    def _send(self, request_id: int, command: str, connect_timeout: float | None) -> None:
        try:
            ws = self._connection(connect_timeout)
        except BaseException:
            with self._guard:
                self._protocol.withdraw(request_id)
            raise
        try:
            ws.send(command)
        except ConnectionLost as lost:
            self._lost(ws, lost.why)  # not answered, so sent again on the next connection

    # -- receiving ---------------------------------------------------------------------------------

    def update(self, timeout: float | None = 1) -> None:
        """Wait up to ``timeout`` seconds (None: no limit; 0: only what has arrived) for a message, and handle it.

        Raises the oldest error not yet raised: `DaisysWebsocketGenerateError` (with its
        ``request_id``) when the worker refused a request or reported an error for it, even
        after the take's final status; `DaisysWebsocketStreamError` when a request's stream
        broke; `DaisysTimeoutError` when the worker went silent (``stall_timeout``). A
        message only ever fails the request it is about, but one that cannot be read fails
        the requests in flight (whose it was cannot be told), and one about a request this
        session never made fails them too and replaces the connection (the worker and the
        session disagree). Either way later requests go on.
        """
        with self._guard:
            error = self._protocol.pop_error()
        if error is None:
            self._pump(timeout)
            with self._guard:
                error = self._protocol.pop_error()
        if error is not None:
            raise error

    def iter_request(self, request_id: int, request_timeout: float | None = None) -> Iterator[IterItem]:
        """Yield ``(take_id, take, header, audio)`` for a request, in order, until it is complete.

        ``take`` is set for a status change, ``header`` for a part's first audio, ``audio``
        for each frame's audio; a chunks-mode end of part is all None but ``take_id``.
        Raises the request's error after the items before it: a take that fails yields its
        statuses up to ``error``, then raises `DaisysWebsocketGenerateError` with the
        worker's message, as the official SDK does. ``request_timeout`` bounds the whole
        iteration (`DaisysTimeoutError`).
        """
        for take_id, item in self._items(request_id, request_timeout, raise_failed_take=True):
            official = official_item(take_id, item)
            if official is not None:
                yield official

    def iter_pcm(self, request_id: int, request_timeout: float | None = None) -> Iterator[bytes]:
        """Yield a request's audio as raw PCM: every part's samples in order, without headers.

        All parts must share one format (a `WavError` otherwise, which is also a
        `DaisysWebsocketStreamError`); a take that does not end ready raises
        `DaisysTakeGenerateError` after its audio. ``request_timeout`` bounds the whole request.
        """
        yield from self._pcm(self._request_items(request_id, request_timeout))

    def write_wav(
        self,
        request_id: int,
        file: WavTarget,
        *,
        raw: bool = False,
        request_timeout: float | None = None,
        subtitles: str | os.PathLike[str] | None = None,
        play: bool | AudioOutput = False,
    ) -> Info:
        """Write a request's audio as ONE continuous WAV (or raw PCM); return its final status.

        Whatever the streaming mode, the parts are joined and the header's sizes made
        right. A path is written atomically: there is no file unless the take is ready.
        ``subtitles`` (a ``.srt`` or ``.vtt`` path) gets a cue for each part, with the
        sentence's normalized text; ``play`` plays the audio as it is written (True: the
        sound card, with the ``audio`` extra; or an `AudioOutput` of your own).
        ``request_timeout`` bounds the whole request (`DaisysTimeoutError`).
        """
        (info,) = self._write(self._request_items(request_id, request_timeout), file, raw, subtitles, play)
        return info

    def speak(
        self,
        text: str,
        file: WavTarget,
        voice_id: str | None = None,
        *,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
        override_language: str | None = None,
        request_timeout: float | None = None,
        subtitles: str | os.PathLike[str] | None = None,
        play: bool | AudioOutput = False,
    ) -> TakeResponse:
        """Text to a WAV file over this connection: a take streamed in chunks and written as it comes.

        ``request_timeout``, ``subtitles`` and ``play`` as for `write_wav`.
        """
        request_id = self._say(text, voice_id, prosody, style, override_language)
        info = self.write_wav(request_id, file, request_timeout=request_timeout, subtitles=subtitles, play=play)
        assert isinstance(info, TakeResponse)
        return info

    def stream_text(
        self,
        text_chunks: TextChunks,
        voice_id: str | None = None,
        *,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
        override_language: str | None = None,
        sentence_timeout: float | None = None,
    ) -> Iterator[bytes]:
        """Speech for a text that is still being written: yields raw PCM (as ``iter_pcm``) in text order.

        ``text_chunks`` gives the text in pieces of any size (a language model's tokens,
        lines, paragraphs), joined as they come: a model's tokens carry their own spaces, so
        give lines with their line ends. Each complete sentence is sent as its own take
        request as soon as it is complete, on this connection, without waiting for the
        earlier ones' audio; their audio comes out as one stream, in the order of the text.
        The text is read
        beside the caller, so a slow producer never holds back audio that has arrived:
        here by a thread, from any iterable; in the async session by a task, from an
        async iterable too. Leaving the iteration early stops sending sentences and drops the audio of
        those sent; the connection stays usable. ``sentence_timeout`` bounds each sentence's
        audio, from when its turn comes (`DaisysTimeoutError`).
        """
        items = self._sentence_items(text_chunks, voice_id, prosody, style, override_language, sentence_timeout)
        yield from self._pcm(items)

    def speak_stream(
        self,
        text_chunks: TextChunks,
        file: WavTarget,
        voice_id: str | None = None,
        *,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
        override_language: str | None = None,
        sentence_timeout: float | None = None,
        subtitles: str | os.PathLike[str] | None = None,
        play: bool | AudioOutput = False,
    ) -> list[TakeResponse]:
        """A text still being written to ONE continuous WAV file, sentence by sentence as in `stream_text`.

        Written atomically (no file unless every sentence's take is ready); returns the
        sentences' takes in order. ``sentence_timeout`` as for `stream_text`; ``subtitles`` and
        ``play`` as for `write_wav`.
        """
        items = self._sentence_items(text_chunks, voice_id, prosody, style, override_language, sentence_timeout)
        infos = self._write(items, file, False, subtitles, play)
        return [info for info in infos if isinstance(info, TakeResponse)]

    # -- what the methods above share ----------------------------------------------------------------

    def _say(
        self,
        text: str,
        voice_id: str | None,
        prosody: Prosody | None,
        style: list[str] | None,
        override_language: str | None,
    ) -> int:
        """Send a take of ``text`` streamed in chunks (the least latency); its request id."""
        voice = voice_id or self.voice_id
        if voice is None:
            raise DaisysInputError("A voice_id is needed (this websocket was opened for a model).")
        return self.generate_take(
            voice,
            text,
            override_language=override_language,
            style=style,
            prosody=prosody,
            stream_options=StreamOptions(mode=StreamMode.CHUNKS),
        )

    def _request_items(self, request_id: int, timeout: float | None) -> Iterator[tuple[int, Item | None]]:
        """One request's items as ``(request_id, item)``, then ``(request_id, None)`` at its end."""
        for _, item in self._items(request_id, timeout):
            yield request_id, item
        yield request_id, None

    def _sentence_items(
        self,
        text_chunks: TextChunks,
        voice_id: str | None,
        prosody: Prosody | None,
        style: list[str] | None,
        override_language: str | None,
        timeout: float | None,
    ) -> Iterator[tuple[int, Item | None]]:
        """The items of a streamed text's sentences, each its own request, in text order."""
        if voice_id is None and self.voice_id is None:  # before reading any text
            raise DaisysInputError("A voice_id is needed (this websocket was opened for a model).")

        def send(sentence: str) -> int:
            return self._say(sentence, voice_id, prosody, style, override_language)

        def abandon(request_id: int) -> None:
            with self._guard:
                self._protocol.abandon(request_id)

        return sentence_items(text_chunks, send, lambda request_id: self._items(request_id, timeout), abandon)

    def _pcm(self, items: Iterator[tuple[int, Item | None]]) -> Iterator[bytes]:
        """The raw PCM of requests' items, as one stream (one format for all)."""
        out = AudioOut()
        for request_id, item in items:
            if item is None:
                out.end_request()
            elif (pcm := _follow(out, request_id, item)) is not None:
                yield bytes(pcm)
        out.close()

    def _write(
        self,
        items: Iterator[tuple[int, Item | None]],
        file: WavTarget,
        raw: bool,
        subtitles: str | os.PathLike[str] | None,
        play: bool | AudioOutput,
    ) -> list[Info]:
        """Write requests' items as one WAV (or raw PCM), playing along; the subtitles beside it; their statuses."""
        with playing_along(play) as player:
            with output_file(file) as target:
                out = AudioOut(target, raw=raw)
                for request_id, item in items:
                    if item is None:
                        out.end_request()
                    elif (pcm := _follow(out, request_id, item)) is not None and player is not None:
                        player.feed(pcm, out.format)
                out.close()
                if subtitles is not None:
                    write_subtitles(out.cues(), subtitles)
        return out.infos

    def _items(
        self, request_id: int, timeout: float | None, *, raise_failed_take: bool = False
    ) -> Iterator[tuple[str | None, Item]]:
        """A request's items as they become available, reading the connection when it is this caller's turn.

        Left before its end (closed early, a timeout, the caller's own error), the request is
        abandoned: the rest of its audio is dropped as it comes instead of kept for nobody.
        """
        deadline = deadline_after(timeout)
        complete = False
        try:
            while True:
                with self._guard:
                    item = self._protocol.next_item(request_id, raise_failed_take=raise_failed_take)
                    reading, progress = self._reading, self._progress
                    wake = self._protocol.wake_at(request_id)  # a failed take's report, awaited a moment
                if item is END:
                    complete = True
                    return
                if isinstance(item, tuple):
                    yield item
                    continue
                if expired(deadline):
                    raise DaisysTimeoutError(f"Request {request_id} did not complete within {timeout} s.")
                wait = _sooner(remaining(deadline), remaining(wake))
                if reading:
                    progress.wait(wait)
                else:
                    self._pump(wait)
        finally:
            if not complete:
                with self._guard:
                    self._protocol.abandon(request_id)

    def _pump(self, timeout: float | None) -> None:
        """Receive and handle one message; or, while another caller reads, wait for it to handle one."""
        with self._guard:
            reading, progress = self._reading, self._progress
            self._reading = True
        if reading:
            progress.wait(timeout)
            return
        try:
            self._receive(timeout)
        finally:
            with self._guard:
                self._reading = False
                done, self._progress = self._progress, Signal()
            done.set()

    def _receive(self, timeout: float | None) -> None:
        """One message (or none within ``timeout``, nor past the stall bound), handled; a silent worker, or one
        that named a request never made, loses its connection (its requests have failed) for a new one."""
        ws = self._connection()
        with self._guard:
            stall_left = remaining(self._protocol.stall_deadline())
        wait = _sooner(timeout, stall_left)
        if stall_left is not None and stall_left <= STALL_PROBE:
            # Silence is only known once the socket is drained: listen a moment whatever the caller's timeout,
            # so that what the worker sent while nobody read (callbacks between update() calls, a busy event
            # loop) is found waiting, and not taken for a silent worker.
            wait = STALL_PROBE
        try:
            message = ws.recv(wait)
        except ConnectionLost as lost:
            self._lost(ws, lost.why)
            return
        calls = []
        with self._guard:
            if message is not None:
                calls = self._protocol.receive(message)
            broken = self._protocol.disagreed
            if broken is None and message is None and self._protocol.check_stall():
                broken = f"the worker sent nothing for {self._protocol.stall_timeout:g} s (stall_timeout)"
        for callback in calls:
            call(callback)
        if broken is not None:
            self._lost(ws, broken)


def _sooner(first: float | None, second: float | None) -> float | None:
    """The shorter of two waits in seconds (None: no limit)."""
    if first is None:
        return second
    return first if second is None else min(first, second)


def _follow(out: AudioOut, request_id: int, item: Item) -> memoryview | None:
    """Hand ``out`` the next item (of a new request: begun first); its PCM, if it carries any."""
    if request_id != out.request_id:
        out.begin(request_id)
    return out.add(item)
