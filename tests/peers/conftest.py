"""Fixtures for the Vivoka and Neuphonic clients' tests: their local fakes, and clients of either flavour.

A test that uses `flavour` runs twice, with the sync client ("sync") and the async one ("async"); its
body is written against the asyncio API (see `support.peers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support.peers import END_SILENCE, FLAVOURS, Awaited

from daisys_ext.peers.neuphonic import AsyncNeuphonicClient, NeuphonicClient
from daisys_ext.peers.vivoka import AsyncVivokaClient, VivokaClient
from daisys_ext.testing.neuphonic import FakeNeuphonic
from daisys_ext.testing.vivoka import FakeVivoka


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """The client's flavour, "sync" or "async": the test runs once with each."""
    return str(request.param)


@pytest.fixture
def vivoka_fake() -> Iterator[FakeVivoka]:
    with FakeVivoka() as fake:
        yield fake


@pytest.fixture
def neuphonic_fake() -> Iterator[FakeNeuphonic]:
    with FakeNeuphonic() as fake:
        yield fake


@pytest.fixture
def vivoka(flavour: str) -> Callable[..., Any]:
    """``vivoka(*args, **kwargs)``: a Vivoka client of the test's flavour (``async with`` it)."""

    def make(*args: Any, **kwargs: Any) -> Any:
        return Awaited(VivokaClient(*args, **kwargs)) if flavour == "sync" else AsyncVivokaClient(*args, **kwargs)

    return make


@pytest.fixture
def neuphonic(flavour: str, neuphonic_fake: FakeNeuphonic) -> Callable[..., Any]:
    """``neuphonic(**kwargs)``: a Neuphonic client of the test's flavour on the fake (``async with`` it).

    Its key and URL are the fake's unless given; passages end after `END_SILENCE`.
    """

    def make(api_key: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("url", neuphonic_fake.url)
        kwargs.setdefault("end_silence", END_SILENCE)
        key = neuphonic_fake.api_key if api_key is None else api_key
        if flavour == "sync":
            return Awaited(NeuphonicClient(key, **kwargs))
        return AsyncNeuphonicClient(key, **kwargs)

    return make
