"""Credentials: the token file of ``daisys login`` (never the password), which credentials win, and the client.

The token file holds one entry per auth service URL (an emulator never gets the real service's tokens), each a
``FileTokenStore``: commands running at once share one renewal under its file lock.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .._http.token_store import StoredTokens
from .._stores.file import FileTokenStore
from ._exit import AUTH_HINT, CliError, Exit, UsageError

if TYPE_CHECKING:
    from daisys_ext import Client

    from ._ui import Ui

LOCK_WAIT = 30.0  # seconds another command may hold the token file while it renews


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
    """The token file (0600 in a 0700 folder, replaced atomically), one ``FileTokenStore`` per auth service URL."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / "tokens.json"

    def shared(self, service: str) -> FileTokenStore:
        """The store of ``service``'s tokens, for a client's ``token_store``."""
        return FileTokenStore(self.path, key=service)

    def load(self, service: str) -> StoredTokens | None:
        return self.shared(service).load()

    def save(self, service: str, tokens: StoredTokens | None) -> bool:
        """Store (or replace) ``service``'s tokens; None forgets them. Whether there were any before."""
        store = self.shared(service)
        with store.lock(wait=LOCK_WAIT, hold=LOCK_WAIT):
            had = store.load() is not None
            if tokens is not None:
                store.save(tokens)
            elif had:
                store.clear()  # the file goes when it holds no more
            return had

    def remove(self, service: str) -> bool:
        return self.save(service, None)


def auth_service() -> str:
    """The auth service's URL as the client finds it (DAISYS_AUTH_URL, else DAISYS_API_URL, else the default)."""
    from .._config import ClientConfig

    return ClientConfig.resolve().auth_url


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
    if (stored := store.load(service)) is None:
        raise CliError(f"Not logged in to {service}: {AUTH_HINT}.", Exit.AUTH)
    # The client starts from the file's tokens; a renewal happens under its lock and is written back, once for
    # all the commands (and a batch's threads) using it at the same time.
    return Client(email=stored.email, token_store=store.shared(service))


def _ask(prompt: str, *, secret: bool, ui: Ui) -> str:
    """A line from the person at the terminal (a password without echo), or from standard input when it is a pipe."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    try:
        if secret:
            return getpass.getpass(prompt, stream=ui.err)
        print(prompt, end="", file=ui.err, flush=True)
        return input()
    except EOFError:
        return ""


def login(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    from daisys_ext import Client, DaisysAuthenticationError

    if args.password_stdin and not (args.email or _env("DAISYS_EMAIL")):  # standard input holds the password
        raise UsageError("--password-stdin reads only the password: give the email with --email or $DAISYS_EMAIL")
    email = args.email or _env("DAISYS_EMAIL") or _ask("Email: ", secret=False, ui=ui).strip()
    if not email:
        raise UsageError("an email is needed: --email, or type it when asked")
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else _ask("Password: ", secret=True, ui=ui)
    if not password:
        raise UsageError("a password is needed: type it when asked, or pipe it with --password-stdin")
    service = auth_service()
    with Client(email, password) as client:
        try:
            client.login()
        except DaisysAuthenticationError as exc:
            raise CliError(str(exc), Exit.AUTH) from None  # without the usual hint to log in: this is it
        client.auto_logout = False  # closing the client must not revoke the tokens just stored
        store.save(service, StoredTokens(client.access_token, client.refresh_token, email))
    done = {"logged_in": True, "email": email, "service": service, "token_file": str(store.path)}
    ui.result(done, f"Logged in to {service} as {email}; tokens stored in {store.path}.")
    if environment_credentials():
        ui.note("Note: credentials in the environment (DAISYS_*) still win over the stored tokens.")
    return Exit.OK


def logout(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    from daisys_ext import Client, DaisysCredentialsError, DaisysError

    service = auth_service()
    if (stored := store.load(service)) is None:
        ui.result({"logged_out": False, "service": service}, f"Not logged in to {service}; nothing to do.")
        return Exit.OK
    revoked: BaseException | None = None
    try:
        with Client(email=stored.email, access_token=stored.access_token, refresh_token=stored.refresh_token) as client:
            client.logout()
    except DaisysCredentialsError:
        pass  # refused: revoked or expired already
    except DaisysError as exc:
        revoked = exc
    store.remove(service)
    done = {"logged_out": True, "service": service, "email": stored.email, "revoked": revoked is None}
    ui.result(done, f"Logged out of {service} ({stored.email}); the stored tokens are removed.")
    if revoked is not None:
        raise revoked  # the tokens are gone here, but the service may still honour them: say so (exit 5)
    return Exit.OK
