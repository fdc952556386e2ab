"""Faults, bad input and secrets: retries against injected 429/503, deadlines, typed errors, and no credential leaks.

Each test runs with the `Client` and the `AsyncClient` (the `flavour`, `api` and `connect` fixtures; the sync client
is wrapped so that one awaited body serves both). The emulator's fault dice are seeded, so every run sees the same
faults.
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
from support.flavours import Api

import daisys_ext._bodies
from daisys_ext import (
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


Connect = Callable[..., Api]


def on_emulator(connect: Connect, emu: Emulator, **options: Any) -> Api:
    """A client of the test's flavour with the emulator's credentials and these options."""
    return connect(emu.email, emu.password, daisys_url=emu.api_url, **options)


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


async def test_gets_are_retried(connect: Connect, emu: Emulator) -> None:
    async with on_emulator(connect, emu, max_retries=6) as client:
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


async def test_generate_is_not_retried(connect: Connect, emu: Emulator, voice_id: str) -> None:
    outcomes: list[Any] = []
    async with on_emulator(connect, emu) as client:
        await client.login()
        faulty(emu, 0.3)
        for i in range(20):
            try:
                outcomes.append(await client.generate_take(voice_id, f"Take {i}.", wait=False))
            except (DaisysRateLimitError, DaisysServerError) as exc:
                assert isinstance(exc, httpx.HTTPStatusError)
                outcomes.append(exc)
        emu.fail_rate = 0
        made = await client.get_takes()
    check_generates_not_repeated(emu, outcomes)
    made = [t for t in made if t.text.startswith("Take ")]  # not the voice's example take
    assert len(made) == sum(1 for o in outcomes if not isinstance(o, Exception))


# Both kinds of fault for both flavours (the sync test had the 429, the async one the 503).
@pytest.mark.parametrize(("status", "error"), [(429, DaisysRateLimitError), (503, DaisysServerError)])
async def test_retry_after_is_honoured(
    connect: Connect, emu: Emulator, status: int, error: type[DaisysHTTPError]
) -> None:
    async with on_emulator(connect, emu, max_retries=1) as client:
        await client.login()
        faulty(emu, 1.0, status, retry_after=1)
        started = time.monotonic()
        with pytest.raises(error):
            await client.get_models()
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 2.5
    assert statuses(emu, "GET", PRODUCT + "/models") == [status, status]


@pytest.mark.parametrize(("status", "error"), [(429, DaisysRateLimitError), (503, DaisysServerError)])
async def test_no_retries(connect: Connect, emu: Emulator, status: int, error: type[DaisysHTTPError]) -> None:
    async with on_emulator(connect, emu, max_retries=0) as client:
        await client.login()
        faulty(emu, 1.0, status)
        with pytest.raises(error) as info:
            await client.get_models()
    assert isinstance(info.value, httpx.HTTPStatusError) and info.value.response.status_code == status
    assert statuses(emu, "GET", PRODUCT + "/models") == [status]


# -- deadlines and unreachable services --------------------------------------------------------------------------------

TIMEOUT = 1.0


def slow_and_failing(emu: Emulator) -> None:
    """Every product answer takes 0.3 s and is a 429 to retry at once: 10 retries cannot fit in TIMEOUT."""
    faulty(emu, 1.0, 429, retry_after=0)
    emu.latency = 0.3


async def test_all_attempts_share_one_deadline(connect: Connect, emu: Emulator) -> None:
    async with on_emulator(connect, emu, timeout=TIMEOUT, max_retries=10) as client:
        await client.login()
        slow_and_failing(emu)
        started = time.monotonic()
        with pytest.raises((DaisysError, httpx.HTTPError)):
            await client.get_models()
        elapsed = time.monotonic() - started
        emu.latency = 0
    assert elapsed < TIMEOUT + 0.5  # not timeout x attempts
    assert count(emu, "GET", PRODUCT + "/models") <= 5


async def test_deadline_raises_typed_timeout(connect: Connect, emu: Emulator) -> None:
    """A call past its deadline raises DaisysTimeoutError ("A call or a wait ran past its deadline")."""
    async with on_emulator(connect, emu, timeout=0.3, max_retries=0) as client:
        await client.login()
        emu.latency = 0.6
        try:
            with pytest.raises(DaisysTimeoutError):
                await client.get_models()
        finally:
            emu.latency = 0


async def test_unreachable_service_raises_connection_error(connect: Connect) -> None:
    """DaisysConnectionError: "The service could not be reached, after the retries the client allows"."""
    async with connect("user@example.com", "pw", daisys_url=UNREACHABLE, max_retries=0) as client:
        with pytest.raises(DaisysConnectionError):
            await client.version()
        with pytest.raises(DaisysConnectionError):
            await client.get_models()


# -- bad input ---------------------------------------------------------------------------------------------------------


def check_validation_error(error: DaisysValidationError) -> None:
    assert error.status_code == 422
    assert "pace" in json.dumps(error.detail)
    assert error.errors is not None
    assert any(e.loc[-1] == "pace" for e in error.errors.detail)
    assert "pace" in str(error)


def let_prosody_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand the client's own prosody range check aside, so that pace=50 reaches the service and its 422 comes back."""
    monkeypatch.setattr(daisys_ext._bodies, "_level", lambda value, argument: None)


