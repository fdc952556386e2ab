"""`daisys batch`: a take per line (or JSON Lines or CSV row), failures reported, reruns resumed, Ctrl-C safe."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import wave
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import COMMAND, Cli

from daisys_ext import Client
from daisys_ext.cli._batch import JOURNAL
from daisys_ext.testing import Emulator


@pytest.fixture(scope="module", autouse=True)
def voices(client: Client) -> Iterator[None]:
    client.generate_voice(name="Lucy", model="shakespeare", gender="female")
    client.generate_voice(name="Ignacio", model="shakespeare", gender="male")
    yield


def complete_wav(path: Path) -> bool:
    with wave.open(str(path)) as w:
        return w.getnframes() > 0 and path.stat().st_size == 44 + w.getnframes() * w.getsampwidth() * w.getnchannels()


def test_lines_with_a_failure_then_a_rerun_that_resumes(cli: Cli, workdir: Path) -> None:
    lines = workdir / "lines.txt"
    lines.write_text("The first line.\n\nA second line [[fail]] here.\nThe third line.\n")
    first = cli("batch", "lines.txt", "--concurrency", "2")
    assert first.returncode == 1, first  # one take failed
    out = workdir / "lines"
    assert sorted(p.name for p in out.glob("*.wav")) == ["001-the-first-line.wav", "004-the-third-line.wav"]
    assert all(complete_wav(p) for p in out.glob("*.wav"))
    journal = [json.loads(line) for line in (out / JOURNAL).read_text().splitlines()]  # kept while some failed
    assert sorted(entry["file"] for entry in journal) == [
        "001-the-first-line.wav", "003-a-second-line-fail-here.wav", "004-the-third-line.wav"
    ]  # fmt: skip
    assert first.stdout.startswith("Batch done: 2 generated, 0 already complete, 1 failed; ")
    assert "s of audio in " in first.stdout.splitlines()[0]
    assert "  failed: line 3 (lines/003-a-second-line-fail-here.wav): Generating take failed: t" in first.stdout
    assert "newest ready voice" in first.stderr

    lines.write_text("The first line.\n\nA second line, mended.\nThe third line.\n")
    again = cli("batch", "lines.txt", "--json")
    assert again.returncode == 0, again
    summary = again.json()
    assert [d["file"] for d in summary["done"]] == ["lines/003-a-second-line-mended.wav"]
    assert [s["line"] for s in summary["skipped"]] == [1, 4]
    assert summary["failed"] == [] and summary["duration_s"] > 0 and summary["interrupted"] is False
    assert "2 of 3 already complete in lines/" in again.stderr

    assert not (out / JOURNAL).exists()  # all done: the journal is gone
    done = cli("batch", "lines.txt")
    assert done.returncode == 0 and done.stdout.startswith("Batch done: 0 generated, 3 already complete, 0 failed")


def test_json_lines_and_csv_with_voices_and_names(cli: Cli, workdir: Path) -> None:
    (workdir / "script.jsonl").write_text(
        '{"text": "Welcome, everyone.", "name": "intro", "voice": "Ignacio"}\n'
        '{"text": "Thank you."}\n'
        "\n"
        '{"text": "Nobody speaks this.", "voice": "Nobody"}\n'
    )
    (workdir / "prompts.csv").write_text('name,text,voice\ngreeting,"Hello, from a CSV.",Lucy\n,"Two\nlines.",\n')
    jsonl = cli("batch", "script.jsonl", "-o", "spoken", "--json", env={"DAISYS_VOICE": "Lucy"})
    assert jsonl.returncode == 4, jsonl  # the only failure: a voice not found
    summary = jsonl.json()
    assert sorted(p.name for p in (workdir / "spoken").iterdir()) == ["002-thank-you.wav", "intro.wav"]
    (failed,) = summary["failed"]
    assert failed["line"] == 4 and failed["exit_code"] == 4 and "'Nobody'" in failed["error"]
    assert "newest ready voice" not in jsonl.stderr  # DAISYS_VOICE named one

    csv = cli("batch", "prompts.csv", "--format", "mp3", "--concurrency", "1")
    assert csv.returncode == 0, csv
    assert sorted(p.name for p in (workdir / "prompts").iterdir()) == ["003-two-lines.mp3", "greeting.mp3"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ('{"text": "fine"}\nnot json\n', "bad.jsonl", "bad.jsonl:2: not JSON"),
        ("words,voice\nhello,Lucy\n", "bad.csv", "must name a 'text' column"),
        ("\n\n", "empty.txt", "nothing to speak"),
        ('{"text": "a", "name": "x"}\n{"text": "b", "name": "X"}\n', "twice.jsonl", "would both write"),
    ],
)
def test_a_bad_batch_file_is_a_usage_error(cli: Cli, workdir: Path, content: str, name: str, expected: str) -> None:
    (workdir / name).write_text(content)
    done = cli("batch", name)
    assert done.returncode == 2 and expected in done.error


def takes_saying(client: Client, texts: list[str]) -> Counter[str]:
    """How many takes on the account say each of ``texts``."""
    counts: Counter[str] = Counter()
    for page in range(1, 100):
        found = client.get_takes(length=100, page=page)
        counts.update(take.text for take in found if take.text in texts)
        if len(found) < 100:
            break
    return counts


def batch_until(cli: Cli, name: str, concurrency: int, ready: Callable[[], bool]) -> subprocess.Popen[str]:
    """`daisys batch name` started, once ``ready()`` (at most 30 s): for a test to stop it there."""
    running = subprocess.Popen(
        [*COMMAND, "batch", name, "--concurrency", str(concurrency)],
        cwd=cli.cwd,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    return running


def test_an_interrupted_batch_leaves_no_half_written_file_and_resumes(
    cli: Cli, workdir: Path, client: Client, emulator: Emulator
) -> None:
    texts = [f"Sentence number {n} of a long batch." for n in range(1, 13)]
    (workdir / "long.txt").write_text("".join(f"{text}\n" for text in texts))
    out = workdir / "long"
    emulator.take_seconds = 1.0  # the takes asked for after the first two files are in flight at Ctrl-C
    try:
        running = batch_until(cli, "long.txt", 2, lambda: out.is_dir() and len(list(out.glob("*.wav"))) >= 2)
        time.sleep(0.2)
        running.send_signal(signal.SIGINT)
        stdout, stderr = running.communicate(timeout=20)
        assert running.returncode == 130, (stdout, stderr)
        assert "Interrupted: " in stderr
        left = sorted(p for p in out.iterdir() if p.name != JOURNAL)
        assert 2 <= len(left) < 12
        assert all(p.suffix == ".wav" and not p.name.startswith(".") and complete_wav(p) for p in left)
        assert (out / JOURNAL).is_file()  # the takes in flight are noted

        resumed = cli("batch", "long.txt", "--json")
    finally:
        emulator.take_seconds = 0.2
    assert resumed.returncode == 0, resumed
    summary = resumed.json()
    assert len(summary["skipped"]) == len(left) and len(summary["done"]) == 12 - len(left)
    assert sum(entry["resumed"] for entry in summary["done"]) >= 1  # downloaded, not made again
    assert len(list(out.iterdir())) == 12 and all(complete_wav(p) for p in out.iterdir())
    assert takes_saying(client, texts) == Counter(texts)  # no take made twice


def test_a_batch_killed_outright_makes_no_take_twice_on_its_rerun(
    cli: Cli, workdir: Path, client: Client, emulator: Emulator
) -> None:
    texts = [f"Line {n} of a batch that is killed." for n in range(1, 9)]
    (workdir / "killed.txt").write_text("".join(f"{text}\n" for text in texts))
    journal = workdir / "killed" / JOURNAL
    emulator.take_seconds = 1.0  # three takes generating when the kill comes, none ready
    try:
        running = batch_until(cli, "killed.txt", 3, lambda: journal.is_file() and journal.read_text().count("\n") >= 3)
        running.kill()  # SIGKILL: nothing runs after it
        running.communicate(timeout=10)
        assert sum(takes_saying(client, texts).values()) == 3 == len(journal.read_text().splitlines())
        assert not list(journal.parent.glob("*.wav"))

        rerun = cli("batch", "killed.txt", "--concurrency", "3", "--json")
    finally:
        emulator.take_seconds = 0.2
    assert rerun.returncode == 0, rerun
    assert sum(entry["resumed"] for entry in rerun.json()["done"]) == 3
    assert takes_saying(client, texts) == Counter(texts)  # the 3 takes of the killed run were downloaded
    assert sorted(p.name for p in journal.parent.iterdir()) == [
        f"00{n}-line-{n}-of-a-batch-that-is-killed.wav" for n in range(1, 9)
    ]
