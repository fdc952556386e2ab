"""Every public method of `daisys_ext.Client` and `daisys_ext.AsyncClient` against the emulator over real loopback HTTP.

Each test runs twice, once per flavour (the `api`, `connect` and `flavour` fixtures): its body is written against
the asyncio API, and the sync client is wrapped so that it is awaited alike (`support.flavours`). The few cases
where the two flavours differ on purpose are tests of one flavour, at the end.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
import wave
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from support.flavours import CLIENTS, Api, entered, get_client, unwrap

from daisys_ext import (
    AsyncClient,
    Client,
    DaisysAPI,
    DaisysConnectionError,
    DaisysCredentialsError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysTakeDeletionError,
    DaisysTakeGenerateError,
    DaisysTimeoutError,
    DaisysVoiceDeletionError,
    DaisysVoiceGenerateError,
    DaisysVoiceUpdateError,
    SimpleProsody,
    Status,
    TakeGenerate,
    TakeResponse,
    TTSModel,
    Version,
    VoiceGender,
    VoiceInfo,
)
from daisys_ext.testing import Emulator

PRODUCT = "/v1/speak"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: connection refused
OTHER = {"sync": "async", "async": "sync"}

Connect = Callable[..., Api]


def count(emu: Emulator, method: str, path: str, origin: str = "api") -> int:
    return sum(1 for r in emu.requests_to(origin, path) if r.method == method)


def wav_params(data: bytes | memoryview) -> tuple[int, int, int]:
    """(nframes, framerate, number of frame bytes actually present) of a WAV file's bytes."""
    with wave.open(io.BytesIO(bytes(data))) as w:
        nframes = w.getnframes()
        frames = w.readframes(nframes)
        return nframes, w.getframerate(), len(frames) // (w.getsampwidth() * w.getnchannels())


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part") or p.name.startswith(".")]


# -- version and models ------------------------------------------------------------------------------------------------


async def test_version_needs_no_login(api: Api, emu: Emulator) -> None:
    version = await api.version()
    assert isinstance(version, Version)
    assert (version.version, version.minor) == (1, 0)
    assert count(emu, "POST", "/auth/login") == 0
    assert api.access_token is None


async def test_get_models(api: Api) -> None:
    models = await api.get_models()
    assert all(isinstance(m, TTSModel) for m in models)
    assert [m.name for m in models] == ["shakespeare", "theatrical-v2"]
    assert models[0].displayname == "Shakespeare"


async def test_get_model_and_unknown_model(api: Api) -> None:
    model = await api.get_model("theatrical-v2")
    assert model.name == "theatrical-v2"
    assert "nl-NL" in model.languages
    with pytest.raises(DaisysNotFoundError) as info:
        await api.get_model("no-such-model")
    assert isinstance(info.value, httpx.HTTPStatusError)
    assert info.value.response.status_code == 404
    assert info.value.response.json()["detail"] == "Model no-such-model not found"
    assert info.value.detail == "Model no-such-model not found"


# -- voices ------------------------------------------------------------------------------------------------------------


async def test_get_voices_and_filters(api: Api, make_voice: Callable[..., dict]) -> None:
    a, b, c = make_voice("A"), make_voice("B"), make_voice("C")
    voices = await api.get_voices()
    assert all(isinstance(v, VoiceInfo) for v in voices)
    assert [v.name for v in voices] == ["C", "B", "A"]  # newest first
    assert [v.name for v in await api.get_voices(length=2)] == ["C", "B"]
    assert [v.name for v in await api.get_voices(length=2, page=2)] == ["A"]
    assert [v.name for v in await api.get_voices(older=b["timestamp_ms"])] == ["B", "A"]
    assert [v.name for v in await api.get_voices(newer=b["timestamp_ms"])] == ["C", "B"]
    assert [v.name for v in await api.get_voices(voice_ids=[a["voice_id"], c["voice_id"]])] == ["C", "A"]
    assert await api.get_voices(voice_ids=["v-unknown"]) == []


