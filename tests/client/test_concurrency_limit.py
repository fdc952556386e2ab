"""``max_concurrency``: no more requests open at once than the client allows, API calls and downloads alike.

The requests go through a real forward proxy on 127.0.0.1 (``proxy=``) that counts the requests waiting for their
answer at once, with the emulator slowed (``latency``) so that requests overlap. Concurrent calls are
flavour-specific: tasks gathered on an ``AsyncClient``, threads sharing a ``Client``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import pickle
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.flavours import Api, unwrap
from support.proxy import ForwardProxy, _ProxyHandler, _ProxyServer

from daisys_ext import AsyncClient, Client, DaisysAPI, DaisysInputError, FileTokenStore
from daisys_ext.testing import Emulator

CALLS = 12


class _CountingHandler(_ProxyHandler):
    server: _CountingServer

    def _forward(self) -> None:
        self.server.owner.opened()
        try:
            super()._forward()
        finally:
            self.server.owner.answered()  # no-op if the answer was sent

    def _answer(self, answer: http.client.HTTPResponse) -> None:
        # Counted as answered before the first byte goes out: the client frees its place only after the last,
        # so a request it sends in that place always arrives after this one stopped counting.
        self.server.owner.answered()
        super()._answer(answer)

    do_GET = do_POST = do_DELETE = _forward


class _CountingServer(_ProxyServer):
    owner: CountingProxy

    def __init__(self, owner: CountingProxy) -> None:
        self.owner = owner
        super(_ProxyServer, self).__init__(("127.0.0.1", 0), _CountingHandler)


class CountingProxy(ForwardProxy):
    """A forward proxy that records the most requests it held, unanswered, at once."""

    def __init__(self) -> None:
        super().__init__()
        self.open = self.most = 0
        self._count_lock = threading.Lock()
        self._local = threading.local()

    def opened(self) -> None:
        self._local.counted = True
        with self._count_lock:
            self.open += 1
            self.most = max(self.most, self.open)

    def answered(self) -> None:
        if getattr(self._local, "counted", False):
            self._local.counted = False
            with self._count_lock:
                self.open -= 1

    def reset(self) -> None:
        with self._count_lock:
            self.most = self.open

    def _make_server(self) -> Any:
        return _CountingServer(self)


@pytest.fixture
def counting() -> Iterator[CountingProxy]:
    with CountingProxy() as proxy:
        yield proxy


async def at_once(client: Client | AsyncClient, calls: list[Callable[[Any], Any]]) -> list[Any]:
    """Every call at once: tasks gathered on an AsyncClient, a thread each sharing a Client."""
    if isinstance(client, AsyncClient):
        coroutines: list[Awaitable[Any]] = [call(client) for call in calls]
        return list(await asyncio.wait_for(asyncio.gather(*coroutines), 30))
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call, client) for call in calls]
        return [future.result(timeout=30) for future in futures]


def work(take_id: str) -> list[Callable[[Any], Any]]:
    """API calls and downloads, half each."""
    return [lambda c: c.get_take(take_id), lambda c: c.get_take_audio(take_id)] * (CALLS // 2)


async def test_max_concurrency_bounds_requests_open_at_once(
    connect: Callable[..., Api], emu: Emulator, voice_id: str, counting: CountingProxy
) -> None:
    async with connect(
        emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url, proxy=counting.url, max_concurrency=3
    ) as api:
        take = await api.generate_take(voice_id, "Limited. Then free.")
        audio = bytes(await api.get_take_audio(take.take_id))
        emu.options.latency = 0.1  # every answer takes a while: the calls overlap
        counting.reset()
        results = await at_once(unwrap(api), work(take.take_id))
        assert counting.most == 3  # the limit, reached and never passed
        assert all(bytes(result) == audio for result in results[1::2])
        # A copy with a limit of its own: the same calls now overlap further.
        counting.reset()
        await at_once(unwrap(api.with_options(max_concurrency=CALLS)), work(take.take_id))
        assert counting.most > 3


async def test_a_token_renewal_never_waits_for_a_place(
    connect: Callable[..., Api], emu: Emulator, voice_id: str
) -> None:
    """Every place held by a request refused for an expired token, all waiting for one renewal: the renewal
    (the auth service's request) goes through, and every call completes."""
    emu.token_ttl = 0.5
    async with connect(emu.email, emu.password, daisys_url=emu.api_url, max_concurrency=2) as api:
        take = await api.generate_take(voice_id, "Renewed.")
        await asyncio.sleep(0.6)  # the access token expires
        refusals_before = sum(1 for r in emu.requests_to("api") if r.status == 401)
        results = await at_once(unwrap(api), [lambda c: c.get_take(take.take_id)] * 8)
        assert {result.take_id for result in results} == {take.take_id}
        assert sum(1 for r in emu.requests_to("api") if r.status == 401) > refusals_before


def test_max_concurrency_is_checked_and_passed_on(emu: Emulator) -> None:
    for wrong in (0, -1, 2.5, True):
        with pytest.raises(DaisysInputError, match="max_concurrency"):
            Client(access_token="x", daisys_url=emu.api_url, max_concurrency=wrong)  # type: ignore[arg-type]
    with Client(access_token="x", daisys_url=emu.api_url) as client:
        with pytest.raises(DaisysInputError, match="max_concurrency"):
            client.with_options(max_concurrency=0)
        assert client._limit.limit == 64  # the default
    with DaisysAPI("speak", access_token="x", daisys_url=emu.api_url, max_concurrency=5) as client:
        assert client._limit.limit == 5



def test_a_pickled_client_keeps_its_limit(emu: Emulator, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    with Client(emu.email, emu.password, daisys_url=emu.api_url, token_store=store, max_concurrency=5) as client:
        assert client.get_models()
        copy = pickle.loads(pickle.dumps(client))
        with copy:
            assert copy._limit.limit == 5
            assert copy.get_models()
