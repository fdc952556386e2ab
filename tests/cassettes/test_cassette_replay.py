"""The replay machinery itself: unrecorded requests fail, bodies keep POSTs apart, signatures do not count,
scrubbing is idempotent, and the network stays shut."""

from __future__ import annotations

import asyncio
import copy
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from cassette_files import HTTP_DIR, load, replay_path
from cassette_match import body_data, make_vcr, stable_query
from cassette_network import NetworkBlocked, NetworkGuard
from cassette_scrub import API_ORIGIN, EMAIL, PASSWORD, STORAGE_ORIGIN, WORKER_ORIGIN, Scrubber
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from daisys_ext import Client, PollSchedule

EMULATOR_API, EMULATOR_STORAGE, EMULATOR_WORKER = (
    "http://127.0.0.1:5001",
    "http://127.0.0.1:5002",
    "ws://127.0.0.1:5003",
)


@pytest.fixture
def replay_client() -> Iterator[Client]:
    """A client on the canonical origin, as the cassette tests make on replay; it does not log out at the end."""
    with Client(EMAIL, PASSWORD, daisys_url=API_ORIGIN, poll=PollSchedule.fixed(0.001), max_retries=0) as client:
        yield client
        client.auto_logout = False


def test_a_request_not_in_the_cassette_fails_loudly(replay_client: Client) -> None:
    with make_vcr(Scrubber()).use_cassette(str(HTTP_DIR / "login-sync.yaml"), record_mode="none"):
        assert replay_client.login()
        with pytest.raises(CannotOverwriteExistingCassetteException, match="/v1/speak/voices"):
            replay_client.get_voices()


def test_a_missing_cassette_fails_saying_how_to_record_it() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"no cassette tests/cassettes/http/nothing-sync.yaml.*make record"):
        replay_path("test_nothing[sync]")


def test_posts_to_one_path_are_told_apart_by_their_bodies(replay_client: Client) -> None:
    path = HTTP_DIR / "list_filters-sync.yaml"
    generate = [e for e in load(path) if e.summary[:2] == ("POST", "/v1/speak/takes/generate")]
    voice_id = json.loads(generate[0].request.body)["voice_id"]
    with make_vcr(Scrubber()).use_cassette(str(path), record_mode="none"):
        # In the opposite order to the recording: each still gets its own answer.
        for text in ("Three.", "One."):
            assert replay_client.generate_take(voice_id, text, wait=False).text == text


def request(uri: str, body: bytes = b"", method: str = "GET") -> Request:
    return Request(method, uri, body, {})


def test_matching_ignores_signatures_but_not_ids() -> None:
    signed = f"{STORAGE_ORIGIN}/speak-audio/t1.wav?X-Amz-Date=20260101T000000Z&X-Amz-Expires=600&X-Amz-Signature="
    stable_query(request(signed + "aa"), request(signed.replace("2026", "2027") + "bb"))
    with pytest.raises(AssertionError):
        stable_query(
            request(f"{API_ORIGIN}/v1/speak/takes?take_id=t1"), request(f"{API_ORIGIN}/v1/speak/takes?take_id=t2")
        )


def test_bodies_match_as_data() -> None:
    url = f"{API_ORIGIN}/v1/speak/takes/generate"
    body_data(
        request(url, b'{"voice_id":"v1","text":"One."}', "POST"), request(url, b'{"text": "One.", "voice_id": "v1"}')
    )
    with pytest.raises(AssertionError):
        body_data(request(url, b'{"text":"One."}', "POST"), request(url, b'{"text":"Two."}', "POST"))


def test_scrubbing_rewrites_origins_and_secrets_once_and_for_all() -> None:
    scrubber = Scrubber({EMULATOR_API: API_ORIGIN})
    signed = "/speak-audio/t1.wav?X-Amz-Credential=EMULATOR1234%2F2026&X-Amz-Date=20260101T000000Z&X-Amz-Signature=ab12"
    redirect = {"status": {"code": 307}, "headers": {"location": [EMULATOR_STORAGE + signed]}, "body": {"string": b""}}
    scrubbed = scrubber.response(copy.deepcopy(redirect))
    location = scrubbed["headers"]["location"][0]
    assert location == (
        f"{STORAGE_ORIGIN}/speak-audio/t1.wav?X-Amz-Credential=SCRUBBED&X-Amz-Date=20260101T000000Z&X-Amz-Signature=SCRUBBED"
    )
    assert scrubber.response(copy.deepcopy(scrubbed)) == scrubbed
    # The storage origin the 307 pointed to is now known: the download that follows is rewritten alike.
    download = scrubber.request(Request("GET", EMULATOR_STORAGE + signed, b"", {"Host": "127.0.0.1:5002"}))
    assert (download.uri, download.headers["Host"]) == (location, "storage.example")

    body = json.dumps({"worker_websocket_url": f"{EMULATOR_WORKER}/shakespeare?token=tme0gF"}).encode()
    answer = {"status": {"code": 200}, "headers": {"content-type": ["application/json"]}, "body": {"string": body}}
    scrubbed = scrubber.response(answer)
    assert json.loads(scrubbed["body"]["string"]) == {
        "worker_websocket_url": f"{WORKER_ORIGIN}/shakespeare?token=SCRUBBED"
    }

    login = Request("POST", f"{EMULATOR_API}/auth/login", b'{"email":"me@daisys.example","password":"pw"}', {})
    login.headers["Authorization"] = "Bearer abc"
    login = scrubber.request(login)
    assert json.loads(login.body) == {"email": EMAIL, "password": PASSWORD}
    assert (login.uri, login.headers["Authorization"]) == (f"{API_ORIGIN}/auth/login", "Bearer SCRUBBED-ACCESS-TOKEN")


@pytest.fixture
def listening() -> Iterator[tuple[str, int]]:
    """A TCP port on 127.0.0.1 that accepts connections: a local server a replayed test did not allow."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()


async def test_replay_blocks_the_network(network: NetworkGuard, listening: tuple[str, int]) -> None:
    if not network.installed:
        pytest.skip("recording: the network is open")
    with pytest.raises(NetworkBlocked, match=r"connection to 127\.0\.0\.1"):
        socket.create_connection(listening, timeout=1)
    with pytest.raises(NetworkBlocked, match=r"connection to 127\.0\.0\.1"):
        await asyncio.open_connection(*listening)
    with pytest.raises(NetworkBlocked, match=r"name lookup of 'api\.daisys\.ai'"):
        httpx.get(f"{API_ORIGIN}/v1/speak/version")
    network.allow(listening)
    socket.create_connection(listening, timeout=1).close()
    assert len(network.attempts) == 3
    network.attempts.clear()  # refused on purpose: the fixture's check at the end is for refusals nobody expected