async def test_get_voice(api: Api, make_voice: Callable[..., dict]) -> None:
    made = make_voice("Lucy", "female")
    voice = await api.get_voice(made["voice_id"])
    assert (voice.voice_id, voice.name, voice.gender, voice.model) == (
        made["voice_id"],
        "Lucy",
        VoiceGender.FEMALE,
        "shakespeare",
    )
    with pytest.raises(DaisysNotFoundError):
        await api.get_voice("v-unknown")


async def test_generate_voice_waits_until_ready(api: Api) -> None:
    voice = await api.generate_voice(
        "Lucy", "shakespeare", VoiceGender.FEMALE, description="calm", default_style=["base"]
    )
    assert voice.status == Status.READY
    assert (voice.name, voice.description, voice.default_style) == ("Lucy", "calm", ["base"])
    assert isinstance(voice.example_take_id, str)
    assert (await api.get_take(voice.example_take_id)).status == Status.READY


async def test_generate_voice_without_wait_then_wait_for_voices(api: Api) -> None:
    first = await api.generate_voice("One", "shakespeare", "male", wait=False)
    second = await api.generate_voice("Two", "theatrical-v2", "nonbinary", wait=False)
    assert not first.status.done()
    one = await api.wait_for_voices(first.voice_id)
    assert isinstance(one, VoiceInfo) and one.status == Status.READY
    both = await api.wait_for_voices([first.voice_id, second.voice_id])
    assert [v.voice_id for v in both] == [first.voice_id, second.voice_id]
    assert all(v.status == Status.READY for v in both)


async def test_generate_voice_error(api: Api) -> None:
    with pytest.raises(DaisysVoiceGenerateError) as info:
        await api.generate_voice("Broken [[fail]]", "shakespeare", "female")
    assert info.value.response.status == Status.ERROR
    voice = await api.generate_voice("Broken [[fail]]", "shakespeare", "female", raise_on_error=False)
    assert voice.status == Status.ERROR


async def test_update_voice(api: Api, make_voice: Callable[..., dict]) -> None:
    voice = await api.get_voice(make_voice("Lucy", "female")["voice_id"])
    voice.name = "Sally"
    assert await api.update_voice(**dict(voice)) is True  # the documentation's idiom
    updated = await api.get_voice(voice.voice_id)
    assert (updated.name, updated.gender, updated.model) == ("Sally", VoiceGender.FEMALE, "shakespeare")
    prosody = SimpleProsody(pace=1, pitch=2, expression=3)
    assert await api.update_voice(voice.voice_id, description="warm", default_prosody=prosody) is True
    updated = await api.get_voice(voice.voice_id)
    assert updated.name == "Sally" and updated.description == "warm"
    assert isinstance(updated.default_prosody, SimpleProsody)
    assert (updated.default_prosody.pace, updated.default_prosody.pitch) == (1, 2)
    with pytest.raises(DaisysVoiceUpdateError):
        await api.update_voice("v-unknown", name="x")
    assert await api.update_voice("v-unknown", name="x", raise_on_error=False) is False


async def test_delete_voice(api: Api, voice_id: str) -> None:
    assert await api.delete_voice(voice_id) is True
    with pytest.raises(DaisysNotFoundError):
        await api.get_voice(voice_id)
    assert await api.delete_voice(voice_id, raise_on_error=False) is False
    with pytest.raises(DaisysVoiceDeletionError):
        await api.delete_voice(voice_id)


# -- takes -------------------------------------------------------------------------------------------------------------


async def test_get_takes_and_get_take(api: Api, voice_id: str) -> None:
    made = [await api.generate_take(voice_id, f"Take number {i}.", wait=False) for i in range(3)]
    ids = [t.take_id for t in made]
    listed = await api.get_takes()
    assert all(isinstance(t, TakeResponse) for t in listed)
    assert {t.take_id for t in listed} >= set(ids)
    assert [t.take_id for t in await api.get_takes(take_ids=ids[:2])] == [ids[1], ids[0]]  # newest first
    assert [t.take_id for t in await api.get_takes(length=1)] == [ids[2]]
    assert await api.get_takes(take_ids=["t-unknown"]) == []
    take = await api.get_take(ids[0])
    assert (take.take_id, take.voice_id, take.text) == (ids[0], voice_id, "Take number 0.")


