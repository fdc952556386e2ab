"""docs/guides/voice-agents.md: every Python block marked ``<!-- snippet: needs pipecat|livekit -->`` runs, as a
user would run it (a fresh interpreter, the ``DAISYS_*`` environment of `daisys emulator`), against the emulator.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from conftest import sentence_takes

from daisys_ext import AsyncClient

GUIDE = Path(__file__).parents[3] / "docs" / "guides" / "voice-agents.md"
MARKED = re.compile(r"<!-- snippet: needs (\w+) -->\n```python\n(.*?)```", re.S)
SNIPPETS = MARKED.findall(GUIDE.read_text())


def test_the_guide_has_a_snippet_for_each_framework() -> None:
    assert sorted(needs for needs, _ in SNIPPETS) == ["livekit", "pipecat"]


@pytest.mark.parametrize(("needs", "code"), SNIPPETS, ids=[needs for needs, _ in SNIPPETS])
async def test_a_guide_snippet_runs_against_the_emulator_and_writes_the_takes_audio(
    needs: str, code: str, agent_env: dict[str, str], voice_id: str, aclient: AsyncClient, tmp_path: Path
) -> None:
    script = tmp_path / f"{needs}_example.py"
    script.write_text(code)
    env = {**os.environ, **agent_env}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with wave.open(str(tmp_path / "agent.wav")) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    takes = await sentence_takes(aclient)
    assert takes and all(pcm for pcm in takes.values())  # every sentence a take, all ready
    spoken = sum(len(pcm or b"") for pcm in takes.values()) / 2 / 44100
    assert seconds == pytest.approx(spoken, abs=0.05)  # the WAV holds the takes' audio (LiveKit adds 10 ms)
