"""The CLI's pieces without a process or a server: option values, names, batch input, exit codes, the token file."""

from __future__ import annotations

import argparse
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from daisys_ext import (
    DaisysAuthenticationError,
    DaisysConnectionError,
    DaisysCredentialsError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysServerError,
    DaisysTakeGenerateError,
    DaisysTimeoutError,
    DaisysTokenStoreError,
    DaisysValidationError,
)
from daisys_ext._files import atomic_file, temporary_names
from daisys_ext.cli._auth import StoredTokens, TokenStore
from daisys_ext.cli._batch import JOURNAL, Item, Journal, file_names, read_items
from daisys_ext.cli._exit import CliError, Exit, exit_code, one_line
from daisys_ext.cli._files import audio_format, human_size, slug, status_words
from daisys_ext.cli._parser import prosody
from daisys_ext.cli._ui import Ui, fixed_width


def test_prosody_levels_pick_their_model_and_fill_the_rest() -> None:
    assert prosody("pace=-3,pitch=2,expression=10") == {"pitch": 2, "pace": -3, "expression": 10}
    assert prosody("pace=-3") == {"pitch": 0, "pace": -3, "expression": 0}
    assert prosody("valence=4, Arousal=-2") == {"pitch": 0, "pace": 0, "valence": 4, "dominance": 0, "arousal": -2}
    assert prosody("pitch-range=3") == {"pitch": 0, "pace": 0, "tilt": 0, "pitch_range": 3}
    for bad, message in [
        ("pace", "is not NAME=LEVEL"),
        ("pace=fast", "must be an integer"),
        ("pace=11", "levels go from -10 to 10"),
        ("expression=1,valence=1", "not the levels of one prosody model"),
        ("speed=1", "no level called speed"),
        ("", "at least one"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            prosody(bad)


def test_file_names_and_formats() -> None:
    assert slug("Hello there, I'm Daisys! Ça va?") == "hello-there-i-m-daisys-ca-va"
    assert slug("A very long sentence that goes on and on and on beyond forty characters") == (
        "a-very-long-sentence-that-goes-on-and-on"
    )
    assert slug("!!!") == "speech"
    assert audio_format("out.MP3", None) == ("mp3", "-o out.MP3") and audio_format("-", None)[0] == "wav"
    assert audio_format("out", None)[0] == "wav" and audio_format("out.dat", "flac") == ("flac", "--format flac")
    with pytest.raises(CliError, match=r"-o out.ogg: .ogg is not an audio format daisys writes"):
        audio_format("out.ogg", None)
    with pytest.raises(CliError, match=r"-o out\.mp3 names mp3 audio, but --format flac was given"):
        audio_format("out.mp3", "flac")
    assert status_words("progress_25") == "generating, 25 %" and status_words("ready") == "ready"
    assert fixed_width("short", 8) == "short   " and fixed_width("a-long-file-name.wav", 8) == "a-long-…"
    assert human_size(999) == "999 B" and human_size(207_400) == "207.4 kB" and human_size(3_100_000) == "3.1 MB"
    items = [Item(1, "First."), Item(12, "Twelfth line."), Item(3, "x", name="../intro"), Item(4, "y", name="b.wav")]
    assert file_names(items, "wav") == ["001-first.wav", "012-twelfth-line.wav", "intro.wav", "b.wav"]
    assert file_names([Item(1000, "Late.")], "mp3") == ["1000-late.mp3"]


def test_batch_input_formats(tmp_path: Path) -> None:
    lines = tmp_path / "a.txt"
    lines.write_text("One.\n\n  Two.  \n")
    assert read_items(str(lines)) == [Item(1, "One."), Item(3, "Two.")]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"text": "One.", "voice": "Lucy", "name": "one"}\n\n{"text": "Two.", "extra": 1}\n')
    assert read_items(str(jsonl)) == [Item(1, "One.", "Lucy", "one"), Item(3, "Two.")]
    csv = tmp_path / "a.csv"
    csv.write_text('Text,Voice\n"One,\nstill one.",Lucy\n,\nTwo.,\n')
    assert read_items(str(csv)) == [Item(2, "One,\nstill one.", "Lucy"), Item(5, "Two.")]
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"text": 3}\n')
    with pytest.raises(CliError, match=r"b.jsonl:1: no text") as raised:
        read_items(str(bad))
    assert raised.value.code == Exit.USAGE


