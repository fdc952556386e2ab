"""Deliberately broken websocket workers on 127.0.0.1, for the abuse suite.

`BrokenWorker` runs a ``websockets`` asyncio server in a thread of its own and hands every
connection to a script of the test's choosing (an ``async def script(worker, ws)``), which
reads the client's commands and sends whatever it likes: statuses, audio frames, garbage,
a close in the middle of a request, or nothing at all. Frames and WAVs are built here by
hand, independently of the client's own encoder.

The server logs to a logger of its own that reaches no handler: the request line it would
log carries the worker URL's ``token=``, and the tests check that no record *of the client*
does.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import struct
import threading
import wave
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from websockets.asyncio.server import ServerConnection, serve

SECRET = "SECRET123"
MODEL = "shakespeare"

Script = Callable[["BrokenWorker", ServerConnection], Awaitable[None]]

_server_log = logging.getLogger("abuse.ws_server")
_server_log.propagate = False  # the server's records (with the URL's secret) are not the client's
_server_log.disabled = True


class BrokenWorker:
    """A websocket server whose every connection runs ``script``; ``url`` is a worker URL with a secret."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.commands: list[dict[str, Any]] = []  # every command received, on any connection
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="abuse-ws-worker", daemon=True)
        self._port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/{MODEL}?token={SECRET}"

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10) or not self._port:
            raise RuntimeError("the broken worker did not start")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with serve(
                self._handle, "127.0.0.1", 0, compression=None, max_size=None, close_timeout=0.5, logger=_server_log
            ) as server:
                self._port = next(iter(server.sockets)).getsockname()[1]
                self._ready.set()
                await self._stop.wait()
                for connection in server.connections:
                    connection.close_timeout = 0.1
        finally:
            self._ready.set()

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        with contextlib.suppress(Exception):  # a client that leaves ends the script, whatever it was doing
            await self.script(self, ws)
            await ws.wait_closed()

    async def command(self, ws: ServerConnection) -> dict[str, Any]:
        """The next command the client sends (recorded)."""
        command: dict[str, Any] = json.loads(await ws.recv())
        self.commands.append(command)
        return command


# -- messages ---------------------------------------------------------------------------------------------------------


def take(request_id: int | str, status: str, take_id: str = "t01abuse") -> str:
    """A take status message, as the worker sends it for a request."""
    data = {"take_id": take_id, "voice_id": "v01abuse", "text": "Hi.", "status": status, "timestamp_ms": 1}
    return json.dumps({"data": data, "request_id": request_id})


def worker_error(request_id: Any, message: str = "Generation failed") -> str:
    return json.dumps({"status": "error", "message": message, "request_id": request_id, "model": MODEL})


def frame(meta: dict[str, Any], audio: bytes = b"") -> bytes:
    """``JSON``, the metadata's length (uint32, little-endian), the metadata, the audio."""
    encoded = json.dumps(meta).encode()
    return b"JSON" + struct.pack("<I", len(encoded)) + encoded + audio


def part_frame(request_id: int | str, part_id: int, audio: bytes = b"", take_id: str = "t01abuse") -> bytes:
    """A parts-mode frame: a whole part's WAV, or (empty) the end of the take."""
    return frame({"take_id": take_id, "part_id": part_id, "request_id": request_id}, audio)


def wav(samples: int = 2000, fill: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(struct.pack("<h", fill) * samples)
    return buffer.getvalue()


async def good_take(ws: ServerConnection, request_id: int | str, take_id: str = "t01good") -> None:
    """A whole take in parts mode, as a well-behaved worker sends it: two parts, the end, ready."""
    await ws.send(take(request_id, "waiting", take_id))
    await ws.send(take(request_id, "started", take_id))
    await ws.send(part_frame(request_id, 0, wav(2000, 1), take_id))
    await ws.send(part_frame(request_id, 1, wav(1000, 2), take_id))
    await ws.send(part_frame(request_id, 2, b"", take_id))
    await ws.send(take(request_id, "ready", take_id))


GOOD_PCM = struct.pack("<h", 1) * 2000 + struct.pack("<h", 2) * 1000  # what good_take's audio is, as PCM


def then_good_takes(first: Script) -> Script:
    """A script whose first connection runs ``first``, and every later one (the session's reconnection) serves
    good takes."""

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        if worker.connections > 1:
            while True:
                command = await worker.command(ws)
                await good_take(ws, command["request_id"])
        await first(worker, ws)

    return script


def started_then_silent(audio: bytes, fragments: int = 1) -> Script:
    """Answers the first command with ``started`` and a part of ``audio`` (in that many websocket frames), then
    sends nothing more."""

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        command = await worker.command(ws)
        await ws.send(take(command["request_id"], "started"))
        message = part_frame(command["request_id"], 0, audio)
        step = -(-len(message) // fragments)
        await ws.send([message[i : i + step] for i in range(0, len(message), step)] if fragments > 1 else message)
        await ws.wait_closed()

    return then_good_takes(script)
