"""A client's first calls from many threads (or tasks in several threads) at once never fail on an import.

Each method imports its generated endpoint on first use, so that `import daisys_ext` stays cheap. With the
generated package importing a model's own module from its endpoints while another thread ran the models
package's `__init__`, such first calls failed with `_DeadlockError` or `ImportError: cannot import name` (3 in 40
fresh interpreters here, with the probe below). The generated modules now import models only from the package,
and the models import each other once at the top (the spec's models refer to each other without a cycle).

Every run is a fresh interpreter (tests/client/first_calls.py), since only the first imports can race.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from daisys_ext.testing import Emulator

PROBE = Path(__file__).with_name("first_calls.py")
RUNS = {"sync": 24, "async": 12}  # fresh interpreters per flavour: the old race showed in about 1 in 13


@pytest.fixture
def ready_take(raw: httpx.Client, voice_id: str) -> str:
    take = raw.post("/takes/generate", json={"voice_id": voice_id, "text": "First calls."}).json()
    deadline = time.monotonic() + 10
    while raw.get(f"/takes/{take['take_id']}").json()["status"] != "ready":
        assert time.monotonic() < deadline, "the emulator's take never became ready"
        time.sleep(0.05)
    return str(take["take_id"])


@pytest.mark.timeout(240)
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_many_first_calls_at_once_never_fail(emu: Emulator, voice_id: str, ready_take: str, flavour: str) -> None:
    args = [sys.executable, str(PROBE), flavour, "1", emu.api_url, emu.email, emu.password, voice_id, ready_take]

    def one_run(_: int) -> list[list[str]]:
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        found: list[list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
        return found

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(one_run, range(RUNS[flavour])))
    errors = [error for run in runs for round_ in run for error in round_]
    assert errors == [], f"{len(errors)} first calls failed, e.g. {errors[:3]}"
    assert len(runs) == RUNS[flavour]
