"""``daisys batch``: many takes from one file, at most N in flight, resumable even after a kill.

A plain text file gives one take per non-blank line. A ``.jsonl`` / ``.ndjson`` file gives
one per line holding an object with ``text`` and optionally ``voice`` and ``name``; a ``.csv``
file one per row, with a header naming a ``text`` column. An item's file is ``name`` when
given, else its line number and first words (``007-once-upon-a-time.wav``): the same input
always gives the same names. Each file is written atomically, so a rerun skips the files that
exist. Each take made is noted in a journal beside them (`Journal`) as soon as it is asked for,
so a rerun after Ctrl-C or a kill downloads those takes instead of making them again.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
import threading
import time
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from daisys_ext._files import atomic_file, temporary_names

from ._auth import open_client
from ._exit import Exit, UsageError, exit_code, one_line
from ._files import check_service_format, safe_name, seconds, slug, take_seconds
from ._resources import VoiceCache, choose_voice

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse

    from ._auth import TokenStore
    from ._ui import BatchProgress, Ui

JOURNAL = ".daisys-batch.jsonl"
GRACE = 5.0  # seconds Ctrl-C waits for the generate requests already sent (to note their takes)


@dataclass(frozen=True)
class Item:
    """One take of a batch: where it came from, what to say, with which voice, into which file."""

    line: int
    text: str
    voice: str | None = None
    name: str | None = None


def read_items(path: str) -> list[Item]:
    """The items of a batch file (``-``: standard input, as plain lines); a bad file is a usage error (exit 2)."""
    if path == "-":
        return _lines(sys.stdin.read())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        items = _json_lines(text, path)
    elif suffix == ".csv":
        items = _csv_rows(text, path)
    else:
        items = _lines(text)
    if not items:
        raise UsageError(f"{path}: nothing to speak")
    return items


def _lines(text: str) -> list[Item]:
    return [Item(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json_lines(text: str, path: str) -> list[Item]:
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{n}: not JSON ({exc})") from None
        if not isinstance(row, dict):
            raise UsageError(f"{path}:{n}: expected an object with a text, not {type(row).__name__}")
        items.append(_item(row, n, f"{path}:{n}"))
    return items


def _csv_rows(text: str, path: str) -> list[Item]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "text" not in [f.strip().lower() for f in reader.fieldnames]:
        raise UsageError(f"{path}: the CSV header must name a 'text' column (voice and name are optional)")
    items = []
    start = reader.line_num + 1
    for row in reader:
        clean = {(k or "").strip().lower(): v for k, v in row.items()}
        if any((v or "").strip() for v in clean.values() if isinstance(v, str)):
            items.append(_item(clean, start, f"{path}:{start}"))
        start = reader.line_num + 1
    return items


def _item(row: dict[str, Any], line: int, where: str) -> Item:
    text, voice, name = row.get("text"), row.get("voice"), row.get("name")
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: no text")
    for column, value in (("voice", voice), ("name", name)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{where}: {column} must be a string")
    return Item(line, text.strip(), (voice or "").strip() or None, (name or "").strip() or None)


def file_names(items: list[Item], fmt: str) -> list[str]:
    """Each item's file name: its ``name`` (with the format's extension), else ``NNN-first-words.fmt``."""
    width = max(3, len(str(max(item.line for item in items))))
    names = []
    for item in items:
        if item.name:
            name = safe_name(item.name)
            if not name:
                raise UsageError(f"line {item.line}: the name {item.name!r} leaves nothing for a file name")
            names.append(name if name.lower().endswith(f".{fmt}") else f"{name}.{fmt}")
        else:
            names.append(f"{item.line:0{width}d}-{slug(item.text)}.{fmt}")
    seen: dict[str, int] = {}
    for item, name in zip(items, names, strict=True):
        key = name.lower()  # one file on case-insensitive file systems
        if key in seen:
            raise UsageError(f"lines {seen[key]} and {item.line} would both write {name}: give them other names")
        seen[key] = item.line
    return names


class Journal:
    """The takes a batch asked for, a JSON line each (file, take id, what it says), synced to disk line by line.

    A line is written as soon as a take's generate request returns, before its audio: a run
    stopped by Ctrl-C or killed outright (SIGKILL) leaves the ids of the takes it made, and
    the rerun downloads those instead of making them again. Removed when no item that failed has a take.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        self.takes: dict[str, tuple[str, str]] = {}  # file name -> (what it says, take id); the last line wins
        self._lock = threading.Lock()
        self._out: TextIO | None = None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        self._torn = bool(text) and not text.endswith("\n")  # the last line, cut by a kill: the next goes below
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                self.takes[entry["file"]] = (entry["key"], entry["take_id"])
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill

    def add(self, name: str, key: str, take_id: str) -> None:
        line = json.dumps({"file": name, "key": key, "take_id": take_id}) + "\n"
        with self._lock:
            self.takes[name] = (key, take_id)
            if self._out is None:
                self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed by `close`
                line = "\n" + line if self._torn else line
            self._out.write(line)
            self._out.flush()
            os.fsync(self._out.fileno())

    def close(self, done: bool) -> None:
        with self._lock:
            if self._out is not None:
                self._out.close()
            if done:
                self.path.unlink(missing_ok=True)


