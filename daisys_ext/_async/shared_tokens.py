"""``AsyncSharedTokens``: one client's side of a token store shared by many processes.

A renewal (a login or a refresh) happens inside ``renewal(refused)``: the store's lock is
taken and the store read again; when another process renewed meanwhile its tokens are
taken and the renewal sends nothing (``take_stored`` decides); otherwise the new tokens are
saved before the lock is released. Without a store every method does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .._http.token_store import TokenStore, needs_renewal, stored_from, take_stored
from .._http.tokens import Tokens

logger = logging.getLogger("daisys_ext")


class AsyncSharedTokens:
    """The token store as one client uses it: waits and lock lifetimes bounded by the client's timeout."""

    def __init__(self, store: TokenStore | None, tokens: Tokens, timeout: float) -> None:
        self.store = store
        self.tokens = tokens
        # Both ways: a client waits for the lock at most its timeout, and a lock it took
        # expires after that long, so a holder killed mid-renewal blocks the others no longer.
        self.wait = self.hold = timeout

    @asynccontextmanager
    async def renewal(self, refused: str | None) -> AsyncIterator[bool]:
        """Around a login or refresh after ``refused`` failed: under the store's lock, with its newest tokens.

        Gives True when the store held another process's renewal, taken instead of renewing.
        """
        if self.store is None or not needs_renewal(self.tokens.access_token, refused):
            yield False
            return
        async with self.store.async_lock(self.wait, self.hold):
            stored = await self.store.async_load()
            taken = take_stored(self.tokens, stored, refused)
            if taken:
                logger.debug("took the tokens another process renewed from the token store")
            yield taken
            if self.tokens.access_token is not None and stored_from(self.tokens) != stored:
                await self.store.async_save(stored_from(self.tokens))

    @asynccontextmanager
    async def exchange(self) -> AsyncIterator[None]:
        """Around an explicit ``login()`` or ``login_refresh()``: under the lock, the result saved."""
        if self.store is None:
            yield
            return
        async with self.store.async_lock(self.wait, self.hold):
            stored = await self.store.async_load()
            take_stored(self.tokens, stored, self.tokens.access_token)  # the newest refresh token, if any
            yield
            if self.tokens.access_token is not None and stored_from(self.tokens) != stored:
                await self.store.async_save(stored_from(self.tokens))

    async def forget(self) -> str | None:
        """After a logout: the store emptied, for every process. Returns the refresh token it held."""
        if self.store is None:
            return None
        async with self.store.async_lock(self.wait, self.hold):
            stored = await self.store.async_load()
            await self.store.async_clear()
        return stored.refresh_token if stored is not None else None
