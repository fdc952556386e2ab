"""Faults, bad input and secrets: retries against injected 429/503, deadlines, typed errors, and no credential leaks.

Sync and async variants side by side; the emulator's fault dice are seeded, so every run sees the same faults.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from daisys_ext import (
    AsyncClient,
    Client,
    DaisysAuthenticationError,
    DaisysConnectionError,
    DaisysCredentialsError,
    DaisysError,
    DaisysHTTPError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysRateLimitError,
    DaisysServerError,
    DaisysTimeoutError,
    DaisysValidationError,
    SimpleProsody,
    Status,
)
from daisys_ext.testing import Emulator

PRODUCT = "/v1/speak"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: connection refused
GENERATE = PRODUCT + "/takes/generate"


def count(emu: Emulator, method: str, path: str, origin: str = "api") -> int:
    return sum(1 for r in emu.requests_to(origin, path) if r.method == method)


def statuses(emu: Emulator, method: str, path: str) -> list[int | None]:
    return [r.status for r in emu.requests_to("api", path) if r.method == method]


def sync_client(emu: Emulator, **options: Any) -> Client:
    return Client(emu.email, emu.password, daisys_url=emu.api_url, **options)


def async_client(emu: Emulator, **options: Any) -> AsyncClient:
    return AsyncClient(emu.email, emu.password, daisys_url=emu.api_url, **options)


# -- retries -----------------------------------------------------------------------------------------------------------


def faulty(emu: Emulator, rate: float, status: int | tuple[int, ...] = (429, 503), retry_after: int = 0) -> None:
    emu.seed = 1234
    emu.retry_after = retry_after
    emu.fail_status = status
    emu.fail_rate = rate


def check_gets_retried(emu: Emulator, calls: int) -> None:
    answered = statuses(emu, "GET", PRODUCT + "/models")
    assert answered.count(200) == calls
    assert {429, 503} <= set(answered)  # both kinds of fault were met, and retried
    assert len(answered) > calls


def test_gets_are_retried(emu: Emulator) -> None:
    with sync_client(emu, max_retries=6) as client:
        client.login()
        faulty(emu, 0.3)
        for _ in range(30):
            assert client.get_models()
    check_gets_retried(emu, 30)


async def test_gets_are_retried_async(emu: Emulator) -> None:
    async with async_client(emu, max_retries=6) as client:
        await client.login()
        faulty(emu, 0.3)
        for _ in range(30):
            assert await client.get_models()
    check_gets_retried(emu, 30)


def check_generates_not_repeated(emu: Emulator, outcomes: list[Any]) -> None:
    answered = statuses(emu, "POST", GENERATE)
    assert len(answered) == len(outcomes)  # one POST per call: a failed generate is never sent again
    for status, outcome in zip(answered, outcomes, strict=True):
        if status == 200:
            assert outcome.status.value in ("waiting", "started")
        elif status == 429:
            assert isinstance(outcome, DaisysRateLimitError) and outcome.status_code == 429
        else:
            assert status == 503 and isinstance(outcome, DaisysServerError) and outcome.status_code == 503
    assert {200, 429, 503} <= set(answered)


def test_generate_is_not_retried(emu: Emulator, voice_id: str) -> None:
    outcomes: list[Any] = []
    with sync_client(emu) as client:
        client.login()
        faulty(emu, 0.3)
        for i in range(20):
            try:
                outcomes.append(client.generate_take(voice_id, f"Take {i}.", wait=False))
            except (DaisysRateLimitError, DaisysServerError) as exc:
                assert isinstance(exc, httpx.HTTPStatusError)
                outcomes.append(exc)
        emu.fail_rate = 0
        made = client.get_takes()
    check_generates_not_repeated(emu, outcomes)
    made = [t for t in made if t.text.startswith("Take ")]  # not the voice's example take
    assert len(made) == sum(1 for o in outcomes if not isinstance(o, Exception))


async def test_generate_is_not_retried_async(emu: Emulator, voice_id: str) -> None:
    outcomes: list[Any] = []
    async with async_client(emu) as client:
        await client.login()
        faulty(emu, 0.3)
        for i in range(20):
            try:
                outcomes.append(await client.generate_take(voice_id, f"Take {i}.", wait=False))
            except (DaisysRateLimitError, DaisysServerError) as exc:
                outcomes.append(exc)
        emu.fail_rate = 0
        made = await client.get_takes()
    check_generates_not_repeated(emu, outcomes)
    made = [t for t in made if t.text.startswith("Take ")]  # not the voice's example take
    assert len(made) == sum(1 for o in outcomes if not isinstance(o, Exception))


def test_retry_after_is_honoured(emu: Emulator) -> None:
    with sync_client(emu, max_retries=1) as client:
        client.login()
        faulty(emu, 1.0, 429, retry_after=1)
        started = time.monotonic()
        with pytest.raises(DaisysRateLimitError):
            client.get_models()
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 2.5
    assert statuses(emu, "GET", PRODUCT + "/models") == [429, 429]


async def test_retry_after_is_honoured_async(emu: Emulator) -> None:
    async with async_client(emu, max_retries=1) as client:
        await client.login()
        faulty(emu, 1.0, 503, retry_after=1)
        started = time.monotonic()
        with pytest.raises(DaisysServerError):
            await client.get_models()
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 2.5
    assert statuses(emu, "GET", PRODUCT + "/models") == [503, 503]


@pytest.mark.parametrize(("status", "error"), [(429, DaisysRateLimitError), (503, DaisysServerError)])
def test_no_retries(emu: Emulator, status: int, error: type[DaisysHTTPError]) -> None:
    with sync_client(emu, max_retries=0) as client:
        client.login()
        faulty(emu, 1.0, status)
        with pytest.raises(error) as info:
            client.get_models()
    assert isinstance(info.value, httpx.HTTPStatusError) and info.value.response.status_code == status
    assert statuses(emu, "GET", PRODUCT + "/models") == [status]


@pytest.mark.parametrize(("status", "error"), [(429, DaisysRateLimitError), (503, DaisysServerError)])
async def test_no_retries_async(emu: Emulator, status: int, error: type[DaisysHTTPError]) -> None:
    async with async_client(emu, max_retries=0) as client:
        await client.login()
        faulty(emu, 1.0, status)
        with pytest.raises(error):
            await client.get_models()
    assert statuses(emu, "GET", PRODUCT + "/models") == [status]


# -- deadlines and unreachable services --------------------------------------------------------------------------------

TIMEOUT = 1.0


def slow_and_failing(emu: Emulator) -> None:
    """Every product answer takes 0.3 s and is a 429 to retry at once: 10 retries cannot fit in TIMEOUT."""
    faulty(emu, 1.0, 429, retry_after=0)
    emu.latency = 0.3


def test_all_attempts_share_one_deadline(emu: Emulator) -> None:
    with sync_client(emu, timeout=TIMEOUT, max_retries=10) as client:
        client.login()
        slow_and_failing(emu)
        started = time.monotonic()
        with pytest.raises((DaisysError, httpx.HTTPError)):
            client.get_models()
        elapsed = time.monotonic() - started
        emu.latency = 0
    assert elapsed < TIMEOUT + 0.5  # not timeout x attempts
    assert count(emu, "GET", PRODUCT + "/models") <= 5


async def test_all_attempts_share_one_deadline_async(emu: Emulator) -> None:
    async with async_client(emu, timeout=TIMEOUT, max_retries=10) as client:
        await client.login()
        slow_and_failing(emu)
        started = time.monotonic()
        with pytest.raises((DaisysError, httpx.HTTPError)):
            await client.get_models()
        elapsed = time.monotonic() - started
        emu.latency = 0
    assert elapsed < TIMEOUT + 0.5
    assert count(emu, "GET", PRODUCT + "/models") <= 5


def test_deadline_raises_typed_timeout(emu: Emulator) -> None:
    """A call past its deadline raises DaisysTimeoutError ("A call or a wait ran past its deadline")."""
    with sync_client(emu, timeout=0.3, max_retries=0) as client:
        client.login()
        emu.latency = 0.6
        try:
            with pytest.raises(DaisysTimeoutError):
                client.get_models()
        finally:
            emu.latency = 0


async def test_deadline_raises_typed_timeout_async(emu: Emulator) -> None:
    async with async_client(emu, timeout=0.3, max_retries=0) as client:
        await client.login()
        emu.latency = 0.6
        try:
            with pytest.raises(DaisysTimeoutError):
                await client.get_models()
        finally:
            emu.latency = 0


def test_unreachable_service_raises_connection_error() -> None:
    """DaisysConnectionError: "The service could not be reached, after the retries the client allows"."""
    with Client("user@example.com", "pw", daisys_url=UNREACHABLE, max_retries=0) as client:
        with pytest.raises(DaisysConnectionError):
            client.version()
        with pytest.raises(DaisysConnectionError):
            client.get_models()


async def test_unreachable_service_raises_connection_error_async() -> None:
    async with AsyncClient("user@example.com", "pw", daisys_url=UNREACHABLE, max_retries=0) as client:
        with pytest.raises(DaisysConnectionError):
            await client.version()


# -- bad input ---------------------------------------------------------------------------------------------------------


def check_validation_error(error: DaisysValidationError) -> None:
    assert error.status_code == 422
    assert "pace" in json.dumps(error.detail)
    assert error.errors is not None
    assert any(e.loc[-1] == "pace" for e in error.errors.detail)
    assert "pace" in str(error)


def test_bad_input_sync(client: Client, emu: Emulator, voice_id: str, tmp_path: Path) -> None:
    take = client.generate_take(voice_id, "Fine.", wait=False)
    for call in (
        lambda: client.get_take("t-unknown"),
        lambda: client.get_voice("v-unknown"),
        lambda: client.get_take_audio("t-unknown"),
        lambda: client.generate_take("v-unknown", "Nobody speaks.", wait=False),
    ):
        with pytest.raises(DaisysNotFoundError) as info:
            call()
        assert info.value.status_code == 404 and isinstance(info.value, httpx.HTTPStatusError)

    with pytest.raises(DaisysValidationError) as invalid:
        client.generate_take(voice_id, "Too fast.", prosody=SimpleProsody(pace=50, pitch=0, expression=5))
    check_validation_error(invalid.value)

    before = len(emu.requests)
    for call in (
        lambda: client.get_take_audio(take.take_id, format="ogg"),
        lambda: client.get_take_audio_url(take.take_id, format="ogg"),
        lambda: b"".join(client.stream_take_audio(take.take_id, format="ogg")),
        lambda: client.generate_take(voice_id, "Long data.", user_data="x" * 257),
    ):
        with pytest.raises(DaisysInputError):
            call()
    assert len(emu.requests) == before  # refused before anything was sent
    assert client.generate_take(voice_id, "Longest data.", user_data="x" * 256, wait=False).user_data == "x" * 256


def test_speak_refuses_unknown_format_before_generating(
    client: Client, emu: Emulator, voice_id: str, tmp_path: Path
) -> None:
    """speak(format='ogg') must fail before the take is generated, not after a generate (and a wait)."""
    client.login()
    before = len(emu.requests)
    with pytest.raises(DaisysInputError):
        client.speak("Never generated.", voice_id, tmp_path / "never.ogg", format="ogg")
    assert emu.requests[before:] == []
    assert count(emu, "POST", GENERATE) == 0


async def test_bad_input_async(aclient: AsyncClient, emu: Emulator, voice_id: str) -> None:
    take = await aclient.generate_take(voice_id, "Fine.", wait=False)
    for call in (
        lambda: aclient.get_take("t-unknown"),
        lambda: aclient.get_voice("v-unknown"),
        lambda: aclient.get_take_audio("t-unknown"),
        lambda: aclient.generate_take("v-unknown", "Nobody speaks.", wait=False),
    ):
        with pytest.raises(DaisysNotFoundError):
            await call()

    with pytest.raises(DaisysValidationError) as invalid:
        await aclient.generate_take(voice_id, "Too fast.", prosody=SimpleProsody(pace=50, pitch=0, expression=5))
    check_validation_error(invalid.value)

    async def stream_ogg() -> None:
        async for _ in aclient.stream_take_audio(take.take_id, format="ogg"):
            pass

    before = len(emu.requests)
    for call in (
        lambda: aclient.get_take_audio(take.take_id, format="ogg"),
        lambda: aclient.get_take_audio_url(take.take_id, format="ogg"),
        stream_ogg,
        lambda: aclient.generate_take(voice_id, "Long data.", user_data="x" * 257),
    ):
        with pytest.raises(DaisysInputError):
            await call()
    assert len(emu.requests) == before


async def test_speak_refuses_unknown_format_before_generating_async(
    aclient: AsyncClient, emu: Emulator, voice_id: str, tmp_path: Path
) -> None:
    await aclient.login()
    before = len(emu.requests)
    with pytest.raises(DaisysInputError):
        await aclient.speak("Never generated.", voice_id, tmp_path / "never.ogg", format="ogg")
    assert emu.requests[before:] == []


def test_wrong_password(emu: Emulator) -> None:
    with Client(emu.email, "wrong", daisys_url=emu.api_url) as client:
        for call in (client.login, client.get_models):
            with pytest.raises(DaisysAuthenticationError) as info:
                call()
            error = info.value
            assert isinstance(error, httpx.HTTPStatusError) and isinstance(error, DaisysCredentialsError)
            assert error.response.status_code == 401
            assert error.response.json()["detail"] == "Incorrect email or password"
            assert "wrong" not in str(error)
    assert count(emu, "POST", "/auth/login") == 2


async def test_wrong_password_async(emu: Emulator) -> None:
    async with AsyncClient(emu.email, "wrong", daisys_url=emu.api_url) as client:
        for call in (client.login, client.get_models):
            with pytest.raises(DaisysAuthenticationError) as info:
                await call()
            assert isinstance(info.value, httpx.HTTPStatusError) and isinstance(info.value, DaisysCredentialsError)


@pytest.fixture
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DAISYS_EMAIL", "DAISYS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_env_credentials")
def test_no_credentials(emu: Emulator) -> None:
    with Client(daisys_url=emu.api_url) as client:
        assert client.version().version == 1  # public: needs no credentials
        with pytest.raises(DaisysCredentialsError):
            client.get_models()
        with pytest.raises(DaisysCredentialsError):
            client.login()
    with Client(email=emu.email, daisys_url=emu.api_url) as client, pytest.raises(DaisysCredentialsError):
        client.get_models()
    assert emu.requests_to("api", "/auth/login") == []


@pytest.mark.usefixtures("no_env_credentials")
async def test_no_credentials_async(emu: Emulator) -> None:
    async with AsyncClient(daisys_url=emu.api_url) as client:
        with pytest.raises(DaisysCredentialsError):
            await client.get_models()
    assert emu.requests_to("api", "/auth/login") == []


# -- secrets -----------------------------------------------------------------------------------------------------------

PASSWORD = "Sup3r-Secret-Passw0rd!"


@pytest.fixture
def secret_emu() -> Iterator[Emulator]:
    """An emulator of its own, whose password is distinctive enough to search for; tokens expire quickly."""
    with Emulator(email="someone@example.com", password=PASSWORD, take_seconds=0.3, token_ttl=0.4) as emulator:
        yield emulator


class Secrets:
    """Every secret seen during a test: the password, tokens, presigned signatures, worker URL tokens."""

    def __init__(self) -> None:
        self.values: set[str] = {PASSWORD}
        self.errors: list[BaseException] = []

    def tokens(self, access: str | None, refresh: str | None) -> None:
        self.values.update(v for v in (access, refresh) if v)

    def url(self, url: str | None) -> None:
        for key, value in httpx.URL(url or "").params.multi_items():
            if key in ("X-Amz-Signature", "token"):
                self.values.add(value)

    def from_record(self, emu: Emulator) -> None:
        for request in emu.requests:
            authorization = request.header("Authorization")
            if authorization:
                self.values.add(authorization.split()[-1])
            self.values.update(request.params.get("X-Amz-Signature", []))
            if request.body.startswith(b"{"):
                body = json.loads(request.body)
                self.values.update(str(body[k]) for k in ("password", "refresh_token") if k in body)

    def expect(self, error: type[BaseException], call: Callable[[], Any]) -> None:
        with pytest.raises(error) as info:
            call()
        self.errors.append(info.value)

    async def aexpect(self, error: type[BaseException], call: Callable[[], Any]) -> None:
        with pytest.raises(error) as info:
            await call()
        self.errors.append(info.value)

    def check(self, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
        self.from_record(emu)
        assert len(self.values) > 6  # password, several tokens, signatures, a worker token
        storage = emu.requests_to("storage")
        assert storage and all(r.status in (200, 206) for r in storage)
        for request in storage:
            assert "Authorization" not in request.headers
            assert "Cookie" not in request.headers
        messages = [record.getMessage() for record in caplog.records if record.name.startswith("daisys_ext")]
        assert messages
        texts = messages + [str(e) for e in self.errors] + [repr(e) for e in self.errors]
        for secret in self.values:
            leaks = [text for text in texts if secret in text]
            assert leaks == [], f"a secret leaked into {leaks}"


def test_no_secret_leaks(secret_emu: Emulator, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    emu = secret_emu
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    secrets = Secrets()
    with Client(emu.email, PASSWORD, daisys_url=emu.api_url) as client:
        client.token_callback = secrets.tokens
        voice = client.generate_voice("Leaky", "shakespeare", "male")
        take = client.generate_take(voice.voice_id, "Secrets stay secret. Even in logs.")
        url = client.get_take_audio_url(take.take_id)
        secrets.url(url)
        client.get_take_audio(take.take_id)  # the cached presigned URL, reused
        client.get_take_audio(take.take_id, file=tmp_path / "a.wav")
        client.get_take_audio(take.take_id, format="mp3")
        assert count(emu, "GET", f"{PRODUCT}/takes/{take.take_id}/wav") == 1
        pending = client.generate_take(voice.voice_id, "Streamed before it is ready. Two sentences.", wait=False)
        assert b"".join(client.stream_take_audio(pending.take_id))[:4] == b"RIFF"
        client.speak("Spoken to a file.", voice.voice_id, tmp_path / "b.wav")
        secrets.url(client.websocket_url(model="shakespeare"))
        time.sleep(0.45)  # the access token expires: a refresh follows
        assert client.get_takes()
        secrets.expect(DaisysNotFoundError, lambda: client.get_take("t-unknown"))
        secrets.expect(
            DaisysValidationError,
            lambda: client.generate_take(voice.voice_id, "x", prosody=SimpleProsody(pace=50, pitch=0, expression=0)),
        )
        slow = client.generate_take(voice.voice_id, "Not ready yet.", wait=False)
        secrets.expect(DaisysTimeoutError, lambda: client.wait_for_takes(slow.take_id, timeout=0.0))
        stale = client.access_token
        secrets.tokens(stale, client.refresh_token)
    assert count(emu, "POST", "/auth/refresh") >= 1
    with Client(emu.email, PASSWORD + "x", daisys_url=emu.api_url) as wrong:
        secrets.expect(DaisysAuthenticationError, wrong.get_models)
    time.sleep(0.45)
    with Client(access_token=stale, daisys_url=emu.api_url) as expired:
        secrets.expect(DaisysCredentialsError, expired.get_models)
    secrets.check(emu, caplog)


async def test_no_secret_leaks_async(secret_emu: Emulator, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    emu = secret_emu
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    secrets = Secrets()
    async with AsyncClient(emu.email, PASSWORD, daisys_url=emu.api_url) as client:
        client.token_callback = secrets.tokens
        voice = await client.generate_voice("Leaky", "shakespeare", "male")
        take = await client.generate_take(voice.voice_id, "Secrets stay secret. Even in logs.")
        secrets.url(await client.get_take_audio_url(take.take_id))
        await client.get_take_audio(take.take_id)
        await client.get_take_audio(take.take_id, file=tmp_path / "a.wav")
        assert count(emu, "GET", f"{PRODUCT}/takes/{take.take_id}/wav") == 1
        pending = await client.generate_take(voice.voice_id, "Streamed before it is ready.", wait=False)
        chunks = [chunk async for chunk in client.stream_take_audio(pending.take_id)]
        assert b"".join(chunks)[:4] == b"RIFF"
        await client.speak("Spoken to a file.", voice.voice_id, tmp_path / "b.wav")
        secrets.url(await client.websocket_url(model="shakespeare"))
        await asyncio.sleep(0.45)
        assert await client.get_takes()
        await secrets.aexpect(DaisysNotFoundError, lambda: client.get_take("t-unknown"))
        await secrets.aexpect(
            DaisysValidationError,
            lambda: client.generate_take(voice.voice_id, "x", prosody=SimpleProsody(pace=50, pitch=0, expression=0)),
        )
        assert (await client.wait_for_takes(pending.take_id)).status == Status.READY
    assert count(emu, "POST", "/auth/refresh") >= 1
    async with AsyncClient(emu.email, PASSWORD + "x", daisys_url=emu.api_url) as wrong:
        await secrets.aexpect(DaisysAuthenticationError, wrong.get_models)
    secrets.check(emu, caplog)
