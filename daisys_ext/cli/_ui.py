"""What the CLI shows: notes and progress on standard error, results, tables and JSON on standard output.

Progress and tables are drawn with ``rich`` (the ``cli`` extra) on a terminal (not ``TERM=dumb``), else as plain
lines; progress not with ``--quiet``, and erased when done; colour never with ``NO_COLOR``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, TextIO


class Status:
    """What runs, shown until it ends: a spinner (`update`), a batch's bar (`advance`, `log`), or plain lines."""

    def __init__(self, ui: Ui, total: int = 0) -> None:
        self._ui, self.total, self.done, self._last = ui, total, 0, ""
        self._spinner: Any = None
        self._progress: Any = None
        self._task: Any = None

    def update(self, text: str) -> None:
        """The spinner's new text."""
        if text == self._last:
            return
        self._last = text
        if self._spinner is not None:
            from rich.text import Text

            self._spinner.update(text=Text(text))  # as text: a name with [brackets] is not markup
        elif self._ui.interactive:
            self._ui.note(text)

    def advance(self, what: str) -> None:
        """One more item of a batch finished (done or failed)."""
        self.done += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=fixed_width(what))
        elif self._ui.interactive:
            self._ui.note(f"[{self.done}/{self.total}] {what}")

    def log(self, text: str) -> None:
        """A line kept above the bar (a failure, say); shown on a terminal only."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        elif self._ui.interactive:
            self._ui.note(text)


class Ui:
    """The CLI's terminal: decides once whether progress and colour are shown, and how."""

    def __init__(
        self, *, quiet: bool = False, as_json: bool = False, stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> None:
        self.as_json, self.quiet = as_json, quiet  # as_json: the command's --json, its result as one JSON document
        self.out, self.err = stdout or sys.stdout, stderr or sys.stderr
        self.interactive = not quiet and _terminal(self.err)
        self.no_color = bool(os.environ.get("NO_COLOR"))

    @cached_property
    def rich(self) -> bool:
        """Whether rich can be imported; found out (and imported) only when a terminal would show it."""
        try:
            import rich  # noqa: F401
        except ImportError:
            return False
        return True

    def note(self, text: str) -> None:
        """A remark on standard error for the person at the terminal (what was chosen for them, say); not with -q."""
        if not self.quiet:
            print(text, file=self.err, flush=True)

    @contextmanager
    def status(self, text: str, total: int = 0) -> Iterator[Status]:
        """While the block runs (erased at its end): a spinner with ``text``, or with a ``total`` a batch's bar
        labelled ``text``; plain lines without rich."""
        status = Status(self, total)
        if not (self.interactive and self.rich):
            if not total:
                status.update(text)
            yield status
            return
        from rich.console import Console
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.spinner import Spinner
        from rich.text import Text

        console = Console(file=self.err, no_color=self.no_color, highlight=False)
        quiet: dict[str, Any] = dict(console=console, transient=True, redirect_stdout=False, redirect_stderr=False)
        if total:
            label = TextColumn("{task.description}", style="progress.description", markup=False)
            columns = (SpinnerColumn(), label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            live: Any = Progress(*columns, **quiet)
            status._progress, status._task = live, live.add_task(fixed_width(text), total=total)
        else:
            status._last = text
            status._spinner = Spinner("dots", text=Text(text), style=None if self.no_color else "cyan")
            live = Live(status._spinner, refresh_per_second=12.5, **quiet)
        with live:
            yield status

    def print(self, text: str = "") -> None:
        """A line of the command's result, on standard output."""
        print(text, file=self.out, flush=True)

    def json(self, data: Any) -> None:
        """The command's result as one JSON document."""
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str), file=self.out, flush=True)

    def result(self, data: Any, line: str, *, aside: bool = False) -> None:
        """The command's result: ``data`` as JSON with --json, else ``line`` (a note when stdout holds the audio)."""
        if self.as_json:
            self.json(data)
        else:
            (self.note if aside else self.print)(line)

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], empty: str = "Nothing.") -> None:
        """Rows under column headings: a rich table on a terminal, aligned plain text otherwise; ``empty`` (a note)
        when there are none."""
        if not rows:
            return self.note(empty)
        if _terminal(self.out) and self.rich:
            from rich import box
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text

            table = Table(*columns, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))  # as text: "[[fail]]" is not markup
            return Console(file=self.out, no_color=self.no_color, highlight=False).print(table)
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        for row in [list(columns), *rows]:
            self.print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def fixed_width(text: str, width: int = 32) -> str:
    """``text`` cut or padded to ``width`` characters: a bar after it stays where it is as labels change."""
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


def _terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that shows what rich draws (not ``TERM=dumb``)."""
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # replaced by something without isatty, or closed
        return False