async def test_generate_take_with_options(api: Api, emu: Emulator, voice_id: str) -> None:
    status_url, done_url = f"{UNREACHABLE}/status", f"{UNREACHABLE}/done"
    take = await api.generate_take(
        voice_id,
        "Hello there, I am Daisys!",
        override_language="en-GB",
        style=["narrator"],
        prosody=SimpleProsody(pace=-3, pitch=2, expression=10),
        status_webhook=status_url,
        done_webhook=done_url,
        user_data="order-42",
    )
    assert take.status == Status.READY
    assert isinstance(take.prosody, SimpleProsody)
    assert (take.prosody.pace, take.prosody.pitch, take.prosody.expression) == (-3, 2, 10)
    assert take.user_data == "order-42"
    assert take.style == ["narrator"] and take.override_language == "en-GB"
    assert take.info is not None and take.info.duration > 0
    (posted,) = emu.requests_to("api", PRODUCT + "/takes/generate")
    body = json.loads(posted.body)
    assert body["status_webhook"] == {"post_url": status_url}
    assert body["done_webhook"] == {"post_url": done_url}
    assert body["prosody"] == {"pace": -3, "pitch": 2, "expression": 10}
    deliveries = await asyncio.to_thread(emu.wait_for_webhooks, 6)
    assert {d.url for d in deliveries if d.kind == "done"} == {done_url}
    assert {d.url for d in deliveries if d.kind == "status"} == {status_url}


async def test_generate_takes_with_a_list(api: Api, emu: Emulator, voice_id: str) -> None:
    requests = [TakeGenerate(voice_id=voice_id, text=f"Sentence {i}.") for i in range(3)]
    takes = await api.generate_takes(requests)
    assert [t.text for t in takes] == ["Sentence 0.", "Sentence 1.", "Sentence 2."]
    assert all(t.status == Status.READY for t in takes)
    assert count(emu, "POST", PRODUCT + "/takes/generate") == 1
    pending = await api.generate_takes(requests[:2], wait=False)
    assert len(pending) == 2 and not any(t.status.done() for t in pending)


async def test_delete_take(api: Api, voice_id: str) -> None:
    take = await api.generate_take(voice_id, "Short lived.", wait=False)
    assert await api.delete_take(take.take_id) is True
    with pytest.raises(DaisysNotFoundError):
        await api.get_take(take.take_id)
    assert await api.delete_take(take.take_id, raise_on_error=False) is False
    with pytest.raises(DaisysTakeDeletionError):
        await api.delete_take(take.take_id)


async def test_wait_for_takes_polls_all_ids_at_once_and_calls_back(api: Api, emu: Emulator, voice_id: str) -> None:
    first = await api.generate_take(voice_id, "First.", wait=False)
    second = await api.generate_take(voice_id, "Second.", wait=False)
    seen: list[list[TakeResponse]] = []
    done = await api.wait_for_takes([first.take_id, second.take_id], callback=seen.append)
    assert [t.take_id for t in done] == [first.take_id, second.take_id]
    assert all(t.status == Status.READY for t in done)
    assert len(seen) >= 2  # called on changes: at least the first sighting and the final states
    assert all(isinstance(t, TakeResponse) for call in seen for t in call)
    assert [t.status for t in seen[-1]] == [Status.READY, Status.READY]
    polls = [r for r in emu.requests_to("api", PRODUCT + "/takes") if r.method == "GET"]
    assert polls and all(r.params["take_id"] == [f"{first.take_id},{second.take_id}"] for r in polls)
    single = await api.wait_for_takes(first.take_id)
    assert isinstance(single, TakeResponse) and single.take_id == first.take_id
    # async_callback: see the tests of one flavour at the end.


