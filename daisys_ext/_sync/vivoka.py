# Generated from daisys_ext/_async/vivoka.py by scripts/unasync.py: edit that one, then `make unasync`.
"""``VivokaClient``: Vivoka's local voice synthesis, its PCM streamed as it is generated.

The one source of both clients: ``scripts/unasync.py`` writes ``_sync/vivoka.py``
(``VivokaClient``, on httpx's Client and websocket-client) from it. What the messages mean,
the URLs and the request are `daisys_ext._peers.vivoka`'s; this module only sends and waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from .._audio.frames import FrameError
from .._callbacks import accept_callbacks, call
from .._config import USER_AGENT
from .._errors import DaisysInputError, DaisysTimeoutError, DaisysWebsocketConnectError, http_error, transport_error
from .._logging import REDACTED
from .._peers import vivoka as wire
from .._peers.common import PcmFormat, Spoken
from .._peers.errors import PeerConnectError, PeerError, PeerResponseError, PeerStreamError, VivokaError
from .._peers.redaction import install as install_redaction, redact
from .._websocket.connection import Connection, ConnectionLost, ConnectOptions, HandshakeRefused
from .peer_output import WavTarget, write_speech

if TYPE_CHECKING:
    from .._audio.playback import AudioOutput

__all__ = ["VivokaClient", "VivokaStream"]

log = logging.getLogger("daisys_ext.peers.vivoka")
SERVICE = "vivoka"

EventCallback = Callable[[Any], Any]


class VivokaClient:
    """A client of Vivoka's voice synthesis service (``http://localhost:39806`` by default); ``with`` it.

    ``voices()`` lists the voices; ``synthesize_stream(text)`` streams a text's raw PCM (its
    ``sample_rate`` known once it is entered); ``speak(text, file)`` writes it as a WAV.
    ``on_event(event)`` is called with each ``event`` message's content (a plain function:
    the async client's takes a coroutine function too). Vivoka documents the sample rate
    only: the samples are taken as ``sample_width``-byte, ``channels``-channel PCM (16-bit
    mono unless told otherwise).
    ``timeout`` bounds each HTTP request and each wait for the next websocket message.
    """

    def __init__(
        self,
        base_url: str = wire.DEFAULT_URL,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        on_event: EventCallback | None = None,
        channels: int = 1,
        sample_width: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = wire.base_url(base_url)
        for name, value in (("timeout", timeout), ("connect_timeout", connect_timeout)):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise DaisysInputError(f"{name} must be a positive number of seconds, not {value!r}")
        if not isinstance(channels, int) or isinstance(channels, bool) or channels < 1:
            raise DaisysInputError(f"channels must be a positive whole number, not {channels!r}")
        if sample_width not in (1, 2, 3, 4):
            raise DaisysInputError(f"sample_width is bytes per sample, 1 to 4, not {sample_width!r}")
        accept_callbacks(on_event)
        install_redaction()
        self.timeout = float(timeout)
        self.on_event = on_event
        self.channels = channels
        self.sample_width = sample_width
        self._connect = ConnectOptions(timeout=float(connect_timeout))
        self._http = http_client
        self._own_http = http_client is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def __enter__(self) -> VivokaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool (not one given as ``http_client``)."""
        http, self._http = self._http, None
        if http is not None and self._own_http:
            http.close()

    def voices(self) -> dict[str, Any]:
        """The available voices: an object keyed by voice id, each voice's description as Vivoka gives it."""
        url = wire.voices_url(self.base_url)
        return wire.parse_voices(self._request("GET", url), url)

    def synthesize_stream(
        self, text: str, voice_id: str | None = None, *, on_event: EventCallback | None = None
    ) -> VivokaStream:
        """The PCM of ``text`` spoken by ``voice_id`` (the first voice when None), as it is generated.

        ``for pcm in client.synthesize_stream(text)`` yields raw PCM bytes; ``with`` it
        first to know its ``sample_rate`` (and ``format``) before the audio: entering posts the
        request and opens the websocket. An ``error`` message raises `VivokaError`; ``on_event``
        (else the client's) gets each event. Bad arguments raise `DaisysInputError` here.
        """
        wire.check_text(text)
        wire.check_voice_id(voice_id)
        accept_callbacks(on_event)
        return VivokaStream(self, text, voice_id, on_event or self.on_event)

    def speak(
        self,
        text: str,
        file: WavTarget,
        voice_id: str | None = None,
        *,
        on_event: EventCallback | None = None,
        raw: bool = False,
        play: bool | AudioOutput = False,
    ) -> Spoken:
        """Write ``text`` spoken by ``voice_id`` to ``file`` as a WAV at the service's sample rate.

        A path is written atomically (a temporary name, renamed when complete); a binary file
        object is written as it is. ``raw=True`` writes the PCM without a header; ``play=True``
        plays it on the sound card while it arrives (or give an `AudioOutput`). Returns the
        format and the amount of audio written.
        """
        with self.synthesize_stream(text, voice_id, on_event=on_event) as stream:
            assert stream.format is not None
            return write_speech(stream.__iter__(), file, stream.format, raw=raw, play=play)

    # -- I/O ---------------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=self._connect.timeout), headers={"User-Agent": USER_AGENT}
            )
            self._own_http = True
        return self._http

    def _request(self, method: str, url: str, body: dict[str, str] | None = None) -> Any:
        http = self._client()
        request = http.build_request(method, url, json=body)
        try:
            response = http.send(request)
        except httpx.TransportError as exc:
            raise transport_error(exc, request, 1) from exc
        if response.is_error:
            raise http_error(response)
        try:
            return response.json()
        except ValueError:
            raise PeerResponseError(
                f"{method} {url} answered {response.status_code} with a body that is not JSON", service=SERVICE
            ) from None

    def _ticket(self, text: str, voice_id: str | None) -> wire.Ticket:
        if voice_id is None:
            voice_id = wire.first_voice(self.voices(), self.base_url)
        url = wire.synthesize_url(self.base_url)
        answer = self._request("POST", url, wire.synthesize_body(text, voice_id))
        ticket = wire.parse_ticket(answer, voice_id, url)
        log.debug("Vivoka synthesizes %d characters with voice %r at %d Hz", len(text), voice_id, ticket.sample_rate)
        return ticket

    def _open(self, ticket: wire.Ticket) -> Connection:
        shown = wire.shown_websocket_url(self.base_url)
        try:
            ws = Connection.connect(wire.websocket_url(self.base_url, ticket.token), self._connect)
        except HandshakeRefused as exc:
            status: int | None = exc.status
            detail = f"HTTP {exc.status}"
        except DaisysWebsocketConnectError as exc:
            status, detail = None, redact(str(exc)).replace(ticket.token, REDACTED)
        else:
            return ws
        # Raised here, outside the handler: the library's exception (whose message names the token) is not chained.
        message = f"Could not open Vivoka's synthesis websocket {shown}: {detail}"
        raise PeerConnectError(message, service=SERVICE, status=status)


