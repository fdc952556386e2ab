"""A websocket server in a thread of its own: the emulator's worker and the replay servers run on it.

A synchronous test (or the emulator, started from one) can then use an asyncio server without an event loop
of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

__all__ = ["ServerThread"]

log = logging.getLogger(__name__)


class ServerThread:
    """A ``websockets`` server on an ephemeral port of 127.0.0.1, run by its own thread and event loop.

    start() returns once the port is bound; stop() closes every connection and joins the thread. Subclasses
    give ``_handle`` (a connection), and may give ``_process_request`` (the handshake), ``_closing`` (the
    server is about to close its connections) and ``_closed`` (they are closed).
    """

    _thread_name = "daisys-ws-server"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._origin = ""
        self._error: BaseException | None = None
        self._shutting_down = False

    @property
    def origin(self) -> str:
        """``ws://127.0.0.1:{port}`` while running."""
        if not self._origin:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() or use it in a with block")
        return self._origin

    @property
    def address(self) -> tuple[str, int]:
        """``("127.0.0.1", port)``: what a client connects to (a test may need to allow it)."""
        host, port = urlsplit(self.origin).netloc.rsplit(":", 1)
        return host, int(port)

    def start(self) -> str:
        """Start serving (idempotent); return the ``ws://`` origin."""
        if self._thread is not None:
            return self._origin
        self._started.clear()
        self._shutting_down = False
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()
        self._started.wait(10)
        if not self._origin:
            self._thread.join(1)
            self._thread = None
            raise RuntimeError(f"{type(self).__name__} failed to start") from self._error
        return self._origin

    def stop(self) -> None:
        """Close every connection, stop the event loop and join its thread (idempotent)."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        self._shutting_down = True
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already have ended
                loop.call_soon_threadsafe(stopping.set)
        thread.join(10)
        self._thread = None
        self._origin = ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            log.exception("%s crashed", type(self).__name__)
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        async with serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=None,  # frames must pass byte for byte; audio barely compresses anyway
            max_size=None,  # a parts-mode frame is a whole sentence of audio
            close_timeout=1,
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            self._origin = f"ws://127.0.0.1:{port}"
            self._started.set()
            await self._stopping.wait()
            self._closing(server)
        await self._closed()
        self._loop = None

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        return None

    def _closing(self, server: Server) -> None:
        pass

    async def _closed(self) -> None:
        pass

    async def _handle(self, ws: ServerConnection) -> None:
        raise NotImplementedError
