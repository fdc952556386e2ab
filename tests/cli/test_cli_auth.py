"""`daisys login` and `logout`: tokens stored (never the password) in a 0600 file, used, renewed, revoked."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from cli_support import Cli

from daisys_ext import Client
from daisys_ext.testing import Emulator

NO_ENV_CREDENTIALS = {"DAISYS_EMAIL": None, "DAISYS_PASSWORD": None}


def token_file(cli: Cli) -> Path:
    return Path(cli.env["DAISYS_CONFIG_DIR"]) / "tokens.json"


def stored(cli: Cli) -> dict[str, Any]:
    accounts = json.loads(token_file(cli).read_text())["accounts"]
    entry: dict[str, Any] = accounts[cli.env["DAISYS_AUTH_URL"]]
    return entry


def test_login_use_renew_and_logout(cli: Cli, emulator: Emulator) -> None:
    login = cli("login", "--email", emulator.email, "--password-stdin", input="pw\n", env=NO_ENV_CREDENTIALS)
    assert login.returncode == 0, login
    assert login.stdout == f"Logged in to {emulator.api_url} as {emulator.email}; tokens stored in {token_file(cli)}.\n"
    path = token_file(cli)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob(".*.part"))
    tokens = stored(cli)
    assert tokens["email"] == emulator.email and tokens["access_token"] and tokens["refresh_token"]
    assert '"pw"' not in path.read_text() and "password" not in path.read_text()

    # Later commands use the stored tokens; one the service no longer takes is renewed and written back.
    data = json.loads(path.read_text())
    data["accounts"][cli.env["DAISYS_AUTH_URL"]]["access_token"] = "expired-token"
    path.write_text(json.dumps(data))
    used = cli("models", "--json", env=NO_ENV_CREDENTIALS)
    assert used.returncode == 0, used
    renewed = stored(cli)
    assert renewed["access_token"] not in ("expired-token", tokens["access_token"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # The environment's credentials win over stored tokens (here: refused ones).
    data = json.loads(path.read_text())
    data["accounts"][cli.env["DAISYS_AUTH_URL"]].update(access_token="bad", refresh_token="bad")
    path.write_text(json.dumps(data))
    assert cli("models", "--json").returncode == 0
    refused = cli("models", env=NO_ENV_CREDENTIALS)
    assert refused.returncode == 3 and "refresh token was refused" in refused.error
    path.write_text(json.dumps({"version": 1, "accounts": {cli.env["DAISYS_AUTH_URL"]: renewed}}))

    logout = cli("logout", env=NO_ENV_CREDENTIALS)
    assert logout.returncode == 0, logout
    assert logout.stdout.startswith(f"Logged out of {emulator.api_url} ({emulator.email})")
    assert not path.exists()
    with Client(email=emulator.email, refresh_token=renewed["refresh_token"], auth_url=emulator.api_url) as c:
        assert c.login_refresh() is False  # revoked
    after = cli("models", env=NO_ENV_CREDENTIALS)
    assert after.returncode == 3 and "Not logged in" in after.error
    again = cli("logout", "--json", env=NO_ENV_CREDENTIALS)
    assert again.returncode == 0 and again.json()["logged_out"] is False


def test_login_reads_email_and_password_from_a_pipe(cli: Cli, emulator: Emulator) -> None:
    login = cli("login", "--json", input=f"{emulator.email}\npw\n", env=NO_ENV_CREDENTIALS)
    assert login.returncode == 0, login
    assert login.json() == {
        "logged_in": True,
        "email": emulator.email,
        "service": emulator.api_url,
        "token_file": str(token_file(cli)),
    }
    assert cli("logout", env=NO_ENV_CREDENTIALS).returncode == 0


def test_wrong_password_exits_3_and_stores_nothing(cli: Cli, emulator: Emulator) -> None:
    wrong = cli("login", "--email", emulator.email, "--password-stdin", input="not-it\n", env=NO_ENV_CREDENTIALS)
    assert wrong.returncode == 3
    assert wrong.error.endswith("answered 401 Unauthorized: Incorrect email or password")
    assert "not-it" not in wrong.stderr and not token_file(cli).exists()
    empty = cli("login", "--email", emulator.email, "--password-stdin", input="\n", env=NO_ENV_CREDENTIALS)
    assert empty.returncode == 2 and "a password is needed" in empty.error


def test_password_stdin_without_an_email_names_the_email(cli: Cli, emulator: Emulator) -> None:
    done = cli("login", "--password-stdin", input="pw\n", env=NO_ENV_CREDENTIALS)
    assert done.returncode == 2, done
    assert done.error == (
        "daisys: error: --password-stdin reads only the password: give the email with --email or $DAISYS_EMAIL"
    )
    assert not token_file(cli).exists()
    with_env = cli("login", "--password-stdin", input="pw\n", env={"DAISYS_PASSWORD": None})  # $DAISYS_EMAIL
    assert with_env.returncode == 0, with_env
    assert cli("logout", env=NO_ENV_CREDENTIALS).returncode == 0
