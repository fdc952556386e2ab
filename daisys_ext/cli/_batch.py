"""``daisys batch``: many takes from one file, at most N in flight, resumable even after a kill.

Each file is written atomically, so a rerun skips the files that exist, and each take is noted in a `Journal`
as soon as it is asked for, so a rerun after Ctrl-C or a kill downloads it instead of making it again.
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
from ._exit import CliError, Exit, UsageError, exit_code, one_line
from ._files import check_format, safe_name, seconds, slug, take_seconds
from ._resources import choose_voice, find_voice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from daisys_ext import Client, TakeResponse, VoiceInfo

    from ._auth import TokenStore
    from ._ui import Ui

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
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    suffix = Path(path).suffix.lower()
    rows: Iterable[tuple[int, Any]]
    if suffix in (".jsonl", ".ndjson"):
        rows = ((n, _json(line, f"{path}:{n}")) for n, line in lines)
    elif suffix == ".csv":
        rows = _csv_rows(text, path)
    else:
        rows = [(n, {"text": line}) for n, line in lines]
    if not (items := [_item(row, n, f"{path}:{n}") for n, row in rows]):
        raise UsageError(f"{path}: nothing to speak")
    return items


def _json(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise UsageError(f"{where}: not JSON ({exc})") from None


def _csv_rows(text: str, path: str) -> Iterable[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "text" not in [f.strip().lower() for f in reader.fieldnames]:
        raise UsageError(f"{path}: the CSV header must name a 'text' column (voice and name are optional)")
    start = reader.line_num + 1
    for row in reader:
        clean = {(k or "").strip().lower(): v for k, v in row.items()}
        if any((v or "").strip() for v in clean.values() if isinstance(v, str)):
            yield start, clean
        start = reader.line_num + 1


def _item(row: Any, line: int, where: str) -> Item:
    if not isinstance(row, dict):
        raise UsageError(f"{where}: expected an object with a text, not {type(row).__name__}")
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
    names: list[str] = []
    seen: dict[str, int] = {}  # lower-case name -> line: one file on case-insensitive file systems
    for item in items:
        name = f"{item.line:0{width}d}-{slug(item.text)}.{fmt}"
        if item.name:
            if not (name := safe_name(item.name)):
                raise UsageError(f"line {item.line}: the name {item.name!r} leaves nothing for a file name")
            name = name if name.lower().endswith(f".{fmt}") else f"{name}.{fmt}"
        if (other := seen.setdefault(name.lower(), item.line)) != item.line:
            raise UsageError(f"lines {other} and {item.line} would both write {name}: give them other names")
        names.append(name)
    return names


class Journal:
    """The takes a batch asked for, a JSON line each (file, what it says, take id), written and synced as soon as a
    take's generate request returns, before its audio: a run stopped by Ctrl-C or a kill (SIGKILL) leaves the ids of
    the takes it made. Removed when no item that failed has a take."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        self.takes: dict[str, tuple[str, str]] = {}  # file name -> (what it says, take id); the last line wins
        self._lock = threading.Lock()
        self._out: TextIO | None = None
        text = self.path.read_text(encoding="utf-8") if self.path.is_file() else ""
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


@dataclass
class Report:
    """What a batch did, item by item."""

    folder: Path
    done: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False

    def exit_code(self) -> Exit:
        """0 when all is done; else the failures' exit code when they share one, else 1."""
        codes = {entry["exit_code"] for entry in self.failed}
        if self.interrupted or len(codes) > 1:
            return Exit.INTERRUPTED if self.interrupted else Exit.FAILURE
        return Exit(codes.pop()) if codes else Exit.OK

    def as_json(self) -> dict[str, Any]:
        audio, wall = sum(e["duration_s"] or 0.0 for e in self.done), time.monotonic() - self.started
        items = {"done": self.done, "skipped": self.skipped, "failed": self.failed, "interrupted": self.interrupted}
        return {"folder": str(self.folder), **items, "duration_s": round(audio, 3), "wall_s": round(wall, 3)}

    def lines(self) -> list[str]:
        totals = self.as_json()
        resumed = sum(1 for entry in self.done if entry["resumed"])
        earlier = f" ({resumed} made by an earlier run, downloaded now)" if resumed else ""
        counts = f"{len(self.done)} generated{earlier}, {len(self.skipped)} already complete, {len(self.failed)} failed"
        head = "Interrupted" if self.interrupted else "Batch done"
        took = f"{seconds(totals['duration_s'])} of audio in {seconds(totals['wall_s'])}, in {self.folder}/"
        failures = [f"  failed: line {e['line']} ({e['file']}): {e['error']}" for e in self.failed]
        return [f"{head}: {counts}; {took}", *failures]


