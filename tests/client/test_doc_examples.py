"""The documentation's example scripts run unchanged (but for their imports) against the emulator.

`examples/` holds hello_daisys.py, hello_daisys_async.py and tokens_example.py as the Daisys API documentation
prints them, with `from daisys import` and `from daisys.v1.speak import` turned into `from daisys_ext import`.
They run as subprocesses in a temporary folder; the credentials come from DAISYS_EMAIL / DAISYS_PASSWORD (read by
the scripts) and the service's address from DAISYS_API_URL / DAISYS_AUTH_URL (read by daisys_ext).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import wave
from pathlib import Path

import av
import pytest

from daisys_ext.testing import Emulator

EXAMPLES = Path(__file__).parent / "examples"


def run_example(emu: Emulator, name: str, cwd: Path) -> list[str]:
    env = {
        **os.environ,
        "DAISYS_EMAIL": emu.email,
        "DAISYS_PASSWORD": emu.password,
        "DAISYS_API_URL": emu.api_url,
        "DAISYS_AUTH_URL": emu.api_url,
        "PYTHONUNBUFFERED": "1",
    }
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout.splitlines()


def count(emu: Emulator, method: str, path: str) -> int:
    return sum(1 for r in emu.requests_to("api", path) if r.method == method)


def test_examples_differ_from_the_documentation_only_in_imports() -> None:
    for path in EXAMPLES.glob("*.py"):
        imports = [line for line in path.read_text().splitlines() if line.startswith("from daisys")]
        assert imports and all(line.startswith("from daisys_ext import ") for line in imports), path.name


def check_hello_output(lines: list[str], audio: Path) -> None:
    assert lines[0].startswith("Found Daisys Speak API")
    assert "1" in lines[0] and "0" in lines[0]
    assert lines[1:6] == [
        "Found voices: []",
        "Not enough voices!",
        'Using model "Shakespeare"',
        "Generating a voice.",
        "Sally speaking!",
    ]
    read = re.fullmatch(r'Read (\d+) bytes of wav data, wrote "hello_daisys.wav"\.', lines[6])
    assert read is not None, lines[6]
    assert int(read[1]) == audio.stat().st_size > 0
    assert lines[7:9] == ["Checking take: True", "Checking list of takes: True"]
    assert re.fullmatch(r"Deleting take t\w+: True", lines[9]), lines[9]
    assert re.fullmatch(r"Deleting voice v\w+: True", lines[10]), lines[10]
    assert len(lines) == 11, lines


@pytest.mark.parametrize("script", ["hello_daisys.py", "hello_daisys_async.py"])
def test_hello_daisys(daisys_emulator: Emulator, tmp_path: Path, script: str) -> None:
    emu = daisys_emulator
    lines = run_example(emu, script, tmp_path)
    audio_name = "hello_daisys.mp3" if script == "hello_daisys.py" else "hello_daisys.wav"
    audio = tmp_path / audio_name
    check_hello_output(lines, audio)
    assert sorted(p.name for p in tmp_path.iterdir()) == [audio_name]  # no temporary file left over
    if audio_name.endswith(".mp3"):
        data = audio.read_bytes()
        assert data[:4] != b"RIFF"
        with av.open(str(audio)) as container:
            assert container.format.name == "mp3"
            stream = container.streams.audio[0]
            assert stream.codec_context.name.startswith("mp3")
            assert sum(frame.samples for frame in container.decode(stream)) > 0
    else:
        with wave.open(str(audio)) as w:
            assert w.getnframes() > 0 and w.getframerate() == 44100
    # Everything made was deleted again; the client logged out on leaving the `with` block.
    assert emu.requests_to("api", "/auth/logout")
    assert count(emu, "POST", "/auth/login") == 1
    assert emu.server_errors == []


def test_tokens_example(daisys_emulator: Emulator, tmp_path: Path) -> None:
    emu = daisys_emulator
    first = run_example(emu, "tokens_example.py", tmp_path)
    assert first == [
        f"Initial login, attempting to log in with {emu.email} to retrieve an access token.",
        'Stored new tokens in "daisys_tokens.json".',
        "Run again to use stored access token!",
    ]
    stored = json.loads((tmp_path / "daisys_tokens.json").read_text())
    assert count(emu, "POST", "/auth/login") == 1
    assert count(emu, "POST", "/auth/logout") == 0  # auto_logout was turned off: the tokens stay valid

    second = run_example(emu, "tokens_example.py", tmp_path)
    assert second == [
        'Loaded tokens from "daisys_tokens.json".',
        "Using previously stored access token.",
        "Found voices: []",
    ]
    assert count(emu, "POST", "/auth/login") == 1  # no new login
    assert count(emu, "POST", "/auth/refresh") == 0
    assert count(emu, "POST", "/auth/logout") == 0
    assert json.loads((tmp_path / "daisys_tokens.json").read_text()) == stored
    voices = [r for r in emu.requests_to("api", "/v1/speak/voices") if r.method == "GET"]
    assert voices[-1].header("Authorization") == f"Bearer {stored['access_token']}"


def test_tokens_example_with_expired_access_token(daisys_emulator: Emulator, tmp_path: Path) -> None:
    """The stored access token expired: the second run refreshes, stores the new pair, and a third run uses it."""
    emu = daisys_emulator
    emu.token_ttl = 0.2
    emu.rotate_refresh_tokens = True  # single-use refresh tokens: the example must store the new one
    run_example(emu, "tokens_example.py", tmp_path)
    stored = json.loads((tmp_path / "daisys_tokens.json").read_text())
    time.sleep(0.3)
    second = run_example(emu, "tokens_example.py", tmp_path)
    assert second == [
        'Loaded tokens from "daisys_tokens.json".',
        "Using previously stored access token.",
        'Stored new tokens in "daisys_tokens.json".',
        "Found voices: []",
    ]
    assert count(emu, "POST", "/auth/refresh") == 1
    renewed = json.loads((tmp_path / "daisys_tokens.json").read_text())
    assert renewed["access_token"] != stored["access_token"]
    assert renewed["refresh_token"] != stored["refresh_token"]  # refresh tokens rotate: the new one must be kept
    time.sleep(0.3)
    third = run_example(emu, "tokens_example.py", tmp_path)
    assert third[-1] == "Found voices: []"
    assert count(emu, "POST", "/auth/refresh") == 2
    assert count(emu, "POST", "/auth/login") == 1
