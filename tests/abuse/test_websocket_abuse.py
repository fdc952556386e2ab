"""The websocket session against broken workers, and against the emulator's worker reporting failed takes both ways.

Every failure is a typed `DaisysError`, raised within its time bound to the request it is about; a ``write_wav``
or ``speak`` to a path leaves no file (nor its ``.part``) behind; the worker URL's ``token=`` secret is in no
error message and no log record. Where a bad message belongs to one request, the other requests go on. Each
body runs with the sync and the async client (`support.flavours`: the sync calls block, which is fine here,
the servers run in threads of their own).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from abuse.ws_servers import (
    GOOD_PCM,
    SECRET,
    BrokenWorker,
    Script,
    frame,
    good_take,
    part_frame,
    started_then_silent,
    take,
    then_good_takes,
    wav,
    worker_error,
)
from support.flavours import FLAVOURS, Api, SyncWebsocket, new_client, unwrap
from websockets.asyncio.server import ServerConnection

from daisys_ext import (
    AsyncClient,
    DaisysError,
    DaisysTimeoutError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
    Status,
)
from daisys_ext.testing import Emulator

pytestmark = pytest.mark.timeout(60)

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)
NOWHERE = "http://127.0.0.1:9"  # no API call is needed when the model and worker_url are given
VOICE = "v01abuse"
TEXT = "Hello from the websocket. A second sentence follows."


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def no_secret_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every record at DEBUG, the client's and its websocket library's: none may carry the worker URL's secret."""
    caplog.set_level(logging.DEBUG)
    yield
    assert SECRET not in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage(), record


@pytest.fixture
async def api(flavour: str) -> AsyncIterator[Api]:
    """A client of the test's flavour with an API that does not exist: only the worker is ever reached."""
    async with new_client(flavour, "user@example.com", "pw", daisys_url=NOWHERE, auth_url=NOWHERE) as client:
        yield client


def serving(script: Script) -> BrokenWorker:
    return BrokenWorker(script)


async def collect(items: AsyncIterable[T]) -> list[T]:
    return [item async for item in items]


async def raises(call: Awaitable[Any], error: type[E], within: float) -> E:
    """Await ``call``: it raises ``error`` (a DaisysError, with no secret in it) within ``within`` seconds."""
    start = time.monotonic()
    with pytest.raises(error) as caught:
        await call
    assert time.monotonic() - start < within
    assert isinstance(caught.value, DaisysError)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    return caught.value


def leftovers(folder: Path) -> list[str]:
    """What is in the folder, temporaries (``.x.wav.*.part``) included."""
    return sorted(p.name for p in folder.iterdir())


async def serve_good_takes(worker: BrokenWorker, ws: ServerConnection) -> None:
    while True:
        command = await worker.command(ws)
        await good_take(ws, command["request_id"])


# -- messages that cannot be read --------------------------------------------------------------------------------------

UNREADABLE: dict[str, tuple[str | bytes, str]] = {
    "metadata-longer-than-frame": (b"JSON" + (500).to_bytes(4, "little") + b'{"request_id": 0}', "runs past the end"),
    "no-JSON-prefix": (b"RIFF" + wav()[4:], "bad magic"),
    "text-not-JSON": ('{"data": {"take_id": "t01abuse", "status": "ready"}, "request_id": 0', "not JSON"),
    "metadata-not-JSON": (b"JSON" + (17).to_bytes(4, "little") + b'{"request_id": 0,' + wav(), "metadata is not JSON"),
    "text-not-an-object": ('["ready", 0]', "not an object"),
}


@pytest.mark.parametrize("garbage", list(UNREADABLE), ids=list(UNREADABLE))
async def test_a_message_that_cannot_be_read_fails_the_requests_in_flight_and_the_session_goes_on(
    api: Api, tmp_path: Path, garbage: str
) -> None:
    """Whose status or audio it was cannot be told: every request in flight fails, with why; later ones work."""
    message, why = UNREADABLE[garbage]

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        commands = [await worker.command(ws), await worker.command(ws)]
        for command in commands:
            await ws.send(take(command["request_id"], "waiting"))
            await ws.send(take(command["request_id"], "started"))
        await ws.send(message)
        await serve_good_takes(worker, ws)

    with serving(script) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            first = await ws.generate_take(VOICE, "One.")
            second = await ws.generate_take(VOICE, "Two.")
            error = await raises(
                ws.write_wav(first, tmp_path / "one.wav", request_timeout=5), DaisysWebsocketStreamError, 3
            )
            assert error.request_id == first and why in str(error)
            error = await raises(collect(ws.iter_request(second, request_timeout=5)), DaisysWebsocketStreamError, 3)
            assert error.request_id == second and why in str(error)
            info = await ws.write_wav(
                await ws.generate_take(VOICE, "Three."), tmp_path / "three.wav", request_timeout=5
            )
            assert info.status == Status.READY
    assert leftovers(tmp_path) == ["three.wav"]


