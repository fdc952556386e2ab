"""pytest plugin (entry point `daisys_ext`): fixtures `daisys_emulator` and `daisys_client`.

One Emulator (take_seconds=0.2, so generation is quick) is started per test session and reset before every test
that uses it: voices, takes, recorded requests and webhook deliveries are forgotten and options are restored,
so a test may freely change `fail_rate` and friends. Tokens survive the reset.

pytest loads this module in every run of every project that installs daisys-ext, so it imports nothing but
pytest: the emulator and the client are imported by the fixtures, when a test first uses one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from daisys_ext._sync.client import Client

    from ._emulator import Emulator

TAKE_SECONDS = 0.2


@pytest.fixture(scope="session")
def daisys_emulator_session() -> Iterator[Emulator]:
    """The session's running Emulator, not reset between tests (prefer `daisys_emulator`)."""
    from ._emulator import Emulator

    with Emulator(take_seconds=TAKE_SECONDS) as emulator:
        yield emulator


@pytest.fixture
def daisys_emulator(daisys_emulator_session: Emulator) -> Emulator:
    """A running Emulator, freshly reset for this test."""
    daisys_emulator_session.reset()
    return daisys_emulator_session


@pytest.fixture
def daisys_client(daisys_emulator: Emulator) -> Iterator[Client]:
    """A `daisys_ext.Client` logged in to `daisys_emulator`, closed after the test."""
    from daisys_ext._sync.client import Client  # lazily: the emulator itself never depends on the client

    client = Client(
        email=daisys_emulator.email,
        password=daisys_emulator.password,
        daisys_url=daisys_emulator.api_url,
        auth_url=daisys_emulator.api_url,
    )
    try:
        yield client
    finally:
        client.close()
