"""Many processes, one login: scripts/soak_fleet.py in small (4 processes of 2 threads and 2 tasks, 2.5 s, 1-second
tokens, single-use refresh tokens), with the file store and the Redis store; its last line (JSON) is read here.

One login fleet-wide, at most one refresh per expiry (plus one), every refresh accepted, no failed call. Timing
figures are printed by `make soak FLEET=16`, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak_fleet.py"


@pytest.mark.timeout(90)
def test_a_fleet_of_processes_logs_in_once_and_refreshes_once_an_expiry(redis_url: str) -> None:
    env = {**os.environ, "SOAK_FLEET_THREADS": "2", "SOAK_FLEET_TASKS": "2", "SOAK_FLEET_START": "1.5"}
    env.pop("DAISYS_LOG", None)
    arguments = ["--processes", "4", "--seconds", "2.5", "--ttl", "1", "--modes", "file,redis"]
    arguments += ["--redis-url", redis_url]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], env=env, capture_output=True, text=True, timeout=80, check=False
    )
    report = done.stdout[-4000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    runs = json.loads(done.stdout.strip().splitlines()[-1])["runs"]
    assert [run["mode"] for run in runs] == ["file", "redis"]
    for run in runs:
        assert run["operations"] > 0, report
        assert run["failed"] == 0, report
        assert run["logins"] == 1, report
        assert set(run["refresh_statuses"]) <= {"200"}, report  # no process refreshed with a spent token
        assert 1 <= run["refreshes"] <= run["expiry_periods"] + 1, report
        assert run["server_errors"] == 0, report
