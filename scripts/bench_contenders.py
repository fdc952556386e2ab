"""One contender doing one measurement, in a fresh interpreter: run by scripts/bench.py, never by hand.

``python scripts/bench_contenders.py '<job as JSON>'`` prints one JSON line of results. The job names a
task (``stream``, ``sweep``, ``cpu``, ``many``, ``breakdown``), a contender (``ours-sync``, ``ours-async``,
``official``, ``floor``, ...), the emulator's URL and credentials, and the ids made for the run.

HTTP requests are counted below every client alike: ``httpx.HTTPTransport.handle_request`` and its async
twin are wrapped in this process, so ours, the official SDK and the bare floor are counted the same way.
Times are ``time.time()`` where they are compared with the emulator's events (the wall clock both
processes share), ``perf_counter`` for durations and ``process_time`` for CPU.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import json
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

# The official SDK calls pydantic's deprecated `.json()`; its warnings are not a figure.
warnings.simplefilter("ignore")

TEXT_FILE = "Hello there, I am Daisys! It's a beautiful day."
TEXT_STREAM = "Hi. This sentence comes second, after a short one. And then a third sentence ends it."
TEXT_READY = "Ready detection."
TEXT_MANY = "Many takes at once."
TEXT_WARM = "Warm up."
# What a language model writes, a token every 20 ms: the first sentence's audio is timed from its last token.
TEXT_LLM = ["The model ", "starts ", "talking. ", "It goes ", "on with ", "a second ", "sentence. ", "And ends."]
FIRST_SENTENCE_TOKENS = 3
TEXTS = (TEXT_FILE, TEXT_STREAM, TEXT_READY, TEXT_MANY, TEXT_WARM)
TIGHT_POLL = 0.01  # the floor's polling interval, seconds
THREADS = 16

# -- counting requests, below every client -----------------------------------------------------------------------

_TAKE = re.compile(r"/v1/speak/takes/([^/]+)$")
COUNTS: collections.Counter[str] = collections.Counter()
STATUS_PER_TAKE: collections.Counter[str] = collections.Counter()


def _count(request: httpx.Request) -> None:
    path, method = request.url.path, request.method
    if "/auth/" in path:
        kind = "auth"
    elif method == "POST" and path.endswith("/takes/generate"):
        kind = "generate"
    elif method == "GET" and (match := _TAKE.search(path)):
        kind = "status"
        STATUS_PER_TAKE[match[1]] += 1
    elif method == "GET" and path.endswith("/v1/speak/takes"):
        kind = "status"
        for take_id in request.url.params.get("take_id", "").split(","):
            STATUS_PER_TAKE[take_id] += 1
    elif "/v1/speak/takes/" in path:
        kind = "audio url"
    elif "/v1/speak/" in path:
        kind = "other api"
    else:
        kind = "storage"
    COUNTS[kind] += 1


def _install_counters() -> None:
    sync_handle = httpx.HTTPTransport.handle_request
    async_handle = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        _count(request)
        return sync_handle(self, request)

    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        _count(request)
        return await async_handle(self, request)

    httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]


def _reset_counts() -> None:
    COUNTS.clear()
    STATUS_PER_TAKE.clear()


# -- the contenders' clients ---------------------------------------------------------------------------------


def ours_sync(job: dict[str, Any]) -> Any:
    from daisys_ext import Client

    return Client(job["email"], job["password"], daisys_url=job["url"], auth_url=job["url"])


def ours_async(job: dict[str, Any]) -> Any:
    from daisys_ext import AsyncClient

    return AsyncClient(job["email"], job["password"], daisys_url=job["url"], auth_url=job["url"])


def official_factory(job: dict[str, Any]) -> Any:
    from daisys import DaisysAPI

    # The documented factory; the SDK appends /auth and /v1/speak itself.
    return DaisysAPI("speak", email=job["email"], password=job["password"], daisys_url=job["url"], auth_url=job["url"])


class Floor:
    """No SDK: a bare httpx.Client with the bearer token, and another for storage (which refuses it)."""

    def __init__(self, job: dict[str, Any]) -> None:
        tokens = httpx.post(f"{job['url']}/auth/login", json={"email": job["email"], "password": job["password"]})
        token = tokens.raise_for_status().json()["access_token"]
        self.api = httpx.Client(base_url=f"{job['url']}/v1/speak", headers={"Authorization": f"Bearer {token}"})
        self.storage = httpx.Client()
        self.url = job["url"]
        self.token = token

    def close(self) -> None:
        self.api.close()
        self.storage.close()

    def generate(self, voice_id: str, text: str) -> str:
        answer = self.api.post("/takes/generate", json={"voice_id": voice_id, "text": text})
        return str(answer.raise_for_status().json()["take_id"])

    def wait(self, take_id: str) -> None:
        while self.api.get(f"/takes/{take_id}").raise_for_status().json()["status"] != "ready":
            time.sleep(TIGHT_POLL)

    def location(self, take_id: str) -> str:
        return self.api.get(f"/takes/{take_id}/wav").headers["location"]

    def download(self, take_id: str, path: Path) -> None:
        part = path.with_name(path.name + ".part")
        with self.storage.stream("GET", self.location(take_id)) as answer, part.open("wb") as out:
            for chunk in answer.raise_for_status().iter_bytes():
                out.write(chunk)
        os.replace(part, path)


def _first_audio_in(stream: Iterator[bytes]) -> float:
    """The moment the first byte past the 44-byte wav header arrives."""
    received = 0
    for chunk in stream:
        received += len(chunk)
        if received > 44:
            return time.time()
    raise RuntimeError("the stream ended before any audio")


# -- task: text to a file, ready detection at the run's generation time, and time to first audio -------------


def stream_task(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Section 1 (and 2 at the run's generation time) and section 3, for one contender."""
    name = job["contender"]
    if name == "ours-async":
        return asyncio.run(_stream_ours_async(job, folder))
    return {"ours-sync": _stream_ours_sync, "official": _stream_official, "floor": _stream_floor}[name](job, folder)


