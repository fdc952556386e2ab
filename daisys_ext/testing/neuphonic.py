"""A local fake of Neuphonic's websocket TTS, written from its documentation (the "Websocket API" page).

```python
from daisys_ext.testing.neuphonic import FakeNeuphonic
from daisys_ext.peers.neuphonic import NeuphonicClient

with FakeNeuphonic(idle_timeout=0.5) as fake, NeuphonicClient(fake.api_key, url=fake.url) as client:
    client.speak("Hello, World!", "hello.wav")
    assert fake.connections[0].received[-1] == '{"text": "<STOP>"}'
```

What it does, as the page describes the service:

- serves ``/speak/{language}`` on an ephemeral port of 127.0.0.1, needs the API key in the
  ``x-api-key`` header, and reads the ``speed`` (0.7 to 2.5, default 1.0) and ``temperature``
  (0 to 1, default 0.5) query parameters;
- takes ``{"text": ...}`` messages in any pieces and answers with about one word of audio a
  message, ``{"version", "timestamp", "data": {"audio": base64, "text"}}``: raw PCM, mono,
  22050 Hz, signed 16-bit. It keeps a small lookahead (the last ``lookahead`` complete words
  of the text so far), which only ``<STOP>`` (alone or at the end of a text) makes it speak;
- disconnects a connection that sent no message for ``idle_timeout`` seconds (90 on the real
  service; a fraction of a second in tests).

What the page does not say, and this fake chooses: a missing key is refused with HTTP 401 and
a wrong one with 403; a bad query parameter or an unknown path with 400 and 404; a message that
is not ``{"text": <string>}`` closes the connection (1003); the idle disconnect is a close
with code 1000. A word's audio is noise derived from the word (`audio_for`), so a test knows
what to expect; everything sent is recorded per connection (`connections`).

Faults for tests, set as attributes: ``close_after_stop`` (close each connection once a
passage's audio is out), ``cut_after_answers`` (once: close with 1011 after that many answers on
the next connection that gets there), ``extra_messages`` (sent before each passage's first
answer: messages without audio).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._wsserver import ServerThread

__all__ = ["FakeNeuphonic", "FakeNeuphonicConnection"]

STOP = "<STOP>"
SAMPLE_RATE = 22050
VERSION = "1.0.0"
_PATH = re.compile(r"/speak/([A-Za-z0-9_-]+)")
_RANGES = {"speed": (0.7, 2.5, 1.0), "temperature": (0.0, 1.0, 0.5)}


@dataclass
class FakeNeuphonicConnection:
    """One connection as the fake saw it: its parameters, the messages both ways, and why it ended."""

    language: str
    speed: float
    temperature: float
    received: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    """Each answer's audio, in order."""
    passages: int = 0
    """How many ``<STOP>``s it answered."""
    closed: str | None = None
    """Why the fake closed it ("idle", "after <STOP>", "cut", "bad message"), None if it did not."""

    @property
    def pcm(self) -> bytes:
        """All the audio sent on this connection."""
        return b"".join(self.audio)

    @property
    def texts(self) -> list[str]:
        """The ``text`` of each message received."""
        return [json.loads(message)["text"] for message in self.received]


