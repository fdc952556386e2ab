"""`make demo` (python -m daisys_ext.demo) runs on its embedded emulator and writes two valid WAV files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import wave
from pathlib import Path


def test_the_demo_runs_on_the_embedded_emulator(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_")}  # no account: the emulator
    result = subprocess.run(
        [sys.executable, "-m", "daisys_ext.demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Using the embedded Daisys emulator" in out and out.rstrip().endswith("done.")
    assert re.search(r"take t\w+: waiting\n(.*\n)*  take t\w+: ready\n", out), out
    assert re.search(r"first audio after \d+ ms", out), out
    # The text spoken while being written: its first sentence heard before the pretend model finished writing.
    left = re.search(r"first audio \d+ ms after the first sentence was written \((\d+) words still to come\)", out)
    assert left and int(left.group(1)) > 0, out
    lengths = []
    for name in ("hello_daisys.wav", "hello_websocket.wav"):
        with wave.open(str(tmp_path / name)) as audio:
            lengths.append(audio.getnframes())
    assert lengths[0] == lengths[1] > 0  # the same text and prosody, over REST and over the websocket
    with wave.open(str(tmp_path / "hello_stream.wav")) as audio:
        assert audio.getnframes() > 0