def http(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://api.example/x"))


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DaisysCredentialsError(), Exit.AUTH),
        (DaisysAuthenticationError("refused", request=http(401).request, response=http(401)), Exit.AUTH),
        (DaisysNotFoundError("gone", request=http(404).request, response=http(404)), Exit.NOT_FOUND),
        (DaisysValidationError("bad", request=http(422).request, response=http(422)), Exit.USAGE),
        (DaisysInputError("bad"), Exit.USAGE),
        (DaisysServerError("down", request=http(503).request, response=http(503)), Exit.SERVICE),
        (DaisysConnectionError("refused"), Exit.SERVICE),
        (DaisysTimeoutError("slow"), Exit.SERVICE),
        (DaisysTakeGenerateError("failed", None), Exit.FAILURE),
        (OSError(28, "No space left on device", "out.wav"), Exit.FAILURE),
        (DaisysTokenStoreError("The token file t.json is not a token file."), Exit.FAILURE),
        (KeyboardInterrupt(), Exit.INTERRUPTED),
        (CliError("x", Exit.NOT_FOUND), Exit.NOT_FOUND),
    ],
)
def test_exit_codes(error: BaseException, code: Exit) -> None:
    assert exit_code(error) == code


def test_one_line() -> None:
    assert one_line(ValueError("two\nlines")) == "two lines"
    assert one_line(OSError(28, "No space left on device", "out.wav")) == "out.wav: No space left on device"
    assert one_line(DaisysCredentialsError("No.")).endswith(
        "(run `daisys login`, or set DAISYS_EMAIL and DAISYS_PASSWORD)"
    )
    assert one_line(RuntimeError()) == "RuntimeError"


def test_token_store(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "config")
    assert store.load("https://api.daisys.ai") is None
    store.save("https://api.daisys.ai", StoredTokens("a1", "r1", email="me@example.com"))
    store.save("http://127.0.0.1:8000", StoredTokens("a2", "r2", email="test@example.com"))
    assert store.load("https://api.daisys.ai") == StoredTokens("a1", "r1", email="me@example.com")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert "a1" not in repr(store.load("https://api.daisys.ai"))
    assert store.remove("https://api.daisys.ai") and not store.remove("https://api.daisys.ai")
    assert store.load("http://127.0.0.1:8000") is not None
    assert store.remove("http://127.0.0.1:8000") and not store.path.exists()
    store.path.write_text("not json")
    with pytest.raises(DaisysTokenStoreError, match="not a token file"):  # exit 1, its message on one line
        store.load("x")


def test_plain_table_and_json() -> None:
    out = io.StringIO()
    ui = Ui(stdout=out, stderr=io.StringIO())
    ui.table(["ID", "TEXT"], [["t1", "[[fail]] here"], ["t22", "ok"]])
    assert out.getvalue() == "ID   TEXT\nt1   [[fail]] here\nt22  ok\n"
    out.seek(0)
    out.truncate()
    ui.json({"a": "é"})
    assert out.getvalue() == '{\n  "a": "é"\n}\n'


def test_atomic_file_modes_and_no_umask_read_at_import(tmp_path: Path) -> None:
    # Reading the umask sets it (a race with other threads): importing the library or the command must not.
    code = "import os; os.umask = None; import daisys_ext._files, daisys_ext.cli, daisys_ext.cli._parser"
    subprocess.run([sys.executable, "-c", code], check=True)
    old = os.umask(0o027)
    try:
        with atomic_file(tmp_path / "new.wav") as out:
            out.write(b"new")
        kept = tmp_path / "kept.wav"
        kept.write_bytes(b"old")
        kept.chmod(0o604)
        with atomic_file(kept) as out:
            out.write(b"replaced")
        with atomic_file(tmp_path / "secret.json", mode=0o600) as out:
            out.write(b"{}")
        with pytest.raises(RuntimeError), atomic_file(tmp_path / "broken.wav") as out:
            out.write(b"half")
            assert temporary_names(tmp_path / "broken.wav")  # the temporary file, while it is written
            raise RuntimeError
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.wav").stat().st_mode) == 0o640  # an ordinary new file's
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_bytes() == b"replaced"
    assert stat.S_IMODE((tmp_path / "secret.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.wav", "new.wav", "secret.json"]


def test_a_journal_cut_by_a_kill_is_read_and_appended_to(tmp_path: Path) -> None:
    (tmp_path / JOURNAL).write_text('{"file": "a.wav", "key": "k1", "take_id": "t1"}\n{"file": "b.wav", "ke')
    journal = Journal(tmp_path)
    assert journal.takes == {"a.wav": ("k1", "t1")}  # the torn line is left out
    journal.add("b.wav", "k2", "t2")
    journal.close(done=False)
    assert Journal(tmp_path).takes == {"a.wav": ("k1", "t1"), "b.wav": ("k2", "t2")}
    Journal(tmp_path).close(done=True)
    assert not (tmp_path / JOURNAL).exists()