def key(voice_id: str, text: str) -> str:
    """What a take says, as the journal notes it: a take of other words or another voice is not reused."""
    return hashlib.sha256(f"{voice_id}\n{text}".encode()).hexdigest()[:16]


@dataclass
class Report:
    """What a batch did, item by item."""

    folder: Path
    done: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False

    @property
    def audio_seconds(self) -> float:
        return sum(entry["duration_s"] or 0.0 for entry in self.done)

    def exit_code(self) -> Exit:
        """0 when all is done; else the failures' exit code when they share one, else 1."""
        if self.interrupted:
            return Exit.INTERRUPTED
        codes = {entry["exit_code"] for entry in self.failed}
        if not codes:
            return Exit.OK
        return Exit(codes.pop()) if len(codes) == 1 else Exit.FAILURE

    def as_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "interrupted": self.interrupted,
            "duration_s": round(self.audio_seconds, 3),
            "wall_s": round(time.monotonic() - self.started, 3),
        }

    def lines(self) -> list[str]:
        wall = time.monotonic() - self.started
        resumed = sum(1 for entry in self.done if entry["resumed"])
        earlier = f" ({resumed} made by an earlier run, downloaded now)" if resumed else ""
        counts = f"{len(self.done)} generated{earlier}, {len(self.skipped)} already complete, {len(self.failed)} failed"
        head = "Interrupted" if self.interrupted else "Batch done"
        out = [f"{head}: {counts}; {seconds(self.audio_seconds)} of audio in {seconds(wall)}, in {self.folder}/"]
        return out + [f"  failed: line {e['line']} ({e['file']}): {e['error']}" for e in self.failed]


def default_folder(path: str) -> Path:
    """The output folder when -o is not given: the input file's name without its extension (``batch`` for stdin)."""
    if path == "-":
        return Path("batch")
    folder = Path(Path(path).stem)
    return Path(f"{folder}-audio") if folder.is_file() else folder  # an input file without an extension


