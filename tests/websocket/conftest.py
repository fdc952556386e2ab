"""Fixtures for the websocket session tests: the plugin's emulator, clients on it, and a voice to speak with.

A test that uses `api` (or `connect`, `flavour`) runs twice, with the `Client` ("sync") and the `AsyncClient`
("async"); its body is written against the asyncio API, and the sync client and its `Websocket` are wrapped so
that they are awaited alike (`support.flavours`). `client` and `aclient` are for the tests of one flavour only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from support.flavours import FLAVOURS, Api, new_client

from daisys_ext import AsyncClient, Client
from daisys_ext.testing import Emulator


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    """The session's emulator, freshly reset (take_seconds=0.2)."""
    return daisys_emulator


@pytest.fixture
def voice_id(emu: Emulator) -> str:
    """A voice of the shakespeare model, made directly on the emulator."""
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = {"name": "Jane", "gender": "female", "model": "shakespeare"}
    response = httpx.post(f"{emu.product_url}/voices/generate", json=body, headers=headers)
    response.raise_for_status()
    return str(response.json()["voice_id"])


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture
async def aclient(emu: Emulator) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """The client's flavour, "sync" or "async": the test runs once with each."""
    return str(request.param)


@pytest.fixture
async def api(flavour: str, emu: Emulator) -> AsyncIterator[Api]:
    """A fresh client of the test's flavour on the emulator, awaited alike in both flavours; its ``websocket(...)``
    is a session awaited alike too (``async with``, awaited calls, async ``iter_request``/``iter_pcm``)."""
    async with new_client(flavour, emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture
def connect(flavour: str) -> Callable[..., Api]:
    """``connect(*args, **kwargs)``: a client of the test's flavour made with exactly these arguments; use it as
    ``async with connect(...) as client``, or ``await client.close()`` it."""

    def make(*args: Any, **kwargs: Any) -> Api:
        return new_client(flavour, *args, **kwargs)

    return make
