"""Recorded logins: the password login, and a 401 answered by one refresh and one retry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cassette_files import exchanges
from cassette_scrub import ACCESS_TOKEN, AUTHORIZATION, EMAIL, PASSWORD, REFRESH_TOKEN
from vcr.cassette import Cassette

AUTH = "/auth"
MODELS = "/v1/speak/models"
STALE_TOKEN = "expired-access-token"  # what a client holds when its access token has run out


async def test_login(connect: Callable[..., Any], cassette: Cassette) -> None:
    async with connect() as api:
        assert await api.login() is True
        assert api.access_token and api.refresh_token
        models = await api.get_models()
        assert "shakespeare" in [model.name for model in models]
    recorded = exchanges(cassette)
    # close() revokes the refresh token a password login got.
    assert [e.summary for e in recorded] == [
        ("POST", f"{AUTH}/login", 200),
        ("GET", MODELS, 200),
        ("POST", f"{AUTH}/logout", 200),
    ]
    login, models_call, logout = recorded
    assert json.loads(login.request.body) == {"email": EMAIL, "password": PASSWORD}
    assert login.json() == {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}
    assert models_call.request.headers["Authorization"] == AUTHORIZATION
    assert logout.request.body and REFRESH_TOKEN.encode() in logout.request.body


async def test_refresh_after_401(connect: Callable[..., Any], cassette: Cassette) -> None:
    async with connect() as first:
        await first.login()
        refresh_token = first.refresh_token
        first.auto_logout = False  # the refresh below retires this refresh token; a logout with it would fail
    async with connect(email=None, password=None, access_token=STALE_TOKEN, refresh_token=refresh_token) as api:
        assert [model.name for model in await api.get_models()]
        assert api.access_token != STALE_TOKEN
        assert await api.logout() is True
    assert [e.summary for e in exchanges(cassette)] == [
        ("POST", f"{AUTH}/login", 200),
        ("GET", MODELS, 401),
        ("POST", f"{AUTH}/refresh", 200),
        ("GET", MODELS, 200),
        ("POST", f"{AUTH}/logout", 200),
    ]
