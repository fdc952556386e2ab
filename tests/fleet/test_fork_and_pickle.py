"""A client crosses process boundaries: forked (gunicorn's preload, multiprocessing) and pickled (Celery, Ray).

After ``os.fork()`` the child's client makes its own connection pool and locks on first use; a pickle carries
the configuration and the token store, never a password or token, and the client unpickled in another process
gets its tokens from the store.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import pickletools
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from support.fleet import client_options, logins

from daisys_ext import AsyncClient, Client, DaisysInputError
from daisys_ext.testing import Emulator

CALLS = 20


def in_child(work: Callable[[], bool]) -> int:
    """Fork; the child runs ``work`` and exits 0 if it says True (1 if False, 2 if it raised)."""
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        code = 2
        signal.alarm(20)  # a child stuck on a lock the parent's thread held dies, rather than hang the test
        try:
            code = 0 if work() else 1
        finally:
            os._exit(code)
    return pid


def exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_forked_child_makes_its_own_pool_and_locks(emu: Emulator) -> None:
    client = Client(emu.email, emu.password, **client_options(emu))
    client.get_models()
    parent_pool = client._pool._inner  # type: ignore[attr-defined]
    assert parent_pool is not None
    auth = client._http.auth
    held, release = threading.Event(), threading.Event()

    def hold_the_auth_lock() -> None:  # another thread of the parent holds the lock while it forks
        with auth._lock:  # type: ignore[union-attr]
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_auth_lock)
    holder.start()
    held.wait(5)
    client.access_token = None  # the child must log in: through the auth lock the parent's thread holds

    def child() -> bool:
        fresh = client._pool._inner is None  # type: ignore[attr-defined]
        for _ in range(CALLS):
            client.get_models()
        return fresh and client._pool._inner is not parent_pool  # type: ignore[attr-defined]

    pid = in_child(child)
    release.set()
    holder.join()
    for _ in range(CALLS):  # the parent goes on on its own connection meanwhile
        client.get_models()
    assert exit_code(pid) == 0
    assert client._pool._inner is parent_pool  # type: ignore[attr-defined]
    client.close()


def test_a_forked_child_runs_its_own_event_loop_on_its_own_pool(emu: Emulator) -> None:
    client = AsyncClient(emu.email, emu.password, **client_options(emu))

    async def use() -> bool:
        results = await asyncio.gather(*(client.get_models() for _ in range(CALLS)))
        return all(results)

    async def parent() -> int:
        assert await use()  # the pool is made, on this loop
        # Forked from a thread beside the loop, so that the child's one thread runs no loop yet and starts its own.
        pid = await asyncio.to_thread(in_child, lambda: asyncio.run(use()))
        assert await use()  # the parent's pool goes on meanwhile
        code = await asyncio.to_thread(exit_code, pid)
        await client.close()
        return code

    assert asyncio.run(parent()) == 0


UNPICKLE = """
import asyncio, pickle, sys
client = pickle.loads(bytes.fromhex(sys.stdin.read()))
models = asyncio.run(client.get_models()) if type(client).__name__ == "AsyncClient" else client.get_models()
print(type(client).__name__, len(models), client.access_token is not None)
"""


@pytest.mark.parametrize("cls", [Client, AsyncClient], ids=["sync", "async"])
def test_a_client_pickles_as_its_configuration_and_store(
    cls: type[Client] | type[AsyncClient], emu: Emulator, make_store: Callable[[], Any]
) -> None:
    client = cls(emu.email, emu.password, **client_options(emu, token_store=make_store(), timeout=7))
    if isinstance(client, AsyncClient):
        asyncio.run(client.get_models())
    else:
        client.get_models()
    data = pickle.dumps(client)
    # Every string the pickle holds (a short secret such as the emulator's "pw" may occur by chance in binary data).
    strings = [str(arg) for _, arg, _ in pickletools.genops(data) if isinstance(arg, str | bytes)]
    for secret in (emu.password, client.access_token, client.refresh_token):
        assert secret is not None and not any(secret in string for string in strings)
    copy = pickle.loads(data)
    assert type(copy) is cls and copy._config.timeout.read == 7 and copy.access_token is None
    env = {**os.environ, "DAISYS_EMAIL": "", "DAISYS_PASSWORD": ""}
    done = subprocess.run(
        [sys.executable, "-c", UNPICKLE], input=data.hex(), capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    name, count, has_token = done.stdout.split()
    assert name == cls.__name__ and int(count) > 0 and has_token == "True"
    assert logins(emu) == 1  # the other process took the stored tokens: no login of its own


@pytest.mark.parametrize("cls", [Client, AsyncClient], ids=["sync", "async"])
def test_a_client_without_a_store_refuses_to_be_pickled(cls: type[Client] | type[AsyncClient], emu: Emulator) -> None:
    client = cls(emu.email, emu.password, **client_options(emu))
    with pytest.raises(DaisysInputError, match="token_store"):
        pickle.dumps(client)
