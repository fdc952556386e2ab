"""The refresh request satisfies both documented forms of ``POST /auth/refresh`` at once.

The official SDK and the documentation's curl example send ``Authorization: Bearer <access token>``
and ``{"refresh_token": ...}``; the endpoints page sends ``{"email": ..., "refresh_token": ...}`` and
no header. ``Tokens.refresh_request`` sends the header (with the access token held, when one is) and
the body with the refresh token and, when known, the email.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from daisys_ext._errors import DaisysServerError
from daisys_ext._http.tokens import Tokens, first_request, next_request

AUTH = "https://auth.example"


def _body(request: httpx.Request) -> dict[str, str]:
    return json.loads(request.content)


def test_refresh_sends_the_access_token_held_and_the_email() -> None:
    tokens = Tokens(AUTH, email="me@example.com", password="pw", access_token="acc-1", refresh_token="ref-1")
    request = tokens.refresh_request()
    assert request.method == "POST" and str(request.url) == f"{AUTH}/auth/refresh"
    assert request.headers["Authorization"] == "Bearer acc-1"  # the SDK's and the curl example's form
    assert _body(request) == {"refresh_token": "ref-1", "email": "me@example.com"}  # the endpoints page's form
    assert request.headers["Content-Type"] == "application/json"


def test_refresh_without_an_email_sends_the_sdk_form() -> None:
    tokens = Tokens(AUTH, access_token="acc-1", refresh_token="ref-1")
    request = tokens.refresh_request()
    assert request.headers["Authorization"] == "Bearer acc-1"
    assert _body(request) == {"refresh_token": "ref-1"}


def test_refresh_without_an_access_token_sends_no_header() -> None:
    tokens = Tokens(AUTH, email="me@example.com", refresh_token="ref-1")
    request = tokens.refresh_request()
    assert "Authorization" not in request.headers
    assert _body(request) == {"refresh_token": "ref-1", "email": "me@example.com"}


def test_renewal_sends_the_stale_token_it_is_replacing() -> None:
    """After a 401, the refresh carries the access token that was refused (as the official SDK does)."""
    tokens = Tokens(AUTH, email="me@example.com", access_token="stale", refresh_token="ref-1")
    flow = tokens.renew("stale")
    request = first_request(flow)
    assert request is not None and request.url.path == "/auth/refresh"
    assert request.headers["Authorization"] == "Bearer stale"
    answer = httpx.Response(200, json={"access_token": "fresh", "refresh_token": "ref-2"}, request=request)
    assert next_request(flow, answer) is None
    assert (tokens.access_token, tokens.refresh_token) == ("fresh", "ref-2")
    assert tokens.refresh_request().headers["Authorization"] == "Bearer fresh"


def test_refreshing_logs_no_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    tokens = Tokens(AUTH, email="me@example.com", access_token="acc-secret", refresh_token="ref-secret")
    flow = tokens.refresh()
    request = next(flow)
    answer = httpx.Response(200, json={"access_token": "acc-new-secret", "refresh_token": "ref-new-secret"})
    answer.request = request
    with pytest.raises(StopIteration):
        flow.send(answer)
    assert "refreshed" in caplog.text
    for secret in ("acc-secret", "ref-secret", "acc-new-secret", "ref-new-secret"):
        assert secret not in caplog.text
    assert "secret" not in repr(tokens)


def test_a_refused_refresh_falls_back_to_the_login() -> None:
    """A 401 to the refresh is the auth service's verdict on the refresh token: log in with the password."""
    tokens = Tokens(AUTH, email="me@example.com", password="pw", access_token="stale", refresh_token="ref-1")
    flow = tokens.renew("stale")
    refresh = first_request(flow)
    assert refresh is not None
    login = next_request(flow, httpx.Response(401, json={"detail": "expired"}, request=refresh))
    assert login is not None and login.url.path == "/auth/login"
    answer = httpx.Response(200, json={"access_token": "fresh", "refresh_token": "ref-2"}, request=login)
    assert next_request(flow, answer) is None
    assert tokens.access_token == "fresh"


def test_a_failing_auth_service_is_an_error_not_a_refused_refresh() -> None:
    """A 5xx to the refresh says nothing of the refresh token: the typed error, and no login attempted."""
    tokens = Tokens(AUTH, email="me@example.com", password="pw", access_token="stale", refresh_token="ref-1")
    flow = tokens.renew("stale")
    refresh = first_request(flow)
    assert refresh is not None
    with pytest.raises(DaisysServerError, match="503"):
        next_request(flow, httpx.Response(503, json={"detail": "down"}, request=refresh))
    assert tokens.refresh_token == "ref-1"
