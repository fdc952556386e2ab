"""docs/guides/voice-agents.md: every Python block marked ``<!-- snippet: needs pipecat|livekit -->`` runs, as a
user would run it (a fresh interpreter, the ``DAISYS_*`` environment of `daisys emulator`), against the emulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from conftest import sentence_takes
from support.snippets import Snippet, collect

from daisys_ext import AsyncClient

ROOT = Path(__file__).resolve().parents[3]
SNIPPETS = [s for s in collect(ROOT, ["docs/guides/voice-agents.md"]) if s.language == "python"]


def test_every_python_block_of_the_guide_names_its_framework() -> None:
    assert [s.needs for s in SNIPPETS if "agent.wav" in s.code] == ["pipecat", "livekit"]
    assert all(s.needs in ("pipecat", "livekit") and not s.skip for s in SNIPPETS)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
async def test_a_guide_snippet_runs_against_the_emulator(
    snippet: Snippet, agent_env: dict[str, str], voice_id: str, aclient: AsyncClient, tmp_path: Path
) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(snippet.code)
    env = {**os.environ, **agent_env}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    if "agent.wav" not in snippet.code:
        return
    with wave.open(str(tmp_path / "agent.wav")) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    takes = await sentence_takes(aclient)
    assert takes and all(pcm for pcm in takes.values())  # every sentence a take, all ready
    spoken = sum(len(pcm or b"") for pcm in takes.values()) / 2 / 44100
    assert seconds == pytest.approx(spoken, abs=0.05)  # the WAV holds the takes' audio (LiveKit adds 10 ms)
