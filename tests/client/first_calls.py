"""Run by tests/client/test_first_calls.py in a fresh interpreter: many first calls at once on a fresh client.

``python first_calls.py <sync|async> <rounds> <api_url> <email> <password> <voice_id> <take_id>`` prints one
JSON line: the errors seen (type and message), one list per round. Each round starts from nothing imported of
daisys_ext and the generated package (as a fresh interpreter does), makes a client and fires 16 first calls at
once, each needing other generated modules: 16 threads on one `Client`, or 4 threads each running 4 tasks on
their own `AsyncClient`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

CALLERS = 16
THREADS_ASYNC = 4


def calls(voice_id: str, take_id: str) -> list[Callable[[Any], Any]]:
    """Calls that between them import every kind of generated module (endpoints and models)."""
    return [
        lambda api: api.get_take(take_id),
        lambda api: api.get_takes(take_ids=[take_id]),
        lambda api: api.get_voice(voice_id),
        lambda api: api.get_voices(),
        lambda api: api.get_models(),
        lambda api: api.get_model("shakespeare"),
        lambda api: api.version(),
        lambda api: api.websocket_url(model="shakespeare"),
        lambda api: api.wait_for_takes(take_id),
        lambda api: api.get_take_audio_url(take_id),
    ]


def forget_imports() -> None:
    for name in [name for name in sys.modules if name.split(".")[0] in ("daisys_ext", "daisys_speak_api")]:
        del sys.modules[name]


def sync_round(login: dict[str, str], work: list[Callable[[Any], Any]]) -> list[str]:
    from daisys_ext import Client

    errors: list[str] = []
    start = threading.Barrier(CALLERS)
    with Client(**login) as api:

        def caller(index: int) -> None:
            start.wait()
            try:
                work[index % len(work)](api)
            except BaseException as exc:  # every failure is the finding
                errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=caller, args=(i,)) for i in range(CALLERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors


def async_round(login: dict[str, str], work: list[Callable[[Any], Any]]) -> list[str]:
    from daisys_ext import AsyncClient

    errors: list[str] = []
    start = threading.Barrier(THREADS_ASYNC)
    per_thread = CALLERS // THREADS_ASYNC

    async def tasks(offset: int) -> None:
        async with AsyncClient(**login) as api:
            start.wait()  # all threads' loops start their first calls together
            results = await asyncio.gather(
                *(work[(offset + i) % len(work)](api) for i in range(per_thread)), return_exceptions=True
            )
        errors.extend(f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException))

    def thread(offset: int) -> None:
        try:
            asyncio.run(tasks(offset))
        except BaseException as exc:  # every failure is the finding
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=thread, args=(i * per_thread,)) for i in range(THREADS_ASYNC)]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    return errors


def main() -> None:
    flavour, rounds, url, email, password, voice_id, take_id = sys.argv[1:8]
    # Threads take turns every microsecond instead of every 5 ms: an import race, if there is one, shows up
    # in a few rounds rather than in one run in many.
    sys.setswitchinterval(1e-6)
    login = {"email": email, "password": password, "daisys_url": url, "auth_url": url}
    work = calls(voice_id, take_id)
    found = []
    for _ in range(int(rounds)):
        forget_imports()
        found.append((sync_round if flavour == "sync" else async_round)(login, work))
    print(json.dumps(found))


if __name__ == "__main__":
    main()
