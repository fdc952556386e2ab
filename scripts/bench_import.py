"""What daisys_ext costs before the first request: import and client construction, and its pytest plugin.

Prints figures; asserts nothing. Each measurement runs in fresh interpreters, the contenders
alternating, several rounds; the table gives the median and the spread (min to max).

1. ``import daisys_ext`` + ``Client(...)`` against the official SDK's
   ``DaisysAPI(...).get_client()`` (goal: at most half), with ``import httpx`` as the floor.
   Timed inside the interpreter (perf_counter around the import and the construction).
2. A one-test pytest run with the plugin (entry point ``daisys_ext``) against the same run
   with ``-p no:daisys_ext`` (goal: at most 50 ms more). Timed as whole processes.

Run: .venv/bin/python scripts/bench_import.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMED = """
import time
start = time.perf_counter()
{code}
print(time.perf_counter() - start)
"""
CONTENDERS = {
    "daisys_ext: import + Client()": "import daisys_ext\ndaisys_ext.Client('user@example.com', 'pw')",
    "daisys_ext: import + AsyncClient()": "import daisys_ext\ndaisys_ext.AsyncClient('user@example.com', 'pw')",
    "official daisys: DaisysAPI().get_client()": (
        "from daisys import DaisysAPI\nDaisysAPI('speak', email='user@example.com', password='pw').get_client()"
    ),
    "floor: import httpx": "import httpx",
}


# Installed packages come with their bytecode compiled; an editable install (or PYTHONDONTWRITEBYTECODE)
# would compile daisys_ext's sources on every run instead. The first round writes the bytecode and is not counted.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _in_process(code: str) -> float:
    args = [sys.executable, "-c", TIMED.format(code=code)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=ENV)
    return float(out.stdout.strip().splitlines()[-1])


def _whole_process(args: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, capture_output=True, check=True, env=ENV)
    return time.perf_counter() - start


def _row(name: str, values: list[float]) -> str:
    median = statistics.median(values) * 1000
    return f"  {name:<44} {median:8.1f} ms   ({min(values) * 1000:.1f} to {max(values) * 1000:.1f})"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {rounds} rounds, medians (min to max)\n")

    print("1. Import and construct a client, in a fresh interpreter")
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for round_ in range(rounds + 1):
        for name, code in CONTENDERS.items():
            seconds = _in_process(code)
            if round_:
                times[name].append(seconds)
    for name, values in times.items():
        print(_row(name, values))
    ours = statistics.median(times["daisys_ext: import + Client()"])
    official = statistics.median(times["official daisys: DaisysAPI().get_client()"])
    print(f"  ratio ours / official: {ours / official:.2f} (goal: at most 0.50)\n")

    print("2. A one-test pytest run, with and without the daisys_ext plugin")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_one.py").write_text("def test_one():\n    assert True\n")
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_one.py"]
        runs = {"with the plugin": base, "with -p no:daisys_ext": [*base, "-p", "no:daisys_ext"]}
        plugin: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(rounds + 1):
            for name, args in runs.items():
                seconds = _whole_process(args, folder)
                if round_:
                    plugin[name].append(seconds)
    for name, values in plugin.items():
        print(_row(name, values))
    extra = statistics.median(plugin["with the plugin"]) - statistics.median(plugin["with -p no:daisys_ext"])
    print(f"  the plugin adds: {extra * 1000:.1f} ms (goal: at most 50 ms)")


if __name__ == "__main__":
    main()
