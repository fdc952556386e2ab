"""The official `daisys` SDK (1.1.0) against the emulator: the hello_daisys flow, sync and async, and token refresh.

The official SDK is the best evidence of what the real service sends and expects, so it running unmodified
against the emulator is the emulator's compatibility proof for the REST side.
"""

from __future__ import annotations

import io
import json
import time
import wave
from pathlib import Path

import av
import pytest

from daisys_ext.testing import Emulator

# The SDK itself still calls pydantic's deprecated `.json()`; that is not the emulator's concern.
pytestmark = pytest.mark.filterwarnings("ignore:The `json` method is deprecated")

daisys = pytest.importorskip("daisys", reason="the official SDK (pip install daisys==1.1.0) is needed for this proof")
from daisys import DaisysAPI  # noqa: E402
from daisys.v1.speak import SimpleProsody, VoiceGender  # noqa: E402


def factory(emu: Emulator) -> DaisysAPI:
    # The SDK appends "/auth" to auth_url and "/v1/speak" to daisys_url itself.
    return DaisysAPI("speak", email=emu.email, password=emu.password, daisys_url=emu.api_url, auth_url=emu.api_url)


def check_wav(data: bytes, duration: int) -> None:
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getframerate() == 44100 and wav.getnframes() == duration


def check_mp3(data: bytes, duration: int) -> None:
    assert not data.startswith(b"RIFF")
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        samples = sum(frame.samples for frame in container.decode(stream))
    assert abs(samples / 44100 - duration / 44100) < 0.1


def test_hello_daisys_sync(daisys_emulator: Emulator, tmp_path: Path) -> None:
    emu = daisys_emulator
    with factory(emu) as speak:
        assert speak.version().version == 1
        assert "shakespeare" in [m.name for m in speak.get_models()]
        voice = speak.generate_voice(name="Daisy", gender=VoiceGender.FEMALE, model="shakespeare")
        assert voice.status.ready() and voice.example_take_id
        assert speak.update_voice(
            voice.voice_id, name="Renamed", default_prosody=SimpleProsody(pitch=1, pace=0, expression=2)
        )
        assert speak.get_voice(voice.voice_id).name == "Renamed"
        assert voice.voice_id in [v.voice_id for v in speak.get_voices()]

        take = speak.generate_take(
            voice_id=voice.voice_id,
            text="Hello there, I am Daisys! It's a beautiful day.",
            prosody=SimpleProsody(pace=-3, pitch=2, expression=10),
        )
        assert take.status.ready() and take.info is not None
        assert take.info.normalized_text == ["Hello there, I am Daisys!", "It's a beautiful day."]

        wav = speak.get_take_audio(take.take_id, file=str(tmp_path / "hello.wav"))
        assert (tmp_path / "hello.wav").read_bytes() == wav
        check_wav(wav, take.info.duration)
        mp3 = speak.get_take_audio(take.take_id, file=str(tmp_path / "hello.mp3"), format="mp3")
        check_mp3(mp3, take.info.duration)
        url = speak.get_take_audio_url(take.take_id)
        assert url.startswith(emu.storage_url) and "X-Amz-Signature" in url

        assert speak.get_take(take.take_id) == take
        takes = speak.get_takes(length=5)
        assert 1 <= len(takes) <= 5 and takes[0].take_id == take.take_id
        several = speak.generate_takes(
            [
                daisys.v1.speak.TakeGenerate(voice_id=voice.voice_id, text="One."),
                daisys.v1.speak.TakeGenerate(voice_id=voice.voice_id, text="Two."),
            ]
        )
        assert [t.status.ready() for t in several] == [True, True]

        assert speak.delete_take(take.take_id)
        assert speak.delete_voice(voice.voice_id)
        assert not speak.delete_take(take.take_id, raise_on_error=False)
    # The audio came through the presigned redirect, without the API token.
    storage = emu.requests_to("storage")
    assert storage and all(r.header("authorization") is None and r.status == 200 for r in storage)
    assert emu.requests_to("api", "/auth/logout")  # the SDK logs out when its context ends
    assert emu.server_errors == []


async def test_hello_daisys_async(daisys_emulator: Emulator, tmp_path: Path) -> None:
    emu = daisys_emulator
    async with factory(emu) as speak:
        assert (await speak.version()).version == 1
        voice = await speak.generate_voice(name="Async", gender=VoiceGender.MALE, model="shakespeare")
        assert voice.status.ready()
        assert await speak.update_voice(voice.voice_id, name="Renamed async")
        take = await speak.generate_take(
            voice_id=voice.voice_id, text="Hello from asyncio.", prosody=SimpleProsody(pace=0, pitch=0, expression=0)
        )
        assert take.info is not None
        wav = await speak.get_take_audio(take.take_id, file=str(tmp_path / "async.wav"))
        check_wav(wav, take.info.duration)
        mp3 = await speak.get_take_audio(take.take_id, file=str(tmp_path / "async.mp3"), format="mp3")
        check_mp3(mp3, take.info.duration)
        assert await speak.get_take(take.take_id) == take
        assert len(await speak.get_takes(length=5)) >= 1
        assert await speak.delete_take(take.take_id)
        assert await speak.delete_voice(voice.voice_id)
    assert emu.server_errors == []


def test_token_expiry_and_refresh() -> None:
    with Emulator(token_ttl=0.3, take_seconds=0.2) as emu, factory(emu) as speak:
        assert speak.get_models()
        first_token = speak.access_token
        time.sleep(0.35)
        assert speak.get_models()  # 401, then the SDK refreshes and retries
        assert speak.access_token != first_token
        (refresh,) = emu.requests_to("api", "/auth/refresh")
        assert refresh.status == 200
        assert refresh.header("authorization") == f"Bearer {first_token}"  # the expired token rides along
        assert "email" not in json.loads(refresh.body)
        statuses = [r.status for r in emu.requests_to("api", "/v1/speak/models")]
        assert statuses == [200, 401, 200]
