"""The emulator's websocket worker: the `Daisys API websockets` protocol on a local `websockets` server.

It accepts ``/takes/generate`` and ``/voices/generate`` commands, reports status changes as text messages and
streams audio as ``JSON``-prefixed binary frames in parts or chunks mode, paced over ``take_seconds``.  Faults
(out-of-order frames, connection drops between requests) can be injected to exercise client robustness.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._options import Options
from ._wsserver import ServerThread

__all__ = ["BackendError", "WebsocketWorker", "WorkerBackend"]

log = logging.getLogger(__name__)

COMMANDS = ("/takes/generate", "/voices/generate")
CHUNK_SIZE = 4096  # audio bytes per chunk, as in the documentation's example output
STARTED_AT = 0.05  # fraction of take_seconds before "started" is reported
AUDIO_END = 0.95  # fraction of take_seconds by which the last part has been generated
FAIL_AT = 0.5  # fraction of take_seconds at which a failing take reports "error"
DROP_REASON = "rebalancing"
CUT_CODE, CUT_REASON = 1011, "worker restarting"  # a drop in the middle of a request
STOP_CLOSE_TIMEOUT = 0.2  # seconds stop() waits for a client to answer the closing handshake
# How a failed take is reported: its status "error" only; or also an error message for its request, after the
# status or before it (a real worker may send both, in either order).


class WorkerBackend(Protocol):
    """What the worker needs from the emulator's state: tokens, take/voice records, audio and request log."""

    def ws_token_model(self, token: str) -> str | None:
        """Return the model a worker-URL token was issued for, or None if unknown or expired."""
        ...

    def start_take(self, body: object, model: str) -> dict[str, Any]:
        """Validate a TakeGenerate body, create the take (status waiting) and return its TakeResponse dict."""
        ...

    def start_voice(self, body: object) -> tuple[dict[str, Any], str]:
        """Validate a VoiceGenerate body, create the voice and its example take; return both."""
        ...

    def parts(self, take_id: str) -> list[bytes]:
        """Return the complete WAV file of each part (sentence) of a take."""
        ...

    def will_fail(self, take_id: str) -> bool:
        """Return True if the generation of this take should end in error."""
        ...

    def set_status(self, item_id: str, status: str) -> dict[str, Any]:
        """Set a take's or voice's status; return the updated TakeResponse or VoiceInfo dict."""
        ...

    def record(self, method: str, path: str, headers: Mapping[str, str], query: str) -> None:
        """Record a request made to the worker origin."""
        ...


class BackendError(Exception):
    """An invalid command body; its message is reported to the client in an error status."""


def audio_frame(meta: dict[str, Any], audio: bytes) -> bytes:
    """Build a binary audio message: ``JSON``, the metadata length (uint32 LE), the metadata, the audio."""
    encoded = json.dumps(meta).encode()
    return b"JSON" + struct.pack("<I", len(encoded)) + encoded + audio


def wav_header_length(wav: bytes) -> int:
    """Return the offset of the audio samples in a WAV file (44 for a plain header)."""
    pos = 12
    while pos + 8 <= len(wav):
        if wav[pos : pos + 4] == b"data":
            return pos + 8
        pos += 8 + int.from_bytes(wav[pos + 4 : pos + 8], "little")
    return min(44, len(wav))


def split_chunks(wav: bytes) -> list[bytes]:
    """Split a part into chunks: the header plus CHUNK_SIZE audio bytes, then CHUNK_SIZE bytes each."""
    first = wav_header_length(wav) + CHUNK_SIZE
    return [wav[:first]] + [wav[i : i + CHUNK_SIZE] for i in range(first, len(wav), CHUNK_SIZE)]


def progress_status(done: int, total: int) -> str:
    """Return the progress status after ``done`` of ``total`` parts (the highest quarter reached)."""
    quarter = 4 * done // total
    return {0: "started", 1: "progress_25", 2: "progress_50", 3: "progress_75"}.get(quarter, "progress_75")


