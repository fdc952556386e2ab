# Generated from daisys_ext/_async/neuphonic.py by scripts/unasync.py: edit that one, then `make unasync`.
"""``NeuphonicClient``: Neuphonic's websocket TTS, text sent as it comes and PCM yielded as it arrives.

The one source of both clients: ``scripts/unasync.py`` writes ``_sync/neuphonic.py``
(``NeuphonicClient``, on websocket-client, its text read by a thread) from it. The
parameters, URL, messages and the end of a passage are `daisys_ext._peers.neuphonic`'s;
this module only connects, sends, waits and keeps the connection alive.

One connection serves passage after passage. Within one, the text is read and sent beside
the caller (a thread here, a task in the async client), so a slow writer of text never holds
back audio that has already arrived; each passage ends with ``<STOP>``. Between passages a
keep-alive (a message with no text) goes out when nothing else has for ``keepalive``
seconds, against the server's disconnect after 90 idle seconds; a connection found closed at
the start of a passage (or closed before any of its audio) is replaced, and the passage's
text sent again, without the caller noticing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._audio.frames import FrameError
from .._errors import DaisysInputError, DaisysWebsocketConnectError
from .._peers import neuphonic as wire
from .._peers.common import PcmFormat, Spoken, describe
from .._peers.errors import PeerConnectError, PeerError, PeerStreamError, clip
from .._peers.redaction import install as install_redaction, redact, remember
from .._synchronization import Background, Lock, Signal
from .._text.pieces import TextChunks, iterate
from .._websocket.connection import Connection, ConnectionLost, ConnectOptions, HandshakeRefused
from .peer_output import WavTarget, write_speech

if TYPE_CHECKING:
    from .._audio.playback import AudioOutput

__all__ = ["NeuphonicClient"]

log = logging.getLogger("daisys_ext.peers.neuphonic")
SERVICE = "neuphonic"
ABANDONED = "another passage started on this client before this one was read to its end"


class NeuphonicClient:
    """A client of Neuphonic's websocket TTS; ``with`` it (the connection opens with the first passage).

    ``stream_text(text_chunks)`` sends text as it comes (words, sentences, a language model's
    tokens) and yields the audio as raw PCM, mono 22050 Hz 16-bit (`format`); ``speak(text,
    file)`` writes a WAV. ``speed`` (0.7 to 2.5) and ``temperature`` (0 to 1) go in the URL's
    query; a value outside its range is a `DaisysInputError` here, before anything connects.
    ``url`` replaces ``wss://{region}.api.neuphonic.com/speak/{language}`` (a local fake's, say).

    The service marks no end of a passage's audio: after ``<STOP>`` it is complete once the
    service has answered and then been silent for ``end_silence`` seconds (``timeout`` bounds
    the wait for that answer). ``keepalive``: seconds without a message after which one with
    no text is sent (None: never). The API key is in no log line, error or repr.
    """

    def __init__(
        self,
        api_key: str,
        *,
        region: str = wire.DEFAULT_REGION,
        language: str = wire.DEFAULT_LANGUAGE,
        speed: float = 1.0,
        temperature: float = 0.5,
        url: str | None = None,
        keepalive: float | None = wire.DEFAULT_KEEPALIVE,
        end_silence: float = wire.DEFAULT_END_SILENCE,
        timeout: float = wire.DEFAULT_TIMEOUT,
        connect_timeout: float = 10.0,
        proxy: str | None = None,
    ) -> None:
        self._settings = wire.settings(
            api_key,
            region=region,
            language=language,
            speed=speed,
            temperature=temperature,
            url=url,
            keepalive=keepalive,
            end_silence=end_silence,
            timeout=timeout,
            connect_timeout=connect_timeout,
        )
        remember(api_key)
        install_redaction()
        self._options = ConnectOptions(self._settings.connect_timeout, None, proxy, self._settings.headers)
        self._ws: Connection | None = None
        self._sending = Lock()  # one message at a time; held while a connection is replaced
        self._passage: wire.Passage | None = None
        self._last_sent = time.monotonic()
        self._keeper: Background | None = None
        self._closing = Signal()
        self._closed = False
        self.connections = 0
        """How many connections this client has opened."""

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in wire.describe_settings(self._settings).items())
        return f"{type(self).__name__}({values})"

    @property
    def format(self) -> PcmFormat:
        """The audio's layout: mono, 22050 Hz, 16-bit."""
        return wire.FORMAT

    @property
    def sample_rate(self) -> int:
        """The sample rate of the PCM the service sends, in Hz (mono, 16-bit)."""
        return wire.FORMAT.sample_rate

    @property
    def endpoint(self) -> str:
        """The URL connected to, query included (it holds no secret)."""
        return self._settings.endpoint

    @property
    def connected(self) -> bool:
        """Whether the websocket to Neuphonic is open now (one found closed is replaced before the next passage)."""
        return self._ws is not None and self._ws.is_open

    def __enter__(self) -> NeuphonicClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the connection now rather than with the first passage (its first audio then comes sooner)."""
        with self._sending:
            self._ready()

    def close(self) -> None:
        """Stop the keep-alive and close the connection; a passage still being read ends with an error."""
        self._closed = True
        self._closing.set()
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.stop()
        if self._passage is not None:
            self._passage.closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()

    def stream_text(self, text_chunks: TextChunks) -> Iterator[bytes]:
        """Speak one passage: send its text as it comes, then ``<STOP>``; yield its raw PCM as it arrives.

        ``text_chunks`` is a string, or an iterable of pieces of text (the async client's may be async too),
        each sent as one ``{"text": ...}`` message when it comes. The iteration ends when the
        passage's audio is complete. One passage at a time: starting another ends the one
        still being read (its iteration raises `PeerStreamError`). Errors: `PeerConnectError`
        (no connection), `PeerStreamError` (the connection broke after audio had come),
        `DaisysTimeoutError` (no audio after ``<STOP>``), and whatever the text's iterator raised.
        """
        passage = wire.Passage(self._settings.end_silence, self._settings.timeout)
        self._abandon()
        self._passage = passage
        sender: Background | None = None
        ws: Connection | None = None
        complete = False
        try:
            with self._sending:
                ws = self._ready()

            def send_text() -> None:
                self._send_text(passage, text_chunks)

            sender = Background(send_text)
            sender.start()
            while True:
                if passage.closed:
                    raise PeerStreamError(f"The passage was ended: {ABANDONED} (or the client closed)", service=SERVICE)
                if passage.failure is not None:
                    raise passage.failure
                wait = passage.next_wait(time.monotonic())
                if wait is None:
                    break
                try:
                    message = ws.recv(wait)
                except ConnectionLost as lost:
                    if passage.ended_by_close(lost.code):
                        log.debug("Neuphonic closed the connection after the passage (%s)", lost.why)
                        self._forget(ws)
                        break
                    ws = self._recover(passage, ws, lost)
                    continue
                if message is None:
                    continue
                pcm = self._audio(message)
                passage.heard(time.monotonic(), len(pcm))
                if pcm:
                    yield pcm
            complete = True
        finally:
            passage.closed = True
            if sender is not None:
                sender.stop()
            if self._passage is passage:
                self._passage = None
            if not complete and ws is not None:
                self._forget(ws)  # it may still carry this passage's audio: the next one starts afresh

    def speak(
        self, text: str, file: WavTarget, *, raw: bool = False, play: bool | AudioOutput = False
    ) -> Spoken:
        """Write ``text`` spoken as one passage to ``file`` as a WAV (mono, 22050 Hz, 16-bit).

        A path is written atomically (a temporary name, renamed when complete); a binary file
        object is written as it is. ``raw=True`` writes the PCM without a header; ``play=True``
        plays it on the sound card while it arrives (or give an `AudioOutput`).
        """
        if not isinstance(text, str) or not text.strip():
            raise DaisysInputError(clip(f"text must be a non-empty string, not {text!r}", 200))
        return self.speak_stream(text, file, raw=raw, play=play)

    def speak_stream(
        self, text_chunks: TextChunks, file: WavTarget, *, raw: bool = False, play: bool | AudioOutput = False
    ) -> Spoken:
        """`speak` for a text still being written: its pieces sent as they come, as one passage (`stream_text`),
        and the WAV written (and played, with ``play``) as its audio arrives."""
        chunks: Any = self.stream_text(text_chunks)  # its generator, closed here whatever happens
        try:
            return write_speech(chunks, file, wire.FORMAT, raw=raw, play=play)
        finally:
            chunks.close()

    # -- the connection ----------------------------------------------------------------------------

    def _ready(self) -> Connection:
        """The open connection (the caller holds ``_sending``): stale messages dropped, a closed one replaced."""
        ws = self._ws
        if ws is not None:
            try:
                while (stale := ws.recv(0)) is not None:
                    log.debug("dropped a message that came between passages: %s", describe(stale))
            except ConnectionLost as lost:
                log.info("the connection to Neuphonic had closed (%s); opening another", lost.why)
                self._forget(ws)
                ws = None
        if ws is None:
            ws = self._open()
        return ws

    def _open(self) -> Connection:
        """Connect (the caller holds ``_sending``); raises `PeerConnectError` saying why not, without the key."""
        if self._closed:
            raise PeerError("This Neuphonic client is closed.", service=SERVICE)
        endpoint = self._settings.endpoint
        try:
            ws = Connection.connect(endpoint, self._options)
        except HandshakeRefused as exc:
            status: int | None = exc.status
            detail = f"HTTP {exc.status}" + (" (is the API key right?)" if exc.status in (401, 403) else "")
        except DaisysWebsocketConnectError as exc:
            status, detail = None, redact(str(exc))
        else:
            self._ws = ws
            self.connections += 1
            self._last_sent = time.monotonic()
            log.debug("connected to Neuphonic at %s", endpoint)
            self._start_keepalive()
            return ws
        message = f"Could not connect to Neuphonic at {endpoint}: {detail}"
        raise PeerConnectError(message, service=SERVICE, status=status)

    def _forget(self, ws: Connection) -> None:
        """Let go of ``ws`` (closed, or carrying audio nobody will read)."""
        if self._ws is ws:
            self._ws = None
        ws.drop()

    def _recover(self, passage: wire.Passage, ws: Connection, lost: ConnectionLost) -> Connection:
        """The connection closed during ``passage``: a new one with its text sent again, if no audio came yet."""
        if passage.closed:
            raise PeerStreamError(f"The passage was ended: {ABANDONED} (or the client closed)", service=SERVICE)
        if not passage.lost_is_recoverable():
            self._forget(ws)
            raise PeerStreamError(
                f"The connection to Neuphonic closed in the middle of a passage ({lost.why}),"
                f" after {passage.audio_bytes} bytes of its audio",
                service=SERVICE,
            )
        log.info("the connection to Neuphonic closed before the passage's audio (%s); reconnecting", lost.why)
        with self._sending:
            self._forget(ws)
            new = self._open()
            failed = None
            for message in passage.sent:
                try:
                    new.send(message)
                except ConnectionLost as again:
                    failed = again.why
                    break
            passage.resent(time.monotonic())
        if failed is not None:
            self._forget(new)
            raise PeerStreamError(f"The connection to Neuphonic closed again at once ({failed})", service=SERVICE)
        return new

    def _abandon(self) -> None:
        """End a passage still open (its caller left without closing it): its audio must not reach the next one."""
        passage, self._passage = self._passage, None
        if passage is not None:
            passage.closed = True
            ws = self._ws
            if ws is not None:
                self._forget(ws)

    # -- sending -----------------------------------------------------------------------------------

    def _send_text(self, passage: wire.Passage, text_chunks: TextChunks) -> None:
        """Read the text and send it as it comes, then ``<STOP>``; a failure is handed to the reader."""
        try:
            for chunk in iterate(text_chunks):
                if passage.closed:
                    return
                if not isinstance(chunk, str):
                    raise DaisysInputError(f"stream_text takes text as str pieces, not {type(chunk).__name__}")
                if chunk:
                    with self._sending:
                        if passage.closed:
                            return
                        passage.sending(wire.text_message(chunk), text=chunk)
                        self._transmit(passage.sent[-1])
            with self._sending:
                if passage.closed:
                    return
                if not passage.has_text:
                    passage.no_text()
                    return
                passage.stopping(time.monotonic())
                self._transmit(wire.STOP_MESSAGE)
        except Exception as exc:  # the reader raises it, in the caller
            passage.fail(exc)

    def _transmit(self, message: str) -> None:
        """Send on the current connection (the caller holds ``_sending``); a lost one is the reader's to replace."""
        ws = self._ws
        if ws is None:
            return
        try:
            ws.send(message)
        except ConnectionLost:
            return  # the reader finds it lost, and sends everything recorded again on a new one
        self._last_sent = time.monotonic()

    def _start_keepalive(self) -> None:
        if self._settings.keepalive is None or self._keeper is not None or self._closed:
            return
        self._keeper = Background(self._keep_alive)
        self._keeper.start()

    def _keep_alive(self) -> None:
        """Beside the caller for the client's life: a message with no text whenever none went out for a while."""
        interval = self._settings.keepalive
        assert interval is not None
        while not self._closed:
            due = self._last_sent + interval - time.monotonic()
            if due > 0:
                if self._closing.wait(due):
                    return
                continue
            with self._sending:
                if self._closed or time.monotonic() - self._last_sent < interval:
                    continue
                ws = self._ws
                self._last_sent = time.monotonic()  # also when there is no connection: look again in an interval
                if ws is None:
                    continue
                try:
                    ws.send(wire.KEEPALIVE_MESSAGE)
                except ConnectionLost as lost:
                    log.info("the connection to Neuphonic closed while idle (%s)", lost.why)
                    continue
                log.debug("keep-alive sent to Neuphonic")

    def _audio(self, message: Any) -> bytes:
        """A message's PCM (empty for one without audio, which is logged)."""
        try:
            parsed = wire.parse_message(message)
        except FrameError as exc:
            raise PeerStreamError(f"Neuphonic sent audio that cannot be decoded: {exc}", service=SERVICE) from None
        if isinstance(parsed, wire.UnknownMessage):
            log.warning("Neuphonic sent a message without audio, ignored: %s", parsed.why)
            return b""
        return parsed.audio