def _llm_tokens(mark: dict[str, float]) -> Iterator[str]:
    for i, token in enumerate(TEXT_LLM):
        time.sleep(0.02)
        if i == FIRST_SENTENCE_TOKENS - 1:
            mark["token"] = time.time()
        yield token


async def _allm_tokens(mark: dict[str, float]) -> AsyncIterator[str]:
    for i, token in enumerate(TEXT_LLM):
        await asyncio.sleep(0.02)
        if i == FIRST_SENTENCE_TOKENS - 1:
            mark["token"] = time.time()
        yield token


def _first_sentence_take(takes: list[Any]) -> str:
    first = "".join(TEXT_LLM[:FIRST_SENTENCE_TOKENS]).strip()
    return str(max((t for t in takes if t.text == first), key=lambda t: t.timestamp_ms).take_id)


def _warm(client: Any, voice_id: str, folder: Path) -> None:
    """Every code path and connection of the timed calls, used once untimed (imports, login, pools)."""
    take = client.generate_take(voice_id, TEXT_WARM + " [[0.05s]]", wait=False)
    time.sleep(0.08)
    client.get_take(take.take_id)
    client.get_take_audio(take.take_id, file=str(folder / "warm.wav"))


async def _awarm(client: Any, voice_id: str, folder: Path) -> None:
    take = await client.generate_take(voice_id, TEXT_WARM + " [[0.05s]]", wait=False)
    await asyncio.sleep(0.08)
    await client.get_take(take.take_id)
    await client.get_take_audio(take.take_id, file=str(folder / "warm.wav"))


def _documented(generate: Callable[[], Any], download: Callable[[str], Any]) -> dict[str, Any]:
    start = time.perf_counter()
    take = generate()
    returned = time.time()
    download(take.take_id)
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "take_id": take.take_id, "returned": returned, "status": STATUS_PER_TAKE[take.take_id]}


