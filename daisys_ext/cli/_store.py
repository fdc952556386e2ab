"""Stored credentials: the access and refresh tokens of ``daisys login`` (never the password).

One JSON file, ``tokens.json``, in the user's config folder (``DAISYS_CONFIG_DIR``, else
``$XDG_CONFIG_HOME/daisys``, else ``%APPDATA%\\daisys`` on Windows, else ``~/.config/daisys``),
readable by its owner only (0600, in a 0700 folder) and replaced atomically on every write.
Tokens are kept per auth service URL, so tokens of the real service are never sent to an
emulator on localhost, or the other way round.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exit import CliError

FILE_NAME = "tokens.json"
FORMAT_VERSION = 1


def config_dir() -> Path:
    """Where the CLI keeps its files."""
    if folder := os.environ.get("DAISYS_CONFIG_DIR"):
        return Path(folder)
    if xdg := os.environ.get("XDG_CONFIG_HOME"):
        return Path(xdg) / "daisys"
    if sys.platform == "win32" and (appdata := os.environ.get("APPDATA")):
        return Path(appdata) / "daisys"
    return Path.home() / ".config" / "daisys"


@dataclass(frozen=True)
class StoredTokens:
    """One account's tokens at one auth service."""

    email: str | None
    access_token: str | None
    refresh_token: str | None

    def __repr__(self) -> str:  # never show a token
        return f"StoredTokens(email={self.email!r})"


class TokenStore:
    """The token file; safe to use from several threads (a batch's token refreshes)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / FILE_NAME
        self._lock = threading.Lock()

    def load(self, service: str) -> StoredTokens | None:
        """The tokens stored for the auth service at ``service``, if any."""
        with self._lock:
            entry = self._read()["accounts"].get(service)
        if not isinstance(entry, dict) or not (entry.get("access_token") or entry.get("refresh_token")):
            return None
        return StoredTokens(entry.get("email"), entry.get("access_token"), entry.get("refresh_token"))

    def save(self, service: str, tokens: StoredTokens) -> None:
        """Store (or replace) the tokens for ``service``."""
        entry = {
            "email": tokens.email,
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        with self._lock:
            data = self._read()
            data["accounts"][service] = entry
            self._write(data)

    def remove(self, service: str) -> bool:
        """Forget the tokens for ``service`` (the file goes when it holds no more); whether there were any."""
        with self._lock:
            data = self._read()
            if data["accounts"].pop(service, None) is None:
                return False
            if data["accounts"]:
                self._write(data)
            else:
                self.path.unlink(missing_ok=True)
            return True

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "accounts": {}}
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
                raise ValueError("no accounts")
        except ValueError:
            problem = f"{self.path} is not a token file this version understands; remove it and log in again."
            raise CliError(problem) from None
        return data

    def _write(self, data: dict[str, Any]) -> None:
        from ._files import atomic_file

        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with atomic_file(self.path, mode=0o600) as out:
            out.write(json.dumps(data, indent=2).encode())