async def test_wait_for_takes_timeout(api: Api, emu: Emulator, voice_id: str) -> None:
    emu.take_seconds = 3.0
    take = await api.generate_take(voice_id, "Slow.", wait=False)
    started = time.monotonic()
    with pytest.raises(DaisysTimeoutError) as info:
        await api.wait_for_takes(take.take_id, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert [t.take_id for t in info.value.last] == [take.take_id]
    assert not info.value.last[0].status.done()


async def test_error_take(api: Api, voice_id: str) -> None:
    with pytest.raises(DaisysTakeGenerateError) as info:
        await api.generate_take(voice_id, "This will [[fail]].")
    assert isinstance(info.value.response, TakeResponse)
    assert info.value.response.status == Status.ERROR
    take = await api.generate_take(voice_id, "This will [[fail]] too.", raise_on_error=False)
    assert take.status == Status.ERROR
    pending = await api.generate_take(voice_id, "And [[fail]] again.", wait=False)
    assert (await api.wait_for_takes(pending.take_id, raise_on_error=False)).status == Status.ERROR
    with pytest.raises(DaisysTakeGenerateError):
        await api.wait_for_takes([pending.take_id])
    with pytest.raises(DaisysNotFoundError):
        await api.get_take_audio(take.take_id)


# -- audio -------------------------------------------------------------------------------------------------------------


async def test_get_take_audio_bytes(api: Api, voice_id: str) -> None:
    take = await api.generate_take(voice_id, "Hello there. How are you?")
    data = await api.get_take_audio(take.take_id)
    assert isinstance(data, bytes) and data[:4] == b"RIFF"
    assert take.info is not None
    assert wav_params(data) == (take.info.duration, take.info.audio_rate, take.info.duration)


async def test_get_take_audio_to_path_is_atomic(api: Api, voice_id: str, tmp_path: Path) -> None:
    take = await api.generate_take(voice_id, "Written to a file.")
    target = tmp_path / "take.wav"
    view = await api.get_take_audio(take.take_id, file=target)
    assert bytes(view) == target.read_bytes()
    assert target.read_bytes()[:4] == b"RIFF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.wav"]
    assert leftovers(tmp_path) == []
    buffer = io.BytesIO(b"prefix")
    buffer.seek(0, os.SEEK_END)
    written = await api.get_take_audio(take.take_id, file=buffer)
    assert bytes(written) == target.read_bytes() == buffer.getvalue()[len(b"prefix") :]


async def test_get_take_audio_mp3(api: Api, voice_id: str, tmp_path: Path) -> None:
    take = await api.generate_take(voice_id, "Compressed audio.")
    data = await api.get_take_audio(take.take_id, file=tmp_path / "take.mp3", format="mp3")
    assert data[:4] != b"RIFF"
    assert bytes(data[:3]) == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    assert (tmp_path / "take.mp3").stat().st_size == len(data)
    assert leftovers(tmp_path) == []


async def test_get_take_audio_url_downloads_nothing_and_is_cached(api: Api, emu: Emulator, voice_id: str) -> None:
    take = await api.generate_take(voice_id, "A link for a player.")
    url = await api.get_take_audio_url(take.take_id)
    assert "X-Amz-Signature=" in url and url.startswith(emu.storage_url)
    assert emu.requests_to("storage") == []
    assert await api.get_take_audio_url(take.take_id) == url
    audio_route = f"{PRODUCT}/takes/{take.take_id}/wav"
    assert count(emu, "GET", audio_route) == 1
    await api.get_take_audio(take.take_id)  # reuses the cached presigned URL
    assert count(emu, "GET", audio_route) == 1
    assert len(emu.requests_to("storage")) == 1
    async with httpx.AsyncClient() as anyone:  # usable by anyone holding it, no token needed
        assert (await anyone.get(url)).content[:4] == b"RIFF"


async def test_stream_take_audio_before_ready(api: Api, emu: Emulator, voice_id: str) -> None:
    emu.take_seconds = 0.8
    take = await api.generate_take(
        voice_id, "Streaming audio. Arrives while it is made. Sentence by sentence.", wait=False
    )
    chunks: list[bytes] = []
    status_at_first_chunk = None
    async with api.stream_take_audio(take.take_id) as stream:
        async for chunk in stream:
            if not chunks:
                status_at_first_chunk = (await api.get_take(take.take_id)).status
            chunks.append(chunk)
    assert status_at_first_chunk is not None and status_at_first_chunk != Status.READY
    ready = await api.wait_for_takes(take.take_id)
    assert ready.info is not None
    assert wav_params(b"".join(chunks)) == (ready.info.duration, ready.info.audio_rate, ready.info.duration)
    # Iterating directly works too.
    again = [chunk async for chunk in api.stream_take_audio(take.take_id)]
    assert b"".join(again) == b"".join(chunks)