# -- messages that belong to one request, or to none -------------------------------------------------------------------


def _bad_part_id(request_id: int) -> list[str | bytes]:
    return [frame({"take_id": "t01abuse", "part_id": -1, "request_id": request_id}, wav())]


def _unreadable_status(request_id: int) -> list[str | bytes]:
    return [json.dumps({"data": {"take_id": 5, "status": "ready"}, "request_id": request_id})]


def _conflicting_copies(request_id: int) -> list[str | bytes]:
    return [part_frame(request_id, 0, wav(100, 1)), part_frame(request_id, 0, wav(100, 2))]


def _part_without_wav_header(request_id: int) -> list[str | bytes]:
    return [part_frame(request_id, 0, b"\x01\x02" * 100)]


def _parts_that_cannot_be_joined(request_id: int) -> list[str | bytes]:
    stereo = bytearray(wav(100, 1))
    stereo[22] = 2  # two channels: not the format of part 0
    return [part_frame(request_id, 0, wav(100, 1)), part_frame(request_id, 1, bytes(stereo)), part_frame(request_id, 2)]


ONE_REQUEST: dict[
    str, tuple[Callable[[int], list[str | bytes]], type[DaisysWebsocketStreamError | DaisysWebsocketGenerateError], str]
] = {
    "bad-part-id": (_bad_part_id, DaisysWebsocketStreamError, "part_id"),
    "unreadable-status": (_unreadable_status, DaisysWebsocketStreamError, "could not be read"),
    "conflicting-copies": (_conflicting_copies, DaisysWebsocketStreamError, "conflicting duplicate"),
    "no-wav-header": (_part_without_wav_header, DaisysWebsocketStreamError, "WAV header"),
    "parts-not-joinable": (_parts_that_cannot_be_joined, DaisysWebsocketStreamError, "cannot be joined"),
    "worker-error": (lambda r: [worker_error(r, "Voice not found")], DaisysWebsocketGenerateError, "Voice not found"),
}


@pytest.mark.parametrize("case", list(ONE_REQUEST), ids=list(ONE_REQUEST))
async def test_a_bad_message_for_one_request_fails_it_alone(api: Api, tmp_path: Path, case: str) -> None:
    bad_messages, error_type, why = ONE_REQUEST[case]

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        bad, good = await worker.command(ws), await worker.command(ws)
        await ws.send(take(bad["request_id"], "waiting", "t01bad"))
        for message in bad_messages(bad["request_id"]):
            await ws.send(message)
        await good_take(ws, good["request_id"])
        await serve_good_takes(worker, ws)

    with serving(script) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            bad = await ws.generate_take(VOICE, "Bad.")
            good = await ws.generate_take(VOICE, "Good.")
            error = await raises(ws.write_wav(bad, tmp_path / "bad.wav", request_timeout=5), error_type, 3)
            assert error.request_id == bad and why in str(error)
            assert (await ws.write_wav(good, tmp_path / "good.wav", request_timeout=5)).status == Status.READY
            pcm = b"".join(
                [chunk async for chunk in ws.iter_pcm(await ws.generate_take(VOICE, "More."), request_timeout=5)]
            )
            assert pcm == GOOD_PCM
    assert leftovers(tmp_path) == ["good.wav"]


NEVER_ISSUED: dict[str, Callable[[int], str | bytes]] = {
    "status": lambda last: take(last + 7, "waiting"),
    "audio": lambda last: part_frame(last + 1, 0, wav()),
    "error-message": lambda last: worker_error(last + 3, "No such request"),
}