class VivokaStream:
    """One synthesis: ``with`` it to post the request and open the websocket, then iterate its PCM.

    Iterating enters it if needed, and closes it at the end; ``sample_rate`` and ``format`` are
    None until it is entered. ``pcm_bytes`` counts the audio yielded so far.
    """

    def __init__(
        self, client: VivokaClient, text: str, voice_id: str | None, on_event: EventCallback | None
    ) -> None:
        self._client = client
        self._text = text
        self._voice_id = voice_id
        self._on_event = on_event
        self._ticket: wire.Ticket | None = None
        self._ws: Connection | None = None
        self._closed = False
        self.pcm_bytes = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(voice_id={self.voice_id!r}, sample_rate={self.sample_rate!r})"

    @property
    def voice_id(self) -> str | None:
        """The voice speaking: the one asked for, or (once entered) the first of the service's."""
        return self._ticket.voice_id if self._ticket is not None else self._voice_id

    @property
    def sample_rate(self) -> int | None:
        """The audio's sample rate, from the synthesize answer (None before the stream is entered)."""
        return self._ticket.sample_rate if self._ticket is not None else None

    @property
    def format(self) -> PcmFormat | None:
        """The PCM's layout (None before the stream is entered)."""
        if self._ticket is None:
            return None
        return PcmFormat(self._ticket.sample_rate, self._client.channels, self._client.sample_width)

    def __enter__(self) -> VivokaStream:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Post the synthesis request and open its websocket (once; entering or iterating does it)."""
        if self._ticket is not None:
            return
        if self._closed:
            raise PeerError("This Vivoka stream is closed: ask synthesize_stream() for another.", service=SERVICE)
        ticket = self._client._ticket(self._text, self._voice_id)
        self._ws = self._client._open(ticket)
        self._ticket = ticket

    def __iter__(self) -> Iterator[bytes]:
        self.start()
        ws = self._ws
        try:
            while ws is not None:
                try:
                    message = ws.recv(self._client.timeout)
                except ConnectionLost as lost:
                    self._ws = None
                    ws.drop()
                    if lost.code in wire.NORMAL_CLOSE_CODES:
                        log.debug("Vivoka closed the stream (%s) after %d bytes of audio", lost.why, self.pcm_bytes)
                        return
                    raise PeerStreamError(
                        f"Vivoka's synthesis websocket closed before the end of the audio ({self._shown(lost.why)}),"
                        f" after {self.pcm_bytes} bytes",
                        service=SERVICE,
                    ) from None
                if message is None:
                    raise DaisysTimeoutError(
                        f"Vivoka sent nothing for {self._client.timeout:g} s (after {self.pcm_bytes} bytes of audio)"
                    )
                pcm = self._handle(message)
                if pcm:
                    self.pcm_bytes += len(pcm)
                    yield pcm
        finally:
            self.close()

    def close(self) -> None:
        """Close the websocket (done at the end of iteration anyway)."""
        self._closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()

    def _handle(self, message: str | bytes) -> bytes | None:
        """A message's PCM; an event goes to the log and the callback, an error is raised, the unknown logged."""
        try:
            parsed = wire.parse_message(message)
        except FrameError as exc:
            raise PeerStreamError(f"Vivoka sent audio that cannot be decoded: {exc}", service=SERVICE) from None
        if isinstance(parsed, wire.AudioData):
            return parsed.pcm
        if isinstance(parsed, wire.EventMessage):
            log.info("Vivoka event: %s", self._shown(wire.dumps(parsed.event)))
            if self._on_event is not None:
                call(self._on_event, parsed.event)
        elif isinstance(parsed, wire.ErrorMessage):
            raise VivokaError(parsed.error, shown=self._shown(wire.dumps(parsed.error)))
        else:
            log.warning("Vivoka sent an unknown message type, ignored: %s", self._shown(parsed.why))
        return None

    def _shown(self, text: str) -> str:
        """``text`` as a message or log line may show it: this stream's token, if it were in it, redacted."""
        return text.replace(self._ticket.token, REDACTED) if self._ticket is not None else text
