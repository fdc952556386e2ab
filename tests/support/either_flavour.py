"""One test body for both clients: make a `Client` or an `AsyncClient`, and call either the same way.

A test takes ``flavour`` ("sync" or "async"), is itself ``async def``, and awaits ``call(...)`` around every
client call: an `AsyncClient`'s coroutine is awaited, a `Client`'s result passed through. The synchronous
client then blocks the test's event loop, which is fine: the emulator answers from threads of its own.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import wave
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from daisys_ext import AsyncClient, AsyncWebsocket, Client, Websocket
from daisys_ext.testing import Emulator

FLAVOURS = ["sync", "async"]
T = TypeVar("T")

AnyClient = Client | AsyncClient
AnySession = Websocket | AsyncWebsocket


async def call(value: Any) -> Any:
    """The result of a client call: awaited if the flavour is async."""
    if inspect.isawaitable(value):
        return await value
    return value


def make_client(flavour: str, emu: Emulator, **options: Any) -> AnyClient:
    """A client of the flavour on the emulator, logged in with its email and password on first use."""
    cls = Client if flavour == "sync" else AsyncClient
    options.setdefault("daisys_url", emu.api_url)
    options.setdefault("auth_url", emu.api_url)
    return cls(emu.email, emu.password, **options)


def make_http_client(flavour: str, **options: Any) -> httpx.Client | httpx.AsyncClient:
    """A user's own httpx client of the flavour (``http_client=``)."""
    return httpx.Client(**options) if flavour == "sync" else httpx.AsyncClient(**options)


async def close_http_client(http_client: httpx.Client | httpx.AsyncClient) -> None:
    if isinstance(http_client, httpx.AsyncClient):
        await http_client.aclose()
    else:
        http_client.close()


@contextlib.asynccontextmanager
async def opened(client: AnyClient) -> AsyncIterator[Any]:
    """``with client`` / ``async with client`` (typed Any: the body calls either flavour's methods)."""
    try:
        yield client
    finally:
        await call(client.close())


@contextlib.asynccontextmanager
async def session(client: AnyClient, *args: Any, **options: Any) -> AsyncIterator[Any]:
    """``client.websocket(...)`` entered with ``with`` or ``async with``, as its flavour wants."""
    ws = client.websocket(*args, **options)
    if isinstance(ws, AsyncWebsocket):
        async with ws:
            yield ws
    else:
        with ws:
            yield ws


def wav_frames(data: bytes) -> int:
    """The number of frames of a WAV file's bytes; raises if they are not a valid WAV."""
    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.getnframes()
        assert wav.getframerate() > 0
        assert len(wav.readframes(frames)) == frames * wav.getsampwidth() * wav.getnchannels()
        return frames