@pytest.mark.parametrize("kind", list(NEVER_ISSUED))
async def test_a_message_for_a_request_never_issued_fails_the_requests_in_flight_and_reconnects(
    api: Api, tmp_path: Path, kind: str
) -> None:
    """The worker and the session disagree: the requests in flight on that connection fail within a second
    (typed, saying what arrived), nobody waits for ever, and the next requests go on a new connection."""

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        first, second = await worker.command(ws), await worker.command(ws)
        await ws.send(take(first["request_id"], "waiting"))
        await ws.send(take(second["request_id"], "started"))
        await ws.send(NEVER_ISSUED[kind](second["request_id"]))
        await ws.wait_closed()  # then nothing at all

    with serving(then_good_takes(script)) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            first = await ws.generate_take(VOICE, "One.")
            second = await ws.generate_take(VOICE, "Two.")
            error = await raises(collect(ws.iter_request(first)), DaisysWebsocketStreamError, 1)
            assert error.request_id == first and "never made" in str(error) and "disagree" in str(error)
            error = await raises(ws.write_wav(second, tmp_path / "two.wav"), DaisysWebsocketStreamError, 1)
            assert error.request_id == second
            info = await ws.write_wav(
                await ws.generate_take(VOICE, "Three."), tmp_path / "three.wav", request_timeout=5
            )
            assert info.status == Status.READY
        assert worker.connections == 2
    assert leftovers(tmp_path) == ["three.wav"]


async def test_messages_for_requests_never_issued_with_none_in_flight_are_raised_by_update(
    api: Api, tmp_path: Path
) -> None:
    """With nothing in flight, update() says what came (as the official SDK raises it); the session goes on."""

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        if worker.connections == 1:
            await ws.send(take(99, "waiting"))
            await ws.send(worker_error(97, "No such request"))
        await serve_good_takes(worker, ws)

    with serving(script) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            error = await raises(ws.update(timeout=2), DaisysWebsocketStreamError, 3)
            assert error.request_id == 99 and "never made" in str(error)
            if worker.connections == 1:  # the message after it may have come on the first connection, or not
                with contextlib.suppress(DaisysWebsocketGenerateError):
                    await ws.update(timeout=0.5)
            request_id = await ws.generate_take(VOICE, "Hi.")
            assert (await ws.write_wav(request_id, tmp_path / "hi.wav", request_timeout=5)).status == Status.READY
    assert leftovers(tmp_path) == ["hi.wav"]


@pytest.mark.parametrize("call", ["iter_request", "write_wav", "update"])
async def test_a_silent_worker_fails_the_requests_after_the_stall_bound_and_is_replaced(
    api: Api, tmp_path: Path, call: str
) -> None:
    """The worker answers, then keeps the connection open and sends nothing: no caller's timeout is given,
    yet the request fails with DaisysTimeoutError after stall_timeout, and the next one goes on a new connection."""

    with serving(started_then_silent(wav())) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url, stall_timeout=0.5) as ws:
            request_id = await ws.generate_take(VOICE, "Hi.", status_callback=print if call == "update" else None)
            start = time.monotonic()
            if call == "iter_request":
                error = await raises(collect(ws.iter_request(request_id)), DaisysTimeoutError, 3)
            elif call == "write_wav":
                error = await raises(ws.write_wav(request_id, tmp_path / "hi.wav"), DaisysTimeoutError, 3)
            else:

                async def until_raised() -> None:
                    while True:
                        await ws.update(timeout=None)

                error = await raises(until_raised(), DaisysTimeoutError, 3)
            assert time.monotonic() - start >= 0.45
            message = str(error)
            assert f"Request {request_id}" in message and "stall_timeout" in message
            assert "awaiting part 1" in message and "its final status" in message
            info = await ws.write_wav(await ws.generate_take(VOICE, "More."), tmp_path / "more.wav", request_timeout=5)
            assert info.status == Status.READY
        assert worker.connections == 2
    assert leftovers(tmp_path) == ["more.wav"]


async def test_status_messages_the_client_does_not_know_are_ignored(api: Api, tmp_path: Path) -> None:
    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        await ws.send('{"status": "hello", "request_id": null}')  # a greeting without a message
        command = await worker.command(ws)
        await ws.send(json.dumps({"status": "busy", "message": "a status with no name yet", "request_id": 0}))
        await ws.send('{"status": 7, "message": "not even a string"}')
        await ws.send('{"something": "else entirely"}')
        await good_take(ws, command["request_id"])

    with serving(script) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            request_id = await ws.generate_take(VOICE, "Hi.")
            assert request_id == 0
            assert (await ws.write_wav(request_id, tmp_path / "hi.wav", request_timeout=5)).status == Status.READY
            await ws.update(timeout=0)  # nothing to raise
    assert leftovers(tmp_path) == ["hi.wav"]


# -- the connection ----------------------------------------------------------------------------------------------------


