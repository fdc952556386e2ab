"""What the documentation's websocket examples print and write, checked the same way whichever client runs them."""

from __future__ import annotations

import re
import wave
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "websocket" / "examples"


def official_example_source(script: str) -> str:
    """A documentation example as the documentation prints it: its daisys_ext imports turned back."""
    source = (EXAMPLES / script).read_text()
    source = source.replace("from daisys_ext import DaisysAPI", "from daisys import DaisysAPI")
    return source.replace("from daisys_ext import (", "from daisys.v1.speak import (")


def lines_of(out: str) -> list[str]:
    """Printed lines with timings and ids normalized."""
    out = re.sub(r"\[\d+\.\d+s?\] ", "", out)
    out = re.sub(r"t01[0-9a-z]+", "TAKE", out)
    return out.splitlines()


def received(lines: list[str]) -> list[tuple[int, int | None, int]]:
    """(part_id, chunk_id, audio length) of every audio callback line."""
    pattern = re.compile(r"Received part_id=(\d+) \(chunk_id=(\w+)\) for take_id='TAKE' with audio length (.*)")
    result = []
    for line in lines:
        if m := pattern.match(line):
            size = 0 if m[3] == "(empty -- done receiving)" else int(m[3])
            result.append((int(m[1]), None if m[2] == "None" else int(m[2]), size))
    return result


def check_written_parts(lines: list[str]) -> None:
    written = [re.match(r'Read (\d+) bytes of wav data, wrote "(.*)"\.', line) for line in lines]
    files = [(int(m[1]), m[2]) for m in written if m]
    assert [name for _, name in files] == ["websocket_part1.wav", "websocket_part2.wav"]
    for size, name in files:
        assert Path(name).stat().st_size == size
        with wave.open(name) as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 44100)
            assert wav.getnframes() > 0


def check_callback_flow(out: str, chunks: bool) -> None:
    lines = lines_of(out)
    assert lines[0] == "Found Daisys Speak API version=1 minor=0"
    statuses = [line for line in lines if line.startswith("Status.")]
    assert statuses == ["Status.WAITING", "Status.STARTED", "Status.PROGRESS_50", "Status.READY"]
    assert lines[-1] == "Deleting take TAKE: True"
    assert not any("rror" in line for line in lines)
    got = received(lines)
    if not chunks:
        assert [(p, c) for p, c, _ in got] == [(0, None), (1, None), (2, None)]
        assert got[-1][2] == 0 and all(size > 0 for _, _, size in got[:-1])
    else:
        for part in (0, 1):
            sizes = [size for p, _, size in got if p == part]
            assert [c for p, c, _ in got if p == part] == list(range(len(sizes)))
            assert sizes[0] == 4140 and set(sizes[1:-2]) <= {4096} and 0 < sizes[-2] <= 4096 and sizes[-1] == 0
        assert got[-1] == (2, 0, 0)
    check_written_parts(lines)


def check_iter_flow(out: str, chunks: bool) -> None:
    lines = lines_of(out)
    assert lines[0] == "Found Daisys Speak API version=1 minor=0"
    events = [line for line in lines[1:-1]]
    statuses = [line for line in events if line.startswith("Take status")]
    assert statuses == [f"Take status was changed to: {s}." for s in ("WAITING", "STARTED", "PROGRESS_50", "READY")]
    assert events.count("New part being received.") == 2
    sizes = [int(line.rsplit(" ", 1)[1][:-1]) for line in events if line.startswith("Received audio chunk")]
    if chunks:
        assert sizes.count(4096) >= 10 and all(0 < s <= 4096 for s in sizes)
    else:
        assert len(sizes) == 2 and all(s % 2 == 0 for s in sizes)  # header stripped: 16-bit samples only
    assert lines[-1] == "Deleting take TAKE: True"
