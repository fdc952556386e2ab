"""``daisys batch``: many takes from one file, at most N in flight, resumable.

Each item becomes one file in the output folder, written atomically (complete or not at
all), so a rerun skips the files that exist and makes only the rest; leftovers of an
interrupted write are removed first. Ctrl-C stops at once: nothing more is asked for,
unfinished files are removed, the summary says what was done (exit 130).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._batch_input import Item, file_names, read_items
from ._exit import Exit, UsageError, exit_code, one_line
from ._files import seconds, temporary_names
from ._say_daisys import take_seconds
from ._session import open_client
from ._store import TokenStore
from ._ui import Ui
from ._voices import VoiceCache, choose_voice

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse


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
        counts = f"{len(self.done)} generated, {len(self.skipped)} already complete, {len(self.failed)} failed"
        head = "Interrupted" if self.interrupted else "Batch done"
        out = [f"{head}: {counts}; {seconds(self.audio_seconds)} of audio in {seconds(wall)}, in {self.folder}/"]
        out += [f"  failed: line {e['line']} ({e['file']}): {e['error']}" for e in self.failed]
        return out


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
    if jobs:
        with open_client(store) as client:
            _generate(client, jobs, fmt, args, ui, report)
    if args.json:
        ui.json(report.as_json())
    else:
        for line in report.lines():
            ui.print(line)
    return report.exit_code()


def _generate(
    client: Client, jobs: list[tuple[Item, Path]], fmt: str, args: argparse.Namespace, ui: Ui, report: Report
) -> None:
    voices = VoiceCache(client, choose_voice(client, args.voice or os.environ.get("DAISYS_VOICE") or None, ui))

    def one(item: Item, path: Path) -> TakeResponse:
        voice = voices.get(item.voice)
        return client.speak(item.text, voice.voice_id, path, format=fmt)

    pool = ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="daisys-batch")
    try:
        with ui.progress(len(jobs), "Generating") as progress:
            futures: dict[Future[TakeResponse], tuple[Item, Path]] = {
                pool.submit(one, item, path): (item, path) for item, path in jobs
            }
            for future in as_completed(futures):
                item, path = futures[future]
                entry: dict[str, Any] = {"line": item.line, "file": str(path)}
                try:
                    take = future.result()
                except CancelledError:
                    stopped = "not tried: an authentication error stopped the batch"
                    report.failed.append({**entry, "text": item.text, "error": stopped, "exit_code": Exit.AUTH})
                    continue
                except Exception as exc:
                    code = exit_code(exc)
                    report.failed.append({**entry, "text": item.text, "error": one_line(exc), "exit_code": code})
                    progress.log(f"line {item.line}: {one_line(exc)}")
                    if code is Exit.AUTH:  # every other item would fail alike
                        for other in futures:
                            other.cancel()
                else:
                    report.done.append({**entry, "take_id": take.take_id, "duration_s": take_seconds(take)})
                progress.advance(path.name)
    except KeyboardInterrupt:
        _interrupted(pool, jobs, report, ui)
    pool.shutdown(wait=True)


def _interrupted(pool: ThreadPoolExecutor, jobs: list[tuple[Item, Path]], report: Report, ui: Ui) -> None:
    """Ctrl-C: ask for nothing more, remove unfinished files, say what was done, and leave now (exit 130).

    The takes in flight are not waited for: their threads cannot be interrupted, and only
    their temporary files exist; the final names appear complete or not at all.
    """
    pool.shutdown(wait=False, cancel_futures=True)
    for _, path in jobs:
        for leftover in temporary_names(path):
            leftover.unlink(missing_ok=True)
    report.interrupted = True
    for line in report.lines():
        ui.note(line)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(Exit.INTERRUPTED)