def run(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    fmt = args.format or "wav"
    items = read_items(args.file)
    names = file_names(items, fmt)
    if args.output:
        folder = Path(args.output)
    else:  # the input file's name without its extension (an input file without one: NAME-audio); stdin: batch
        folder = Path("batch" if args.file == "-" else Path(args.file).stem)
        folder = Path(f"{folder}-audio") if folder.is_file() else folder
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    report, jobs = Report(folder), []
    for item, name in zip(items, names, strict=True):
        _clean(path := folder / name)  # the temporary files of a run that was killed mid-write
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
            check_format(client, fmt, f"--format {fmt}")  # before any take is made
            _generate(client, jobs, fmt, args, ui, report, journal)
    journal.close(done=not any(Path(entry["file"]).name in journal.takes for entry in report.failed))
    ui.result(report.as_json(), "\n".join(report.lines()))
    return report.exit_code()


def _clean(path: Path) -> None:
    for leftover in temporary_names(path):
        leftover.unlink(missing_ok=True)


def _generate(
    client: Client, jobs: list[tuple[Item, Path]], fmt: str, args: argparse.Namespace, ui: Ui, report: Report,
    journal: Journal,
) -> None:  # fmt: skip
    from daisys_ext import DaisysConnectionError, DaisysNotFoundError

    default = choose_voice(client, args.voice or os.environ.get("DAISYS_VOICE") or None, ui)
    voices: dict[str | None, VoiceInfo | Exception] = {None: default}  # by what the lines call them, looked up once
    looking = threading.Lock()
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

    def voice_of(wanted: str | None) -> VoiceInfo:
        with looking:
            if wanted not in voices:
                try:
                    voices[wanted] = find_voice(client, wanted or "")
                except CliError as exc:
                    voices[wanted] = exc
            if isinstance(found := voices[wanted], Exception):
                raise found
            return found

    def one(item: Item, path: Path) -> tuple[TakeResponse, bool]:
        voice = voice_of(item.voice)
        # What the take says, as the journal notes it: a take of other words or another voice is not reused.
        what = hashlib.sha256(f"{voice.voice_id}\n{item.text}".encode()).hexdigest()[:16]
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
    futures: dict[Future[tuple[TakeResponse, bool]], tuple[Item, Path]] = {}
    try:
        with ui.status("Generating", len(jobs)) as progress:
            futures.update({pool.submit(one, item, path): (item, path) for item, path in jobs})
            for future in as_completed(futures):
                item, path = futures[future]
                entry: dict[str, Any] = {"line": item.line, "file": str(path)}
                try:
                    take, resumed = future.result()
                except CancelledError:
                    stopped = "not tried: an authentication error stopped the batch"
                    report.failed.append({**entry, "text": item.text, "error": stopped, "exit_code": Exit.AUTH})
                    continue
                except Exception as exc:
                    code = exit_code(exc)
                    report.failed.append({**entry, "text": item.text, "error": one_line(exc), "exit_code": code})
                    progress.log(f"line {item.line}: {one_line(exc)}")
                    if code is Exit.AUTH:  # the rest would fail alike
                        for other in futures:
                            other.cancel()
                else:
                    duration = take_seconds(take)
                    report.done.append({**entry, "take_id": take.take_id, "duration_s": duration, "resumed": resumed})
                progress.advance(path.name)
    except KeyboardInterrupt:
        # Nothing more is asked for, the unfinished files go, what was done is said, and out now (exit 130).
        # Downloads in flight are not waited for (their threads cannot be interrupted): only their temporary
        # files exist, and the journal (synced line by line) names their takes for the rerun.
        with asking:
            stopping = True
        pool.shutdown(wait=False, cancel_futures=True)
        with asking:
            if in_flight:
                ui.note(f"Waiting for {in_flight} take(s) already asked for, to note them for the rerun…")
            asking.wait_for(lambda: in_flight == 0, timeout=GRACE)
        for _, path in jobs:
            _clean(path)
        report.interrupted = True
        ui.note("\n".join(report.lines()))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(Exit.INTERRUPTED)
    pool.shutdown(wait=True)
