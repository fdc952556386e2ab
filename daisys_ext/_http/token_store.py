"""Tokens shared by many processes: the ``TokenStore`` protocol and the renewal decision, without I/O.

A fleet of processes (web workers, Celery workers, hosts) shares one login through a store.
Before a login or a refresh a client takes the store's lock and reads it again; whether
another process renewed meanwhile (the stored access token is not the one that was
refused) is decided here, once, for both clients. The stores themselves are in
``daisys_ext/_stores/``; the clients drive them in ``_async/shared_tokens.py``.
"""

from __future__ import annotations

import collections
import json
import statistics
import time
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .._errors import DaisysTokenStoreError
from .tokens import Tokens

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StoredTokens:
    """One account's tokens as a store keeps them (never a password)."""

    access_token: str | None
    refresh_token: str | None
    email: str | None = None

    def __repr__(self) -> str:  # never show a token
        return f"StoredTokens(email={self.email!r}, access_token={'set' if self.access_token else None})"

    def to_entry(self) -> dict[str, Any]:
        """As a JSON object, with when it was saved."""
        return {
            "email": self.email,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    @classmethod
    def from_entry(cls, entry: object) -> StoredTokens | None:
        """The tokens of a stored entry; None when it holds none."""
        if not isinstance(entry, dict):
            return None
        access, refresh, email = entry.get("access_token"), entry.get("refresh_token"), entry.get("email")
        if not (isinstance(access, str) or isinstance(refresh, str)):
            return None
        return cls(
            access if isinstance(access, str) else None,
            refresh if isinstance(refresh, str) else None,
            email if isinstance(email, str) else None,
        )


def encode(tokens: StoredTokens) -> bytes:
    """One entry as the Redis store keeps it: JSON."""
    return json.dumps({"version": FORMAT_VERSION, **tokens.to_entry()}).encode()


def decode(raw: bytes | str | None, where: str) -> StoredTokens | None:
    if raw is None:
        return None
    try:
        return StoredTokens.from_entry(json.loads(raw))
    except ValueError:
        raise DaisysTokenStoreError(f"{where} does not hold tokens this version understands.") from None


@runtime_checkable
class TokenStore(Protocol):
    """Where a fleet of clients keeps its one login: load, save, and a lock across processes.

    ``lock(wait, hold)`` is held while one client renews: it waits at most ``wait`` seconds
    (else ``DaisysTokenStoreError``), and a holder that dies releases it (the OS does, or it
    expires after ``hold`` seconds). The ``async_`` methods are the same for ``AsyncClient``
    and must not block the event loop. A store that cannot be reached raises
    ``DaisysTokenStoreError``. ``FileTokenStore`` and ``RedisTokenStore`` are the two given.
    """

    def load(self) -> StoredTokens | None:
        """The stored tokens, or None when there are none."""
        ...

    def save(self, tokens: StoredTokens) -> None:
        """Replace the stored tokens (called under ``lock``)."""
        ...

    def clear(self) -> None:
        """Forget the stored tokens (after a logout)."""
        ...

    def lock(self, wait: float, hold: float) -> AbstractContextManager[None]:
        """Hold the lock across processes: wait at most ``wait`` s; it ends by ``hold`` s if its holder dies."""
        ...

    async def async_load(self) -> StoredTokens | None:
        """``load`` for the event loop."""
        ...

    async def async_save(self, tokens: StoredTokens) -> None:
        """``save`` for the event loop."""
        ...

    async def async_clear(self) -> None:
        """``clear`` for the event loop."""
        ...

    def async_lock(self, wait: float, hold: float) -> AbstractAsyncContextManager[None]:
        """``lock`` for the event loop (``async with``)."""
        ...


def needs_renewal(held: str | None, refused: str | None) -> bool:
    """Whether this process must still renew: it holds no token, or holds the one refused."""
    return held is None or held == refused


def take_stored(tokens: Tokens, stored: StoredTokens | None, refused: str | None) -> bool:
    """Bring the stored tokens into ``tokens``; True when they are a renewal that makes ours unneeded.

    Another process renewed when the stored access token is there and is not the one refused:
    those tokens are used and nothing is sent. Otherwise the stored refresh token (the newest,
    when refresh tokens are single-use) is the one to renew with.
    """
    if stored is None:
        return False
    if stored.access_token is not None and stored.access_token != refused:
        tokens.set_tokens(stored.access_token, stored.refresh_token)
        if tokens.email is None:
            tokens.email = stored.email
        return True
    if stored.refresh_token is not None:
        tokens.refresh_token = stored.refresh_token
    return False


def stored_from(tokens: Tokens) -> StoredTokens:
    return StoredTokens(tokens.access_token, tokens.refresh_token, tokens.email)


class LockWaits:
    """How long this process waited for a store's lock: the last thousand waits, in seconds."""

    def __init__(self) -> None:
        self.waits: collections.deque[float] = collections.deque(maxlen=1000)

    def record(self, seconds: float) -> None:
        self.waits.append(seconds)

    def summary(self) -> dict[str, float]:
        return summarise(self.waits)


def summarise(waits: Iterable[float]) -> dict[str, float]:
    values = list(waits)
    if not values:
        return {"count": 0, "median": 0.0, "worst": 0.0}
    return {"count": len(values), "median": statistics.median(values), "worst": max(values)}