@dataclass
class _Event:
    """One step of a request's playback: at ``at`` seconds, set and report a status or send a frame."""

    at: float
    status: str | None = None
    frame: bytes | None = None
    error: str | None = None  # an error message for the request: {"status": "error", "message": ...}


@dataclass
class _Request:
    """A validated command waiting for (or under) processing."""

    request_id: int | str
    chunks: bool
    take_id: str
    voice_id: str | None = None


@dataclass
class _Connection:
    """Per-connection state: the model, the command queue and the fault-injection randomness."""

    ws: ServerConnection
    model: str
    rng: random.Random
    queue: asyncio.Queue[_Request] = field(default_factory=asyncio.Queue)
    completed: int = 0
    accepting: bool = False  # a command is being validated and may be queued any moment
    closing: bool = False


class _CommandError(Exception):
    """A command that cannot be accepted; reported as an error status for its request id."""

    def __init__(self, message: str, request_id: int | str | None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id


def _model_and_token(path: str) -> tuple[str, str]:
    """Split a worker URL path ``/{model}?token=...`` into model and token ('' when absent)."""
    parts = urlsplit(path)
    tokens = parse_qs(parts.query).get("token", [""])
    return unquote(parts.path.strip("/")), tokens[0]


class WebsocketWorker(ServerThread):
    """A websocket worker node serving one or more connections from its own thread and event loop.

    It behaves as its ``options`` say (the emulator's own `Options`, read on every request): ``take_seconds``,
    ``ws_shuffle_window``, ``ws_drop_after``, ``ws_cut_after``, ``ws_fail_report`` and ``seed`` may be changed
    at any time; they apply to requests (and, for ``seed``, connections) that start afterwards.
    """

    _thread_name = "daisys-emulator-worker"

    def __init__(self, backend: WorkerBackend, options: Options | None = None) -> None:
        self.backend = backend
        self.options = options if options is not None else Options()
        self._tasks: set[asyncio.Task[None]] = set()
        super().__init__()

    # -- server lifecycle (worker thread) --

    def _closing(self, server: Server) -> None:
        # The emulator is going away: don't wait long for clients that are not reading.
        for connection in server.connections:
            connection.close_timeout = STOP_CLOSE_TIMEOUT

    async def _closed(self) -> None:
        # Connections are closed now; requests still generating have no one left to stream to.
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Record the handshake and refuse it (403) unless the token was issued for the model in the path."""
        parts = urlsplit(request.path)
        headers = {name: value for name, value in request.headers.raw_items()}
        await asyncio.to_thread(self.backend.record, "GET", parts.path, headers, parts.query)
        model, token = _model_and_token(request.path)
        issued_for = await asyncio.to_thread(self.backend.ws_token_model, token) if token else None
        if issued_for is None:
            return connection.respond(HTTPStatus.FORBIDDEN, "Invalid or expired worker token\n")
        if issued_for != model:
            message = f"Worker token was not issued for model {model!r}\n"
            return connection.respond(HTTPStatus.FORBIDDEN, message)
        return None

    # -- a connection --

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None  # set once the handshake succeeded
        model, _ = _model_and_token(ws.request.path)
        conn = _Connection(ws=ws, model=model, rng=random.Random(self.options.seed))
        await self._send_json(
            conn,
            {
                "status": "ready",
                "message": f"Worker ready for model {model}",
                "request_id": None,
                "model": model,
            },
        )
        # Generation runs in its own task so new commands are accepted (and queued) while one is processed.
        processor = asyncio.create_task(self._process(conn))
        self._tasks.add(processor)
        processor.add_done_callback(self._tasks.discard)
        with contextlib.suppress(ConnectionClosed):  # however the connection ends, this handler is done
            await self._serve_commands(conn)

    async def _serve_commands(self, conn: _Connection) -> None:
        """Accept commands until the connection closes; a refused one is answered with an error status."""
        model = conn.model
        async for message in conn.ws:
            if conn.closing:
                break  # dropped for rebalancing: commands racing the close are not taken on
            conn.accepting = True
            try:
                request = await self._accept(conn, message)
            except _CommandError as exc:
                await self._send_json(
                    conn,
                    {"status": "error", "message": exc.message, "request_id": exc.request_id, "model": model},
                )
            else:
                conn.queue.put_nowait(request)
            finally:
                conn.accepting = False

    async def _accept(self, conn: _Connection, message: str | bytes) -> _Request:
        """Validate a command, create its take or voice, report "waiting" and return it for processing."""
        if isinstance(message, bytes):
            raise _CommandError("Binary messages are not accepted; send commands as JSON text", None)
        try:
            command = json.loads(message)
        except json.JSONDecodeError as exc:
            raise _CommandError(f"Command is not valid JSON: {exc}", None) from None
        if not isinstance(command, dict):
            raise _CommandError("Command must be a JSON object", None)
        request_id = command.get("request_id")
        if isinstance(request_id, bool) or not isinstance(request_id, int | str):
            raise _CommandError("Field 'request_id' is required and must be a string or an integer", None)
        name = command.get("command")
        if name not in COMMANDS:
            expected = " or ".join(COMMANDS)
            raise _CommandError(f"Unknown command {name!r}; expected {expected}", request_id)
        stream = command.get("stream") or {}
        mode = stream.get("mode", "parts") if isinstance(stream, dict) else None
        if mode not in ("parts", "chunks"):
            raise _CommandError("Field 'stream' must be {'mode': 'parts'} or {'mode': 'chunks'}", request_id)
        if "data" not in command:
            raise _CommandError("Field 'data' is required", request_id)
        try:
            if name == "/takes/generate":
                info = await asyncio.to_thread(self.backend.start_take, command["data"], conn.model)
                request = _Request(request_id, mode == "chunks", take_id=info["take_id"])
            else:
                info, example_take_id = await asyncio.to_thread(self.backend.start_voice, command["data"])
                request = _Request(request_id, mode == "chunks", take_id=example_take_id, voice_id=info["voice_id"])
        except BackendError as exc:
            raise _CommandError(str(exc), request_id) from None
        except Exception as exc:  # an emulator bug: show it to the test rather than dropping the connection
            log.exception("backend failed on %s", name)
            raise _CommandError(f"Internal emulator error: {exc!r}", request_id) from None
        await self._send_json(conn, {"data": info, "request_id": request_id})
        return request

    async def _process(self, conn: _Connection) -> None:
        """Generate queued requests one at a time; drop the connection between requests if configured."""
        while True:
            request = await conn.queue.get()
            try:
                await self._generate(conn, request)
            except LookupError as exc:  # its take was deleted (or the emulator reset) while it was generated
                log.info("request %r stopped: %s", request.request_id, exc)
            except Exception:  # one broken request must not stall the ones queued after it
                log.exception("generating request %r failed", request.request_id)
            if conn.closing:
                return  # cut in the middle of the request
            conn.completed += 1
            drop_after = self.options.ws_drop_after
            idle = conn.queue.empty() and not conn.accepting
            if drop_after is not None and conn.completed >= drop_after and idle:
                conn.closing = True
                await conn.ws.close(1000, DROP_REASON)
                return

    async def _generate(self, conn: _Connection, request: _Request) -> None:
        """Play a request's schedule: report statuses as they change and send frames as they are generated."""
        events = await self._schedule(request)
        window, cut_after = self.options.ws_shuffle_window, self.options.ws_cut_after
        if window > 1:
            self._shuffle(events, window, conn.rng)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        sent = 0
        for event in events:
            await asyncio.sleep(max(0.0, t0 + event.at - loop.time()))
            if event.frame is not None:
                if cut_after is not None and sent >= cut_after:
                    conn.closing = True
                    await conn.ws.close(CUT_CODE, CUT_REASON)
                    return
                await self._send(conn, event.frame)
                sent += 1
            elif event.status is not None:
                info = await self._set_status(request, event.status)
                if info is not None:
                    await self._send_json(conn, {"data": info, "request_id": request.request_id})
            elif event.error is not None:
                message = {"status": "error", "message": event.error, "request_id": request.request_id}
                await self._send_json(conn, {**message, "model": conn.model})

    async def _schedule(self, request: _Request) -> list[_Event]:
        """Lay out a request's statuses and frames over take_seconds, as a real generation would unfold."""
        total = max(0.0, float(self.options.take_seconds))
        fails = await asyncio.to_thread(self.backend.will_fail, request.take_id)
        parts = [] if fails else await asyncio.to_thread(self.backend.parts, request.take_id)
        events = [_Event(STARTED_AT * total, status="started")]

        def frame(at: float, part_id: int, chunk_id: int | None, audio: bytes) -> None:
            meta: dict[str, Any] = {"take_id": request.take_id, "part_id": part_id}
            if request.chunks:
                meta["chunk_id"] = chunk_id
            meta["request_id"] = request.request_id
            events.append(_Event(at, frame=audio_frame(meta, audio)))

        if fails:
            # The stream is still terminated so that clients waiting for the end of audio do not hang.
            frame(FAIL_AT * total, 0, 0, b"")
            status = _Event(FAIL_AT * total, status="error")
            error = _Event(FAIL_AT * total, error=f"Generation of take {request.take_id} failed")
            events += {
                "status": [status],
                "status_then_message": [status, error],
                "message_then_status": [error, status],
            }[self.options.ws_fail_report]
            return events
        # Each part takes generation time proportional to its length.
        sizes = [max(1, len(wav)) for wav in parts]
        span = (AUDIO_END - STARTED_AT) * total
        start, reported = STARTED_AT * total, "started"
        for part_id, wav in enumerate(parts):
            end = start + span * sizes[part_id] / sum(sizes)
            if request.chunks:
                chunks = split_chunks(wav)
                for chunk_id, chunk in enumerate(chunks):
                    frame(start + (end - start) * (chunk_id + 1) / len(chunks), part_id, chunk_id, chunk)
                frame(end, part_id, len(chunks), b"")
            else:
                frame(end, part_id, None, wav)
            progress = progress_status(part_id + 1, len(parts))
            if part_id + 1 < len(parts) and progress != reported:
                events.append(_Event(end, status=progress))
                reported = progress
            start = end
        frame(start, len(parts), 0, b"")
        events.append(_Event(total, status="ready"))
        return events

    @staticmethod
    def _shuffle(events: list[_Event], window: int, rng: random.Random) -> None:
        """Permute the frames within each run of ``window`` consecutive frames; statuses keep their slots."""
        slots = [i for i, event in enumerate(events) if event.frame is not None]
        for begin in range(0, len(slots), window):
            group = slots[begin : begin + window]
            frames = [events[i].frame for i in group]
            rng.shuffle(frames)
            for i, frame in zip(group, frames, strict=True):
                events[i].frame = frame

    async def _set_status(self, request: _Request, status: str) -> dict[str, Any] | None:
        """Advance the take (and for a voice request the voice); return what to report, if anything."""
        take = await asyncio.to_thread(self.backend.set_status, request.take_id, status)
        if request.voice_id is None:
            return take
        # A voice has no progress of its own; its status follows the example take's start and end.
        if status in ("started", "ready", "error"):
            return await asyncio.to_thread(self.backend.set_status, request.voice_id, status)
        return None

    async def _send_json(self, conn: _Connection, message: dict[str, Any]) -> None:
        await self._send(conn, json.dumps(message))

    @staticmethod
    async def _send(conn: _Connection, message: str | bytes) -> None:
        # A client that went away does not stop generation: the take still completes for REST observers.
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(message)