def run(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    fmt = args.format or "wav"
    items = read_items(args.file)
    names = file_names(items, fmt)
    folder = Path(args.output) if args.output else default_folder(args.file)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    report = Report(folder)
    jobs: list[tuple[Item, Path]] = []
    for item, name in zip(items, names, strict=True):
        path = folder / name
        for leftover in temporary_names(path):  # of a run that was killed mid-write
            leftover.unlink(missing_ok=True)
        if path.is_file() and path.stat().st_size > 0 and not args.force:
            report.skipped.append({"line": item.line, "file": str(path)})
        else:
            jobs.append((item, path))
    if report.skipped and jobs:
        ui.note(f"{len(report.skipped)} of {len(items)} already complete in {folder}/; making the other {len(jobs)}.")
    elif report.skipped:
        ui.note(f"All {len(items)} already complete in {folder}/ (--force makes them again).")
    journal = Journal(folder)
    if args.force:
        journal.takes.clear()
    if jobs:
        with open_client(store) as client:
            check_service_format(client, fmt, f"--format {fmt}")  # before any take is made
            _generate(client, jobs, fmt, args, ui, report, journal)
    journal.close(done=not any(Path(entry["file"]).name in journal.takes for entry in report.failed))
    if args.json:
        ui.json(report.as_json())
    else:
        for line in report.lines():
            ui.print(line)
    return report.exit_code()


def _generate(
    client: Client, jobs: list[tuple[Item, Path]], fmt: str, args: argparse.Namespace, ui: Ui, report: Report,
    journal: Journal,
) -> None:  # fmt: skip
    from daisys_ext import DaisysConnectionError, DaisysNotFoundError

    voices = VoiceCache(client, choose_voice(client, args.voice or os.environ.get("DAISYS_VOICE") or None, ui))
    asking = threading.Condition()  # guards `stopping` and `in_flight`: Ctrl-C waits for the requests sent
    stopping, in_flight = False, 0

    def generate(voice_id: str, text: str, name: str, what: str) -> str:
        nonlocal in_flight
        with asking:
            if stopping:
                raise CancelledError
            in_flight += 1
        try:
            take_id = client.generate_take(voice_id, text, wait=False).take_id
            journal.add(name, what, take_id)
            return take_id
        finally:
            with asking:
                in_flight -= 1
                asking.notify_all()

    def one(item: Item, path: Path) -> tuple[TakeResponse, bool]:
        voice = voices.get(item.voice)
        what = key(voice.voice_id, item.text)
        take_id = None
        noted, earlier = journal.takes.get(path.name, ("", None))
        if noted == what and earlier is not None:
            try:  # a take of an earlier run: downloaded, unless it failed or is gone
                if client.get_take(earlier).status not in ("error", "timeout"):
                    take_id = earlier
            except DaisysNotFoundError:
                pass
        resumed = take_id is not None
        take_id = take_id or generate(voice.voice_id, item.text, path.name, what)
        with atomic_file(path) as out:  # the file appears complete, and only for a ready take
            if fmt == "wav":  # streams while the take is generated
                try:
                    client.get_take_audio(take_id, file=out)
                except DaisysConnectionError:
                    client.wait_for_takes(take_id)  # the take's own error, when its generation failed
                    raise
            take = client.wait_for_takes(take_id)
            if fmt != "wav":
                client.get_take_audio(take_id, file=out, format=fmt)
        return take, resumed

    pool = ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="daisys-batch")
    try:
        with ui.progress(len(jobs), "Generating") as progress:
            futures = {pool.submit(one, item, path): (item, path) for item, path in jobs}
            for future in as_completed(futures):
                _collect(future, *futures[future], report, progress, futures)
    except KeyboardInterrupt:
        with asking:
            stopping = True
        pool.shutdown(wait=False, cancel_futures=True)
        with asking:
            if in_flight:
                ui.note(f"Waiting for {in_flight} take(s) already asked for, to note them for the rerun…")
            asking.wait_for(lambda: in_flight == 0, timeout=GRACE)
        _interrupted(jobs, report, ui)
    pool.shutdown(wait=True)


def _collect(
    future: Future[tuple[TakeResponse, bool]], item: Item, path: Path, report: Report, progress: BatchProgress,
    futures: dict[Future[tuple[TakeResponse, bool]], tuple[Item, Path]],
) -> None:  # fmt: skip
    """One finished item into the report; an authentication error stops the rest (they would fail alike)."""
    entry: dict[str, Any] = {"line": item.line, "file": str(path)}
    try:
        take, resumed = future.result()
    except CancelledError:
        stopped = "not tried: an authentication error stopped the batch"
        report.failed.append({**entry, "text": item.text, "error": stopped, "exit_code": Exit.AUTH})
        return
    except Exception as exc:
        code = exit_code(exc)
        report.failed.append({**entry, "text": item.text, "error": one_line(exc), "exit_code": code})
        progress.log(f"line {item.line}: {one_line(exc)}")
        if code is Exit.AUTH:
            for other in futures:
                other.cancel()
    else:
        report.done.append({**entry, "take_id": take.take_id, "duration_s": take_seconds(take), "resumed": resumed})
    progress.advance(path.name)


def _interrupted(jobs: list[tuple[Item, Path]], report: Report, ui: Ui) -> None:
    """Ctrl-C: nothing more asked for, unfinished files removed, what was done said, and out now (exit 130).

    Downloads in flight are not waited for (their threads cannot be interrupted): only their
    temporary files exist, and the journal (synced line by line) names their takes for the rerun.
    """
    for _, path in jobs:
        for leftover in temporary_names(path):
            leftover.unlink(missing_ok=True)
    report.interrupted = True
    for line in report.lines():
        ui.note(line)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(Exit.INTERRUPTED)
