"""`daisys say` in a real terminal (a pseudo-terminal): the progress appears while it runs and is gone at the end."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import COMMAND, Cli, shadow

from daisys_ext import Client
from daisys_ext.testing import Emulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

CSI = re.compile(rb"\x1b\[([0-9;?]*)([A-Za-z])")


@pytest.fixture(scope="module", autouse=True)
def voice(client: Client) -> Iterator[None]:
    client.generate_voice(name="Lucy", model="shakespeare", gender="female")
    yield


def run_in_terminal(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30) -> tuple[int, bytes]:
    """Run a command with a pseudo-terminal as its stdin, stdout and stderr; its exit code and everything it drew."""
    import pty

    main, child = pty.openpty()
    process = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, env=env, cwd=cwd, close_fds=True)
    os.close(child)
    drawn = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # the child side closed: it has exited
                break
            if not data:
                break
            drawn += data
    finally:
        os.close(main)
    return process.wait(timeout=10), drawn


def screen(drawn: bytes) -> list[str]:
    """The lines a terminal shows after ``drawn``: enough of one for carriage returns, line erases and cursor-up."""
    lines, row, col = [""], 0, 0
    for token in re.split(rb"(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)", drawn):
        if token == b"\r":
            col = 0
        elif token == b"\n":
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif (match := CSI.fullmatch(token)) is not None:
            arg, op = match.group(1).decode(), match.group(2).decode()
            if op == "K":  # erase the line (2K, as rich does)
                lines[row] = ""
            elif op == "A":  # cursor up
                row = max(0, row - int(arg or 1))
        elif token:
            text = token.decode(errors="replace")
            line = lines[row].ljust(col)
            lines[row] = line[:col] + text + line[col + len(text) :]
            col += len(text)
    return [line.rstrip() for line in lines if line.strip()]


@pytest.mark.parametrize("terminal", ["rich", "plain"])
def test_progress_appears_and_is_cleaned_up(cli: Cli, workdir: Path, emulator: Emulator, terminal: str) -> None:
    env = {**cli.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30"}
    if terminal == "plain":
        env.update(shadow(workdir / "no-rich", "rich"))  # as without the cli extra: plain lines
    name = f"{terminal}.wav"
    emulator.take_seconds = 2.0  # long enough for the status to be seen generating
    try:
        code, drawn = run_in_terminal([*COMMAND, "say", "Hello there, in a terminal.", "-o", name], env, workdir)
    finally:
        emulator.take_seconds = 0.2
    assert code == 0, drawn
    text = drawn.decode(errors="replace")
    assert "Traceback" not in text
    shown = screen(drawn)
    assert shown[-1].startswith(f"Saved {name}: ") and "s of audio" in shown[-1]
    assert "Take t" in text  # the take's status was shown
    if terminal == "rich":
        assert "\x1b[?25l" in text and text.rstrip().count("\x1b[?25h") >= 1  # cursor hidden, then shown again
        assert "\x1b[36m" in text  # colour on a terminal
        assert not any("Take t" in line for line in shown)  # the spinner's line was erased
        assert shown[0].startswith("Using voice Lucy")
    else:
        assert "\x1b[" not in text  # no escape sequences at all
        assert any(line.startswith("Take t") and line.endswith(": waiting") for line in shown)  # a line each
        assert any(re.fullmatch(r"Take t\w+: generating(, \d\d %)?", line) for line in shown), shown
    assert "progress_" not in text  # status words a person reads
    assert (workdir / name).stat().st_size > 1000


def test_no_color_means_no_colour(cli: Cli, workdir: Path) -> None:
    env = {**cli.env, "TERM": "xterm-256color", "NO_COLOR": "1"}
    code, drawn = run_in_terminal([*COMMAND, "say", "No colour, please.", "-o", "nocolor.wav"], env, workdir)
    assert code == 0
    text = drawn.decode()
    assert "\x1b[36m" not in text and "\x1b[0m" not in text
    assert "Take t" in text and screen(drawn)[-1].startswith("Saved nocolor.wav: ")  # progress, without colour


def test_batch_shows_a_progress_bar_in_a_terminal(cli: Cli, workdir: Path) -> None:
    (workdir / "two.txt").write_text("The first of two.\nAnd [[fail]] the second.\n")
    env = {**cli.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30"}
    code, drawn = run_in_terminal([*COMMAND, "batch", "two.txt"], env, workdir)
    assert code == 1, drawn
    text = drawn.decode(errors="replace")
    assert "Generating" in text and "0/2" in text and "━" in text and "[progress" not in text
    shown = screen(drawn)
    assert not any("━" in line or "/2 0:0" in line for line in shown)  # the bar was erased
    assert any(line.startswith("line 2: Generating take failed") for line in shown)  # kept above the bar
    assert shown[-2].startswith("Batch done: 1 generated, 0 already complete, 1 failed")
    # The bar stays where it is while the label (a file name) changes: it starts in the same column every time.
    frames = re.split(r"[\r\n]", CSI.sub(b"", drawn).decode(errors="replace"))
    columns = {frame.index("━") for frame in frames if "━" in frame}
    assert len(columns) == 1, columns


def test_audio_to_a_terminal_is_refused_with_a_hint(cli: Cli, workdir: Path) -> None:
    env = {**cli.env, "TERM": "xterm-256color"}
    for args in (["say", "Hi", "-o", "-"], ["take", "audio", "t01-never-fetched", "-o", "-"]):
        code, drawn = run_in_terminal([*COMMAND, *args], env, workdir)
        text = drawn.decode(errors="replace")
        assert code == 2, text
        assert "-o - writes binary audio, and standard output is a terminal: give -o FILE, or pipe it" in text
        assert "RIFF" not in text and "Traceback" not in text