async def test_bad_input(api: Api, emu: Emulator, voice_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DaisysInputError, match="pace is 50"):
        await api.generate_take(voice_id, "Too fast.", prosody=SimpleProsody(pace=50, pitch=0, expression=5))
    let_prosody_through(monkeypatch)
    take = await api.generate_take(voice_id, "Fine.", wait=False)
    for call in (
        lambda: api.get_take("t-unknown"),
        lambda: api.get_voice("v-unknown"),
        lambda: api.get_take_audio("t-unknown"),
        lambda: api.generate_take("v-unknown", "Nobody speaks.", wait=False),
    ):
        with pytest.raises(DaisysNotFoundError) as info:
            await call()
        assert info.value.status_code == 404 and isinstance(info.value, httpx.HTTPStatusError)

    with pytest.raises(DaisysValidationError) as invalid:
        await api.generate_take(voice_id, "Too fast.", prosody=SimpleProsody(pace=50, pitch=0, expression=5))
    check_validation_error(invalid.value)

    async def stream_ogg() -> None:
        async for _ in api.stream_take_audio(take.take_id, format="ogg"):
            pass

    before = len(emu.requests)
    for call in (
        lambda: api.get_take_audio(take.take_id, format="ogg"),
        lambda: api.get_take_audio_url(take.take_id, format="ogg"),
        stream_ogg,
        lambda: api.generate_take(voice_id, "Long data.", user_data="x" * 257),
    ):
        with pytest.raises(DaisysInputError):
            await call()
    assert len(emu.requests) == before  # refused before anything was sent
    longest = await api.generate_take(voice_id, "Longest data.", user_data="x" * 256, wait=False)
    assert longest.user_data == "x" * 256


async def test_speak_refuses_unknown_format_before_generating(
    api: Api, emu: Emulator, voice_id: str, tmp_path: Path
) -> None:
    """speak(format='ogg') must fail before the take is generated, not after a generate (and a wait)."""
    await api.login()
    before = len(emu.requests)
    with pytest.raises(DaisysInputError):
        await api.speak("Never generated.", voice_id, tmp_path / "never.ogg", format="ogg")
    assert emu.requests[before:] == []
    assert count(emu, "POST", GENERATE) == 0


async def test_wrong_password(connect: Connect, emu: Emulator) -> None:
    async with connect(emu.email, "wrong", daisys_url=emu.api_url) as client:
        for call in (client.login, client.get_models):
            with pytest.raises(DaisysAuthenticationError) as info:
                await call()
            error = info.value
            assert isinstance(error, httpx.HTTPStatusError) and isinstance(error, DaisysCredentialsError)
            assert error.response.status_code == 401
            assert error.response.json()["detail"] == "Incorrect email or password"
            assert "wrong" not in str(error)
    assert count(emu, "POST", "/auth/login") == 2


@pytest.fixture
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DAISYS_EMAIL", "DAISYS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_env_credentials")
async def test_no_credentials(connect: Connect, emu: Emulator) -> None:
    async with connect(daisys_url=emu.api_url) as client:
        assert (await client.version()).version == 1  # public: needs no credentials
        with pytest.raises(DaisysCredentialsError):
            await client.get_models()
        with pytest.raises(DaisysCredentialsError):
            await client.login()
    async with connect(email=emu.email, daisys_url=emu.api_url) as client:
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


async def test_no_secret_leaks(
    connect: Connect,
    secret_emu: Emulator,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = secret_emu
    let_prosody_through(monkeypatch)  # the service's 422 answer must not leak either
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    secrets = Secrets()
    async with connect(emu.email, PASSWORD, daisys_url=emu.api_url) as client:
        client.token_callback = secrets.tokens
        voice = await client.generate_voice("Leaky", "shakespeare", "male")
        take = await client.generate_take(voice.voice_id, "Secrets stay secret. Even in logs.")
        url = await client.get_take_audio_url(take.take_id)
        secrets.url(url)
        await client.get_take_audio(take.take_id)  # the cached presigned URL, reused
        await client.get_take_audio(take.take_id, file=tmp_path / "a.wav")
        await client.get_take_audio(take.take_id, format="mp3")
        assert count(emu, "GET", f"{PRODUCT}/takes/{take.take_id}/wav") == 1
        pending = await client.generate_take(voice.voice_id, "Streamed before it is ready. Two sentences.", wait=False)
        chunks = [chunk async for chunk in client.stream_take_audio(pending.take_id)]
        assert b"".join(chunks)[:4] == b"RIFF"
        await client.speak("Spoken to a file.", voice.voice_id, tmp_path / "b.wav")
        secrets.url(await client.websocket_url(model="shakespeare"))
        await asyncio.sleep(0.45)  # the access token expires: a refresh follows
        assert await client.get_takes()
        await secrets.aexpect(DaisysNotFoundError, lambda: client.get_take("t-unknown"))
        await secrets.aexpect(
            DaisysValidationError,
            lambda: client.generate_take(voice.voice_id, "x", prosody=SimpleProsody(pace=50, pitch=0, expression=0)),
        )
        slow = await client.generate_take(voice.voice_id, "Not ready yet.", wait=False)
        await secrets.aexpect(DaisysTimeoutError, lambda: client.wait_for_takes(slow.take_id, timeout=0.0))
        assert (await client.wait_for_takes(pending.take_id)).status == Status.READY
        stale = client.access_token
        secrets.tokens(stale, client.refresh_token)
    assert count(emu, "POST", "/auth/refresh") >= 1
    async with connect(emu.email, PASSWORD + "x", daisys_url=emu.api_url) as wrong:
        await secrets.aexpect(DaisysAuthenticationError, wrong.get_models)
    await asyncio.sleep(0.45)
    async with connect(access_token=stale, daisys_url=emu.api_url) as expired:
        await secrets.aexpect(DaisysCredentialsError, expired.get_models)
    secrets.check(emu, caplog)