async def test_speak(api: Api, emu: Emulator, voice_id: str, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    take = await api.speak(
        "Hello from speak. Two sentences.", voice_id, target, prosody=SimpleProsody(pace=0, pitch=0, expression=5)
    )
    assert take.status == Status.READY and take.info is not None
    assert wav_params(target.read_bytes()) == (take.info.duration, take.info.audio_rate, take.info.duration)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]
    assert count(emu, "POST", PRODUCT + "/takes/generate") == 1
    mp3 = await api.speak("In mp3.", voice_id, tmp_path / "speech.mp3", format="mp3")
    assert mp3.status == Status.READY
    assert (tmp_path / "speech.mp3").read_bytes()[:4] != b"RIFF"


async def test_speak_plays_the_audio_as_it_downloads(api: Api, voice_id: str, tmp_path: Path) -> None:
    played: list[bytes] = []

    class Output:  # in place of the sound card
        def write(self, pcm: bytes) -> None:
            played.append(pcm)

        def close(self) -> None:
            played.append(b"")

    await api.speak("Played while it downloads. A second sentence.", voice_id, tmp_path / "s.wav", play=Output())
    with wave.open(str(tmp_path / "s.wav")) as audio:
        pcm = audio.readframes(audio.getnframes())
    assert b"".join(played) == pcm and played[-1] == b""  # every sample in order, then the output closed
    with pytest.raises(DaisysInputError, match="play= plays wav"):
        await api.speak("Not in mp3.", voice_id, tmp_path / "s.mp3", format="mp3", play=Output())


async def test_speak_failed_take_leaves_no_file(api: Api, voice_id: str, tmp_path: Path) -> None:
    """A take that ends in error: the typed generate error, and no file (nor temporary file) left behind."""
    target = tmp_path / "broken.wav"
    with pytest.raises(DaisysTakeGenerateError):
        await api.speak("This take will [[fail]].", voice_id, target)
    assert list(tmp_path.iterdir()) == []


# -- websocket URL -----------------------------------------------------------------------------------------------------


async def test_websocket_url(api: Api, emu: Emulator, make_voice: Callable[..., dict]) -> None:
    url = await api.websocket_url(model="shakespeare")
    assert url is not None and url.startswith(emu.worker_url + "/shakespeare?token=")
    voice = make_voice("Nl", "female", "theatrical-v2")
    by_voice = await api.websocket_url(voice_id=voice["voice_id"])
    assert by_voice is not None and by_voice.startswith(emu.worker_url + "/theatrical-v2?token=")
    with pytest.raises(DaisysNotFoundError):
        await api.websocket_url(model="no-such-model")
    assert await api.websocket_url(model="no-such-model", raise_on_error=False) is None
    with pytest.raises(DaisysInputError):
        await api.websocket_url()


# -- credentials -------------------------------------------------------------------------------------------------------


async def test_login_refresh_logout_and_token_callback(connect: Connect, emu: Emulator) -> None:
    calls: list[tuple[str | None, str | None]] = []
    async with connect(emu.email, emu.password, daisys_url=emu.api_url) as client:
        client.token_callback = lambda access, refresh: calls.append((access, refresh))
        assert client.auto_logout is False
        assert await client.login() is True
        assert client.auto_logout is True
        first = (client.access_token, client.refresh_token)
        assert None not in first and calls == [first]
        assert await client.login_refresh() is True
        second = (client.access_token, client.refresh_token)
        assert second != first and calls == [first, second]
        assert await client.get_models()
        assert await client.logout() is True
        assert (client.access_token, client.refresh_token) == (None, None)
        assert calls[-1] == (None, None)
        assert client.auto_logout is False
        assert await client.login_refresh() is None  # nothing to refresh with
        assert await client.logout() is False
    # The revoked refresh token is refused, and close() after logout() logged out only once.
    async with httpx.AsyncClient() as plain:
        refused = await plain.post(f"{emu.api_url}/auth/refresh", json={"refresh_token": second[1]})
    assert refused.status_code == 401
    assert count(emu, "POST", "/auth/logout") == 1
    async with connect(refresh_token=first[1], daisys_url=emu.api_url) as stale:
        assert await stale.login_refresh() is False  # rotated away by the refresh above


