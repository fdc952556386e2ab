"""Stored credentials: the access and refresh tokens of ``daisys login`` (never the password).

One JSON file, ``tokens.json``, in the user's config folder (``DAISYS_CONFIG_DIR``, else
``$XDG_CONFIG_HOME/daisys``, else ``%APPDATA%\\daisys`` on Windows, else ``~/.config/daisys``),
readable by its owner only (0600, in a 0700 folder) and replaced atomically on every write.
Tokens are kept per auth service URL, so tokens of the real service are never sent to an
emulator on localhost, or the other way round. Each service's entry is a ``FileTokenStore``
(key: the URL): commands running at once share one renewal under its file lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from .._errors import DaisysTokenStoreError
from .._http.token_store import StoredTokens
from .._stores.file import FileTokenStore
from ._exit import CliError

__all__ = ["FILE_NAME", "StoredTokens", "TokenStore", "config_dir"]

FILE_NAME = "tokens.json"
LOCK_WAIT = 30.0  # seconds another command may hold the file while it renews


def config_dir() -> Path:
    """Where the CLI keeps its files."""
    if folder := os.environ.get("DAISYS_CONFIG_DIR"):
        return Path(folder)
    if xdg := os.environ.get("XDG_CONFIG_HOME"):
        return Path(xdg) / "daisys"
    if sys.platform == "win32" and (appdata := os.environ.get("APPDATA")):
        return Path(appdata) / "daisys"
    return Path.home() / ".config" / "daisys"


class TokenStore:
    """The token file, one ``FileTokenStore`` per auth service: safe across threads and processes (a batch's
    refreshes, two commands at once), under the file lock every client of the file shares."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / FILE_NAME

    def shared(self, service: str) -> FileTokenStore:
        """The store of ``service``'s tokens, for a client's ``token_store``."""
        return FileTokenStore(self.path, key=service)

    def load(self, service: str) -> StoredTokens | None:
        """The tokens stored for the auth service at ``service``, if any."""
        with _cli_errors():
            return self.shared(service).load()

    def save(self, service: str, tokens: StoredTokens) -> None:
        """Store (or replace) the tokens for ``service``."""
        store = self.shared(service)
        with _cli_errors(), store.lock(wait=LOCK_WAIT, hold=LOCK_WAIT):
            store.save(tokens)

    def remove(self, service: str) -> bool:
        """Forget the tokens for ``service`` (the file goes when it holds no more); whether there were any."""
        store = self.shared(service)
        with _cli_errors(), store.lock(wait=LOCK_WAIT, hold=LOCK_WAIT):
            if store.load() is None:
                return False
            store.clear()
            return True


@contextlib.contextmanager
def _cli_errors() -> Iterator[None]:
    try:
        yield
    except DaisysTokenStoreError as exc:
        raise CliError(str(exc)) from None
