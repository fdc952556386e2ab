"""Recorded client sessions: the hello flow, list filters, batch generation, deletes, error answers, streamed audio.

Each test runs with the ``Client`` and the ``AsyncClient`` on cassettes of their own (see conftest). Tests that
make voices delete them at the end, so that a live recording leaves the account as it found it.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from typing import Any

import pytest
from cassette_files import exchanges
from cassette_scrub import STORAGE_ORIGIN, WORKER_ORIGIN
from vcr.cassette import Cassette

import daisys_ext._bodies
from daisys_ext import (
    DaisysNotFoundError,
    DaisysTakeDeletionError,
    DaisysValidationError,
    DaisysVoiceDeletionError,
    SimpleProsody,
    Status,
    TakeGenerate,
    VoiceGender,
)
from daisys_ext._audio.wav import parse_wav_header
from daisys_ext.testing.wsrecord import SCRUBBED

MODEL = "shakespeare"
PRODUCT = "/v1/speak"


def check_wav(audio: bytes) -> None:
    """A complete WAV file with audio in it, as both the stdlib and daisys_ext.audio read it."""
    header = parse_wav_header(audio)
    assert header.data_offset + header.data_size == len(audio)
    with wave.open(io.BytesIO(audio)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (header.channels, header.sample_rate)
        assert wav.getnframes() == header.nframes > 0


async def test_hello_flow(connect: Callable[..., Any], cassette: Cassette) -> None:
    async with connect() as api:
        assert (await api.version()).version
        assert MODEL in [model.name for model in await api.get_models()]
        voice = await api.generate_voice(name="Hello", gender=VoiceGender.FEMALE, model=MODEL)
        assert voice.status == Status.READY and voice.model == MODEL
        assert voice.voice_id in [v.voice_id for v in await api.get_voices()]
        take = await api.generate_take(voice_id=voice.voice_id, text="Hi.")
        assert (take.status, take.text, take.voice_id) == (Status.READY, "Hi.", voice.voice_id)
        audio = bytes(await api.get_take_audio(take.take_id))
        check_wav(audio)
        assert await api.delete_voice(voice.voice_id) is True

    recorded = exchanges(cassette)
    redirect = next(e for e in recorded if e.status == 307)
    location = redirect.header("location") or ""
    assert redirect.path == f"{PRODUCT}/takes/{take.take_id}/wav"
    assert location.startswith(STORAGE_ORIGIN + "/")
    assert f"X-Amz-Signature={SCRUBBED}" in location and f"X-Amz-Credential={SCRUBBED}" in location
    download = recorded[recorded.index(redirect) + 1]
    assert download.request.uri == location  # the recorded redirect is what was followed
    assert "authorization" not in {name.lower() for name in download.request.headers}  # no credential to storage
    assert download.body == audio  # binary body kept byte for byte


async def test_list_filters(connect: Callable[..., Any]) -> None:
    async with connect() as api:
        voice = await api.generate_voice(name="Filters", gender="male", model=MODEL)
        # One after the other, each waited for: distinct timestamps to filter on.
        takes = [await api.generate_take(voice.voice_id, text) for text in ("One.", "Two.", "Three.")]
        assert [take.text for take in takes] == ["One.", "Two.", "Three."]
        first, second, third = (take.take_id for take in takes)
        middle = takes[1].timestamp_ms  # from the recorded answers, never from the clock

        assert {t.take_id for t in await api.get_takes(take_ids=[first, third])} == {first, third}
        assert [t.take_id for t in await api.get_takes(length=1)] == [third]
        assert [t.take_id for t in await api.get_takes(length=1, page=2)] == [second]
        newer = {t.take_id for t in await api.get_takes(newer=middle)}
        assert third in newer and first not in newer
        older = {t.take_id for t in await api.get_takes(older=middle)}
        assert first in older and third not in older

        assert [v.voice_id for v in await api.get_voices(voice_ids=[voice.voice_id])] == [voice.voice_id]
        assert [v.voice_id for v in await api.get_voices(length=1)] == [voice.voice_id]
        assert voice.voice_id in {v.voice_id for v in await api.get_voices(newer=voice.timestamp_ms)}
        assert voice.voice_id not in {v.voice_id for v in await api.get_voices(older=voice.timestamp_ms - 1)}
        await api.delete_voice(voice.voice_id)


async def test_generate_takes_list(connect: Callable[..., Any]) -> None:
    async with connect() as api:
        voice = await api.generate_voice(name="Batch", gender="female", model=MODEL)
        takes = await api.generate_takes(
            [
                TakeGenerate(voice_id=voice.voice_id, text="First."),
                TakeGenerate(voice_id=voice.voice_id, text="Second."),
            ]
        )
        assert [t.text for t in takes] == ["First.", "Second."]
        assert all(t.status == Status.READY for t in takes)
        assert len({t.take_id for t in takes}) == 2
        await api.delete_voice(voice.voice_id)


async def test_deletes(connect: Callable[..., Any]) -> None:
    async with connect() as api:
        voice = await api.generate_voice(name="Doomed", gender="male", model=MODEL)
        take = await api.generate_take(voice.voice_id, "Gone soon.")
        assert await api.delete_take(take.take_id) is True
        with pytest.raises(DaisysNotFoundError):
            await api.get_take(take.take_id)
        assert await api.delete_take(take.take_id, raise_on_error=False) is False
        with pytest.raises(DaisysTakeDeletionError):
            await api.delete_take(take.take_id)
        assert await api.delete_voice(voice.voice_id) is True
        with pytest.raises(DaisysVoiceDeletionError):
            await api.delete_voice(voice.voice_id)


async def test_error_answers(connect: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # The client refuses pace=50 itself; standing that check aside sends it, to see the service's 422.
    monkeypatch.setattr(daisys_ext._bodies, "_level", lambda value, argument: None)
    async with connect() as api:
        with pytest.raises(DaisysNotFoundError) as missing:
            await api.get_take("t-unknown")
        assert missing.value.status_code == 404
        with pytest.raises(DaisysNotFoundError):
            await api.get_model("no-such-model")
        with pytest.raises(DaisysValidationError) as invalid:
            await api.generate_take("v-unknown", "Too fast.", prosody=SimpleProsody(pace=50, pitch=0, expression=5))
        assert invalid.value.status_code == 422
        assert invalid.value.errors is not None
        assert any(error.loc[-1] == "pace" for error in invalid.value.errors.detail)


async def test_streamed_download(connect: Callable[..., Any]) -> None:
    async with connect() as api:
        voice = await api.generate_voice(name="Stream", gender="female", model=MODEL)
        take = await api.generate_take(voice.voice_id, "Go.", wait=False)
        assert take.status != Status.READY  # the audio streams while the take is generated
        chunks = [chunk async for chunk in api.stream_take_audio(take.take_id)]
        assert chunks and all(chunks)
        check_wav(b"".join(chunks))
        assert (await api.wait_for_takes(take.take_id)).status == Status.READY
        await api.delete_voice(voice.voice_id)


async def test_websocket_url(connect: Callable[..., Any], cassette: Cassette) -> None:
    async with connect() as api:
        url = await api.websocket_url(model=MODEL)
        assert url.split("?")[0].endswith(f"/{MODEL}") and "token=" in url
    answer = next(e for e in exchanges(cassette) if e.path == f"{PRODUCT}/websocket/{MODEL}")
    # The worker URL's token is its credential: recorded only as the placeholder, on the canonical worker origin.
    assert answer.json()["worker_websocket_url"] == f"{WORKER_ORIGIN}/{MODEL}?token={SCRUBBED}"
