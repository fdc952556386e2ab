"""``daisys login`` and ``daisys logout``: tokens stored for later commands, and revoked."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from ._exit import CliError, Exit, UsageError
from ._session import auth_service, environment_credentials
from ._store import StoredTokens, TokenStore
from ._ui import Ui


def _ask(prompt: str, *, secret: bool, ui: Ui) -> str:
    """A line from the person at the terminal (a password without echo), or from standard input when it is a pipe."""
    if sys.stdin.isatty():
        try:
            answer = getpass.getpass(prompt, stream=ui.err) if secret else _prompt(prompt, ui)
        except EOFError:
            answer = ""
    else:
        answer = sys.stdin.readline().rstrip("\r\n")
    return answer


def _prompt(prompt: str, ui: Ui) -> str:
    print(prompt, end="", file=ui.err, flush=True)
    return input()


def login(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    from daisys_ext import Client, DaisysAuthenticationError

    email = args.email or os.environ.get("DAISYS_EMAIL") or _ask("Email: ", secret=False, ui=ui).strip()
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
    if args.json:
        ui.json({"logged_in": True, "email": email, "service": service, "token_file": str(store.path)})
    else:
        ui.print(f"Logged in to {service} as {email}; tokens stored in {store.path}.")
    if environment_credentials():
        ui.note("Note: credentials in the environment (DAISYS_*) still win over the stored tokens.")
    return Exit.OK


def logout(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    from daisys_ext import Client, DaisysCredentialsError, DaisysError

    service = auth_service()
    stored = store.load(service)
    if stored is None:
        if args.json:
            ui.json({"logged_out": False, "service": service})
        else:
            ui.print(f"Not logged in to {service}; nothing to do.")
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
    if args.json:
        ui.json({"logged_out": True, "service": service, "email": stored.email, "revoked": revoked is None})
    else:
        ui.print(f"Logged out of {service} ({stored.email}); the stored tokens are removed.")
    if revoked is not None:
        raise revoked  # the tokens are gone here, but the service may still honour them: say so (exit 5)
    return Exit.OK