async def test_a_1011_close_in_the_middle_of_a_request(api: Api, tmp_path: Path) -> None:
    """The request under way fails; the one the worker had not answered is sent again on the next connection."""

    async def script(worker: BrokenWorker, ws: ServerConnection) -> None:
        if worker.connections > 1:
            await serve_good_takes(worker, ws)
            return
        under_way = await worker.command(ws)
        await worker.command(ws)  # not answered
        await ws.send(take(under_way["request_id"], "waiting"))
        await ws.send(take(under_way["request_id"], "started"))
        await ws.send(part_frame(under_way["request_id"], 0, wav()))
        await ws.close(1011, "worker restarting")

    with serving(script) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            under_way = await ws.generate_take(VOICE, "One.")
            unanswered = await ws.generate_take(VOICE, "Two.")
            cut = ws.write_wav(under_way, tmp_path / "one.wav", request_timeout=5)
            error = await raises(cut, DaisysWebsocketStreamError, 3)
            assert error.request_id == under_way
            assert "1011" in str(error) and "worker restarting" in str(error) and "part 1" in str(error)
            assert (await ws.write_wav(unanswered, tmp_path / "two.wav", request_timeout=5)).status == Status.READY
            assert (await ws.speak("Three.", tmp_path / "three.wav", VOICE, request_timeout=5)).status == Status.READY
        assert worker.connections == 2
        assert [c["request_id"] for c in worker.commands] == [under_way, unanswered, unanswered, 2]
    assert leftovers(tmp_path) == ["three.wav", "two.wav"]


async def _silent(worker: BrokenWorker, ws: ServerConnection) -> None:
    await ws.wait_closed()


@pytest.mark.parametrize("call", ["iter_request", "write_wav", "speak", "iter_pcm"])
async def test_a_worker_that_never_answers_is_bounded_by_the_timeout(api: Api, tmp_path: Path, call: str) -> None:
    with serving(_silent) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            start = time.monotonic()
            if call == "speak":
                pending: Awaitable[Any] = ws.speak("Hi.", tmp_path / "hi.wav", VOICE, request_timeout=0.5)
            else:
                request_id = await ws.generate_take(VOICE, "Hi.")
                if call == "write_wav":
                    pending = ws.write_wav(request_id, tmp_path / "hi.wav", request_timeout=0.5)
                else:
                    pending = collect(getattr(ws, call)(request_id, request_timeout=0.5))
            error = await raises(pending, DaisysTimeoutError, 3)
            assert time.monotonic() - start >= 0.45
            assert "0.5 s" in str(error)
    assert leftovers(tmp_path) == []


# -- a failed take reported twice, by the emulator's worker ------------------------------------------------------------


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    return daisys_emulator


@pytest.fixture
def voice_id(emu: Emulator) -> str:
    """A voice of the shakespeare model, made directly on the emulator."""
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = {"name": "Jane", "gender": "female", "model": "shakespeare"}
    response = httpx.post(f"{emu.product_url}/voices/generate", json=body, headers=headers)
    response.raise_for_status()
    return str(response.json()["voice_id"])


