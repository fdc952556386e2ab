"""``RedisTokenStore``: the tokens of processes on many hosts under one Redis key, with an expiring lock.

redis-py (the ``redis`` extra) does the work: its ``Lock`` is a ``SET key token NX PX``
and a Lua compare-and-delete, so a lock has an owner token and an expiry, and only its
owner releases it. The sync client serves ``Client``, ``redis.asyncio`` serves
``AsyncClient`` (never a blocking call on the event loop).
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._errors import DaisysInputError, DaisysTokenStoreError
from .._http.token_store import LockWaits, StoredTokens, decode, encode

if TYPE_CHECKING:
    import redis
    import redis.asyncio

# How often a waiting process tries the lock again: a renewal takes a few milliseconds.
POLL_SECONDS = 0.01
# The connection classes redis-py has in both flavours, by name (a store rebuilt from a pickle makes either).
CONNECTION_CLASSES = ("Connection", "SSLConnection", "UnixDomainSocketConnection")
PLAIN_SETTINGS = frozenset(
    {"host", "port", "path", "db", "username", "password", "socket_timeout", "socket_connect_timeout", "client_name"}
)


def _redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:
        raise DaisysInputError("RedisTokenStore needs redis-py: pip install 'daisys-ext[redis]'.") from None
    return redis


class RedisTokenStore:
    """Tokens shared by processes on many hosts: one Redis key, and a lock beside it that expires.

    ``redis`` is a ``redis.Redis``, a ``redis.asyncio.Redis`` or a URL (``redis://host:6379/0``);
    a URL's connections time out after ``timeout`` seconds, so an unreachable Redis is an
    error rather than a hang (give your own clients a ``socket_timeout`` for the same).
    The tokens are the value of ``key`` and the lock is ``<key>:lock``: no secret in a key name.
    A store pickles as its connection settings, never a Redis password.
    """

    def __init__(self, redis: Any, key: str = "daisys:tokens", *, timeout: float = 10.0) -> None:
        module = _redis()
        self.key = key
        self.lock_key = f"{key}:lock"
        self.timeout = timeout
        self.lock_waits = LockWaits()
        self._sync: redis.Redis | None = None
        self._async: redis.asyncio.Redis | None = None  # the caller's own, if given
        self._per_loop: weakref.WeakKeyDictionary[Any, redis.asyncio.Redis] = weakref.WeakKeyDictionary()
        self._url: str | None = None
        self._settings: tuple[str, dict[str, Any]] | None = None  # connection class name, its arguments
        if isinstance(redis, str):
            self._url = redis
        elif isinstance(redis, module.Redis):
            self._sync = redis
            self._settings = _settings(redis)
        elif isinstance(redis, module.asyncio.Redis):
            self._async = redis
            self._settings = _settings(redis)
        else:
            problem = f"RedisTokenStore takes a redis.Redis, a redis.asyncio.Redis or a URL, not {redis!r}."
            raise DaisysInputError(problem)

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._where()}, key={self.key!r})"

    def _where(self) -> str:
        if self._url is not None:
            parts = urlsplit(self._url)
            return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"  # never a password
        assert self._settings is not None
        options = self._settings[1]
        return str(options.get("path") or f"{options.get('host')}:{options.get('port')}")

    def __reduce__(self) -> tuple[Any, ...]:
        if (self._url and urlsplit(self._url).password) or (self._settings and self._settings[1].get("password")):
            raise DaisysInputError(
                "A RedisTokenStore with a Redis password is not pickled (the password would travel in the pickle): "
                "make the client and its store in the process that uses it."
            )
        return (_restore, (self._url, self._settings, self.key, self.timeout))

    # -- the two flavours of connection --------------------------------------------------

    def _client(self) -> Any:  # redis.Redis
        if self._sync is None:
            redis = _redis()
            if self._url is not None:
                self._sync = redis.Redis.from_url(
                    self._url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
                )
            else:
                assert self._settings is not None
                kind, options = self._settings
                pool = redis.ConnectionPool(connection_class=getattr(redis.connection, kind), **options)
                self._sync = redis.Redis(connection_pool=pool)
        return self._sync

    def _async_client(self) -> Any:  # redis.asyncio.Redis
        if self._async is not None:
            return self._async
        import asyncio

        # One connection pool an event loop: an asyncio connection belongs to the loop that opened it
        # (a Celery task or a script may run asyncio.run more than once in a process).
        loop = asyncio.get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            redis = _redis()
            if self._url is not None:
                client = redis.asyncio.Redis.from_url(
                    self._url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
                )
            else:
                assert self._settings is not None
                kind, options = self._settings
                connection = getattr(redis.asyncio.connection, kind)
                client = redis.asyncio.Redis(
                    connection_pool=redis.asyncio.ConnectionPool(connection_class=connection, **options)
                )
            self._per_loop[loop] = client
        return client

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        redis = _redis()
        try:
            yield
        except redis.exceptions.RedisError as exc:
            problem = f"The Redis token store at {self._where()} could not be used: {type(exc).__name__}: {exc}"
            raise DaisysTokenStoreError(problem) from None

    def _lock_of(self, client: Any, wait: float, hold: float) -> Any:
        """redis-py's lock (either flavour): SET NX PX with an owner token, a Lua compare-and-delete to release."""
        options = {"sleep": POLL_SECONDS, "thread_local": False, "raise_on_release_error": False}
        return client.lock(self.lock_key, timeout=hold, blocking_timeout=wait, **options)

    def _timed_out(self, wait: float) -> DaisysTokenStoreError:
        return DaisysTokenStoreError(
            f"The Redis token store's lock {self.lock_key!r} stayed held by another process for {wait:g} s."
        )

    def _taken(self, acquired: bool, wait: float, started: float) -> None:
        """After an acquire begun at ``started`` (either flavour): raise if it failed, else note the wait."""
        if not acquired:
            raise self._timed_out(wait)
        self.lock_waits.record(time.monotonic() - started)

    # -- sync ------------------------------------------------------------------------

    def load(self) -> StoredTokens | None:
        """The tokens under ``key``, or None."""
        with self._errors():
            raw = self._client().get(self.key)
        return decode(raw, f"The Redis key {self.key!r}")

    def save(self, tokens: StoredTokens) -> None:
        """Set ``key`` to these tokens."""
        with self._errors():
            self._client().set(self.key, encode(tokens))

    def clear(self) -> None:
        """Delete ``key``."""
        with self._errors():
            self._client().delete(self.key)

    @contextlib.contextmanager
    def lock(self, wait: float, hold: float) -> Iterator[None]:
        """Hold the lock; it expires ``hold`` seconds after it was taken, whatever its holder does."""
        started = time.monotonic()
        with self._errors():
            lock = self._lock_of(self._client(), wait, hold)
            acquired = lock.acquire()
        self._taken(acquired, wait, started)
        try:
            yield
        finally:
            with self._errors():
                lock.release()  # compare-and-delete: a lock that expired meanwhile is someone else's now

    # -- asyncio ----------------------------------------------------------------------

    async def async_load(self) -> StoredTokens | None:
        """``load`` on ``redis.asyncio``."""
        with self._errors():
            raw = await self._async_client().get(self.key)
        return decode(raw, f"The Redis key {self.key!r}")

    async def async_save(self, tokens: StoredTokens) -> None:
        """``save`` on ``redis.asyncio``."""
        with self._errors():
            await self._async_client().set(self.key, encode(tokens))

    async def async_clear(self) -> None:
        """``clear`` on ``redis.asyncio``."""
        with self._errors():
            await self._async_client().delete(self.key)

    @contextlib.asynccontextmanager
    async def async_lock(self, wait: float, hold: float) -> AsyncIterator[None]:
        """``lock`` on ``redis.asyncio``."""
        started = time.monotonic()
        with self._errors():
            lock = self._lock_of(self._async_client(), wait, hold)
            acquired = await lock.acquire()
        self._taken(acquired, wait, started)
        try:
            yield
        finally:
            with self._errors():
                await lock.release()


def _settings(client: Any) -> tuple[str, dict[str, Any]]:
    """What it takes to connect as ``client`` does, in either flavour: its connection class's name and arguments."""
    pool = client.connection_pool
    kind = pool.connection_class.__name__
    if kind not in CONNECTION_CLASSES:
        kind = "Connection"
    # Only plain settings: the rest (retry objects, handlers) belongs to that client's own pool.
    options = {
        name: value
        for name, value in pool.connection_kwargs.items()
        if (name in PLAIN_SETTINGS or name.startswith("ssl_")) and isinstance(value, str | int | float | bool | None)
    }
    return kind, options


def _restore(url: str | None, settings: tuple[str, dict[str, Any]] | None, key: str, timeout: float) -> RedisTokenStore:
    store = RedisTokenStore.__new__(RedisTokenStore)
    store.key, store.lock_key, store.timeout, store.lock_waits = key, f"{key}:lock", timeout, LockWaits()
    store._sync = store._async = None
    store._per_loop = weakref.WeakKeyDictionary()
    store._url, store._settings = url, settings
    return store
