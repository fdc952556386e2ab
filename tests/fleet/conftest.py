"""Fixtures for the fleet tests: a real redis-server on a free port, stores on it and on files, the emulator.

The emulator hands out single-use refresh tokens here (``rotate_refresh_tokens``): the case where processes that
share a refresh token race, and all but one would fail without a store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daisys_ext import FileTokenStore, RedisTokenStore
from daisys_ext.testing import Emulator, RedisServer

STORES = ("file", "redis")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Debian's redis-server on 127.0.0.1 (make setup installs it), for the whole session."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The server's URL, its database emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushdb()
    return redis_server.url


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    """The session's emulator, reset, with single-use refresh tokens."""
    daisys_emulator.rotate_refresh_tokens = True
    return daisys_emulator


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """Makes stores of this test's kind that share one place (a file, or a Redis key): as separate processes would."""

    def make() -> FileTokenStore | RedisTokenStore:
        if store_kind == "file":
            return FileTokenStore(tmp_path / "tokens.json")
        return RedisTokenStore(request.getfixturevalue("redis_url"), timeout=2.0)

    return make


@pytest.fixture(params=("sync", "async"))
def flavour(request: pytest.FixtureRequest) -> str:
    """The client's flavour, "sync" or "async": the test runs once with each."""
    return str(request.param)