def _stream_ours_sync(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    from daisys_ext import StreamMode, StreamOptions

    voice_id, out = job["voice_id"], {}
    with ours_sync(job) as client:
        _warm(client, voice_id, folder)
        out["doc"] = _documented(
            lambda: client.generate_take(voice_id, TEXT_FILE),
            lambda take_id: client.get_take_audio(take_id, file=folder / "doc.wav"),
        )
        start = time.perf_counter()
        client.speak(TEXT_FILE, voice_id, folder / "speak.wav")
        out["speak"] = {"elapsed": time.perf_counter() - start}

        take = client.generate_take(voice_id, TEXT_STREAM, wait=False)
        with client.stream_take_audio(take.take_id) as stream:
            out["rest"] = {"take_id": take.take_id, "first": _first_audio_in(iter(stream))}
        for mode in (StreamMode.PARTS, StreamMode.CHUNKS):
            with client.websocket(voice_id=voice_id) as ws:
                request_id = ws.generate_take(voice_id, TEXT_STREAM, stream_options=StreamOptions(mode=mode))
                for take_id, _take, _header, audio in ws.iter_request(request_id):
                    if audio:
                        out[f"ws_{mode.value}"] = {"take_id": take_id, "first": time.time()}
                        break
        with client.websocket(voice_id=voice_id) as ws:
            mark: dict[str, float] = {}
            for _pcm in ws.stream_text(_llm_tokens(mark)):
                mark.setdefault("first", time.time())
        out["llm"] = {**mark, "take_id": _first_sentence_take(client.get_takes(length=20))}
    return out


async def _stream_ours_async(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    from daisys_ext import StreamMode, StreamOptions

    voice_id, out = job["voice_id"], {}
    async with ours_async(job) as client:
        await _awarm(client, voice_id, folder)
        start = time.perf_counter()
        take = await client.generate_take(voice_id, TEXT_FILE)
        returned = time.time()
        await client.get_take_audio(take.take_id, file=folder / "doc.wav")
        out["doc"] = {
            "elapsed": time.perf_counter() - start,
            "take_id": take.take_id,
            "returned": returned,
            "status": STATUS_PER_TAKE[take.take_id],
        }
        start = time.perf_counter()
        await client.speak(TEXT_FILE, voice_id, folder / "speak.wav")
        out["speak"] = {"elapsed": time.perf_counter() - start}

        take = await client.generate_take(voice_id, TEXT_STREAM, wait=False)
        async with client.stream_take_audio(take.take_id) as stream:
            received = 0
            async for chunk in stream:
                received += len(chunk)
                if received > 44:
                    out["rest"] = {"take_id": take.take_id, "first": time.time()}
                    break
        for mode in (StreamMode.PARTS, StreamMode.CHUNKS):
            async with client.websocket(voice_id=voice_id) as ws:
                request_id = await ws.generate_take(voice_id, TEXT_STREAM, stream_options=StreamOptions(mode=mode))
                async for take_id, _take, _header, audio in ws.iter_request(request_id):
                    if audio:
                        out[f"ws_{mode.value}"] = {"take_id": take_id, "first": time.time()}
                        break
        async with client.websocket(voice_id=voice_id) as ws:
            mark: dict[str, float] = {}
            async for _pcm in ws.stream_text(_allm_tokens(mark)):
                mark.setdefault("first", time.time())
        out["llm"] = {**mark, "take_id": _first_sentence_take(await client.get_takes(length=20))}
    return out


def _stream_official(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    from daisys.v1.speak.models import StreamMode, StreamOptions

    voice_id, out = job["voice_id"], {}
    with official_factory(job) as speak:
        _warm(speak, voice_id, folder)
        out["doc"] = _documented(
            lambda: speak.generate_take(voice_id=voice_id, text=TEXT_FILE),
            lambda take_id: speak.get_take_audio(take_id, file=str(folder / "doc.wav")),
        )
        take = speak.generate_take(voice_id=voice_id, text=TEXT_STREAM, wait=False)
        with speak.stream_take_audio(take.take_id) as stream:
            out["rest"] = {"take_id": take.take_id, "first": _first_audio_in(stream)}
        for mode in (StreamMode.PARTS, StreamMode.CHUNKS):
            with speak.websocket(voice_id=voice_id) as ws:
                request_id = ws.generate_take(voice_id, TEXT_STREAM, stream_options=StreamOptions(mode=mode))
                for take_id, _take, _header, audio in ws.iter_request(request_id):
                    if audio:
                        out[f"ws_{mode.value}"] = {"take_id": take_id, "first": time.time()}
                        break
    return out


def _stream_floor(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    import websocket  # websocket-client, the library under our sync session

    voice_id, out = job["voice_id"], {}
    floor = Floor(job)
    try:
        take_id = floor.generate(voice_id, TEXT_WARM + " [[0.05s]]")
        time.sleep(0.08)
        floor.wait(take_id)
        floor.download(take_id, folder / "warm.wav")

        start = time.perf_counter()
        take_id = floor.generate(voice_id, TEXT_FILE)
        floor.wait(take_id)
        returned = time.time()
        floor.download(take_id, folder / "doc.wav")
        out["doc"] = {
            "elapsed": time.perf_counter() - start,
            "take_id": take_id,
            "returned": returned,
            "status": STATUS_PER_TAKE[take_id],
        }
        start = time.perf_counter()
        floor.download(floor.generate(voice_id, TEXT_FILE), folder / "speak.wav")  # streams while generated
        out["speak"] = {"elapsed": time.perf_counter() - start}

        take_id = floor.generate(voice_id, TEXT_STREAM)
        with floor.storage.stream("GET", floor.location(take_id)) as answer:
            out["rest"] = {"take_id": take_id, "first": _first_audio_in(answer.iter_bytes())}
        for mode in ("parts", "chunks"):
            url = floor.api.get("/websocket/shakespeare").json()["worker_websocket_url"]
            ws = websocket.create_connection(url)
            try:
                command = {"command": "/takes/generate", "request_id": 1, "stream": {"mode": mode}}
                ws.send(json.dumps({**command, "data": {"voice_id": voice_id, "text": TEXT_STREAM}}))
                while True:
                    message = ws.recv()
                    if isinstance(message, bytes) and message[:4] == b"JSON":
                        length = int.from_bytes(message[4:8], "little")
                        if len(message) > 8 + length:
                            meta = json.loads(message[8 : 8 + length])
                            out[f"ws_{mode}"] = {"take_id": meta["take_id"], "first": time.time()}
                            break
            finally:
                ws.close()
    finally:
        floor.close()
    return out


# -- task: ready detection across generation times -----------------------------------------------------------


def sweep_task(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One take per generation time in job["sweep"], all at once (a thread or task each), each waited for."""
    name, voice_id, seconds = job["contender"], job["voice_id"], job["sweep"]
    texts = [f"{TEXT_READY} [[{value}s]]" for value in seconds]
    results: list[dict[str, Any]] = []

    def record(take_id: str, value: float) -> None:
        results.append({"take_id": take_id, "returned": time.time(), "seconds": value})

    if name == "ours-async":

        async def run() -> None:
            async with ours_async(job) as client:
                await _awarm(client, voice_id, folder)

                async def one(text: str, value: float) -> None:
                    record((await client.generate_take(voice_id, text)).take_id, value)

                await asyncio.gather(*(one(text, value) for text, value in zip(texts, seconds, strict=True)))

        asyncio.run(run())
    else:
        if name == "ours-sync":
            client = ours_sync(job)
            generate: Callable[[str], str] = lambda text: client.generate_take(voice_id, text).take_id  # noqa: E731
        elif name == "official":
            client = official_factory(job).get_client()
            generate = lambda text: client.generate_take(voice_id=voice_id, text=text).take_id  # noqa: E731
        else:
            client = floor = Floor(job)

            def generate(text: str) -> str:
                take_id = floor.generate(voice_id, text)
                floor.wait(take_id)
                return take_id

        if name != "floor":
            _warm(client, voice_id, folder)
        with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
            futures = [
                pool.submit(lambda t, v: record(generate(t), v), t, v) for t, v in zip(texts, seconds, strict=True)
            ]
            for future in futures:
                future.result()
        client.close()
    for item in results:
        item["status"] = STATUS_PER_TAKE[item["take_id"]]
    return {"takes": results}


# -- task: client CPU per call -------------------------------------------------------------------------------


def cpu_task(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """CPU time of this process per get_take call, after a warm-up."""
    name, take_id, calls = job["contender"], job["take_id"], job["calls"]
    if name in ("ours-async", "official-async", "floor-async"):
        return asyncio.run(_cpu_async(job))
    if name == "ours-sync":
        client = ours_sync(job)
        call: Callable[[], Any] = lambda: client.get_take(take_id)  # noqa: E731
    elif name == "official":
        client = official_factory(job).get_client()
        call = lambda: client.get_take(take_id)  # noqa: E731
    else:
        client = Floor(job)
        call = lambda: client.api.get(f"/takes/{take_id}").raise_for_status().json()  # noqa: E731
    result = _timed(call, calls)
    client.close()
    return result


def _timed(call: Callable[[], Any], calls: int) -> dict[str, Any]:
    for _ in range(min(100, calls)):
        call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        call()
    return {"cpu": (time.process_time() - cpu) / calls, "wall": (time.perf_counter() - wall) / calls}


async def _cpu_async(job: dict[str, Any]) -> dict[str, Any]:
    name, take_id, calls = job["contender"], job["take_id"], job["calls"]
    if name == "ours-async":
        client = ours_async(job)

        async def call() -> Any:
            return await client.get_take(take_id)

        close = client.close
    elif name == "official-async":
        official = official_factory(job).get_async_client()

        async def call() -> Any:
            return await official.get_take(take_id)

        close = official.close
    else:
        floor = Floor(job)
        http = httpx.AsyncClient(base_url=f"{job['url']}/v1/speak", headers={"Authorization": f"Bearer {floor.token}"})
        floor.close()

        async def call() -> Any:
            return (await http.get(f"/takes/{take_id}")).raise_for_status().json()

        close = http.aclose
    for _ in range(min(100, calls)):
        await call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        await call()
    result = {"cpu": (time.process_time() - cpu) / calls, "wall": (time.perf_counter() - wall) / calls}
    await close()
    return result


# -- task: many takes at once ---------------------------------------------------------------------------------


def many_task(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """job["n"] takes generated, waited for and downloaded to files; wall time and requests from the start."""
    name, voice_id, n = job["contender"], job["voice_id"], job["n"]
    if name in ("ours-async", "official-async"):
        return asyncio.run(_many_async(job, folder))
    if name.startswith("ours"):
        from daisys_ext import TakeGenerate

        client = ours_sync(job)
        _warm(client, voice_id, folder)
        _reset_counts()
        start = time.perf_counter()
        if name == "ours-sync":
            takes = client.generate_takes([TakeGenerate(voice_id=voice_id, text=TEXT_MANY) for _ in range(n)])
            _threads(lambda take: client.get_take_audio(take.take_id, file=folder / f"{take.take_id}.wav"), takes)
        else:  # per take, the official SDK's way
            _threads(lambda _: _one_take(client, voice_id, folder), range(n))
    elif name.startswith("official"):
        from daisys.v1.speak.models import TakeGenerate

        client = official_factory(job).get_client()
        _warm(client, voice_id, folder)
        _reset_counts()
        start = time.perf_counter()
        if name == "official-batch":
            takes = client.generate_takes([TakeGenerate(voice_id=voice_id, text=TEXT_MANY) for _ in range(n)])
            _threads(lambda take: client.get_take_audio(take.take_id, file=str(folder / f"{take.take_id}.wav")), takes)
        else:
            _threads(lambda _: _one_take(client, voice_id, folder), range(n))
    else:
        client = Floor(job)
        _reset_counts()
        start = time.perf_counter()
        answer = client.api.post("/takes/generate", json=[{"voice_id": voice_id, "text": TEXT_MANY}] * n)
        ids = [take["take_id"] for take in answer.raise_for_status().json()]
        pending = set(ids)
        while pending:
            for take in client.api.get("/takes", params={"take_id": ",".join(sorted(pending))}).json():
                if take["status"] == "ready":
                    pending.discard(take["take_id"])
            if pending:
                time.sleep(TIGHT_POLL)
        _threads(lambda take_id: client.download(take_id, folder / f"{take_id}.wav"), ids)
    elapsed = time.perf_counter() - start
    client.close()
    return {"elapsed": elapsed, "requests": dict(COUNTS), "files": len(list(folder.glob("t*.wav")))}


def _one_take(client: Any, voice_id: str, folder: Path) -> None:
    take = client.generate_take(voice_id=voice_id, text=TEXT_MANY)
    client.get_take_audio(take.take_id, file=str(folder / f"{take.take_id}.wav"))


def _threads(work: Callable[[Any], Any], items: Any) -> None:
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(work, items):
            pass


async def _many_async(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    name, voice_id, n = job["contender"], job["voice_id"], job["n"]
    if name == "ours-async":
        from daisys_ext import TakeGenerate

        client = ours_async(job)
        await _awarm(client, voice_id, folder)
        _reset_counts()
        start = time.perf_counter()
        takes = await client.generate_takes([TakeGenerate(voice_id=voice_id, text=TEXT_MANY) for _ in range(n)])
        await asyncio.gather(*(client.get_take_audio(t.take_id, file=folder / f"{t.take_id}.wav") for t in takes))
    else:
        client = official_factory(job).get_async_client()
        await _awarm(client, voice_id, folder)
        _reset_counts()
        start = time.perf_counter()

        async def one() -> None:
            take = await client.generate_take(voice_id=voice_id, text=TEXT_MANY)
            await client.get_take_audio(take.take_id, file=str(folder / f"{take.take_id}.wav"))

        await asyncio.gather(*(one() for _ in range(n)))
    elapsed = time.perf_counter() - start
    await client.close()
    return {"elapsed": elapsed, "requests": dict(COUNTS), "files": len(list(folder.glob("t*.wav")))}


# -- task: where ours' CPU per call goes ----------------------------------------------------------------------


def breakdown_task(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """CPU per get_take through ours' layers added one at a time, then a cProfile of ours' get_take.

    Each layer is ours' own object (the client's ``httpx.Auth``, its retry transport) on an otherwise
    bare httpx client, so its cost is the difference to the bare one. Every variant runs ``calls``
    times, interleaved, five times over; the least CPU per call of the five is kept (the runs with the
    least interference from the emulator process sharing the machine).
    """
    if job["contender"] == "ours-async":
        return asyncio.run(_breakdown_async(job))
    from daisys_ext._sync.transports import RetryTransport
    from daisys_speak_api.api.takes import get_take
    from daisys_speak_api.models import TakeResponse

    take_id, calls = job["take_id"], job["calls"]
    client = ours_sync(job)
    client.get_take(take_id)  # logs in
    http = client._http
    base = f"{job['url']}/v1/speak"
    path, url = f"/takes/{take_id}", f"{base}/takes/{take_id}"
    bearer = {"Authorization": f"Bearer {client.access_token}"}
    retrying = RetryTransport(httpx.HTTPTransport(), client._config.retry)
    clients = [
        floor := httpx.Client(base_url=base, headers=bearer),
        auth := httpx.Client(base_url=base, auth=http.auth),
        retry := httpx.Client(base_url=base, headers=bearer, transport=retrying),
    ]
    data = floor.get(path).json()

    def generated() -> Any:
        request = get_take.request(take_id)
        request["url"] = base + request["url"]
        return get_take.parse(http.request(**request))

    variants: dict[str, Callable[[], Any]] = {
        "bare httpx.Client: GET (a path under base_url) + json()": lambda: floor.get(path).raise_for_status().json(),
        "bare httpx.Client: GET (the absolute URL) + json()": lambda: floor.get(url).raise_for_status().json(),
        "+ ours' auth flow only (DaisysAuth)": lambda: auth.get(url).json(),
        "+ ours' retry transport only": lambda: retry.get(url).json(),
        "ours' httpx client (both, headers): GET + json()": lambda: http.get(url).json(),
        "ours' httpx client: get_take.request() + parse()": generated,
        "ours: client.get_take()": lambda: client.get_take(take_id),
        "parsing alone: TakeResponse.from_dict(json)": lambda: TakeResponse.from_dict(data),
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(5):
        for name, call in variants.items():
            cpu[name].append(_timed(call, calls)["cpu"])
    profiler = _profiler()
    for _ in range(calls):
        client.get_take(take_id)
    profiler.disable()
    for each in clients:
        each.close()
    client.close()
    return {"cpu": {name: min(values) for name, values in cpu.items()}, **_profiled(profiler, calls)}


async def _breakdown_async(job: dict[str, Any]) -> dict[str, Any]:
    from daisys_ext._async.transports import AsyncRetryTransport
    from daisys_speak_api.api.takes import get_take
    from daisys_speak_api.models import TakeResponse

    take_id, calls = job["take_id"], job["calls"]
    client = ours_async(job)
    await client.get_take(take_id)  # logs in
    http = client._http
    base = f"{job['url']}/v1/speak"
    path, url = f"/takes/{take_id}", f"{base}/takes/{take_id}"
    bearer = {"Authorization": f"Bearer {client.access_token}"}
    retrying = AsyncRetryTransport(httpx.AsyncHTTPTransport(), client._config.retry)
    clients = [
        floor := httpx.AsyncClient(base_url=base, headers=bearer),
        auth := httpx.AsyncClient(base_url=base, auth=http.auth),
        retry := httpx.AsyncClient(base_url=base, headers=bearer, transport=retrying),
    ]
    data = (await floor.get(path)).json()

    async def parse() -> Any:
        return TakeResponse.from_dict(data)

    async def generated() -> Any:
        request = get_take.request(take_id)
        request["url"] = base + request["url"]
        return get_take.parse(await http.request(**request))

    variants: dict[str, Callable[[], Any]] = {
        "bare httpx.AsyncClient: GET (a path under base_url) + json()": lambda: _json(floor.get(path)),
        "bare httpx.AsyncClient: GET (the absolute URL) + json()": lambda: _json(floor.get(url)),
        "+ ours' auth flow only (AsyncDaisysAuth)": lambda: _json(auth.get(url)),
        "+ ours' retry transport only": lambda: _json(retry.get(url)),
        "ours' httpx client (both, headers): GET + json()": lambda: _json(http.get(url)),
        "ours' httpx client: get_take.request() + parse()": generated,
        "ours: await client.get_take()": lambda: client.get_take(take_id),
        "parsing alone: TakeResponse.from_dict(json)": parse,
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(5):
        for name, call in variants.items():
            for _ in range(min(100, calls)):
                await call()
            start = time.process_time()
            for _ in range(calls):
                await call()
            cpu[name].append((time.process_time() - start) / calls)
    profiler = _profiler()
    for _ in range(calls):
        await client.get_take(take_id)
    profiler.disable()
    for each in clients:
        await each.aclose()
    await client.close()
    return {"cpu": {name: min(values) for name, values in cpu.items()}, **_profiled(profiler, calls)}


async def _json(answer: Any) -> Any:
    return (await answer).raise_for_status().json()


def _profiler() -> Any:
    import cProfile

    profiler = cProfile.Profile(time.process_time)  # CPU, as measured above; not the wall clock
    profiler.enable()
    return profiler


def _profiled(profiler: Any, calls: int) -> dict[str, Any]:
    """cProfile's own time per call, by area, and the top functions."""
    import pstats

    stats = pstats.Stats(profiler)
    areas: collections.Counter[str] = collections.Counter()
    top = []
    for (filename, line, function), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        areas[_area(filename)] += tottime
        top.append((tottime, ncalls, f"{_short(filename)}:{line}({function})", cumtime))
    top.sort(reverse=True)
    return {
        "areas": {area: seconds / calls for area, seconds in areas.most_common()},
        "profiled_per_call": sum(areas.values()) / calls,
        "top": [[t / calls, n / calls, where, cum / calls] for t, n, where, cum in top[:15]],
    }


_AREAS = (
    ("daisys_ext/_sync/auth.py", "ours: auth flow (auth.py)"),
    ("daisys_ext/_async/auth.py", "ours: auth flow (auth.py)"),
    ("daisys_ext/_http/tokens.py", "ours: auth flow (_http/tokens.py)"),
    ("daisys_ext/_logging.py", "ours: log redaction"),
    ("daisys_ext/_sync/transports.py", "ours: retry and lazy transports"),
    ("daisys_ext/_async/transports.py", "ours: retry and lazy transports"),
    ("daisys_ext/_http/retry.py", "ours: retry policy and attempt log (_http/retry.py)"),
    ("daisys_ext/_deadline.py", "ours: deadlines"),
    ("daisys_ext/_http/answers.py", "ours: answer checks"),
    ("daisys_ext/_sync/client.py", "ours: client methods"),
    ("daisys_ext/_async/client.py", "ours: client methods"),
    ("daisys_ext/", "ours: other"),
    ("daisys_speak_api/models/", "generated models (parsing)"),
    ("daisys_speak_api/", "generated endpoint functions"),
    ("/attr/", "attrs"),
    ("/dateutil/", "dateutil"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/logging/", "logging"),
    ("/json/", "json"),
    ("/asyncio/", "asyncio"),
    ("/anyio/", "anyio"),
)


def _area(filename: str) -> str:
    for marker, area in _AREAS:
        if marker in filename:
            return area
    return "builtins" if filename == "~" else "stdlib and other"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/main/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


TASKS = {"stream": stream_task, "sweep": sweep_task, "cpu": cpu_task, "many": many_task, "breakdown": breakdown_task}


def main() -> None:
    job = json.loads(sys.argv[1])
    _install_counters()
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(sys.stderr):
        result = TASKS[job["task"]](job, Path(folder))
    result["requests_total"] = dict(COUNTS) if "requests" not in result else result["requests"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