class FakeNeuphonic(ServerThread):
    """Neuphonic's websocket TTS on 127.0.0.1, for tests (see the module's documentation)."""

    _thread_name = "fake-neuphonic"

    def __init__(
        self,
        *,
        api_key: str = "fake-neuphonic-key-0123456789",
        idle_timeout: float = 90.0,
        lookahead: int = 1,
        samples_per_char: int = 20,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.idle_timeout = idle_timeout
        self.lookahead = lookahead
        self.samples_per_char = samples_per_char
        self.connections: list[FakeNeuphonicConnection] = []
        self.refused: list[tuple[str, int]] = []
        """Handshakes refused: the path (with its query) and the HTTP status."""
        self.close_after_stop = False
        self.cut_after_answers: int | None = None
        self.extra_messages: list[str | bytes] = []
        self.idle_closes = 0
        self._idle_closed = threading.Condition()

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:{port}/speak/en``: what a client connects to in place of the real endpoint."""
        return self.url_for("en")

    def url_for(self, language: str) -> str:
        """The fake's websocket URL for one language, as the client builds it."""
        return f"{self.origin}/speak/{language}"

    @property
    def pcm(self) -> bytes:
        """All the audio sent, on every connection."""
        return b"".join(connection.pcm for connection in self.connections)

    def audio_for(self, word: str) -> bytes:
        """The audio the fake sends for one word: 16-bit noise derived from it, ``samples_per_char`` a character."""
        return hashlib.shake_256(word.encode()).digest(2 * self.samples_per_char * max(1, len(word)))

    def expected_pcm(self, text: str) -> bytes:
        """The audio of a whole text (its pieces joined, ``<STOP>`` between passages)."""
        return b"".join(self.audio_for(word) for word in text.replace(STOP, " ").split())

    def wait_for_idle_close(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until the fake has closed ``count`` idle connections in all; False if it has not within ``timeout``."""
        with self._idle_closed:
            return self._idle_closed.wait_for(lambda: self.idle_closes >= count, timeout)

    # -- the handshake and a connection (the server's thread) --

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        status, message = self._check(request)
        if status is None:
            return None
        self.refused.append((request.path, status))
        return connection.respond(status, message + "\n")

    def _check(self, request: Request) -> tuple[HTTPStatus | None, str]:
        parts = urlsplit(request.path)
        if not _PATH.fullmatch(parts.path):
            return HTTPStatus.NOT_FOUND, f"No such endpoint {parts.path}: /speak/{{language_id}}"
        key = request.headers.get("x-api-key")
        if key is None:
            return HTTPStatus.UNAUTHORIZED, "An API key is required in the x-api-key header"
        if key != self.api_key:
            return HTTPStatus.FORBIDDEN, "Invalid API key"
        try:
            _parameters(parts.query)
        except ValueError as exc:
            return HTTPStatus.BAD_REQUEST, str(exc)
        return None, ""

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        match = _PATH.fullmatch(parts.path)
        assert match is not None
        speed, temperature = _parameters(parts.query)
        connection = FakeNeuphonicConnection(match.group(1), speed, temperature)
        self.connections.append(connection)
        with contextlib.suppress(ConnectionClosed):
            await self._converse(ws, connection)

    async def _converse(self, ws: ServerConnection, connection: FakeNeuphonicConnection) -> None:
        pending = ""
        answered_in_passage = False
        while True:
            try:
                message = await asyncio.wait_for(ws.recv(), self.idle_timeout)
            except TimeoutError:
                connection.closed = "idle"
                closing = asyncio.ensure_future(ws.close(1000, f"no messages for {self.idle_timeout:g} seconds"))
                await asyncio.sleep(0)  # the close frame is out: a client that is not reading sees it when it does
                with self._idle_closed:
                    self.idle_closes += 1
                    self._idle_closed.notify_all()
                await closing
                return
            text = _text_of(message)
            if text is None:
                connection.closed = "bad message"
                await ws.close(1003, 'expected a JSON {"text": <string>} message')
                return
            connection.received.append(message if isinstance(message, str) else message.decode())
            pieces = text.split(STOP)
            for index, piece in enumerate(pieces):
                pending += piece
                stop = index < len(pieces) - 1
                words, pending = _ready(pending, 0 if stop else self.lookahead, final=stop)
                for word in words:
                    if not answered_in_passage:
                        answered_in_passage = True
                        for extra in self.extra_messages:
                            await ws.send(extra)
                    if not await self._answer(ws, connection, word):
                        return
                if stop:
                    connection.passages += 1
                    answered_in_passage = False
                    if self.close_after_stop:
                        connection.closed = "after <STOP>"
                        await ws.close(1000, "passage done")
                        return

    async def _answer(self, ws: ServerConnection, connection: FakeNeuphonicConnection, word: str) -> bool:
        """Send one word's answer; False when the connection was cut instead."""
        if self.cut_after_answers is not None and len(connection.audio) >= self.cut_after_answers:
            self.cut_after_answers = None
            connection.closed = "cut"
            await ws.close(1011, "cut by the test")
            return False
        audio = self.audio_for(word)
        timestamp = datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        data = {"audio": base64.b64encode(audio).decode(), "text": word + " "}
        message = json.dumps({"version": VERSION, "timestamp": timestamp, "data": data})
        connection.sent.append(message)
        connection.audio.append(audio)
        await ws.send(message)
        return True


def _parameters(query: str) -> tuple[float, float]:
    """``speed`` and ``temperature`` from a query string (their defaults when absent); ValueError when bad."""
    params = parse_qs(query, keep_blank_values=True)
    values = []
    for name, (low, high, default) in _RANGES.items():
        given = params.get(name)
        if not given:
            values.append(default)
            continue
        try:
            value = float(given[-1])
        except ValueError:
            raise ValueError(f"{name} must be a number, not {given[-1]!r}") from None
        if not low <= value <= high:
            raise ValueError(f"{name} must be from {low:g} to {high:g}, not {value:g}")
        values.append(value)
    return values[0], values[1]


def _text_of(message: str | bytes) -> str | None:
    if not isinstance(message, str):
        return None
    try:
        body = json.loads(message)
    except ValueError:
        return None
    text = body.get("text") if isinstance(body, dict) else None
    return text if isinstance(text, str) else None


_TAIL = re.compile(r"\S*\Z")


def _ready(pending: str, lookahead: int, *, final: bool) -> tuple[list[str], str]:
    """The words ready to be spoken, and the text kept: the word still being written and a lookahead."""
    if final:
        return pending.split(), ""
    tail = _TAIL.search(pending)
    assert tail is not None
    words = pending[: tail.start()].split()
    keep = words[len(words) - lookahead :] if lookahead else []
    ready = words[: len(words) - len(keep)]
    rest = "".join(word + " " for word in keep) + tail.group()
    return ready, rest
