"""`daisys emulator`: runs in the foreground, prints the environment that points `daisys` at it, stops on a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

from cli_support import COMMAND, Cli, run_all, shadow

from daisys_ext import Client


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
    assert "It gives wav, mp3, flac, m4a, webm audio." in stderr


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
    assert document["formats"] == ["wav", "mp3", "flac", "m4a", "webm"]
    assert document["api_url"] == f"http://127.0.0.1:{port}" == document["env"]["DAISYS_API_URL"]


def test_an_emulator_without_pyav_says_so_and_formats_it_cannot_give_are_refused_before_a_take(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_")}
    env["DAISYS_CONFIG_DIR"] = str(tmp_path / "config")
    hidden = {**env, **shadow(tmp_path / "no-av", "av")}  # as without the emulator extra's PyAV
    emulator = subprocess.Popen(
        [*COMMAND, "emulator", "--take-seconds", "0.1"], env=hidden, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        pointed = dict(emulator.stdout.readline().strip().removeprefix("export ").split("=", 1) for _ in range(4))
        cli = Cli({**env, **pointed}, tmp_path)
        url, email, password = pointed["DAISYS_API_URL"], pointed["DAISYS_EMAIL"], pointed["DAISYS_PASSWORD"]
        with Client(email, password, daisys_url=url, auth_url=url) as client:
            client.generate_voice(name="Lucy", model="shakespeare", gender="female")
            take = client.generate_take(client.get_voices()[0].voice_id, "Made before.")
            (tmp_path / "lines.txt").write_text("One.\nTwo.\n")
            before = [t.text for t in client.get_takes(length=100)]
            say, named, audio, batch, wav = run_all(
                cli,
                ("say", "Hi", "--format", "mp3"),
                ("say", "Hi", "-o", "hi.flac"),
                ("take", "audio", take.take_id, "--format", "webm"),
                ("batch", "lines.txt", "--format", "m4a"),
                ("say", "Hi", "-o", "hi.wav"),
            )
            made = [t.text for t in client.get_takes(length=100)]
    finally:
        emulator.send_signal(signal.SIGINT)
        _, stderr = emulator.communicate(timeout=20)
    assert "It gives WAV audio only: mp3, flac, m4a and webm need PyAV" in stderr
    for refused, origin in ((say, "--format mp3"), (named, "-o hi.flac"), (audio, "--format webm"),
                            (batch, "--format m4a")):  # fmt: skip
        assert refused.returncode == 2, refused
        assert refused.error.startswith(f"daisys: error: {origin}: this service gives wav audio only, not ")
    assert wav.returncode == 0, wav
    assert sorted(made) == sorted([*before, "Hi"])  # only the WAV one made a take
    assert not (tmp_path / "lines").exists() or not list((tmp_path / "lines").iterdir())
