"""`daisys emulator`: runs in the foreground, prints the environment that points `daisys` at it, stops on a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

from cli_support import COMMAND, Cli


def test_emulator_prints_its_environment_and_serves_the_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_")}
    env["DAISYS_CONFIG_DIR"] = str(tmp_path / "config")
    emulator = subprocess.Popen(
        [*COMMAND, "emulator", "--take-seconds", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        exports = [emulator.stdout.readline().strip() for _ in range(4)]
        assert [line.split("=")[0] for line in exports] == [
            "export DAISYS_API_URL",
            "export DAISYS_AUTH_URL",
            "export DAISYS_EMAIL",
            "export DAISYS_PASSWORD",
        ]
        pointed = dict(line.removeprefix("export ").split("=", 1) for line in exports)
        assert pointed["DAISYS_API_URL"].startswith("http://127.0.0.1:")
        cli = Cli({**env, **pointed}, tmp_path)
        models = cli("models", "--json")
        assert models.returncode == 0, models
        assert [m["name"] for m in models.json()] == ["shakespeare", "theatrical-v2"]
    finally:
        emulator.send_signal(signal.SIGINT)
        _, stderr = emulator.communicate(timeout=20)
    assert emulator.returncode == 0, stderr
    assert "Daisys emulator running at http://127.0.0.1:" in stderr and "Traceback" not in stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_emulator_json_and_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_")}
    port = free_port()
    emulator = subprocess.Popen(
        [*COMMAND, "emulator", "--json", "--email", "me@example.com", "--password", "secret", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert emulator.stdout is not None
    text = ""
    while not text.endswith("}\n"):
        text += emulator.stdout.readline()
    emulator.terminate()
    emulator.communicate(timeout=20)
    assert emulator.returncode == 0
    document = json.loads(text)
    assert document["env"]["DAISYS_EMAIL"] == "me@example.com" and document["env"]["DAISYS_PASSWORD"] == "secret"
    assert document["worker_url"].startswith("ws://127.0.0.1:")
    assert document["api_url"] == f"http://127.0.0.1:{port}" == document["env"]["DAISYS_API_URL"]
