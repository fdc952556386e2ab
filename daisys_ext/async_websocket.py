"""``AsyncWebsocket``: the asyncio twin of `Websocket`, on the websockets library.

The same methods to await, the same `SessionProtocol` deciding everything; callbacks may
be plain functions or coroutine functions. websockets is asyncio-native, answers the
worker's pings by itself, and cancelling a receive loses no data.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

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
    from .async_client import AsyncClient

__all__ = ["AsyncWebsocket"]

log = logging.getLogger("daisys_ext.websocket")


class AsyncWebsocket:
    """A websocket session with a worker for one model; use it in an ``async with`` block.

    Behaves as `Websocket` does: several requests in flight, output kept until iterated,
    transparent reconnection between requests, a clear error for a request cut short.
    ``update(timeout=0)`` handles only what has already arrived.
    """

    def __init__(
        self,
        client: AsyncClient,
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
        self._ws: ClientConnection | None = None
        self._resend: list[str] = []
        self._closed = True
        self._opening = asyncio.Lock()
        self._reading = False  # one task receives at a time; the others wait for what it brings
        self._progress = asyncio.Event()  # set (and replaced) after every message handled

    async def __aenter__(self) -> AsyncWebsocket:
        await self.reconnect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.disconnect()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def in_flight(self) -> list[int]:
        """Ids of the requests still expecting messages from the worker."""
        return self._protocol.in_flight

    # -- the connection ------------------------------------------------------------------------------

    async def reconnect(self) -> None:
        """Open a new connection, with a fresh URL from the API (closing the current one first)."""
        self._closed = False
        if self._ws is not None:
            await self._lost(self._ws, "reconnect() was called", reopen=False)
        async with self._opening:
            await self._open()

    async def disconnect(self) -> None:
        """Close the connection; requests still in flight fail. Safe to call twice."""
        self._closed = True
        ws, self._ws = self._ws, None
        self._resend = []
        self._protocol.connection_lost("disconnect() was called", resend=False)
        if ws is not None:
            await ws.close()

    async def _open(self, connect_timeout: float | None = None, attempt: int = 0) -> ClientConnection:
        if self.model is None:
            assert self.voice_id is not None
            self.model = (await self._client.get_voice(self.voice_id)).model
        try:
            url = self._worker_url or await self._client.websocket_url(self.model)
        except DaisysError as exc:
            raise DaisysWebsocketConnectError(f"No worker URL for model {self.model!r}: {exc}") from exc
        assert url is not None
        try:
            # No size limit: in parts mode one message is a whole sentence's WAV.
            timeout = connect_timeout or self._connect_timeout
            ws = await connect(url, open_timeout=timeout, max_size=None, compression=None)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403) and attempt == 0:  # the URL's secret expired on the way: one fresh URL
                return await self._open(connect_timeout, attempt + 1)
            raise DaisysWebsocketConnectError(
                f"The worker at {redact_url(url)} refused the websocket: HTTP {status}"
            ) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            detail = redact_text(str(exc)) or type(exc).__name__
            raise DaisysWebsocketConnectError(f"Could not open a websocket to {redact_url(url)}: {detail}") from None
        log.debug("websocket open to %s", redact_url(url))
        self._ws = ws
        resend, self._resend = self._resend, []
        for command in resend:
            await ws.send(command)
        return ws

    async def _connection(self, connect_timeout: float | None = None) -> ClientConnection:
        async with self._opening:
            if self._ws is not None:
                return self._ws
            if self._closed:
                raise DaisysWebsocketError(NOT_CONNECTED)
            return await self._open(connect_timeout)

    async def _lost(self, ws: ClientConnection, why: str, *, reopen: bool = True) -> None:
        """The connection ``ws`` is gone: settle its requests, and open another unless closed by the user."""
        if ws is not self._ws:
            return
        self._ws = None
        self._resend += self._protocol.connection_lost(why, resend=not self._closed)
        await ws.close()
        if self._closed or not reopen:
            return
        log.info("worker connection closed (%s); reconnecting", why)
        async with self._opening:
            if self._ws is None:
                try:
                    await self._open()
                except DaisysWebsocketConnectError as exc:  # as in Websocket._lost: the next use tries again
                    log.warning("reconnecting failed: %s", exc)

    # -- requests ----------------------------------------------------------------------------------

    async def generate_take(
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
        """Ask the worker for a take; returns the request id (see `Websocket.generate_take`)."""
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
        request_id, command = self._protocol.take_command(body, stream_options, status_callback, audio_callback)
        await self._send(request_id, command, timeout)
        return request_id

    async def generate_voice(
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
        request_id, command = self._protocol.voice_command(body, options, status_callback, audio_callback)
        await self._send(request_id, command, None)
        return request_id

    async def _send(self, request_id: int, command: str, timeout: float | None) -> None:
        try:
            ws = await self._connection(timeout)
        except BaseException:
            self._protocol.withdraw(request_id)
            raise
        try:
            await ws.send(command)
        except ConnectionClosed as exc:
            await self._lost(ws, _closed(exc))  # not answered, so sent again on the next connection

    # -- receiving ---------------------------------------------------------------------------------

    async def update(self, timeout: float | None = 1) -> None:
        """Wait up to ``timeout`` seconds (None: no limit; 0: only what has arrived) for a message, and handle it.

        Raises the oldest request error not yet raised, as `Websocket.update` does.
        """
        error = self._protocol.pop_error()
        if error is None:
            await self._pump(timeout)
            error = self._protocol.pop_error()
        if error is not None:
            raise error

    async def iter_request(self, request_id: int, timeout: float | None = None) -> AsyncIterator[IterItem]:
        """Yield ``(take_id, take, header, audio)`` for a request, in order (see `Websocket.iter_request`)."""
        async for take_id, item in self._items(request_id, timeout):
            official = official_item(take_id, item)
            if official is not None:
                yield official

    async def iter_pcm(self, request_id: int, timeout: float | None = None) -> AsyncIterator[bytes]:
        """Yield a request's audio as raw PCM, every part's samples in order without headers."""
        out = AudioOut(request_id)
        async for _, item in self._items(request_id, timeout):
            pcm = out.add(item)
            if pcm:
                yield bytes(pcm)
        out.finish()

    async def write_wav(
        self, request_id: int, file: WavTarget, *, raw: bool = False, timeout: float | None = None
    ) -> Info:
        """Write a request's audio as ONE continuous WAV (or raw PCM); return its final status."""
        with wav_output(file) as target:
            out = AudioOut(request_id, target, raw=raw)
            async for _, item in self._items(request_id, timeout):
                out.add(item)
            return out.finish()

    async def speak(
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
        request_id = await self.generate_take(
            voice,
            text,
            override_language=override_language,
            style=style,
            prosody=prosody,
            stream_options=StreamOptions(mode=StreamMode.CHUNKS),
        )
        info = await self.write_wav(request_id, file, timeout=timeout)
        assert isinstance(info, TakeResponse)
        return info

    async def _items(self, request_id: int, timeout: float | None) -> AsyncIterator[tuple[str | None, Item]]:
        """A request's items as they become available, reading the connection when it is this task's turn."""
        deadline = deadline_after(timeout)
        while True:
            item = self._protocol.next_item(request_id)
            if item is END:
                return
            if isinstance(item, tuple):
                yield item
                continue
            if self._reading:
                await self._wait_progress(remaining(deadline))
            else:
                await self._pump(remaining(deadline))
            if expired(deadline):
                raise DaisysTimeoutError(f"Request {request_id} did not complete within {timeout} s.")

    async def _wait_progress(self, timeout: float | None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._progress.wait()
        except TimeoutError:
            pass

    async def _pump(self, timeout: float | None) -> None:
        """Receive and handle one message; or, while another task reads, wait for it to handle one."""
        if self._reading:
            await self._wait_progress(timeout)
            return
        self._reading = True
        try:
            await self._receive(timeout)
        finally:
            self._reading = False
            self._progress.set()
            self._progress = asyncio.Event()

    async def _receive(self, timeout: float | None) -> None:
        ws = await self._connection()
        try:
            async with asyncio.timeout(timeout):
                message = await ws.recv()
        except TimeoutError:
            return
        except ConnectionClosed as exc:
            await self._lost(ws, _closed(exc))
            return
        for call in self._protocol.receive(message):
            result = call()
            if inspect.isawaitable(result):
                await result


def _closed(exc: ConnectionClosed) -> str:
    close = exc.rcvd
    return close_description(close.code, close.reason) if close is not None else "closed without a close frame"
