"""The concurrency limit's bookkeeping: every place given back, whichever way a response ends (no server needed:
httpx's own MockTransport stands for a caller's ``transport=``, which may hand back answers already read)."""

from __future__ import annotations

import threading

import httpx
import pytest

from daisys_ext._sync.limit import LimitTransport

AUTH = httpx.URL("http://127.0.0.1:9/auth/")


def finishes(work: object, seconds: float = 5.0) -> bool:
    """Whether ``work()`` returns within ``seconds`` (a place never given back would block it forever)."""
    thread = threading.Thread(target=work, daemon=True)  # type: ignore[arg-type]
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "read-already"])
def test_places_come_back(streamed: bool) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"{}")) if streamed else httpx.Response(200, json={})

    limited = LimitTransport(httpx.MockTransport(answer), 2, AUTH)

    def five_in_a_row() -> None:
        for _ in range(5):
            response = limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes/t1"))
            response.read()
            response.close()

    assert finishes(five_in_a_row)


def test_a_failed_request_gives_its_place_back() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    limited = LimitTransport(httpx.MockTransport(refuse), 1, AUTH)

    def twice() -> None:
        for _ in range(2):
            with pytest.raises(httpx.ConnectError):
                limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes/t1"))

    assert finishes(twice)


def test_an_open_body_holds_its_place_and_the_auth_service_never_waits() -> None:
    limited = LimitTransport(httpx.MockTransport(lambda r: httpx.Response(200, stream=httpx.ByteStream(b"x"))), 1, AUTH)
    held = limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes/t1/wav"))
    login = limited.handle_request(httpx.Request("POST", "http://127.0.0.1:9/auth/login"))  # passes the full limit
    login.close()
    other = threading.Thread(
        target=lambda: limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes")).close(),
        daemon=True,
    )
    other.start()
    other.join(0.2)
    assert other.is_alive()  # waits while the download's body is open
    held.close()
    other.join(5)
    assert not other.is_alive()


def test_a_forked_child_gets_every_place() -> None:
    """After a fork the places the parent's threads held are free in the child (those threads are not there)."""
    limited = LimitTransport(httpx.MockTransport(lambda r: httpx.Response(200, stream=httpx.ByteStream(b"x"))), 1, AUTH)
    limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes/t1/wav"))  # held, never closed
    limited.after_fork()  # what os.register_at_fork runs in the child
    assert finishes(lambda: limited.handle_request(httpx.Request("GET", "http://127.0.0.1:9/v1/speak/takes")).close())
