"""Clients sharing one login through a token store (file and Redis), both flavours: what each one sends.

Several clients with their own store objects on one file or one Redis key stand for processes here (what only
separate processes can show, a fleet at full speed and a holder killed with SIGKILL, is in test_fleet_processes.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from support.flavours import new_client
from support.fleet import client_options, logins, refreshes

from daisys_ext import DaisysAPI, DaisysCredentialsError, DaisysTokenStoreError, RedisTokenStore, StoredTokens
from daisys_ext.testing import Emulator, RedisServer
from daisys_ext.testing._redis import free_port


async def test_one_login_serves_the_fleet_and_a_newcomer_starts_from_the_store(
    flavour: str, emu: Emulator, make_store: Callable[[], Any]
) -> None:
    first = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=make_store()))
    await first.get_models()
    assert logins(emu) == 1
    stored = make_store().load()
    assert stored is not None and stored.access_token == first.access_token and stored.email == emu.email
    # No password at all: the tokens come from the store, nothing is sent to the auth service.
    second = new_client(flavour, **client_options(emu, token_store=make_store()))
    seen: list[tuple[str | None, str | None]] = []
    second.token_callback = lambda access, refresh: seen.append((access, refresh))
    assert len(await second.get_models()) > 0
    assert logins(emu) == 1 and refreshes(emu) == []
    assert seen == [(stored.access_token, stored.refresh_token)]  # token_callback still fires
    await first.close()
    await second.close()


async def test_a_renewal_by_another_process_is_taken_from_the_store(
    flavour: str, emu: Emulator, make_store: Callable[[], Any]
) -> None:
    emu.token_ttl = 0.4
    one = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=make_store()))
    other = new_client(flavour, **client_options(emu, token_store=make_store()))
    await one.get_models()
    await other.get_models()
    assert one.access_token == other.access_token
    time.sleep(0.5)
    await one.get_models()  # refused: refreshes, saves
    assert refreshes(emu) == [200]
    renewed = one.access_token, one.refresh_token
    seen: list[tuple[str | None, str | None]] = []
    other.token_callback = lambda access, refresh: seen.append((access, refresh))
    # Its token refused, the other reads the store under the lock and finds a newer token: it sends no refresh
    # (its own refresh token was single-use and is spent: a refresh with it would fail).
    await other.get_models()
    assert refreshes(emu) == [200] and logins(emu) == 1
    assert (other.access_token, other.refresh_token) == renewed and seen == [renewed]
    await one.close()
    await other.close()


async def test_close_keeps_the_fleet_logged_in_and_logout_ends_it_for_everyone(
    flavour: str, emu: Emulator, make_store: Callable[[], Any]
) -> None:
    first = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=make_store()))
    await first.get_models()
    assert first.auto_logout  # it logged in with the password; without a store, close() would revoke
    await first.close()
    assert emu.requests_to("api", "/auth/logout") == []
    second = new_client(flavour, **client_options(emu, token_store=make_store()))
    await second.get_models()
    assert await second.logout() is True
    assert [r.status for r in emu.requests_to("api", "/auth/logout")] == [200]
    assert make_store().load() is None
    third = new_client(flavour, **client_options(emu, token_store=make_store()))
    with pytest.raises(DaisysCredentialsError):
        await third.get_models()
    await second.close()
    await third.close()


async def test_an_explicit_login_is_stored_for_the_others(
    flavour: str, emu: Emulator, make_store: Callable[[], Any]
) -> None:
    client = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=make_store()))
    await client.login()
    assert make_store().load() == StoredTokens(client.access_token, client.refresh_token, emu.email)
    assert await client.login_refresh() is True
    assert make_store().load() == StoredTokens(client.access_token, client.refresh_token, emu.email)
    await client.close()


async def test_an_unreachable_store_is_a_typed_error_never_a_password_login(flavour: str, emu: Emulator) -> None:
    store = RedisTokenStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    client = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=store))
    with pytest.raises(DaisysTokenStoreError, match="could not be used"):
        await client.get_models()
    assert logins(emu) == 0
    await client.close()


async def test_a_redis_store_that_goes_away_mid_run_is_a_typed_error(flavour: str, emu: Emulator) -> None:
    emu.token_ttl = 0.3
    with RedisServer() as server:
        store = RedisTokenStore(server.url, timeout=0.5)
        client = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=store))
        await client.get_models()
    time.sleep(0.35)
    with pytest.raises(DaisysTokenStoreError):
        await client.get_models()
    assert logins(emu) == 1 and refreshes(emu) == []
    await client.close()


def test_daisys_api_hands_the_store_to_its_clients(emu: Emulator, make_store: Callable[[], Any]) -> None:
    with DaisysAPI(
        "speak", email=emu.email, password=emu.password, token_store=make_store(), **client_options(emu)
    ) as speak:
        speak.get_models()
    with DaisysAPI("speak", token_store=make_store(), **client_options(emu)) as speak:
        speak.get_models()
    assert logins(emu) == 1 and emu.requests_to("api", "/auth/logout") == []


async def test_no_token_in_a_log_line(
    flavour: str, emu: Emulator, make_store: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    emu.token_ttl = 0.3
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    one = new_client(flavour, emu.email, emu.password, **client_options(emu, token_store=make_store()))
    other = new_client(flavour, **client_options(emu, token_store=make_store()))
    await one.get_models()
    await other.get_models()
    time.sleep(0.35)
    await one.get_models()
    await other.get_models()  # takes the renewal from the store
    secrets = [one.access_token, one.refresh_token, emu.password]
    text = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "token store" in text and all(secret and secret not in text for secret in secrets)
    await one.close()
    await other.close()
