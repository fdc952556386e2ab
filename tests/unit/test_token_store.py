"""The renewal decision of a shared token store, without I/O: take another process's renewal, or renew."""

from __future__ import annotations

from daisys_ext import StoredTokens
from daisys_ext._http.token_store import needs_renewal, stored_from, take_stored
from daisys_ext._http.tokens import Tokens


def tokens(access: str | None, refresh: str | None) -> Tokens:
    return Tokens("http://auth.invalid", email="me@example.com", access_token=access, refresh_token=refresh)


def test_a_newer_stored_token_is_taken_and_nothing_is_sent() -> None:
    held = tokens("old", "r1")
    seen: list[tuple[str | None, str | None]] = []
    held.token_callback = lambda access, refresh: seen.append((access, refresh))
    assert take_stored(held, StoredTokens("new", "r2"), refused="old") is True
    assert (held.access_token, held.refresh_token) == ("new", "r2") and seen == [("new", "r2")]
    assert list(held.renew("old")) == []  # the renewal finds the token changed: no request


def test_the_refused_token_in_the_store_means_renew_with_the_newest_refresh_token() -> None:
    held = tokens("old", "r-mine")
    assert take_stored(held, StoredTokens("old", "r-stored"), refused="old") is False
    assert held.refresh_token == "r-stored"
    request = next(held.renew("old"))
    assert request.url.path == "/auth/refresh" and b"r-stored" in request.content


def test_an_empty_store_leaves_the_client_to_log_in() -> None:
    held = tokens(None, None)
    held.password = "pw"
    assert take_stored(held, None, refused=None) is False
    assert next(held.renew(None)).url.path == "/auth/login"


def test_a_client_starts_from_stored_tokens() -> None:
    held = tokens(None, None)
    assert take_stored(held, StoredTokens("stored", "r", "me@example.com"), refused=None) is True
    assert stored_from(held) == StoredTokens("stored", "r", "me@example.com")


def test_only_a_held_or_refused_token_needs_renewal() -> None:
    assert needs_renewal(None, None) and needs_renewal("t", "t")
    assert not needs_renewal("new", "old")


def test_stored_tokens_never_show_a_token() -> None:
    assert "secret" not in repr(StoredTokens("secret-access", "secret-refresh"))
