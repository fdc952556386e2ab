"""Every code block of README.md and docs/ runs as written (as pydantic tests its documentation).

Each Python block is a complete program: it is written to a file in a directory of its own and run by
this interpreter, with the ``DAISYS_*`` environment pointing at a local emulator (and ``VIVOKA_URL``,
``NEUPHONIC_API_KEY`` / ``NEUPHONIC_URL`` at local fakes of those services). Each shell block runs in
bash (``set -e``, with this virtual environment's ``daisys`` first on the PATH) the same way. A block
that cannot run here says why in a ``<!-- snippet: skip REASON -->`` line before it, and such blocks are
few (the last test counts them); see tests/support/snippets.py.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.snippets import Snippet, collect

from daisys_ext.testing import Emulator, FakeNeuphonic, FakeVivoka

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = collect(ROOT)
# What runs here: not the blocks marked as unable to run, nor those needing a framework this venv lacks (the
# voice-agents guide's blocks need Pipecat or LiveKit: tests/integrations/agents runs them in .venv-agents).
RUNNABLE = [s for s in SNIPPETS if not s.skip and (not s.needs or importlib.util.find_spec(s.needs) is not None)]
AGENT_SUITE_RUNS = {"pipecat", "livekit"}
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Emulator, dict[str, str]]]:
    """The emulator and the other services' fakes, and the environment that points programs at them."""
    with (
        Emulator(take_seconds=0.2) as emulator,
        FakeVivoka() as vivoka,
        FakeNeuphonic() as neuphonic,
    ):
        yield emulator, {
            "DAISYS_API_URL": emulator.api_url,
            "DAISYS_AUTH_URL": emulator.api_url,
            "DAISYS_EMAIL": emulator.email,
            "DAISYS_PASSWORD": emulator.password,
            "VIVOKA_URL": vivoka.url,
            "NEUPHONIC_API_KEY": neuphonic.api_key,
            "NEUPHONIC_URL": neuphonic.url,
        }


@pytest.fixture
def services(servers: tuple[Emulator, dict[str, str]]) -> dict[str, str]:
    """The environment, on an empty account: each block runs as a reader runs it alone (one voice named Lucy)."""
    emulator, env = servers
    emulator.reset()
    return env


def _environment(services: dict[str, str], home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAISYS_", "VIVOKA_", "NEUPHONIC_"))}
    env.update(services)
    env.update(
        HOME=str(home),
        DAISYS_CONFIG_DIR=str(home / "daisys"),  # `daisys login` writes its tokens here, not in the real home
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[s.id for s in RUNNABLE])
def test_snippet_runs(snippet: Snippet, services: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = _environment(services, tmp_path / "home")
    if snippet.language == "python":
        (work / "snippet.py").write_text(snippet.code)
        command = [sys.executable, "snippet.py"]
    else:
        (work / "snippet.sh").write_text("set -euo pipefail\n" + snippet.code)
        command = ["bash", "snippet.sh"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, (
        f"{snippet.id} exited {done.returncode}\n--- code\n{snippet.code}--- stdout\n{done.stdout}"
        f"--- stderr\n{done.stderr}"
    )


def test_the_documentation_has_runnable_blocks_and_few_skipped() -> None:
    python = [s for s in SNIPPETS if s.language == "python"]
    skipped = [s.id for s in python if s.skip]
    assert len(python) >= 20, "fewer Python blocks than the guides hold: is the collector still finding them?"
    assert len(skipped) * 10 <= len(python), f"more than one Python block in ten cannot run: {skipped}"
    assert {s.path.as_posix() for s in SNIPPETS} >= {"README.md", "docs/index.md"}
    # A block needing another module must be one a suite runs where that module is installed.
    assert {s.needs for s in SNIPPETS if s.needs} <= AGENT_SUITE_RUNS
