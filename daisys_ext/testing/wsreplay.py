"""Local websocket servers for recorded sessions: `RecordingProxy` writes them, `ReplayServer` plays them back.

`RecordingProxy` sits between a client and a real (or emulated) worker and writes down every frame as a
`Recording` (see `wsrecord` for the format). `ReplayServer` plays recordings back to a client on 127.0.0.1: it
checks that the client sends what was recorded and answers with the recorded frames at the recorded pace. Both
run a ``websockets`` server in a thread of their own, so a synchronous test can use them. This module imports
nothing of the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._wsserver import ServerThread
from .wsrecord import RECV, SEND, Direction, Frame, Recording, preview, scrub_path

__all__ = ["RecordingProxy", "ReplayMismatch", "ReplayServer"]

log = logging.getLogger(__name__)

_NO_STATUS = 1005  # "no status code was sent": not a code a close frame can carry
_ABNORMAL = 1006  # the connection dropped without a close frame
_MISMATCH = 1008  # policy violation: how the replay server ends a session that left the recording
_CLOSE_REASON_LIMIT = 120  # a close frame's reason must fit in 123 bytes
_FRAME_PREFIX = struct.Struct("<4sI")


class ReplayMismatch(AssertionError):
    """A client did not do what the recording it was replayed against did; the message says where."""


class RecordingProxy(ServerThread):
    """Records websocket sessions: a local server forwarding each connection to an upstream worker.

    Connect a client to `url_for(worker_url)` instead of the worker URL: the proxy opens the same path and query
    (model and token) on ``upstream``, passes every frame both ways unchanged, and when either side closes, closes
    the other alike and adds a `Recording` (token scrubbed, ``meta`` in its header) to `recordings`.
    """

    _thread_name = "daisys-ws-recording-proxy"

    def __init__(self, upstream: str, *, meta: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        parts = urlsplit(upstream)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError(f"upstream must be a ws:// or wss:// origin, not {upstream!r}")
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.meta = dict(meta or {})
        self.errors: list[str] = []
        self._recordings: list[Recording] = []
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)

    @property
    def recordings(self) -> list[Recording]:
        """The sessions recorded so far, in the order they ended."""
        with self._lock:
            return list(self._recordings)

    def url_for(self, worker_url: str) -> str:
        """The proxy's URL for a worker URL: the same path and query on the proxy's origin."""
        parts = urlsplit(worker_url)
        if f"{parts.scheme}://{parts.netloc}" != self.upstream:
            raise ValueError(f"{scrub_path(worker_url)} is not on this proxy's upstream {self.upstream}")
        return urlunsplit(urlsplit(self.origin)._replace(path=parts.path, query=parts.query))

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recording]:
        """Wait until ``count`` sessions have ended (a client's close returns before the proxy has written it)."""
        with self._finished:
            self._finished.wait_for(lambda: len(self._recordings) >= count, timeout)
            if len(self._recordings) < count:
                raise TimeoutError(f"{len(self._recordings)} of {count} sessions recorded; errors: {self.errors}")
            return list(self._recordings)

    async def _handle(self, client: ServerConnection) -> None:
        assert client.request is not None  # set once the handshake succeeded
        path = client.request.path
        recording = Recording(_model_of(path), scrub_path(path), meta=dict(self.meta))
        loop = asyncio.get_running_loop()
        opened = loop.time()

        def elapsed() -> float:
            return round(loop.time() - opened, 4)

        try:
            upstream = await connect(self.upstream + path, compression=None, max_size=None, open_timeout=10)
        except Exception as exc:
            self.errors.append(f"upstream {scrub_path(self.upstream + path)} refused: {scrub_path(str(exc))}")
            await client.close(1011, "upstream refused the connection")
            return
        async with upstream:
            to_server = asyncio.create_task(_pump(client, upstream, SEND, recording.frames, elapsed))
            to_client = asyncio.create_task(_pump(upstream, client, RECV, recording.frames, elapsed))
            await asyncio.wait({to_server, to_client}, return_when=asyncio.FIRST_COMPLETED)
            # Whichever side's close arrived first is the one recorded, and the one passed on to the other.
            server_closed = upstream.close_code is not None or (to_client.done() and client.close_code is None)
            closer, other = (upstream, client) if server_closed else (client, upstream)
            code, reason = closer.close_code, closer.close_reason or ""
            recording.frames.append(Frame.close(elapsed(), RECV if server_closed else SEND, code, reason))
            await _close_like(other, code, reason)
            for task in (to_server, to_client):
                task.cancel()
            await asyncio.gather(to_server, to_client, return_exceptions=True)
        with self._finished:
            self._recordings.append(recording)
            self._finished.notify_all()


async def _pump(
    source: ServerConnection | ClientConnection,
    target: ServerConnection | ClientConnection,
    direction: Direction,
    frames: list[Frame],
    elapsed: Callable[[], float],
) -> None:
    """Forward every message from ``source`` to ``target``, adding each to ``frames``, until either side closes."""
    with contextlib.suppress(ConnectionClosed):
        async for message in source:
            frames.append(Frame.message(elapsed(), direction, message))
            await target.send(message)


async def _close_like(ws: ServerConnection | ClientConnection, code: int | None, reason: str) -> None:
    """Close ``ws`` as a recorded close says: with its code and reason, or by dropping it (no close frame)."""
    if code is None or code == _ABNORMAL:
        ws.transport.abort()
        return
    with contextlib.suppress(ConnectionClosed):
        await ws.close(1000 if code == _NO_STATUS else code, reason)


class ReplayServer(ServerThread):
    """Plays recorded sessions back to clients on 127.0.0.1, in place of a worker.

    Each connection gets the next recording. The server walks its frames in order: a recorded ``send`` waits for
    the client's next message and checks it is the recorded one (JSON compared as data; ``request_id`` may differ,
    and the server's later frames then carry the client's id; fields named in ``volatile``, dotted like
    ``"data.voice_id"``, are not compared); a recorded ``recv`` is sent at its recorded time after the client's
    last message, ``speed`` times faster (``math.inf``: at once); a recorded close is done alike. Anything else
    the client does is a mismatch: it goes to `errors`, the connection is closed with 1008, and `check()` (and
    leaving a ``with`` block without an exception) raises `ReplayMismatch`.
    """

    _thread_name = "daisys-ws-replay"
    token = "replay"

    def __init__(
        self, recordings: Recording | Sequence[Recording], *, speed: float = 1.0, volatile: Collection[str] = ()
    ) -> None:
        super().__init__()
        self.recordings = [recordings] if isinstance(recordings, Recording) else list(recordings)
        if not self.recordings:
            raise ValueError("ReplayServer needs at least one recording")
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed}")
        self.speed = speed
        self.volatile = frozenset(volatile)
        self.errors: list[str] = []
        self.served = 0
        self._assigned: dict[ServerConnection, tuple[int, Recording]] = {}

    @property
    def url(self) -> str:
        """The URL to connect to: ``ws://127.0.0.1:{port}/{model}?token=replay``, the first recording's model."""
        return f"{self.origin}/{self.recordings[0].model}?token={self.token}"

    def check(self) -> None:
        """Raise `ReplayMismatch` if any client strayed from its recording."""
        if self.errors:
            raise ReplayMismatch("\n".join(self.errors))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc is None:
            self.check()

    def _fail(self, message: str) -> None:
        if not self._shutting_down:
            self.errors.append(message)

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse a connection with no recording left, or for another model than its recording's."""
        number = self.served
        self.served += 1
        if number >= len(self.recordings):
            self._fail(f"connection {number + 1}: only {len(self.recordings)} recorded sessions to replay")
            return connection.respond(HTTPStatus.FORBIDDEN, "No recorded session left to replay\n")
        recording = self.recordings[number]
        model = _model_of(request.path)
        if model != recording.model:
            self._fail(f"connection {number + 1}: for model {model!r}, but it was recorded for {recording.model!r}")
            return connection.respond(HTTPStatus.FORBIDDEN, f"Recorded for model {recording.model!r}\n")
        self._assigned[connection] = (number + 1, recording)
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        number, recording = self._assigned.pop(ws)
        loop = asyncio.get_running_loop()
        # Recorded times count from the client's last message: a slow client delays what answers it, as it would.
        anchor = loop.time()
        ids: dict[Any, Any] = {}
        for index, frame in enumerate(recording.frames, start=1):
            where = f"connection {number}, frame {index} (t={frame.t})"
            if frame.direction == RECV:
                delay = anchor + frame.t / self.speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if frame.kind == "close":
                    await _close_like(ws, frame.code, frame.reason)
                    return
                try:
                    await ws.send(_remap(frame.data, ids))
                except ConnectionClosed:
                    self._fail(f"{where}: the client closed ({ws.close_code}) before the recording's end")
                    return
                continue
            try:
                message = await ws.recv()
            except ConnectionClosed:
                if frame.kind != "close":
                    self._fail(f"{where}: the client closed ({ws.close_code}), expected {frame.describe()}")
                return
            if frame.kind == "close":
                await self._mismatch(ws, f"{where}: expected the client to close, got {preview(message)}")
                return
            difference = _difference(frame.data, message, self.volatile, ids)
            if difference is not None:
                await self._mismatch(ws, f"{where}: {difference}")
                return
            anchor = loop.time() - frame.t / self.speed
        # The recording ends without a close: the client may still close, but should send nothing more.
        with contextlib.suppress(ConnectionClosed):
            message = await ws.recv()
            await self._mismatch(ws, f"connection {number}: {preview(message)} sent after the recording's end")

    async def _mismatch(self, ws: ServerConnection, message: str) -> None:
        self._fail(message)
        with contextlib.suppress(ConnectionClosed):
            await ws.close(_MISMATCH, ("replay mismatch: " + message)[:_CLOSE_REASON_LIMIT])


