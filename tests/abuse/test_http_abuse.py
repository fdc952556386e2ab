"""The client against broken HTTP servers: every failure a typed `DaisysError`, within its time bound, with no
file and no secret left behind. Each body runs with the sync and the async client."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from abuse.http_servers import BrokenServer, Exchange, answer, hang, json_answer, reply
from support.flavours import FLAVOURS, new_client

from daisys_ext import (
    DaisysAuthenticationError,
    DaisysConnectionError,
    DaisysCredentialsError,
    DaisysError,
    DaisysResponseError,
    DaisysServerError,
    DaisysTimeoutError,
)

TOKEN = "access-SECRET-0123456789"
PASSWORD = "pw-SECRET-9876"
PRODUCT = "/v1/speak"
TAKE = {
    "take_id": "t1",
    "status": "ready",
    "timestamp_ms": 1,
    "voice_id": "v1",
    "text": "Hi.",
    "info": None,
}
WAV_BYTES = 1000


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server() -> BrokenServer:
    with BrokenServer() as broken:
        yield broken  # type: ignore[misc]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def no_secret(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text and PASSWORD not in text, text


async def raises(call: object, error: type[BaseException], within: float) -> BaseException:
    """Await ``call``; assert it raises ``error`` (a DaisysError) within ``within`` seconds; return the error."""
    start = time.monotonic()
    with pytest.raises(error) as caught:
        await call  # type: ignore[misc]
    assert time.monotonic() - start < within
    assert isinstance(caught.value, DaisysError)
    no_secret(str(caught.value), repr(caught.value))
    return caught.value


def storage_redirect(server: BrokenServer, location: str | None = None) -> None:
    location = location or f"{server.url}/storage/a.wav"
    server.route("GET", f"{PRODUCT}/takes/t1/wav", reply(answer(307, headers={"Location": location})))


@pytest.mark.parametrize(
    "body",
    [
        answer(200, b'{"take_id": "t1", "status": "re', {"Content-Type": "application/json"}),
        answer(200, b"<html><body>Bad gateway</body></html>", {"Content-Type": "text/html"}),
        json_answer({"unexpected": True}),
        json_answer(["not", "an", "object"]),
    ],
    ids=["truncated-json", "html", "wrong-shape", "wrong-type"],
)
async def test_an_answer_that_cannot_be_read(server: BrokenServer, flavour: str, body: bytes) -> None:
    server.route("GET", f"{PRODUCT}/takes/t1", reply(body))
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2) as api:
        error = await raises(api.get_take("t1"), DaisysResponseError, within=2)
    assert error.response is not None and error.response.status_code == 200
    assert "get_take" in str(error)


@pytest.mark.parametrize(
    "body",
    [json_answer({"refresh_token": "r"}), answer(200, b"<html>login</html>", {"Content-Type": "text/html"})],
    ids=["no-access-token", "not-json"],
)
@pytest.mark.parametrize("call", ["implicit", "explicit"])
async def test_a_login_answer_that_cannot_be_read(server: BrokenServer, flavour: str, body: bytes, call: str) -> None:
    server.route("POST", "/auth/login", reply(body))
    client = new_client(flavour, "me@example.com", PASSWORD, daisys_url=server.url, timeout=2)
    async with client as api:
        error = await raises(api.get_models() if call == "implicit" else api.login(), DaisysResponseError, within=2)
    assert "login answer" in str(error)
    assert error.response is not None and error.response.url.path == "/auth/login"


async def test_audio_redirect_without_location(server: BrokenServer, flavour: str, tmp_path: Path) -> None:
    server.route("GET", f"{PRODUCT}/takes/t1/wav", reply(answer(307)))
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2) as api:
        error = await raises(api.get_take_audio("t1", file=tmp_path / "a.wav"), DaisysResponseError, within=2)
    assert "Location" in str(error)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["same-origin", "storage-origin"])
async def test_redirect_loop_between_storage_urls(
    server: BrokenServer, flavour: str, tmp_path: Path, where: str
) -> None:
    with BrokenServer() as other:
        storage = server if where == "same-origin" else other
        storage_redirect(server, f"{storage.url}/storage/a.wav")
        storage.route("GET", "/storage/a.wav", reply(answer(307, headers={"Location": f"{storage.url}/storage/b.wav"})))
        storage.route("GET", "/storage/b.wav", reply(answer(307, headers={"Location": f"{storage.url}/storage/a.wav"})))
        async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2) as api:
            error = await raises(api.get_take_audio("t1", file=tmp_path / "a.wav"), DaisysResponseError, within=3)
    assert "redirect" in str(error).lower()
    assert leftovers(tmp_path) == []
    hops = [seen for seen in storage.seen if seen.target.startswith("/storage/")]
    assert len(hops) > 10  # followed, up to httpx's limit
    if where == "storage-origin":  # another origin never sees the token
        assert all("authorization" not in seen.headers for seen in hops)


def cut_after(head: bytes, part: bytes) -> Callable[[Exchange], None]:
    def route(exchange: Exchange) -> None:
        exchange.send(head + part)
        exchange.cut()

    return route


@pytest.mark.parametrize(
    "route",
    [
        cut_after(b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: 1000\r\n\r\n", b"RIFF" + b"\0" * 96),
        cut_after(b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n", b"64\r\nRIFF"),
    ],
    ids=["content-length", "chunked"],
)
@pytest.mark.parametrize("to", ["file", "memory", "stream"])
async def test_storage_drops_the_connection_mid_download(
    server: BrokenServer, flavour: str, tmp_path: Path, route: Callable[[Exchange], None], to: str
) -> None:
    storage_redirect(server)
    server.route("GET", "/storage/a.wav", route)
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2, max_retries=0) as api:
        if to == "stream":

            async def read_all() -> None:
                async with api.stream_take_audio("t1") as stream:
                    async for _ in stream:
                        pass

            await raises(read_all(), DaisysConnectionError, within=3)
        else:
            target = tmp_path / "a.wav" if to == "file" else None
            await raises(api.get_take_audio("t1", file=target), DaisysConnectionError, within=3)
    assert leftovers(tmp_path) == []


def stall_after(head: bytes, part: bytes) -> Callable[[Exchange], None]:
    """Send the headers and the start of the body, then nothing more (the connection stays open)."""

    def route(exchange: Exchange) -> None:
        exchange.send(head + part)
        exchange.stopping.wait(30)
        exchange.cut()

    return route


WAV_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: 1000\r\n\r\n"


@pytest.mark.parametrize("to", ["file", "memory", "stream"])
async def test_storage_stalls_mid_download(server: BrokenServer, flavour: str, tmp_path: Path, to: str) -> None:
    """A download whose body stops coming is a timeout (`DaisysTimeoutError`), not a broken connection."""
    storage_redirect(server)
    server.route("GET", "/storage/a.wav", stall_after(WAV_HEAD, b"RIFF" + b"\0" * 96))
    client = new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2, audio_timeout=0.5)
    async with client as api:
        if to == "stream":

            async def read_all() -> None:
                async with api.stream_take_audio("t1") as stream:
                    async for _ in stream:
                        pass

            error = await raises(read_all(), DaisysTimeoutError, within=3)
        else:
            target = tmp_path / "a.wav" if to == "file" else None
            error = await raises(api.get_take_audio("t1", file=target), DaisysTimeoutError, within=3)
    assert "take t1" in str(error) and "stalled" in str(error)
    assert not isinstance(error, DaisysConnectionError)
    assert leftovers(tmp_path) == []


async def test_an_api_answer_that_stalls_mid_body(server: BrokenServer, flavour: str) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    server.route("GET", f"{PRODUCT}/takes/t1", stall_after(head, b'{"take_id": "t1", '))
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=0.5) as api:
        error = await raises(api.get_take("t1"), DaisysTimeoutError, within=2)
    assert "GET" in str(error) and "/takes/t1" in str(error) and "stalled" in str(error)


async def test_cookies_an_answer_sets_are_not_sent_back(server: BrokenServer, flavour: str) -> None:
    """The client keeps no cookie (the API authenticates by token): a cookie set is not sent anywhere after."""
    body = json.dumps(TAKE).encode()
    headers = {"Content-Type": "application/json", "Set-Cookie": "session=SECRET-cookie; Path=/"}
    server.route("GET", f"{PRODUCT}/takes/t1", reply(answer(200, body, headers)))
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2) as api:
        await api.get_take("t1")
        await api.get_take("t1")
    assert [seen.headers.get("cookie") for seen in server.seen] == [None, None]


async def test_an_api_that_never_answers(server: BrokenServer, flavour: str) -> None:
    server.route("GET", f"{PRODUCT}/takes/t1", hang)
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=0.5) as api:
        await raises(api.get_take("t1"), DaisysTimeoutError, within=2)


@pytest.mark.parametrize("call", ["implicit", "explicit"])
async def test_an_auth_service_that_never_answers(server: BrokenServer, flavour: str, call: str) -> None:
    """The implicit login (first call) and the refresh after a 401 are bounded by the client's timeout too."""
    server.route("POST", "/auth/login", hang)
    async with new_client(flavour, "me@example.com", PASSWORD, daisys_url=server.url, timeout=0.5) as api:
        pending = api.get_models() if call == "implicit" else api.login()
        await raises(pending, DaisysTimeoutError, within=2)


