"""``POST /auth/refresh`` in both documented forms: the emulator serves each, and the client sends both at once.

The official SDK and the documentation's curl example send ``Authorization: Bearer <access token>`` (the token
may have expired) with ``{"refresh_token": ...}``; the endpoints page sends ``{"email": ..., "refresh_token": ...}``
and no header.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest

from daisys_ext import Client
from daisys_ext.testing import Emulator

TTL = 0.3


def _login(emu: Emulator) -> dict[str, str]:
    response = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password})
    assert response.status_code == 200
    return dict(response.json())


def _works(emu: Emulator, tokens: dict[str, str]) -> bool:
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    return httpx.get(f"{emu.product_url}/models", headers=bearer).status_code == 200


def _sdk_form(emu: Emulator, tokens: dict[str, str]) -> dict[str, Any]:
    return {
        "json": {"refresh_token": tokens["refresh_token"]},
        "headers": {"Authorization": f"Bearer {tokens['access_token']}"},
    }


def _endpoints_page_form(emu: Emulator, tokens: dict[str, str]) -> dict[str, Any]:
    return {"json": {"email": emu.email, "refresh_token": tokens["refresh_token"]}}


def _both_forms(emu: Emulator, tokens: dict[str, str]) -> dict[str, Any]:
    return {
        "json": {"email": emu.email, "refresh_token": tokens["refresh_token"]},
        "headers": {"Authorization": f"Bearer {tokens['access_token']}"},
    }


FORMS = {"sdk": _sdk_form, "endpoints_page": _endpoints_page_form, "both": _both_forms}


@pytest.mark.parametrize("form", FORMS)
def test_the_emulator_serves_each_form_after_the_access_token_expired(daisys_emulator: Emulator, form: str) -> None:
    emu = daisys_emulator
    emu.token_ttl = TTL
    emu.rotate_refresh_tokens = True
    first = _login(emu)
    time.sleep(TTL + 0.05)
    assert not _works(emu, first)
    response = httpx.post(f"{emu.api_url}/auth/refresh", **FORMS[form](emu, first))
    assert response.status_code == 200, response.text
    second = response.json()
    assert set(second) == {"access_token", "refresh_token"}
    assert _works(emu, second)
    # Single-use refresh tokens: the old one is spent, whatever the form.
    again = httpx.post(f"{emu.api_url}/auth/refresh", **FORMS[form](emu, first))
    assert again.status_code == 401 and again.headers["www-authenticate"] == "Bearer"


def test_the_emulator_refuses_a_wrong_email_or_no_refresh_token(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    tokens = _login(emu)
    url = f"{emu.api_url}/auth/refresh"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    wrong = httpx.post(url, json={"email": "other@example.com", "refresh_token": tokens["refresh_token"]})
    assert wrong.status_code == 401
    # A valid access token is no substitute for the refresh token.
    missing = httpx.post(url, json={"email": emu.email}, headers=bearer)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "refresh_token"]
    # Nothing was spent by the refused attempts.
    assert httpx.post(url, json={"refresh_token": tokens["refresh_token"]}, headers=bearer).status_code == 200


def test_the_client_refreshes_in_both_forms_at_once(
    daisys_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu = daisys_emulator
    emu.token_ttl = TTL
    caplog.set_level(logging.DEBUG)
    seen: list[tuple[str | None, str | None]] = []
    with Client(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as client:
        client.token_callback = lambda access, refresh: seen.append((access, refresh))
        assert client.get_models()
        held_access, held_refresh = client.access_token, client.refresh_token
        assert held_access and held_refresh
        time.sleep(TTL + 0.05)
        assert client.get_models()  # a 401, a refresh, the retry
        assert client.access_token not in (None, held_access)
        (refresh,) = emu.requests_to("api", "/auth/refresh")
        assert refresh.status == 200
        assert refresh.header("authorization") == f"Bearer {held_access}"
        assert json.loads(refresh.body) == {"refresh_token": held_refresh, "email": emu.email}
        secrets = [held_access, held_refresh, client.access_token, client.refresh_token]
    assert len(seen) >= 2
    for secret in secrets:
        assert secret and secret not in caplog.text


def test_a_client_with_tokens_only_sends_the_sdk_form(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    emu.token_ttl = TTL
    tokens = _login(emu)
    time.sleep(TTL + 0.05)
    with Client(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        daisys_url=emu.api_url,
        auth_url=emu.api_url,
    ) as client:
        assert client.get_models()
        (refresh,) = emu.requests_to("api", "/auth/refresh")
        assert refresh.status == 200
        assert refresh.header("authorization") == f"Bearer {tokens['access_token']}"
        assert json.loads(refresh.body) == {"refresh_token": tokens["refresh_token"]}


def test_an_explicit_refresh_without_an_access_token_sends_the_endpoints_page_form(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    tokens = _login(emu)
    with Client(
        email=emu.email, refresh_token=tokens["refresh_token"], daisys_url=emu.api_url, auth_url=emu.api_url
    ) as client:
        assert client.access_token is None
        assert client.login_refresh() is True
        (refresh,) = emu.requests_to("api", "/auth/refresh")
        assert refresh.header("authorization") is None
        assert json.loads(refresh.body) == {"refresh_token": tokens["refresh_token"], "email": emu.email}
        assert client.get_models()
