"""One websocket connection to a worker, the same few calls over two libraries.

``AsyncConnection`` wraps websockets (asyncio-native: it answers pings by itself, and a
receive can be cancelled without losing data); ``Connection`` wraps websocket-client.
Both open with a timeout, TLS settings and a proxy, send text, receive one message with a
timeout, and report a lost connection as `ConnectionLost` with a reason safe to show.
They are hand-written twins because the two libraries share no API; the session above
them is written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._errors import DaisysWebsocketConnectError
from .._logging import redact_text, redact_url

if TYPE_CHECKING:
    import websocket
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger("daisys_ext.websocket")

Message = str | bytes

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest message a connection accepts: in parts mode one message is a whole sentence's
WAV, a few MiB for the longest real sentence (three minutes of 48 kHz 16-bit mono is 17 MiB);
a larger one closes the connection (1009) and fails the requests it carried."""


@dataclass(frozen=True)
class ConnectOptions:
    """How to reach workers: the client's TLS context and proxy, applied to websockets as to HTTP.

    ``headers`` are extra handshake headers (another service's API key, say): never in the repr.
    ``max_message_bytes`` bounds one received message (None: no bound), refused as soon as its
    frames announce more, before the bytes are read.
    """

    timeout: float = 10.0
    ssl_context: ssl.SSLContext | None = None
    proxy: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES


class ConnectionLost(Exception):
    """The connection ended; ``why`` says how (close code and reason), with no secret in it.

    ``code`` is the close code the other end sent, None when it sent none (a broken connection).
    """

    def __init__(self, why: str, code: int | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.code = code


class HandshakeRefused(DaisysWebsocketConnectError):
    """The worker answered the opening handshake with an HTTP error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def close_description(code: int | bytes | None, reason: str | bytes = "") -> str:
    """How a close frame reads in an error message, e.g. ``code 1011, "worker restarting"``."""
    if isinstance(code, bytes):
        code = struct.unpack("!H", code)[0] if len(code) == 2 else None
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    if code is None:
        return "closed without a close code"
    return f'code {code}, "{reason}"' if reason else f"code {code}"


def _refused(url: str, status: int) -> HandshakeRefused:
    return HandshakeRefused(f"The worker at {redact_url(url)} refused the websocket: HTTP {status}", status)


def _unreachable(url: str, exc: BaseException) -> DaisysWebsocketConnectError:
    # The library's message could quote the URL and its secret: redacted, and raised ``from None``.
    detail = redact_text(str(exc)) or type(exc).__name__
    return DaisysWebsocketConnectError(f"Could not open a websocket to {redact_url(url)}: {detail}")


class AsyncConnection:
    """A worker connection on websockets."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws

    @classmethod
    async def connect(cls, url: str, options: ConnectOptions) -> AsyncConnection:
        """Connect to ``url``; raises `DaisysWebsocketConnectError` (`HandshakeRefused` for an HTTP status)."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        secure = urlsplit(url).scheme == "wss"
        try:
            ws = await connect(
                url,
                open_timeout=options.timeout,
                max_size=options.max_message_bytes,
                compression=None,
                # wss:// with no context of ours is True (the system's trust): None is refused for wss.
                ssl=(options.ssl_context or True) if secure else None,
                proxy=options.proxy if options.proxy is not None else True,
                additional_headers=list(options.headers) or None,
            )
        except InvalidStatus as exc:
            raise _refused(url, exc.response.status_code) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise _unreachable(url, exc) from None
        log.debug("websocket open to %s", redact_url(url))
        return cls(ws)

    async def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise ConnectionLost(_closed(exc), _close_code(exc)) from None

    async def recv(self, timeout: float | None) -> Message | None:
        """The next message, or None when none came within ``timeout`` seconds (0: only one already here)."""
        from websockets.exceptions import ConnectionClosed

        try:
            async with asyncio.timeout(timeout):
                return await self._ws.recv()
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise ConnectionLost(_closed(exc), _close_code(exc)) from None

    async def close(self) -> None:
        """Close with the closing handshake (the user is done with the session)."""
        await self._ws.close()

    async def drop(self) -> None:
        """Let go of a connection found broken; websockets closes it without waiting."""
        await self._ws.close()

    @property
    def is_open(self) -> bool:
        from websockets.protocol import State

        return self._ws.state is State.OPEN


def _closed(exc: Exception) -> str:
    close = getattr(exc, "rcvd", None)
    if close is not None:
        return close_description(close.code, close.reason)
    sent = getattr(exc, "sent", None)  # this end closed it: a message over max_size (1009), say
    if sent is not None:
        return f"closed by this client, {close_description(sent.code, sent.reason)}"
    return "closed without a close frame"


def _close_code(exc: Exception) -> int | None:
    close = getattr(exc, "rcvd", None)
    return int(close.code) if close is not None else None


class MessageTooBig(Exception):
    """A message's frames announced more bytes than the connection accepts (``size`` so far)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a message of more than {limit} bytes ({size} announced)")
        self.size, self.limit = size, limit


@functools.cache
def _bounded_frames(limit: int) -> type[websocket._abnf.frame_buffer]:
    """websocket-client's frame reader with a bound on one message: each data frame's announced length is
    added to its message's before the payload is read. websocket-client has no such option (websockets'
    is ``max_size``), and its reader is the one place where a frame's length is known before its bytes."""
    from websocket._abnf import ABNF, frame_buffer

    data, first = (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY, ABNF.OPCODE_CONT), (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY)

    class BoundedFrames(frame_buffer):
        message = 0  # bytes the frames of the message being received have announced

        def recv_length(self) -> None:
            super().recv_length()
            opcode = self.header[4] if self.header is not None else None
            if opcode in data:
                self.message = (0 if opcode in first else self.message) + (self.length or 0)
                if self.message > limit:
                    raise MessageTooBig(self.message, limit)

    return BoundedFrames


class Connection:
    """A worker connection on websocket-client; several threads may share it (one reads at a time)."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self._ws = ws
        self._receiving = False

    @classmethod
    def connect(cls, url: str, options: ConnectOptions) -> Connection:
        """Connect to ``url``; raises `DaisysWebsocketConnectError` (`HandshakeRefused` for an HTTP status)."""
        import websocket

        sslopt = {"context": options.ssl_context} if options.ssl_context is not None else None
        ws = websocket.WebSocket(enable_multithread=True, sslopt=sslopt)
        if options.max_message_bytes is not None:
            bounded = _bounded_frames(options.max_message_bytes)
            ws.frame_buffer = bounded(ws._recv, ws.frame_buffer.skip_utf8_validation)
        try:
            headers = {"header": [f"{name}: {value}" for name, value in options.headers]} if options.headers else {}
            ws.connect(url, timeout=options.timeout, **_proxy_options(options.proxy), **headers)  # type: ignore[no-untyped-call]
        except websocket.WebSocketBadStatusException as exc:
            raise _refused(url, exc.status_code) from None
        except (OSError, websocket.WebSocketException) as exc:
            raise _unreachable(url, exc) from None
        log.debug("websocket open to %s", redact_url(url))
        return cls(ws)

    def send(self, text: str) -> None:
        import websocket

        try:
            self._ws.send(text)
        except (OSError, websocket.WebSocketException) as exc:
            raise ConnectionLost(f"sending failed: {type(exc).__name__}") from None

    def recv(self, timeout: float | None) -> Message | None:
        """The next message, or None when none came within ``timeout`` seconds (0: only one already here)."""
        import websocket

        # A 0 timeout makes the socket non-blocking, and websocket-client then reports "no data yet" as a
        # broken connection (BlockingIOError); a millisecond gives the same "only what has arrived".
        self._ws.settimeout(None if timeout is None else max(timeout, 0.001))
        self._receiving = True
        try:
            opcode, data = self._ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        except MessageTooBig as exc:  # the stream stands in the middle of a frame: tell the worker, and go
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self._ws.send_close(1009, b"message too big")
            raise ConnectionLost(f"closed by this client, {close_description(1009, str(exc))}") from None
        except (OSError, websocket.WebSocketException) as exc:
            why = f"{type(exc).__name__}: {redact_text(str(exc))}" if str(exc) else type(exc).__name__
            raise ConnectionLost(why) from None
        finally:
            self._receiving = False
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
            raise ConnectionLost(close_description(data[:2], data[2:]), code)
        return data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else bytes(data)

    def close(self) -> None:
        """Close with the closing handshake (the user is done with the session)."""
        if self._receiving:
            self._ws.abort()  # type: ignore[no-untyped-call]  # wakes the thread blocked in recv; close() while it reads is unsafe
        self._ws.close(timeout=1)

    def drop(self) -> None:
        """Let go of a connection found broken, without a closing handshake that could only time out."""
        self._ws.abort()  # type: ignore[no-untyped-call]
        self._ws.shutdown()  # type: ignore[no-untyped-call]

    @property
    def is_open(self) -> bool:
        return bool(self._ws.connected)


# A host name no URL has (a NUL byte): websocket-client's no-proxy list that matches nothing.
_NO_HOST = "\x00"


def _proxy_options(proxy: str | None) -> dict[str, object]:
    """websocket-client's proxy arguments for a proxy URL (``http://user:pw@host:port``)."""
    if proxy is None:
        return {}
    parts = urlsplit(proxy)
    options: dict[str, object] = {
        "http_proxy_host": parts.hostname,
        "http_proxy_port": parts.port or (443 if parts.scheme == "https" else 80),
        "proxy_type": parts.scheme if parts.scheme in ("socks4", "socks4a", "socks5", "socks5h") else "http",
        # A proxy given explicitly is used for every host, as httpx and websockets use it: an empty list
        # would make websocket-client read NO_PROXY instead, and bypass the proxy for the hosts it lists.
        "http_no_proxy": [_NO_HOST],
    }
    if parts.username:
        options["http_proxy_auth"] = (parts.username, parts.password or "")
    return options