async def test_login_with_explicit_credentials(connect: Connect, emu: Emulator) -> None:
    async with connect(access_token="not-a-token", daisys_url=emu.api_url) as client:
        assert await client.login(emu.email, emu.password) is True
        assert await client.get_models()


async def test_client_from_access_token_only(
    connect: Connect, emu: Emulator, issue_tokens: Callable[[], dict[str, str]]
) -> None:
    pair = issue_tokens()
    logins = count(emu, "POST", "/auth/login")
    async with connect(access_token=pair["access_token"], daisys_url=emu.api_url) as client:
        assert await client.get_models()
        assert client.auto_logout is False
    assert count(emu, "POST", "/auth/login") == logins
    assert count(emu, "POST", "/auth/logout") == 0  # the caller's tokens are not revoked
    emu.token_ttl = 0.2
    short = issue_tokens()
    await asyncio.sleep(0.3)
    async with connect(access_token=short["access_token"], daisys_url=emu.api_url) as client:
        with pytest.raises(DaisysCredentialsError):
            await client.get_models()


async def test_client_from_email_and_refresh_token_only(
    connect: Connect, emu: Emulator, issue_tokens: Callable[[], dict[str, str]]
) -> None:
    emu.token_ttl = 0.3
    pair = issue_tokens()
    stored: list[tuple[str | None, str | None]] = []
    client = connect(email=emu.email, refresh_token=pair["refresh_token"], daisys_url=emu.api_url)
    client.token_callback = lambda access, refresh: stored.append((access, refresh))
    async with client:
        assert await client.get_models()
        assert count(emu, "POST", "/auth/refresh") == 1
        await asyncio.sleep(0.4)  # the access token expires
        assert await client.get_voices() == []
        assert count(emu, "POST", "/auth/refresh") == 2
        assert len(stored) == 2 and stored[-1] == (client.access_token, client.refresh_token)
    assert count(emu, "POST", "/auth/login") == 1  # only issue_tokens' own
    refresh_bodies = [json.loads(r.body) for r in emu.requests_to("api", "/auth/refresh")]
    assert all(body.get("email") == emu.email for body in refresh_bodies)
    # A refresh token alone (no email) works too.
    async with connect(refresh_token=client.refresh_token, daisys_url=emu.api_url) as alone:
        assert await alone.get_models()


async def test_context_manager_closes_and_logs_out(connect: Connect, emu: Emulator) -> None:
    async with connect(emu.email, emu.password, daisys_url=emu.api_url) as client:
        await client.get_models()
        refresh_token = client.refresh_token
    assert [r.method for r in emu.requests_to("api", "/auth/logout")] == ["POST"]
    async with httpx.AsyncClient() as plain:
        refused = await plain.post(f"{emu.api_url}/auth/refresh", json={"refresh_token": refresh_token})
    assert refused.status_code == 401
    await client.close()  # idempotent
    assert count(emu, "POST", "/auth/logout") == 1
    with pytest.raises(RuntimeError):
        await client.get_models()


async def test_close_without_login_does_not_log_out(connect: Connect, emu: Emulator) -> None:
    client = connect(emu.email, emu.password, daisys_url=emu.api_url)
    await client.version()
    await client.close()
    assert emu.requests_to("api", "/auth/logout") == []


