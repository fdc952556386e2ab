"""Fixtures for the client tests: the plugin's emulator, fresh clients on it, and voices made behind their back.

The emulator comes from the `daisys_ext.testing.plugin` fixtures (`daisys_emulator`), reset before every test, so
each test may change its options (token_ttl, take_seconds, fail_rate, ...) freely.

A test that uses `api` or `connect` (or `flavour`) runs twice, with the `Client` ("sync") and the `AsyncClient`
("async"): its body is written against the asyncio API, and the sync client is wrapped so that it is awaited
alike (`support.flavours`). `client` and `aclient` are for the tests of one flavour only.
"""

from __future__ import annotations

import time
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
def raw(emu: Emulator) -> Iterator[httpx.Client]:
    """A plain httpx client on the product URL with its own token: to set up state without the client under test."""
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    with httpx.Client(
        base_url=emu.product_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ) as client:
        yield client


@pytest.fixture
def make_voice(raw: httpx.Client) -> Callable[..., dict]:
    """Create a voice directly on the emulator; returns its VoiceInfo JSON."""

    def make(name: str = "Ignacio", gender: str = "male", model: str = "shakespeare") -> dict:
        response = raw.post("/voices/generate", json={"name": name, "gender": gender, "model": model})
        response.raise_for_status()
        time.sleep(0.003)  # distinct millisecond timestamps, for the older/newer filters
        return response.json()

    return make


@pytest.fixture
def voice_id(make_voice: Callable[..., dict]) -> str:
    """A voice of the shakespeare model (its example take generates in the background)."""
    return str(make_voice()["voice_id"])


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    """A fresh synchronous client with the emulator's email and password, closed after the test."""
    with Client(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture
async def aclient(emu: Emulator) -> AsyncIterator[AsyncClient]:
    """A fresh asyncio client with the emulator's email and password, closed after the test."""
    async with AsyncClient(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """The client's flavour, "sync" or "async": the test runs once with each."""
    return str(request.param)


@pytest.fixture
async def api(flavour: str, emu: Emulator) -> AsyncIterator[Api]:
    """A fresh client of the test's flavour with the emulator's email and password (not yet logged in: that happens
    on first use), awaited alike in both flavours, closed after the test."""
    async with new_client(flavour, emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture
def connect(flavour: str) -> Callable[..., Api]:
    """``connect(*args, **kwargs)``: a client of the test's flavour made with exactly these arguments, for the
    tests of special ones (tokens only, a wrong password, an unreachable URL). Use it as ``async with connect(...)
    as client`` (closed at the end of the block), or ``await client.close()`` it."""

    def make(*args: Any, **kwargs: Any) -> Api:
        return new_client(flavour, *args, **kwargs)

    return make


@pytest.fixture
def issue_tokens(emu: Emulator) -> Callable[[], dict[str, str]]:
    """Get a fresh access/refresh token pair directly from the emulator's auth service (at the current token_ttl)."""

    def issue() -> dict[str, str]:
        response = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password})
        response.raise_for_status()
        return dict(response.json())

    return issue