async def test_a_refresh_that_never_answers(server: BrokenServer, flavour: str) -> None:
    server.route("GET", f"{PRODUCT}/models", reply(json_answer({"detail": "expired"}, 401)))
    server.route("POST", "/auth/refresh", hang)
    client = new_client(flavour, access_token=TOKEN, refresh_token="refresh-SECRET", daisys_url=server.url, timeout=0.5)
    async with client as api:
        await raises(api.get_models(), DaisysTimeoutError, within=2)


async def test_error_pages_that_echo_the_request(
    server: BrokenServer, flavour: str, caplog: pytest.LogCaptureFixture
) -> None:
    def echo(exchange: Exchange) -> None:
        page = json.dumps({"detail": "boom", "headers": exchange.request.headers}).encode()
        exchange.send(answer(500, page, {"Content-Type": "application/json"}, reason="Internal Server Error"))

    server.route("GET", f"{PRODUCT}/takes/t1", echo)
    caplog.set_level(logging.DEBUG)
    async with new_client(flavour, access_token=TOKEN, daisys_url=server.url, timeout=2, max_retries=0) as api:
        error = await raises(api.get_take("t1"), DaisysServerError, within=2)
    assert "500" in str(error) and "boom" in str(error)
    no_secret(caplog.text)


async def test_a_refused_login_that_echoes_the_password(
    server: BrokenServer, flavour: str, caplog: pytest.LogCaptureFixture
) -> None:
    def echo(exchange: Exchange) -> None:
        page = json.dumps({"detail": "wrong email or password", "you_sent": exchange.request.body.decode()}).encode()
        exchange.send(answer(401, page, {"Content-Type": "application/json"}, reason="Unauthorized"))

    server.route("POST", "/auth/login", echo)
    caplog.set_level(logging.DEBUG)
    async with new_client(flavour, "me@example.com", PASSWORD, daisys_url=server.url, timeout=2) as api:
        error = await raises(api.get_models(), DaisysCredentialsError, within=2)
    assert "wrong email or password" in str(error)
    no_secret(caplog.text)


