"""One test body for both clients: the ``Client`` (and its ``Websocket``) wrapped so that it is awaited like the
``AsyncClient`` (and its ``AsyncWebsocket``).

A test written ``async def`` against the asyncio API runs unchanged on a `SyncApi`: every method call is awaited,
``stream_take_audio`` and the session's ``iter_request``/``iter_pcm`` are async iterators, and the client, the
audio stream and the session work with ``async with``. The sync calls still block: that is fine for a test of one
client against a server in other threads (the emulator, a replay server), not for a test of concurrent calls, which
stays flavour-specific.

``FLAVOURS`` are the parameter ids ("sync", "async"): the cassette tests name their cassette files after them.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from types import TracebackType
from typing import Any

from daisys_ext import AsyncClient, AudioStream, Client, DaisysAPI, Websocket

FLAVOURS = ("sync", "async")
CLIENTS: dict[str, type[Client] | type[AsyncClient]] = {"sync": Client, "async": AsyncClient}


def _awaitable(method: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return method(*args, **kwargs)

    call.__name__ = getattr(method, "__name__", "call")
    return call


class _Awaited:
    """Forwards attribute reads and writes to a wrapped object; its methods come back as coroutine functions."""

    _wrapped: Any

    def __init__(self, wrapped: Any) -> None:
        object.__setattr__(self, "_wrapped", wrapped)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._wrapped, name)
        # Only the object's own methods: a plain callable stored on it (token_callback) is handed back as it is.
        return _awaitable(value) if inspect.ismethod(value) else value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._wrapped, name, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._wrapped!r})"


class SyncAudioStream:
    """A sync ``AudioStream`` as an async iterator and async context manager, like ``AsyncAudioStream``."""

    def __init__(self, stream: AudioStream) -> None:
        self._stream = stream

    async def __aenter__(self) -> SyncAudioStream:
        self._stream.__enter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stream.__exit__(*exc_info)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        self._stream.close()


class SyncWebsocket(_Awaited):
    """A sync ``Websocket`` awaited like an ``AsyncWebsocket``: ``async with``, awaited calls, async iterators.

    ``connected`` and ``in_flight`` are read from the session itself.
    """

    _wrapped: Websocket

    @property
    def websocket(self) -> Websocket:
        """The wrapped sync session."""
        return self._wrapped

    async def __aenter__(self) -> SyncWebsocket:
        self._wrapped.__enter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._wrapped.__exit__(exc_type, exc, tb)

    async def iter_request(self, request_id: int, request_timeout: float | None = None) -> AsyncIterator[Any]:
        for item in self._wrapped.iter_request(request_id, request_timeout):
            yield item

    async def iter_pcm(self, request_id: int, request_timeout: float | None = None) -> AsyncIterator[bytes]:
        for pcm in self._wrapped.iter_pcm(request_id, request_timeout):
            yield pcm

    async def stream_text(self, text_chunks: Any, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        stream = self._wrapped.stream_text(text_chunks, *args, **kwargs)
        try:
            for pcm in stream:
                yield pcm
        finally:
            stream.close()  # leaving early closes the session's stream too, as aclose() does the async one's


class SyncApi(_Awaited):
    """A ``Client`` whose methods are awaited like the ``AsyncClient``'s, so one test body serves both.

    Attributes (tokens, ``auto_logout``, ``token_callback``) are read and set on the client itself.
    """

    _wrapped: Client

    @property
    def client(self) -> Client:
        """The wrapped sync client."""
        return self._wrapped

    async def __aenter__(self) -> SyncApi:
        self._wrapped.__enter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._wrapped.__exit__(exc_type, exc, tb)

    def stream_take_audio(self, take_id: str, format: str = "wav") -> SyncAudioStream:
        return SyncAudioStream(self._wrapped.stream_take_audio(take_id, format))

    def websocket(self, *args: Any, **kwargs: Any) -> SyncWebsocket:
        return SyncWebsocket(self._wrapped.websocket(*args, **kwargs))

    def with_options(self, **options: Any) -> SyncApi:
        return SyncApi(self._wrapped.with_options(**options))


Api = SyncApi | AsyncClient  # what a test body of both flavours gets


def wrap(client: Client | AsyncClient) -> Api:
    """The client as a test body of both flavours uses it: a ``Client`` wrapped, an ``AsyncClient`` as it is."""
    return SyncApi(client) if isinstance(client, Client) else client


def unwrap(api: Api) -> Client | AsyncClient:
    """The client under an `Api`: to check its class."""
    return api.client if isinstance(api, SyncApi) else api


def new_client(flavour: str, *args: Any, **kwargs: Any) -> Api:
    """A client of ``flavour`` made with these arguments (not entered: ``async with`` it, or ``await`` its close)."""
    return wrap(CLIENTS[flavour](*args, **kwargs))


def get_client(flavour: str, factory: DaisysAPI) -> Api:
    """``factory.get_client()`` or ``factory.get_async_client()``, by flavour."""
    return wrap(factory.get_client() if flavour == "sync" else factory.get_async_client())


@contextlib.asynccontextmanager
async def entered(flavour: str, factory: DaisysAPI) -> AsyncIterator[Api]:
    """``with factory as speak`` or ``async with factory as speak``, by flavour."""
    if flavour == "sync":
        with factory as client:
            yield SyncApi(client)
    else:
        async with factory as aclient:
            yield aclient