@pytest.fixture
async def emu_api(flavour: str, emu: Emulator) -> AsyncIterator[Api]:
    async with new_client(flavour, emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as client:
        yield client


@pytest.mark.parametrize("report", ["status_then_message", "message_then_status"])
async def test_a_failed_take_raises_from_its_iteration_and_fails_no_other_request(
    emu: Emulator, emu_api: Api, voice_id: str, tmp_path: Path, report: str
) -> None:
    """The take's status error and the worker's error message for it, in either order: iter_request yields the
    statuses up to ``error``, then raises the message, as the official SDK does; the message is consumed there
    (update() does not raise it again), and the next request's write_wav is not its victim."""
    emu.ws_fail_report = report
    async with emu_api.websocket(voice_id=voice_id) as ws:
        failed = await ws.generate_take(voice_id, "This will [[fail]].")
        good = await ws.generate_take(voice_id, TEXT)
        items: list[Any] = []

        async def iterate() -> None:
            async for item in ws.iter_request(failed, request_timeout=10):
                items.append(item)

        error = await raises(iterate(), DaisysWebsocketGenerateError, 10)
        assert error.request_id == failed and "Generation of take" in str(error) and "failed" in str(error)
        assert [item[1].status for item in items if item[1] is not None][-1] == Status.ERROR
        assert (await ws.write_wav(good, tmp_path / "good.wav", request_timeout=10)).status == Status.READY
        assert (await ws.speak("And on.", tmp_path / "more.wav", request_timeout=10)).status == Status.READY
        await ws.update(timeout=0)  # nothing to raise: the iteration had it
        await ws.update(timeout=0.2)
    assert leftovers(tmp_path) == ["good.wav", "more.wav"]


@pytest.mark.parametrize("report", ["status_then_message", "message_then_status"])
async def test_the_documented_update_loop_sees_the_generate_error_and_the_final_status(
    emu: Emulator, emu_api: Api, voice_id: str, report: str
) -> None:
    """The documentation's loop: update() until done, ``except DaisysWebsocketGenerateError``; in either order the
    error is caught there, and the take's final status reaches the status callback."""
    emu.ws_fail_report = report
    seen: list[Status] = []
    errors: list[DaisysWebsocketGenerateError] = []
    async with emu_api.websocket(voice_id=voice_id) as ws:
        failed = await ws.generate_take(
            voice_id, "This will [[fail]].", status_callback=lambda request_id, take: seen.append(take.status)
        )
        deadline = time.monotonic() + 5
        while not (seen and seen[-1].done() and errors) and time.monotonic() < deadline:
            try:
                await ws.update(timeout=1)
            except DaisysWebsocketGenerateError as exc:
                errors.append(exc)
        assert [e.request_id for e in errors] == [failed]
        assert seen[-1] == Status.ERROR
        # The session goes on.
        items = await collect(ws.iter_request(await ws.generate_take(voice_id, TEXT), request_timeout=10))
        assert items[-1][1] is not None and items[-1][1].status == Status.READY


@pytest.mark.parametrize("report", ["status_then_message", "message_then_status"])
async def test_a_failed_take_written_to_a_file_leaves_none_and_the_next_is_written(
    emu: Emulator, emu_api: Api, voice_id: str, tmp_path: Path, report: str
) -> None:
    emu.ws_fail_report = report
    async with emu_api.websocket(voice_id=voice_id) as ws:
        failed = await ws.generate_take(voice_id, "This will [[fail]].")
        good = await ws.generate_take(voice_id, TEXT)
        error = await raises(ws.write_wav(failed, tmp_path / "failed.wav", request_timeout=10), DaisysError, 10)
        assert getattr(error, "request_id", failed) == failed
        assert (await ws.write_wav(good, tmp_path / "good.wav", request_timeout=10)).status == Status.READY
    assert leftovers(tmp_path) == ["good.wav"]


# -- a message larger than any real part ---------------------------------------------------------------------------


@pytest.mark.parametrize("fragments", [1, 40])
async def test_a_message_over_the_size_limit_fails_its_connections_requests_and_the_session_goes_on(
    api: Api, tmp_path: Path, fragments: int
) -> None:
    """In one frame or in many, a message over the bound is refused from the lengths its frames announce."""
    from daisys_ext._async.websocket_session import AsyncWebsocket
    from daisys_ext._sync.websocket_session import Websocket
    from daisys_ext._websocket.connection import DEFAULT_MAX_MESSAGE_BYTES, ConnectOptions

    assert DEFAULT_MAX_MESSAGE_BYTES >= 32 * 1024 * 1024  # larger than any real part (a sentence's WAV)
    client = unwrap(api)
    options = ConnectOptions(max_message_bytes=100_000)
    with serving(started_then_silent(wav(200_000), fragments)) as worker:  # a 400 KB part: over this limit
        if isinstance(client, AsyncClient):
            session: Any = AsyncWebsocket(client, "shakespeare", worker_url=worker.url, connect=options)
        else:
            session = SyncWebsocket(Websocket(client, "shakespeare", worker_url=worker.url, connect=options))
        async with session as ws:
            request_id = await ws.generate_take(VOICE, "Hi.")
            error = await raises(ws.write_wav(request_id, tmp_path / "hi.wav"), DaisysWebsocketStreamError, 3)
            assert error.request_id == request_id and "1009" in str(error)
            info = await ws.write_wav(await ws.generate_take(VOICE, "Small."), tmp_path / "small.wav")
            assert info.status == Status.READY
    assert leftovers(tmp_path) == ["small.wav"]


async def test_a_caller_that_reads_late_finds_the_workers_messages_not_a_stall(api: Api) -> None:
    """Only a drained socket is silence: messages that waited while nobody read are not the worker's silence."""
    seen: list[Status] = []
    with serving(serve_good_takes) as worker:
        async with api.websocket(model="shakespeare", worker_url=worker.url) as ws:
            ws.stall_timeout = 0.3
            await ws.generate_take(VOICE, "Hi.", status_callback=lambda request_id, take: seen.append(take.status))
            time.sleep(0.8)  # the whole take arrives meanwhile, unread (a blocking pause: no reader runs)
            while not seen or not seen[-1].done():
                await ws.update(timeout=1)
            assert seen[-1] == Status.READY
            await ws.update(timeout=0)  # nothing to raise
        assert worker.connections == 1