async def test_daisys_api_factory(flavour: str, emu: Emulator) -> None:
    """``with DaisysAPI(...)`` gives a ``Client``, ``async with`` an ``AsyncClient``; the factory hands out both."""
    async with entered(
        flavour, DaisysAPI("speak", email=emu.email, password=emu.password, daisys_url=emu.api_url)
    ) as speak:
        assert isinstance(unwrap(speak), CLIENTS[flavour])
        assert (await speak.version()).version == 1
        assert await speak.get_models()
    assert count(emu, "POST", "/auth/logout") == 1
    factory = DaisysAPI("speak", "v1", emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url)
    client = get_client(flavour, factory)
    other = get_client(OTHER[flavour], factory)
    await other.close()
    assert isinstance(unwrap(client), CLIENTS[flavour]) and isinstance(unwrap(other), CLIENTS[OTHER[flavour]])
    assert {type(unwrap(client)), type(unwrap(other))} == {Client, AsyncClient}
    try:
        assert await client.get_models()
    finally:
        await client.close()
    assert count(emu, "POST", "/auth/logout") == 2
    with pytest.raises(DaisysInputError):
        get_client(flavour, DaisysAPI("listen", email=emu.email, password=emu.password))


async def test_environment_defaults(
    flavour: str, connect: Connect, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAISYS_EMAIL", emu.email)
    monkeypatch.setenv("DAISYS_PASSWORD", emu.password)
    monkeypatch.setenv("DAISYS_API_URL", emu.api_url)
    monkeypatch.delenv("DAISYS_AUTH_URL", raising=False)
    async with connect() as client:
        assert await client.get_models()
    async with entered(flavour, DaisysAPI()) as speak:
        assert await speak.get_models()
    # DAISYS_AUTH_URL is where logins go.
    monkeypatch.setenv("DAISYS_AUTH_URL", UNREACHABLE)
    async with connect(max_retries=0) as client:
        assert (await client.version()).version == 1  # the product itself is at DAISYS_API_URL
        with pytest.raises((DaisysConnectionError, httpx.ConnectError)):
            await client.get_models()
    assert len(emu.requests_to("api", "/auth/login")) == 2
    monkeypatch.setenv("DAISYS_AUTH_URL", emu.api_url)
    monkeypatch.setenv("DAISYS_API_URL", UNREACHABLE)
    async with connect(daisys_url=emu.api_url) as client:  # an argument beats the environment
        assert await client.get_models()


async def test_token_expiry_in_the_middle_of_a_wait(emu: Emulator, api: Api, voice_id: str) -> None:
    emu.token_ttl = 0.25
    emu.take_seconds = 0.8
    await api.login()
    logins = count(emu, "POST", "/auth/login")
    take = await api.generate_take(voice_id, "Longer than a token lives.", user_data=7)
    assert take.status == Status.READY and take.user_data == 7
    assert count(emu, "POST", "/auth/refresh") >= 2
    assert count(emu, "POST", "/auth/login") == logins  # refreshed, never logged in again
    statuses = [r.status for r in emu.requests_to("api") if r.path.startswith(PRODUCT)]
    assert 401 in statuses  # expiry was really hit, and absorbed


# -- one flavour only --------------------------------------------------------------------------------------------------


def test_sync_wait_for_takes_refuses_an_async_callback(client: Client, voice_id: str) -> None:
    """Nothing awaits a coroutine in the sync client: ``async_callback`` is refused (the async client awaits it)."""
    take = client.generate_take(voice_id, "First.", wait=False)
    assert client.wait_for_takes(take.take_id).status == Status.READY
    with pytest.raises(DaisysInputError):
        client.wait_for_takes(take.take_id, async_callback=lambda takes: None)


async def test_async_wait_for_takes_awaits_an_async_callback(aclient: AsyncClient, voice_id: str) -> None:
    """The async client awaits ``async_callback`` (the sync client refuses one, above)."""
    third = await aclient.generate_take(voice_id, "Third.", wait=False)
    awaited: list[list[Status]] = []

    async def on_change(takes: list[TakeResponse]) -> None:
        await asyncio.sleep(0)
        awaited.append([t.status for t in takes])

    await aclient.wait_for_takes(third.take_id, async_callback=on_change)
    assert awaited and awaited[-1] == [Status.READY]
