"""Cassette tests: replayed offline by default, recorded against the emulator or the real service on demand.

``DAISYS_RECORD`` chooses: unset, every test replays its cassette (record mode "none", network blocked, no
emulator); ``emulator`` records every cassette anew against a local emulator; ``live`` against the real service
with ``DAISYS_EMAIL`` and ``DAISYS_PASSWORD``. ``make record`` and ``make record-live`` set it.

A test that uses the ``connect`` fixture runs twice, with the ``Client`` and with the ``AsyncClient`` (each with
its own cassette, ``http/<test>-sync.yaml`` and ``-async.yaml``): ``connect()`` opens a client of that flavour,
and the sync one is wrapped (``support.flavours.SyncApi``) so that both are awaited alike.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cassette_files import cassette_path, replay_path
from cassette_match import make_vcr
from cassette_network import NetworkGuard
from cassette_scrub import API_ORIGIN, EMAIL, PASSWORD, STORAGE_ORIGIN, WORKER_ORIGIN, Scrubber
from support.flavours import FLAVOURS, new_client
from vcr.cassette import Cassette

from daisys_ext import PollSchedule
from daisys_ext.testing import Emulator

MODE = os.environ.get("DAISYS_RECORD", "")
MODES = ("", "emulator", "live")


@dataclass
class Target:
    """Where a cassette test's clients go: canonical URLs on replay, the emulator's or the service's when recording."""

    api_url: str
    email: str
    password: str
    # The poll interval only sets the pace: on replay the recorded answers decide when a wait ends, so the
    # client polls exactly as often as it did when recording, however fast it polls.
    poll: PollSchedule
    origins: dict[str, str] = field(default_factory=dict)
    emulator: Emulator | None = None


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    """The session's target, by ``DAISYS_RECORD``; the emulator, when recording on it, runs for the whole session."""
    if MODE not in MODES:
        raise pytest.UsageError(f"DAISYS_RECORD={MODE!r}: use 'emulator', 'live', or leave it unset to replay")
    if MODE == "":
        yield Target(API_ORIGIN, EMAIL, PASSWORD, PollSchedule.fixed(0.001))
    elif MODE == "emulator":
        with Emulator(take_seconds=0.2) as emu:
            origins = {emu.api_url: API_ORIGIN, emu.storage_url: STORAGE_ORIGIN, emu.worker_url: WORKER_ORIGIN}
            yield Target(emu.api_url, emu.email, emu.password, PollSchedule.fixed(0.05), origins, emu)
    else:
        email, password = os.environ.get("DAISYS_EMAIL"), os.environ.get("DAISYS_PASSWORD")
        if not (email and password):
            raise pytest.UsageError("DAISYS_RECORD=live needs DAISYS_EMAIL and DAISYS_PASSWORD")
        api_url = os.environ.get("DAISYS_API_URL", API_ORIGIN).rstrip("/")
        yield Target(api_url, email, password, PollSchedule(), {api_url: API_ORIGIN} if api_url != API_ORIGIN else {})


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """On replay, every connection is refused unless the test allowed its address (``network.allow(...)``)."""
    guard = NetworkGuard()
    if MODE == "":
        guard.install(monkeypatch)
    yield guard
    # A refused connection whose error some code swallowed still fails the test.
    assert not guard.attempts, f"network used during replay: {guard.attempts}"


@pytest.fixture
def cassette(request: pytest.FixtureRequest, target: Target) -> Iterator[Cassette]:
    """The test's cassette, replayed strictly, or recorded anew (the old file removed first)."""
    if MODE == "":
        path, record_mode = replay_path(request.node.name), "none"
    else:
        path, record_mode = cassette_path(request.node.name), "all"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        if target.emulator is not None:
            target.emulator.reset()
    recorder = make_vcr(Scrubber(target.origins))
    # Each recorded answer plays once: a client that asks more often than it did when recording fails.
    with recorder.use_cassette(str(path), record_mode=record_mode, allow_playback_repeats=False) as recorded:
        yield recorded
    if MODE == "":
        unplayed = [f"{r.method} {r.uri}" for i, r in enumerate(recorded.requests) if not recorded.play_counts[i]]
        assert not unplayed, f"the client made fewer requests than recorded; never asked: {unplayed}"


@pytest.fixture(params=FLAVOURS)
def connect(
    request: pytest.FixtureRequest, target: Target, cassette: Cassette
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    """``async with connect(**client_kwargs) as api``: a client of this run's flavour on the target."""
    flavour = request.param

    @contextlib.asynccontextmanager
    async def open_client(
        email: str | None = target.email, password: str | None = target.password, **kwargs: Any
    ) -> AsyncIterator[Any]:
        options = {"daisys_url": target.api_url, "auth_url": target.api_url, "poll": target.poll, **kwargs}
        async with new_client(flavour, email, password, **options) as api:
            yield api

    return open_client
