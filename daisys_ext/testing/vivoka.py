"""A local fake of Vivoka's voice synthesis service, written from its documentation (the "Voice Synthesis" page).

```python
from daisys_ext.testing.vivoka import FakeVivoka
from daisys_ext.peers.vivoka import VivokaClient

with FakeVivoka() as fake, VivokaClient(fake.url) as client:
    client.speak("I want a coffee", "coffee.wav")
    assert fake.streams[0].pcm == ...  # the audio it sent
```

What it does, as the page describes the service, on one ephemeral port of 127.0.0.1 (REST
and websocket alike, as ``localhost:39806`` serves both):

- ``GET /v1/voice-synthesis/voices``: an object keyed by voice id (`voices`);
- ``POST /v1/voice-synthesis/synthesize`` with ``{"text", "voice_id"}``: ``{"token", "sample_rate"}``;
- ``ws://HOST/v1/ws/{token}``: the audio as ``{"data": "data:audio/pcm;base64,..."}`` text
  messages, ``{"event": ...}`` messages around it, then the server closes the connection.

What the page does not say, and this fake chooses: what a voice's description holds (what
``voices=`` gives); the events' content (``events_before``, ``events_after``); the PCM (16-bit
noise derived from the text and voice, ``bytes_per_char`` a character, in messages of
``chunk_bytes``); refusals (a body that is not JSON, or without a non-empty ``text`` and a
string ``voice_id``: 400; an unknown voice: 404; both with ``{"error": message}``; an unknown
or used token: HTTP 404 on the handshake); a token serves one connection.

Faults for tests, set as attributes: ``error`` (sent as ``{"error": error}`` after
``error_after`` audio messages, then the connection closes), ``extra_messages`` (sent after
the first audio message: messages of unknown shape), ``close_code`` and ``close_reason``
(how a stream ends: 1000 normally), ``refuse_websockets`` (every handshake refused, 404).
Everything is recorded: `requests`, `streams`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._wsserver import ServerThread

__all__ = ["FakeVivoka", "FakeVivokaRequest", "FakeVivokaStream"]

AUDIO_PREFIX = "data:audio/pcm;base64,"
VOICES_PATH = "/v1/voice-synthesis/voices"
SYNTHESIZE_PATH = "/v1/voice-synthesis/synthesize"
WEBSOCKET_PATH = "/v1/ws/"
DEFAULT_VOICES: Mapping[str, Any] = {
    "fake-voice-a": {"name": "Voice A", "language": "en-US"},
    "fake-voice-b": {"name": "Voice B", "language": "fr-FR"},
}
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class FakeVivokaRequest:
    """One REST request as the fake saw it, and its answer's status."""

    method: str
    path: str
    body: Any
    status: int


@dataclass
class FakeVivokaStream:
    """One synthesis: what was asked, and every message the websocket sent (``None`` until it connected)."""

    text: str
    voice_id: str
    sample_rate: int
    token: str = field(repr=False)
    connected: bool = False
    messages: list[str | bytes] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    """Each audio message's PCM, in order."""

    @property
    def pcm(self) -> bytes:
        """All the audio sent."""
        return b"".join(self.audio)


