"""Which credentials a command uses, and the client made with them.

In order: tokens in the environment (``DAISYS_ACCESS_TOKEN``, ``DAISYS_REFRESH_TOKEN``),
then ``DAISYS_EMAIL`` and ``DAISYS_PASSWORD``, then the tokens ``daisys login`` stored for
this auth service. Stored tokens are the client's ``token_store``: renewed under the file's
lock and written back; credentials from the environment are never stored.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._exit import AUTH_HINT, CliError, Exit
from ._store import TokenStore

if TYPE_CHECKING:
    from daisys_ext import Client

DEFAULT_URL = "https://api.daisys.ai"  # the library's default, when DAISYS_API_URL is not set


def auth_service() -> str:
    """The auth service's URL as the client finds it: DAISYS_AUTH_URL, else DAISYS_API_URL, else the default."""
    base = os.environ.get("DAISYS_API_URL") or DEFAULT_URL
    return (os.environ.get("DAISYS_AUTH_URL") or base).rstrip("/")


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def environment_credentials() -> bool:
    """Whether the environment names credentials (which then win over stored tokens)."""
    tokens = _env("DAISYS_ACCESS_TOKEN") or _env("DAISYS_REFRESH_TOKEN")
    return bool(tokens or (_env("DAISYS_EMAIL") and _env("DAISYS_PASSWORD")))


def open_client(store: TokenStore) -> Client:
    """A client with the command's credentials; without any, the error that says how to log in (exit 3)."""
    from daisys_ext import Client

    email, password = _env("DAISYS_EMAIL"), _env("DAISYS_PASSWORD")
    access, refresh = _env("DAISYS_ACCESS_TOKEN"), _env("DAISYS_REFRESH_TOKEN")
    if access or refresh:
        return Client(email=email, password=password, access_token=access, refresh_token=refresh)
    if email and password:
        return Client(email, password)
    service = auth_service()
    stored = store.load(service)
    if stored is None:
        raise CliError(f"Not logged in to {service}: {AUTH_HINT}.", Exit.AUTH)
    # The token file as a FileTokenStore: the client starts from its tokens, and a renewal happens under its
    # lock and is written back, once for all the commands (and a batch's threads) using it at the same time.
    return Client(email=stored.email, token_store=store.shared(service))
