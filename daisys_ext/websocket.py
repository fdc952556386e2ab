"""``Websocket``: a synchronous websocket session with a Daisys worker, on websocket-client.

The lowest latency from text to audio: commands go straight to a worker, which streams
status messages and audio frames back. Every decision (request ids, ordering, which
callback, what a dropped connection costs) is `SessionProtocol`'s; this class only
sends, receives and waits. ``AsyncWebsocket`` is its asyncio twin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import websocket

from daisys_speak_api.models import StreamMode, StreamOptions, TakeGenerateWithoutVoice, TakeResponse, VoiceGender

from . import bodies
from .bodies import Prosody, UserData
from .errors import DaisysError, DaisysInputError, DaisysTimeoutError, DaisysWebsocketConnectError, DaisysWebsocketError
from .frames import FrameDecoder
from .protocol import END, AudioCallback, Info, Item, IterItem, SessionProtocol, StatusCallback, official_item
from .reassembly import DEFAULT_MAX_BUFFERED_BYTES
from .redact import redact_text, redact_url
from .session import (
    NOT_CONNECTED,
    AudioOut,
    WavTarget,
    close_description,
    deadline_after,
    expired,
    remaining,
    wav_output,
)

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Websocket"]

log = logging.getLogger("daisys_ext.websocket")


class Websocket:
    """A websocket session with a worker for one model; use it in a ``with`` block.

    Several requests may be in flight at once: each has its own id, its callbacks, and
    its output kept until iterated. A connection the worker drops between requests is
    reopened with a fresh URL from the API; a drop in the middle of a request fails that
    request with `DaisysWebsocketStreamError`. Callbacks run in the thread that reads
    (``update`` or ``iter_request``).
    """

    def __init__(
        self,
        client: Client,
        model: str | None = None,
        voice_id: str | None = None,
        *,
        connect_timeout: float = 10.0,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        decoder: FrameDecoder | None = None,
        worker_url: str | None = None,
    ) -> None:
        if not model and not voice_id:
            raise DaisysInputError("A websocket needs a model or a voice_id.")
        self.model = model
        self.voice_id = voice_id
        self._worker_url = worker_url
        self._client = client
        self._connect_timeout = connect_timeout
        self._protocol = SessionProtocol(decoder=decoder, max_buffered_bytes=max_buffered_bytes)
        self._ws: websocket.WebSocket | None = None
        self._resend: list[str] = []  # commands to send once a connection is open again
        self._closed = True  # by the user: nothing reconnects until reconnect()
        self._cond = threading.Condition(threading.RLock())  # guards the protocol and the fields above
        self._reading = False  # one thread receives at a time; the others wait for what it brings

    def __enter__(self) -> Websocket:
        self.reconnect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.disconnect()

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.connected

    @property
    def in_flight(self) -> list[int]:
        """Ids of the requests still expecting messages from the worker."""
        with self._cond:
            return self._protocol.in_flight

    # -- the connection ------------------------------------------------------------------------------

    def reconnect(self) -> None:
        """Open a new connection, with a fresh URL from the API (closing the current one first).

        Requests the worker had taken on fail (their audio went with the old connection);
        commands it had not answered yet are sent again on the new one.
        """
        with self._cond:
            self._closed = False
            if self._ws is not None:
                self._lost(self._ws, "reconnect() was called", reopen=False)
            self._open()

    def disconnect(self) -> None:
        """Close the connection; requests still in flight fail. Safe to call twice."""
        with self._cond:
            self._closed = True
            ws, self._ws = self._ws, None
            self._resend = []
            self._protocol.connection_lost("disconnect() was called", resend=False)
            reading = self._reading
        if ws is not None:
            if reading:
                ws.abort()  # type: ignore[no-untyped-call]  # wakes the thread blocked in recv; close() while it reads is unsafe
            ws.close(timeout=1)

    def _open(self, connect_timeout: float | None = None, attempt: int = 0) -> websocket.WebSocket:
        if self.model is None:
            assert self.voice_id is not None
            self.model = self._client.get_voice(self.voice_id).model
        try:
            url = self._worker_url or self._client.websocket_url(self.model)
        except DaisysError as exc:
            raise DaisysWebsocketConnectError(f"No worker URL for model {self.model!r}: {exc}") from exc
        assert url is not None
        ws = websocket.WebSocket(enable_multithread=True)
        try:
            ws.connect(url, timeout=connect_timeout or self._connect_timeout)  # type: ignore[no-untyped-call]
        except websocket.WebSocketBadStatusException as exc:
            if exc.status_code in (401, 403) and attempt == 0:  # the URL's secret expired on the way: one fresh URL
                return self._open(connect_timeout, attempt + 1)
            raise DaisysWebsocketConnectError(
                f"The worker at {redact_url(url)} refused the websocket: HTTP {exc.status_code}"
            ) from None
        except (OSError, websocket.WebSocketException) as exc:
            # from None: the library's message could quote the URL and its secret.
            detail = redact_text(str(exc)) or type(exc).__name__
            raise DaisysWebsocketConnectError(f"Could not open a websocket to {redact_url(url)}: {detail}") from None
        log.debug("websocket open to %s", redact_url(url))
        self._ws = ws
        resend, self._resend = self._resend, []
        for command in resend:
            ws.send(command)
        return ws

    def _connection(self, connect_timeout: float | None = None) -> websocket.WebSocket:
        with self._cond:
            if self._ws is not None:
                return self._ws
            if self._closed:
                raise DaisysWebsocketError(NOT_CONNECTED)
            return self._open(connect_timeout)

    def _lost(self, ws: websocket.WebSocket, why: str, *, reopen: bool = True) -> None:
        """The connection ``ws`` is gone: settle its requests, and open another unless closed by the user."""
        with self._cond:
            if ws is not self._ws:
                return  # already handled by another thread
            self._ws = None
            ws.abort()  # type: ignore[no-untyped-call]
            ws.shutdown()  # type: ignore[no-untyped-call]
            self._resend += self._protocol.connection_lost(why, resend=not self._closed)
            if self._closed or not reopen:
                return
            log.info("worker connection closed (%s); reconnecting", why)
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
    ) -> int:
        """Ask the worker for a take; returns the request id for ``iter_request`` and the callbacks.

        ``status_callback(request_id, take)`` gets every status change;
        ``audio_callback(request_id, take_id, part_id, chunk_id, audio)`` every frame in
        order (``audio`` None at an end marker). Without callbacks the output is kept
        until ``iter_request`` reads it. ``timeout`` bounds opening a connection first,
        if one must be opened.
        """
        body = bodies.take_generate(
            voice_id,
            text,
            override_language=override_language,
            style=style,
            prosody=prosody,
            status_webhook=status_webhook,
            done_webhook=done_webhook,
            user_data=user_data,
        )
        with self._cond:
            request_id, command = self._protocol.take_command(body, stream_options, status_callback, audio_callback)
        self._send(request_id, command, timeout)
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
        body = bodies.voice_generate(
            name,
            model,
            gender,
            description=description,
            default_style=default_style,
            default_prosody=default_prosody,
            example_take=example_take,
            done_webhook=done_webhook,
        )
        options = stream_options or StreamOptions(mode=StreamMode.CHUNKS)
        with self._cond:
            request_id, command = self._protocol.voice_command(body, options, status_callback, audio_callback)
        self._send(request_id, command, None)
        return request_id

    def _send(self, request_id: int, command: str, timeout: float | None) -> None:
        try:
            ws = self._connection(timeout)
        except BaseException:
            with self._cond:
                self._protocol.withdraw(request_id)
            raise
        try:
            ws.send(command)
        except (OSError, websocket.WebSocketException) as exc:
            # Not answered, so sent again on the next connection.
            self._lost(ws, f"sending failed: {type(exc).__name__}")

    # -- receiving ---------------------------------------------------------------------------------

    def update(self, timeout: float | None = 1) -> None:
        """Wait up to ``timeout`` seconds (None: no limit; 0: not at all) for a message, and handle it.

        Raises the oldest request error not yet raised: `DaisysWebsocketGenerateError`
        when the worker refused a request, `DaisysWebsocketStreamError` when its stream
        broke. Other requests go on either way.
        """
        with self._cond:
            error = self._protocol.pop_error()
        if error is None:
            self._pump(timeout)
            with self._cond:
                error = self._protocol.pop_error()
        if error is not None:
            raise error

    def iter_request(self, request_id: int, timeout: float | None = None) -> Iterator[IterItem]:
        """Yield ``(take_id, take, header, audio)`` for a request, in order, until it is complete.

        ``take`` is set for a status change, ``header`` for a part's first audio, ``audio``
        for each frame's audio; a chunks-mode end of part is all None but ``take_id``.
        Raises the request's error after the items before it; ``timeout`` bounds the whole
        iteration (`DaisysTimeoutError`).
        """
        for take_id, item in self._items(request_id, timeout):
            official = official_item(take_id, item)
            if official is not None:
                yield official

    def iter_pcm(self, request_id: int, timeout: float | None = None) -> Iterator[bytes]:
        """Yield a request's audio as raw PCM: every part's samples in order, without headers.

        All parts must share one format (`WavError` otherwise); a take that does not end
        ready raises `DaisysTakeGenerateError` after its audio.
        """
        out = AudioOut(request_id)
        for _, item in self._items(request_id, timeout):
            pcm = out.add(item)
            if pcm:
                yield bytes(pcm)
        out.finish()

    def write_wav(self, request_id: int, file: WavTarget, *, raw: bool = False, timeout: float | None = None) -> Info:
        """Write a request's audio as ONE continuous WAV (or raw PCM); return its final status.

        Whatever the streaming mode, the parts are joined and the header's sizes made
        right. A path is written atomically: there is no file unless the take is ready.
        """
        with wav_output(file) as target:
            out = AudioOut(request_id, target, raw=raw)
            for _, item in self._items(request_id, timeout):
                out.add(item)
            return out.finish()

    def speak(
        self,
        text: str,
        file: WavTarget,
        voice_id: str | None = None,
        *,
        prosody: Prosody | None = None,
        style: list[str] | None = None,
        override_language: str | None = None,
        timeout: float | None = None,
    ) -> TakeResponse:
        """Text to a WAV file over this connection: a take streamed in chunks and written as it comes."""
        voice = voice_id or self.voice_id
        if voice is None:
            raise DaisysInputError("speak() needs a voice_id (this websocket was opened for a model).")
        request_id = self.generate_take(
            voice,
            text,
            override_language=override_language,
            style=style,
            prosody=prosody,
            stream_options=StreamOptions(mode=StreamMode.CHUNKS),
        )
        info = self.write_wav(request_id, file, timeout=timeout)
        assert isinstance(info, TakeResponse)
        return info

    def _items(self, request_id: int, timeout: float | None) -> Iterator[tuple[str | None, Item]]:
        """A request's items as they become available, reading the connection when it is this thread's turn."""
        deadline = deadline_after(timeout)
        while True:
            with self._cond:
                item = self._protocol.next_item(request_id)
                if item is END:
                    return
                if item is None and self._reading:
                    if not self._cond.wait(remaining(deadline)):
                        self._check_deadline(request_id, deadline, timeout)
                    continue
            if isinstance(item, tuple):
                yield item
                continue
            self._pump(remaining(deadline))
            self._check_deadline(request_id, deadline, timeout)

    @staticmethod
    def _check_deadline(request_id: int, deadline: float | None, timeout: float | None) -> None:
        if expired(deadline):
            raise DaisysTimeoutError(f"Request {request_id} did not complete within {timeout} s.")

    def _pump(self, timeout: float | None) -> None:
        """Receive and handle one message; or, while another thread reads, wait for it to handle one."""
        with self._cond:
            if self._reading:
                self._cond.wait(timeout)
                return
            self._reading = True
        try:
            self._receive(timeout)
        finally:
            with self._cond:
                self._reading = False
                self._cond.notify_all()

    def _receive(self, timeout: float | None) -> None:
        ws = self._connection()
        # A 0 timeout makes the socket non-blocking, and websocket-client then reports "no data yet" as a
        # broken connection (BlockingIOError); a millisecond gives the same "only what has arrived".
        ws.settimeout(None if timeout is None else max(timeout, 0.001))
        try:
            opcode, data = ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return
        except (OSError, websocket.WebSocketException) as exc:
            self._lost(ws, f"{type(exc).__name__}: {redact_text(str(exc))}" if str(exc) else type(exc).__name__)
            return
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self._lost(ws, close_description(data[:2], data[2:]))
            return
        message = data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else data
        with self._cond:
            calls = self._protocol.receive(message)
        for call in calls:
            call()
