"""Bad input from the caller is refused by the client before anything reaches the service (the emulator here).

The emulator records every request it receives; after each refused call none went to the take or voice routes,
over REST or over the websocket, and no take or voice exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from daisys_ext import AsyncClient, Client
from daisys_ext._errors import DaisysInputError
from daisys_ext.testing import Emulator
from daisys_speak_api.models import SimpleProsody

TAKES = "/v1/speak/takes/generate"
VOICES = "/v1/speak/voices/generate"
EXAMPLE_TEXT = "Hello, this is my voice. I hope you like it!"  # the example take of a voice made without one

BAD_TAKES: dict[str, tuple[dict[str, Any], str]] = {
    "empty text": ({"text": ""}, r"^text is empty"),
    "blank text": ({"text": "  \n"}, r"^text is only whitespace"),
    "text None": ({"text": None}, r"^text must be a string"),
    "text int": ({"text": 12}, r"^text must be a string"),
    "pace 99": (
        {"prosody": SimpleProsody(pace=99, pitch=0, expression=0)},
        r"^prosody\.pace is 99, outside the documented range -10 to 10",
    ),
    "voice_id None": ({"voice_id": None}, r"^voice_id must be a string, not None"),
    "voice_id int": ({"voice_id": 3}, r"^voice_id must be a string, not int"),
}


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    return daisys_emulator


@pytest.fixture
def voice_id(emu: Emulator) -> str:
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = httpx.post(
        f"{emu.product_url}/voices/generate",
        json={"name": "Ignacio", "gender": "male", "model": "shakespeare"},
        headers=headers,
    )
    response.raise_for_status()
    return str(response.json()["voice_id"])


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as c:
        yield c


def _arguments(voice_id: str, bad: dict[str, Any]) -> dict[str, Any]:
    return {"voice_id": voice_id, "text": "Hello.", **bad}


def _nothing_generated(emu: Emulator, before: int) -> None:
    """No request reached the API since ``before`` (not even a login), and the only take is the voice's example."""
    assert emu.requests_to("api")[before:] == []
    assert emu.requests_to("api", TAKES) == [] and len(emu.requests_to("api", VOICES)) <= 1
    assert [take["text"] for take in _takes(emu)] == [EXAMPLE_TEXT]


def _takes(emu: Emulator) -> list[dict[str, Any]]:
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    return list(httpx.get(f"{emu.product_url}/takes", headers=headers).json())


@pytest.mark.parametrize("case", BAD_TAKES)
def test_the_client_sends_no_bad_take(emu: Emulator, client: Client, voice_id: str, case: str) -> None:
    bad, message = BAD_TAKES[case]
    before = len(emu.requests_to("api"))
    with pytest.raises(DaisysInputError, match=message):
        client.generate_take(**_arguments(voice_id, bad), wait=False)
    _nothing_generated(emu, before)


def test_the_async_client_sends_no_bad_take(emu: Emulator, voice_id: str) -> None:
    async def run() -> None:
        async with AsyncClient(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as client:
            for bad, message in BAD_TAKES.values():
                with pytest.raises(DaisysInputError, match=message):
                    await client.generate_take(**_arguments(voice_id, bad), wait=False)

    before = len(emu.requests_to("api"))
    asyncio.run(run())
    _nothing_generated(emu, before)


def test_the_client_sends_no_bad_voice(emu: Emulator, client: Client, voice_id: str) -> None:
    before = len(emu.requests_to("api"))
    calls: list[tuple[Callable[[], Any], str]] = [
        (
            lambda: client.generate_voice(
                "Bob", "shakespeare", "male", default_prosody=SimpleProsody(pace=0, pitch=-11, expression=0), wait=False
            ),
            r"^default_prosody\.pitch is -11",
        ),
        (lambda: client.generate_voice("Bob", "shakespeare", "robot", wait=False), r"^gender 'robot' is not"),
    ]
    for call, message in calls:
        with pytest.raises(DaisysInputError, match=message):
            call()
    _nothing_generated(emu, before)


def test_the_websocket_session_sends_no_bad_take(emu: Emulator, client: Client, voice_id: str) -> None:
    with client.websocket(model="shakespeare") as ws:
        before = len(emu.requests_to("api"))
        for bad, message in BAD_TAKES.values():
            with pytest.raises(DaisysInputError, match=message):
                ws.generate_take(**_arguments(voice_id, bad))
        assert ws.in_flight == []
        # The session still works: a good request after the refused ones is answered.
        request_id = ws.generate_take(voice_id, "Still here.")
        statuses = [item for item in ws.iter_request(request_id, request_timeout=10)]
        assert statuses
        assert emu.requests_to("api")[before:] == []  # the session needed nothing more from the API
    _nothing_generated_over_the_websocket(emu)


def _nothing_generated_over_the_websocket(emu: Emulator) -> None:
    assert emu.requests_to("api", TAKES) == []
    texts = sorted(take["text"] for take in _takes(emu))
    assert texts == sorted([EXAMPLE_TEXT, "Still here."])  # the voice's example take and the one good request
