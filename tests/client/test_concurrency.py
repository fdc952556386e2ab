"""One client shared by 8 threads (or 8 tasks) across several token expiries: no call fails, one refresh per expiry.

Each round starts after the access token has expired, and all 8 workers fire at once (a barrier), so every one of
them can hit the expired token; the client must renew it once for all of them, not once per worker.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import httpx

from daisys_ext import AsyncClient, Client, Status
from daisys_ext.testing import Emulator

WORKERS = 8
ROUNDS = 3
TTL = 0.5


def count(emu: Emulator, method: str, path: str) -> int:
    return sum(1 for r in emu.requests_to("api", path) if r.method == method)


def make_ready_take(raw: httpx.Client, voice_id: str) -> str:
    take = raw.post("/takes/generate", json={"voice_id": voice_id, "text": "Shared. By many."}).json()
    deadline = time.monotonic() + 5
    while raw.get(f"/takes/{take['take_id']}").json()["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.02)
    return str(take["take_id"])


def check_record(emu: Emulator) -> None:
    assert count(emu, "POST", "/auth/refresh") == ROUNDS  # one per expiry, not one per worker
    # Every worker really met the expired token in every round (else this test would prove nothing).
    refused = [r for r in emu.requests_to("api") if r.path.startswith("/v1/speak") and r.status == 401]
    assert len(refused) >= ROUNDS * 2
    assert all(r.header("Authorization") is None for r in emu.requests_to("storage"))
    assert emu.server_errors == []


def test_threads_share_one_client(emu: Emulator, raw: httpx.Client, voice_id: str) -> None:
    emu.token_ttl = TTL
    take_id = make_ready_take(raw, voice_id)
    logins_before = count(emu, "POST", "/auth/login")
    client = Client(emu.email, emu.password, daisys_url=emu.api_url)
    barrier = threading.Barrier(WORKERS + 1)
    failures: list[BaseException] = []
    audio: list[bytes] = []

    def worker() -> None:
        for _ in range(ROUNDS + 1):
            barrier.wait()  # start together
            try:
                assert client.get_models()
                assert client.get_take(take_id).status == Status.READY
                assert client.get_voices(voice_ids=[voice_id])
                audio.append(bytes(client.get_take_audio(take_id)))
            except BaseException as exc:
                failures.append(exc)
            barrier.wait()  # round done

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    try:
        for round_number in range(ROUNDS + 1):
            if round_number:
                time.sleep(TTL + 0.15)  # the access token has expired
            barrier.wait()
            barrier.wait()
    except BaseException:
        barrier.abort()
        raise
    finally:
        for thread in threads:
            thread.join(10)
        client.close()
    assert failures == []
    assert len(audio) == WORKERS * (ROUNDS + 1) and len(set(audio)) == 1
    # Round 0 started without any token: all 8 needed one, and one login served them all.
    assert count(emu, "POST", "/auth/login") == logins_before + 1
    check_record(emu)


async def test_tasks_share_one_client(emu: Emulator, raw: httpx.Client, voice_id: str) -> None:
    emu.token_ttl = TTL
    take_id = make_ready_take(raw, voice_id)
    logins_before = count(emu, "POST", "/auth/login")
    failures: list[BaseException] = []
    audio: list[bytes] = []
    async with AsyncClient(emu.email, emu.password, daisys_url=emu.api_url) as client:
        start = asyncio.Barrier(WORKERS + 1)
        finish = asyncio.Barrier(WORKERS + 1)

        async def worker() -> None:
            for _ in range(ROUNDS + 1):
                await start.wait()
                try:
                    assert await client.get_models()
                    assert (await client.get_take(take_id)).status == Status.READY
                    assert await client.get_voices(voice_ids=[voice_id])
                    audio.append(bytes(await client.get_take_audio(take_id)))
                except BaseException as exc:
                    failures.append(exc)
                await finish.wait()

        async def conductor() -> None:
            for round_number in range(ROUNDS + 1):
                if round_number:
                    await asyncio.sleep(TTL + 0.15)
                await start.wait()
                await finish.wait()

        await asyncio.wait_for(asyncio.gather(conductor(), *(worker() for _ in range(WORKERS))), 30)
    assert failures == []
    assert len(audio) == WORKERS * (ROUNDS + 1) and len(set(audio)) == 1
    assert count(emu, "POST", "/auth/login") == logins_before + 1
    check_record(emu)


def test_threads_and_presigned_cache(emu: Emulator, raw: httpx.Client, voice_id: str) -> None:
    """Concurrent downloads of the same take share the cached presigned URL and never send a token to storage."""
    take_id = make_ready_take(raw, voice_id)
    with Client(emu.email, emu.password, daisys_url=emu.api_url) as client:
        client.get_take_audio_url(take_id)  # cached from now on
        results: list[bytes] = []
        run: Callable[[], None] = lambda: results.append(bytes(client.get_take_audio(take_id)))  # noqa: E731
        threads = [threading.Thread(target=run) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(results) == WORKERS and len(set(results)) == 1
    assert count(emu, "GET", f"/v1/speak/takes/{take_id}/wav") == 1
    assert len(emu.requests_to("storage")) == WORKERS
    assert all(r.header("Authorization") is None for r in emu.requests_to("storage"))
