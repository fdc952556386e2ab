"""The stores themselves: the file's mode and atomic writes, Redis key names, and locks whose holder was killed.

A lock holder here is a real process killed with SIGKILL: the file lock goes with it (the OS releases it), the
Redis lock when it expires, after the holder's timeout; a client waiting meanwhile waits at most its own timeout
and then gets a typed error.
"""

from __future__ import annotations

import pickle
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support.fleet import client_options, logins

from daisys_ext import Client, DaisysTokenStoreError, FileTokenStore, RedisTokenStore, StoredTokens
from daisys_ext.testing import Emulator

HOLDER = """
import pickle, sys, time
store = pickle.loads(bytes.fromhex(sys.argv[1]))
with store.lock(wait=5, hold=float(sys.argv[2])):
    print("held", flush=True)
    time.sleep(60)
"""


@contextmanager
def killed_holder(store: Any, hold: float) -> Iterator[None]:
    """A process that takes the store's lock (expiring after ``hold`` s), killed with SIGKILL while it holds it."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, pickle.dumps(store).hex(), str(hold)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        child.send_signal(signal.SIGKILL)
        child.wait(5)
        yield
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_file_is_owner_only_and_written_whole(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "config" / "tokens.json")
    assert store.load() is None
    store.save(StoredTokens("access-1", "refresh-1", "me@example.com"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    other = FileTokenStore(store.path, key="another account")
    other.save(StoredTokens("access-2", "refresh-2"))
    assert store.load() == StoredTokens("access-1", "refresh-1", "me@example.com")
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json"]  # no temporary file left
    store.clear()
    assert store.load() is None and other.load() == StoredTokens("access-2", "refresh-2")
    other.clear()
    assert not store.path.exists()


def test_a_file_that_is_not_a_token_file_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "tokens.json").write_text("not json")
    with pytest.raises(DaisysTokenStoreError, match="not a token file"):
        FileTokenStore(tmp_path / "tokens.json").load()


def test_redis_keeps_the_tokens_under_the_key_and_no_secret_in_a_key_name(redis_url: str) -> None:
    import redis

    store = RedisTokenStore(redis_url, key="daisys:tokens")
    secret = StoredTokens("access-SECRET", "refresh-SECRET", "me@example.com")
    store.save(secret)
    with store.lock(wait=1, hold=5):
        names = redis.Redis.from_url(redis_url).keys("*")
        assert sorted(names) == [b"daisys:tokens", b"daisys:tokens:lock"]
    assert store.load() == secret
    assert "SECRET" not in repr(store) + repr(store.load())


def test_a_store_pickles_without_a_redis_password(redis_url: str, tmp_path: Path) -> None:
    import redis

    assert pickle.loads(pickle.dumps(FileTokenStore(tmp_path / "t.json"))).path == tmp_path / "t.json"
    plain = pickle.loads(pickle.dumps(RedisTokenStore(redis.Redis.from_url(redis_url))))
    plain.save(StoredTokens("a", "r"))
    assert RedisTokenStore(redis_url).load() == StoredTokens("a", "r")
    with pytest.raises(Exception, match="password would travel"):
        pickle.dumps(RedisTokenStore("redis://:hunter2@127.0.0.1:1/0"))


def test_a_file_lock_holder_killed_releases_it_at_once(emu: Emulator, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    options = client_options(emu, token_store=store, timeout=2)
    # The OS released the dead process's lock: a client waiting at most 2 s logs in.
    with killed_holder(store, hold=60), Client(emu.email, emu.password, **options) as client:
        client.get_models()
    assert logins(emu) == 1


def test_a_redis_lock_holder_killed_blocks_the_others_no_longer_than_its_expiry(emu: Emulator, redis_url: str) -> None:
    store = RedisTokenStore(redis_url)
    with killed_holder(store, hold=2.5):
        # Within the dead holder's expiry, a client that waits 0.5 s at most gets a typed error, not a hang...
        hurried = Client(emu.email, emu.password, **client_options(emu, token_store=store, timeout=0.5))
        with pytest.raises(DaisysTokenStoreError, match="stayed held"):
            hurried.get_models()
        hurried.close()
        assert logins(emu) == 0  # ...and no password login behind the store's back
        # ...and one that waits up to 5 s gets the lock once it expired.
        with Client(emu.email, emu.password, **client_options(emu, token_store=store, timeout=5)) as client:
            client.get_models()
    assert logins(emu) == 1


async def test_a_live_holder_bounds_the_wait_of_an_async_client(emu: Emulator, make_store: Callable[[], Any]) -> None:
    from daisys_ext import AsyncClient

    holder = make_store()
    with holder.lock(wait=1, hold=10):
        client = AsyncClient(emu.email, emu.password, **client_options(emu, token_store=make_store(), timeout=0.3))
        with pytest.raises(DaisysTokenStoreError):
            await client.get_models()
        await client.close()
    assert logins(emu) == 0
