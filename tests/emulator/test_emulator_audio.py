"""The emulator's audio made on demand: the synthesis a pure, cached function; no take holding audio of its own."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator

import httpx
import pytest

from daisys_ext.testing import Emulator, _audio, _state

SENTENCE = "A sentence the emulator says."


def test_the_synthesis_is_a_pure_function_made_once_per_distinct_input() -> None:
    first = _audio.synthesize(SENTENCE, seed="v1", base_hz=165.0, prosody={"pace": 0, "pitch": 2})
    hits = _audio._synthesize.cache_info().hits
    again = _audio.synthesize(SENTENCE, seed="v1", base_hz=165.0, prosody={"pitch": 2, "pace": 0})
    assert again is first and _audio._synthesize.cache_info().hits == hits + 1
    assert len(first) == 2 * _audio.sentence_samples(SENTENCE, {"pace": 0})
    other = _audio.synthesize(SENTENCE, seed="v2", base_hz=165.0, prosody={"pace": 0, "pitch": 2})
    assert other != first and len(other) == len(first)  # another voice: other tones, the same length
    samples = [abs(s) for s in memoryview(first).cast("h")]
    assert max(samples) > 3000 and samples[-100:] == [0] * 100  # audible, and the sentence ends in silence


@pytest.fixture
def api(daisys_emulator: Emulator) -> Iterator[httpx.Client]:
    daisys_emulator.take_seconds = 0.0
    login = {"email": daisys_emulator.email, "password": daisys_emulator.password}
    token = httpx.post(f"{daisys_emulator.api_url}/auth/login", json=login).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=daisys_emulator.product_url, headers=headers, follow_redirects=True) as client:
        yield client


def test_a_take_keeps_no_audio_and_gives_the_same_file_every_time(api: httpx.Client) -> None:
    voice = api.post("/voices/generate", json={"name": "Rate", "gender": "female", "model": "shakespeare"}).json()
    takes = [
        api.post("/takes/generate", json={"voice_id": voice["voice_id"], "text": f"Take {n}. {SENTENCE}"}).json()
        for n in range(_state.ENCODED_KEPT + 2)
    ]
    first = api.get(f"/takes/{takes[0]['take_id']}/wav").content
    for take in takes[1:]:  # more whole files than are kept: the first one's is made again
        api.get(f"/takes/{take['take_id']}/wav").raise_for_status()
    assert api.get(f"/takes/{takes[0]['take_id']}/wav").content == first
    with wave.open(io.BytesIO(first)) as wav:
        assert wav.getframerate() == _audio.RATE and wav.getnframes() == (len(first) - 44) // 2
    assert not {"pcm", "encoded"} & set(_state.Take.__dataclass_fields__)  # audio is made on demand


def test_takes_asked_for_by_id_are_looked_up_once_each(api: httpx.Client) -> None:
    voice = api.post("/voices/generate", json={"name": "Rate", "gender": "female", "model": "shakespeare"}).json()
    take = api.post("/takes/generate", json={"voice_id": voice["voice_id"], "text": SENTENCE}).json()
    ids = f"{take['take_id']},{take['take_id']},t-unknown"
    assert [t["take_id"] for t in api.get("/takes", params={"take_id": ids}).json()] == [take["take_id"]]