def _model_of(path: str) -> str:
    """The model in a worker URL path ``/{model}?token=...``."""
    return urlsplit(path).path.strip("/")


def _json(message: str | bytes) -> Any:
    if isinstance(message, bytes):
        raise ValueError("binary")
    return json.loads(message)


def _without(value: Any, dotted: str) -> None:
    """Remove a dotted field (``"data.voice_id"``) from parsed JSON, if there."""
    *parents, last = dotted.split(".")
    for name in parents:
        if not isinstance(value, dict):
            return
        value = value.get(name)
    if isinstance(value, dict):
        value.pop(last, None)


def _difference(
    recorded: str | bytes, actual: str | bytes, volatile: Collection[str], ids: dict[Any, Any]
) -> str | None:
    """None if the client's message is the recorded one; else what differs. Learns request id renames into ``ids``."""
    try:
        want, got = _json(recorded), _json(actual)
    except ValueError:
        if recorded == actual:
            return None
        return f"expected {preview(recorded)}, got {preview(actual)}"
    if isinstance(want, dict) and isinstance(got, dict):
        if "request_id" in want and "request_id" in got:
            ids[want.pop("request_id")] = got.pop("request_id")
        for name in volatile:
            _without(want, name)
            _without(got, name)
    if want == got:
        return None
    return f"expected {preview(recorded)}, got {preview(actual)}"


def _remap(message: str | bytes, ids: Mapping[Any, Any]) -> str | bytes:
    """A recorded server message with its request id renamed to the client's; unchanged when nothing is renamed."""
    if not any(old != new for old, new in ids.items()):
        return message
    if isinstance(message, str):
        try:
            value = json.loads(message)
        except json.JSONDecodeError:
            return message
        if isinstance(value, dict) and _hashable(value.get("request_id")) and value.get("request_id") in ids:
            value["request_id"] = ids[value["request_id"]]
            return json.dumps(value)
        return message
    if len(message) < _FRAME_PREFIX.size or message[:4] != b"JSON":
        return message
    _, length = _FRAME_PREFIX.unpack_from(message)
    end = _FRAME_PREFIX.size + length
    try:
        meta = json.loads(message[_FRAME_PREFIX.size : end])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return message
    if not isinstance(meta, dict) or not _hashable(meta.get("request_id")) or meta.get("request_id") not in ids:
        return message
    meta["request_id"] = ids[meta["request_id"]]
    encoded = json.dumps(meta).encode()
    return _FRAME_PREFIX.pack(b"JSON", len(encoded)) + encoded + message[end:]


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
