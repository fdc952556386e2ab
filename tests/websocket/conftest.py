"""Fixtures for the websocket session tests: the plugin's emulator, clients on it, and a voice to speak with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

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