def tokens_route(counter: list[int]) -> Callable[[Exchange], None]:
    """An auth route that hands out a fresh pair of tokens each time, counting them."""

    def route(exchange: Exchange) -> None:
        counter.append(1)
        issued = len(counter)
        exchange.send(json_answer({"access_token": f"access-{issued}", "refresh_token": f"refresh-{issued}"}))

    return route


def refused_times(count: int) -> Callable[[Exchange], None]:
    """A product route that answers 401 to its first ``count`` requests, then a list of no models."""
    seen: list[str] = []

    def route(exchange: Exchange) -> None:
        seen.append(exchange.request.headers.get("authorization", ""))
        if len(seen) <= count:
            exchange.send(json_answer({"detail": "Token expired"}, 401))
        else:
            exchange.send(json_answer([]))

    return route


@pytest.mark.parametrize("refusals", [1, 2])
async def test_a_token_that_expires_again_is_renewed_again(server: BrokenServer, flavour: str, refusals: int) -> None:
    """The token renewed for a request can expire while that request waits (on retries, a slow server):
    it is renewed again, up to twice a call."""
    refreshes: list[int] = []
    server.route("POST", "/auth/refresh", tokens_route(refreshes))
    server.route("GET", f"{PRODUCT}/models", refused_times(refusals))
    client = new_client(flavour, access_token=TOKEN, refresh_token="refresh-0", daisys_url=server.url, timeout=2)
    async with client as api:
        assert await api.get_models() == []
        assert api.access_token == f"access-{refusals}"
    assert len(refreshes) == refusals
    sent = [seen.headers.get("authorization") for seen in server.seen if seen.target.endswith("/models")]
    assert sent == [f"Bearer {TOKEN}", *(f"Bearer access-{n}" for n in range(1, refusals + 1))]


async def test_renewal_is_bounded(server: BrokenServer, flavour: str) -> None:
    """A service that refuses every token: two renewals, then the typed error; no storm of refreshes."""
    refreshes: list[int] = []
    server.route("POST", "/auth/refresh", tokens_route(refreshes))
    server.route("GET", f"{PRODUCT}/models", refused_times(100))
    client = new_client(flavour, access_token=TOKEN, refresh_token="refresh-0", daisys_url=server.url, timeout=2)
    async with client as api:
        await raises(api.get_models(), DaisysAuthenticationError, within=2)
    assert len(refreshes) == 2


def answers_in_turn(*answers: bytes) -> Callable[[Exchange], None]:
    """A route that gives ``answers`` one after another, then repeats the last."""
    given: list[bytes] = []

    def route(exchange: Exchange) -> None:
        answer_now = answers[min(len(given), len(answers) - 1)]
        given.append(answer_now)
        exchange.send(answer_now)

    return route


async def test_tokens_that_expire_during_retry_waits_are_renewed_each_time(server: BrokenServer, flavour: str) -> None:
    """A 401 after the transport waited on retries (Retry-After) is an expiry the wait explains, not a refusal:
    renewed again, beyond the two refusals a call may meet (seen in the soak with 2 s tokens)."""
    refreshes: list[int] = []
    expired = json_answer({"detail": "Token expired"}, 401)
    busy = answer(429, b'{"detail": "Too Many Requests"}', {"Content-Type": "application/json", "Retry-After": "0.05"})
    server.route("POST", "/auth/refresh", tokens_route(refreshes))
    turns = answers_in_turn(expired, busy, expired, busy, expired, busy, json_answer([]))
    server.route("GET", f"{PRODUCT}/models", turns)
    client = new_client(flavour, access_token=TOKEN, refresh_token="refresh-0", daisys_url=server.url, timeout=5)
    async with client as api:
        assert await api.get_models() == []
    assert len(refreshes) == 3