class FakeVivoka(ServerThread):
    """Vivoka's voice synthesis on 127.0.0.1, for tests (see the module's documentation)."""

    _thread_name = "fake-vivoka"

    def __init__(
        self,
        *,
        voices: Mapping[str, Any] | None = None,
        sample_rate: int = 22050,
        bytes_per_char: int = 200,
        chunk_bytes: int = 1024,
        events_before: Sequence[Any] = ({"type": "synthesis_started"},),
        events_after: Sequence[Any] = ({"type": "synthesis_finished"},),
    ) -> None:
        super().__init__()
        self.voices: dict[str, Any] = dict(DEFAULT_VOICES if voices is None else voices)
        self.sample_rate = sample_rate
        self.bytes_per_char = bytes_per_char
        self.chunk_bytes = chunk_bytes
        self.events_before = list(events_before)
        self.events_after = list(events_after)
        self.error: Any = None
        self.error_after = 1
        self.extra_messages: list[str | bytes] = []
        self.close_code = 1000
        self.close_reason = ""
        self.refuse_websockets = False
        self.requests: list[FakeVivokaRequest] = []
        self.streams: list[FakeVivokaStream] = []
        self.refused: list[int] = []
        """The HTTP statuses of websocket handshakes refused."""
        self._tokens: dict[str, FakeVivokaStream] = {}
        self._lock = threading.Lock()
        self._front: asyncio.Server | None = None
        self._front_port = 0
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:{port}``: the base URL a client is given in place of ``http://localhost:39806``."""
        if not self._front_port:
            raise RuntimeError("FakeVivoka is not running; call start() or use it in a with block")
        return f"http://127.0.0.1:{self._front_port}"

    def audio_for(self, text: str, voice_id: str) -> bytes:
        """The PCM the fake sends for ``text`` in ``voice_id``."""
        size = 2 * ((self.bytes_per_char * max(1, len(text)) + 1) // 2)
        return hashlib.shake_256(f"{voice_id}\0{text}".encode()).digest(size)

    def stop(self) -> None:
        super().stop()
        self._front_port = 0

    # -- one port for REST and the websocket (the server's thread) --

    async def _serve(self) -> None:
        self._front = await asyncio.start_server(self._front_connection, "127.0.0.1", 0)
        self._front_port = self._front.sockets[0].getsockname()[1]
        try:
            await super()._serve()
        finally:
            self._front.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._front.wait_closed(), 2)

    async def _front_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/1.1 requests answered here; a websocket upgrade handed, bytes and all, to the websocket server."""
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                method, path, headers = _parse_head(head)
                if headers.get("upgrade", "").lower() == "websocket":
                    await self._pipe(head, reader, writer)
                    return
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, answer = self._rest(method, path, body)
                payload = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = int(self.origin.rsplit(":", 1)[1])
        upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", port)
        self._writers.add(upstream)
        upstream.write(head)

        async def copy(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()

        copies = [asyncio.ensure_future(copy(reader, upstream)), asyncio.ensure_future(copy(upstream_reader, writer))]
        try:
            await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in copies:
                task.cancel()
            await asyncio.gather(*copies, return_exceptions=True)
            self._writers.discard(upstream)
            upstream.close()

    def _rest(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = body.decode("utf-8", "replace")
        status, answer = self._answer(method, urlsplit(path).path, parsed, body)
        self.requests.append(FakeVivokaRequest(method, path, parsed, status))
        return status, answer

    def _answer(self, method: str, path: str, parsed: Any, body: bytes) -> tuple[int, Any]:
        if path == VOICES_PATH:
            if method != "GET":
                return 405, {"error": f"{method} not allowed on {path}"}
            return 200, self.voices
        if path != SYNTHESIZE_PATH:
            return 404, {"error": f"no such endpoint {path}"}
        if method != "POST":
            return 405, {"error": f"{method} not allowed on {path}"}
        if not isinstance(parsed, dict):
            return 400, {"error": "the body must be a JSON object with text and voice_id"}
        text, voice_id = parsed.get("text"), parsed.get("voice_id")
        if not isinstance(text, str) or not text.strip():
            return 400, {"error": "text must be a non-empty string"}
        if not isinstance(voice_id, str):
            return 400, {"error": "voice_id must be a string"}
        if voice_id not in self.voices:
            return 404, {"error": f"no voice {voice_id!r}"}
        token = secrets.token_urlsafe(24)
        stream = FakeVivokaStream(text, voice_id, self.sample_rate, token)
        with self._lock:
            self._tokens[token] = stream
            self.streams.append(stream)
        return 200, {"token": token, "sample_rate": self.sample_rate}

    # -- the websocket --

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        token = unquote(path[len(WEBSOCKET_PATH) :]) if path.startswith(WEBSOCKET_PATH) else ""
        with self._lock:
            stream = self._tokens.get(token)
            if stream is not None and not stream.connected and not self.refuse_websockets:
                stream.connected = True
                return None
        self.refused.append(404)
        return connection.respond(HTTPStatus.NOT_FOUND, "Unknown or used token\n")

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        token = unquote(urlsplit(ws.request.path).path[len(WEBSOCKET_PATH) :])
        with self._lock:
            stream = self._tokens.pop(token)
        with contextlib.suppress(ConnectionClosed):
            await self._speak(ws, stream)

    async def _speak(self, ws: ServerConnection, stream: FakeVivokaStream) -> None:
        async def send(message: str | bytes) -> None:
            stream.messages.append(message)
            await ws.send(message)

        for event in self.events_before:
            await send(json.dumps({"event": event}))
        pcm = self.audio_for(stream.text, stream.voice_id)
        for index, start in enumerate(range(0, len(pcm), self.chunk_bytes)):
            if self.error is not None and index == self.error_after:
                await send(json.dumps({"error": self.error}))
                await ws.close(1000)
                return
            chunk = pcm[start : start + self.chunk_bytes]
            stream.audio.append(chunk)
            await send(json.dumps({"data": AUDIO_PREFIX + base64.b64encode(chunk).decode()}))
            if index == 0:
                for extra in self.extra_messages:
                    await send(extra)
        if self.error is not None:
            await send(json.dumps({"error": self.error}))
        for event in self.events_after:
            await send(json.dumps({"event": event}))
        await ws.close(self.close_code, self.close_reason)


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = [*lines[0].split(" ", 2), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, path, headers
