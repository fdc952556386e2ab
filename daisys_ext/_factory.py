"""``DaisysAPI``: the official SDK's entry point, a short-lived factory of clients."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Unpack

if TYPE_CHECKING:
    import httpx

    from ._async.client import AsyncClient
    from ._config import ClientOptions, ConnectionOptions
    from ._sync.client import Client


class DaisysAPI:
    """Make a client for a product, as ``with DaisysAPI('speak', email=..., password=...) as speak``.

    ``with`` gives a ``Client`` and ``async with`` an ``AsyncClient``; either is closed (and,
    after a password login, logged out) when the block ends. ``get_client()`` and
    ``get_async_client()`` hand one over for the caller to close. Missing arguments come
    from ``DAISYS_EMAIL``, ``DAISYS_PASSWORD``, ``DAISYS_API_URL`` and ``DAISYS_AUTH_URL``.
    Other options go to the client (``timeout=``, ``proxy=``, ``token_store=``, ...); ``http_client`` is
    used by ``get_client`` and ``async_http_client`` by ``get_async_client``.
    """

    def __init__(
        self,
        product: str = "speak",
        version: str = "v1",
        email: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        daisys_url: str | None = None,
        auth_url: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        # The official SDK's order of the first eight; the rest are the clients' own options, passed on.
        self._credentials = (email, password, access_token, refresh_token)
        self._options: ClientOptions = {
            "product": product,
            "version": version,
            "daisys_url": daisys_url,
            "auth_url": auth_url,
            **options,
        }
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._client: Client | None = None
        self._async_client: AsyncClient | None = None

    def get_client(self) -> Client:
        """A synchronous client; the caller closes it (``close()``, which logs out if it logged in)."""
        from ._sync.client import Client

        return Client(*self._credentials, http_client=self._http_client, **self._options)

    def get_async_client(self) -> AsyncClient:
        """An asyncio client; the caller awaits its ``close()``."""
        from ._async.client import AsyncClient

        return AsyncClient(*self._credentials, http_client=self._async_http_client, **self._options)

    def __enter__(self) -> Client:
        self._client = self.get_client()
        return self._client

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def __aenter__(self) -> AsyncClient:
        self._async_client = self.get_async_client()
        return self._async_client

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._async_client is not None:
            await self._async_client.close()
            self._async_client = None
