"""The `daisys` command's token file is a FileTokenStore: commands run at once renew an expired token once.

With single-use refresh tokens, two commands that each refreshed with the stored refresh token would race and one
would fail; under the file's lock the second finds the first's renewal in the file and sends nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.fleet import refreshes

from daisys_ext.testing import Emulator

DAISYS = str(Path(sys.executable).with_name("daisys"))
COMMANDS = 4


def test_commands_at_once_share_one_renewal(emu: Emulator, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_")}
    env.update(DAISYS_CONFIG_DIR=str(tmp_path), DAISYS_API_URL=emu.api_url, DAISYS_AUTH_URL=emu.api_url)
    login = subprocess.run(
        [DAISYS, "login", "--email", emu.email, "--password-stdin"], input="pw\n", env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    token_file = tmp_path / "tokens.json"
    data = json.loads(token_file.read_text())
    data["accounts"][emu.api_url]["access_token"] = "expired"
    token_file.write_text(json.dumps(data))  # as if it had expired: every command is refused at first
    commands = [
        subprocess.Popen([DAISYS, "models", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(COMMANDS)
    ]
    results = [(command.wait(60), command.stderr.read() if command.stderr else b"") for command in commands]
    for command in commands:
        for stream in (command.stdout, command.stderr):
            if stream is not None:
                stream.close()
    assert all(code == 0 for code, _ in results), results
    assert refreshes(emu) == [200]  # one refresh for the four commands, with the one live refresh token
    stored = json.loads(token_file.read_text())["accounts"][emu.api_url]
    assert stored["access_token"] != "expired" and stored["email"] == emu.email
