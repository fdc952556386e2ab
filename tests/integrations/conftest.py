"""Fixtures for the agent integrations: the plugin's emulator, a client on it, a voice, and the REST audio of takes.

The framework tests (``tests/integrations/agents``) need Pipecat and LiveKit Agents, which live in
``.venv-agents`` (``make setup``), not in the core ``.venv``: there they are not collected. Where
``DAISYS_AGENTS=1`` (``make test`` sets it for the agents run) a missing framework is an error instead, so
those tests can never be left out unnoticed.
"""

from __future__ import annotations

import importlib.util
import io
import os
import time
import wave
from collections.abc import AsyncIterator

import httpx
import pytest

from daisys_ext import AsyncClient
from daisys_ext.testing import Emulator

FRAMEWORKS = ("pipecat", "livekit.agents")
_missing = [name for name in FRAMEWORKS if importlib.util.find_spec(name.split(".")[0]) is None]
if _missing:
    if os.environ.get("DAISYS_AGENTS") == "1":
        raise RuntimeError(f"DAISYS_AGENTS=1 but {', '.join(_missing)} cannot be imported: run `make setup`.")
    collect_ignore = ["agents"]


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    """The session's emulator, freshly reset (take_seconds=0.2)."""
    return daisys_emulator


def make_voice(emu: Emulator, name: str = "Jane", model: str = "shakespeare") -> str:
    """A ready voice made directly on the emulator; its id."""
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = {"name": name, "gender": "female", "model": model}
    response = httpx.post(f"{emu.product_url}/voices/generate", json=body, headers=headers)
    response.raise_for_status()
    voice = str(response.json()["voice_id"])
    deadline = time.monotonic() + 10
    while httpx.get(f"{emu.product_url}/voices/{voice}", headers=headers).json()["status"] != "ready":
        assert time.monotonic() < deadline, f"voice {name} did not become ready"
        time.sleep(0.02)
    return voice


@pytest.fixture
def voice_id(emu: Emulator) -> str:
    """A voice of the shakespeare model."""
    return make_voice(emu)


@pytest.fixture
async def aclient(emu: Emulator) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


@pytest.fixture
def agent_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The DAISYS_* environment pointing at the emulator (as `daisys emulator` prints it), set for the test."""
    env = emu.environment
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def pcm_of(wav_bytes: bytes) -> bytes:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.readframes(wav.getnframes())


async def sentence_takes(client: AsyncClient) -> dict[str, bytes | None]:
    """The REST PCM of every take the test made by its text (voices' example takes left out); None for a take that
    did not end ready."""
    examples = {voice.example_take_id for voice in await client.get_voices()}
    return {
        take.text: pcm_of(bytes(await client.get_take_audio(take.take_id))) if take.status == "ready" else None
        for take in await client.get_takes()
        if take.take_id not in examples
    }
