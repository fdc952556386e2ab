"""Fan-out, one run in a fresh interpreter: run by scripts/bench.py (section 6), or by hand for a profile.

``python scripts/bench_fanout.py '<job as JSON>'`` gathers ``n`` takes at once on one client, each generated,
waited for (``generate_take(wait=True)``) and downloaded into memory, and prints one JSON line: the client's CPU
a take (``time.process_time`` of this process, which holds only the client), the wall time, and the most
requests that were open at once below the client. The job gives the emulator's URL and credentials, a voice,
``n``, ``flavour`` ("async": one ``AsyncClient``, a task a take; "sync": one ``Client`` shared by a thread a
take), ``window`` (the caller's own limit: at most this many takes under way, None for all at once) and
``max_concurrency`` (the client's option; absent: its default); ``before`` true measures the client as it was
before ``max_concurrency`` (no limit, httpx's default pool of 100 connections, 20 kept alive). ``--profile``
prints the top of a cProfile too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import sys
import threading
import time
from typing import Any

import httpx

TEXT = "Many takes at once."


class OpenRequests:
    """The requests open at once below the client (sent, and their body not yet closed), and the most seen."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self._lock = threading.Lock()

    def opened(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def closed(self) -> None:
        with self._lock:
            self.now -= 1

    def install(self) -> None:
        """Count at httpx's own transports, below every layer of the client."""
        sync_send, async_send = httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request
        counter = self

        class _Closing(httpx.SyncByteStream):
            def __init__(self, stream: Any) -> None:
                self.stream, self.done = stream, False

            def __iter__(self) -> Any:
                yield from self.stream

            def close(self) -> None:
                if not self.done:
                    self.done = True
                    counter.closed()
                self.stream.close()

        class _AsyncClosing(httpx.AsyncByteStream):
            def __init__(self, stream: Any) -> None:
                self.stream, self.done = stream, False

            async def __aiter__(self) -> Any:
                async for chunk in self.stream:
                    yield chunk

            async def aclose(self) -> None:
                if not self.done:
                    self.done = True
                    counter.closed()
                await self.stream.aclose()

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            counter.opened()
            try:
                response = sync_send(transport, request)
            except BaseException:
                counter.closed()
                raise
            response.stream = _Closing(response.stream)
            return response

        async def handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            counter.opened()
            try:
                response = await async_send(transport, request)
            except BaseException:
                counter.closed()
                raise
            response.stream = _AsyncClosing(response.stream)
            return response

        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]


def _options(job: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"daisys_url": job["url"], "auth_url": job["url"], "timeout": 120, "max_retries": 5}
    if job.get("max_concurrency") is not None:
        options["max_concurrency"] = job["max_concurrency"]
    if job.get("before"):  # the client as it was: no limit of its own, the pool at httpx's default limits
        options["max_concurrency"] = 1_000_000
        sync = job.get("flavour", "async") == "sync"
        options["transport"] = httpx.HTTPTransport() if sync else httpx.AsyncHTTPTransport()
    return options


async def _run_async(job: dict[str, Any]) -> float:
    from daisys_ext import AsyncClient

    n, window = job["n"], job.get("window")
    limit = asyncio.Semaphore(window or n)
    async with AsyncClient(job["email"], job["password"], **_options(job)) as client:
        await client.get_take_audio((await client.generate_take(job["voice_id"], TEXT)).take_id)  # warm: login, pool

        async def one() -> None:
            async with limit:
                take = await client.generate_take(job["voice_id"], TEXT)
                await client.get_take_audio(take.take_id)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - start


def _run_sync(job: dict[str, Any]) -> float:
    from daisys_ext import Client

    n, window = job["n"], job.get("window")
    with Client(job["email"], job["password"], **_options(job)) as client:
        client.get_take_audio(client.generate_take(job["voice_id"], TEXT).take_id)

        def one(_: int) -> None:
            take = client.generate_take(job["voice_id"], TEXT)
            client.get_take_audio(take.take_id)

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(window or n) as pool:
            list(pool.map(one, range(n)))
        return time.perf_counter() - start


def main() -> None:
    job = json.loads(sys.argv[1])
    sys.setrecursionlimit(10000)
    counter = OpenRequests()
    counter.install()
    profiler = None
    if "--profile" in sys.argv:
        import cProfile

        profiler = cProfile.Profile()
    cpu = time.process_time()
    with profiler or contextlib.nullcontext():
        wall = asyncio.run(_run_async(job)) if job.get("flavour", "async") == "async" else _run_sync(job)
    cpu = time.process_time() - cpu
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(json.dumps({"cpu_per_take": cpu / (job["n"] + 1), "wall": wall, "most_open": counter.most}))


if __name__ == "__main__":
    main()
