"""What a batch is made of: its items (from text lines, JSON Lines or CSV) and the file each one becomes.

A plain text file gives one take per non-blank line. A ``.jsonl`` / ``.ndjson`` file gives
one per line holding an object with ``text`` and optionally ``voice`` and ``name``; a
``.csv`` file one per row, with a header naming a ``text`` column (``voice`` and ``name``
optional). An item's file is ``name`` when given, else its line number and the first words
of its text (``007-once-upon-a-time.wav``): the same input always gives the same names,
which is what lets a rerun skip what is already done.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exit import UsageError
from ._files import safe_name, slug


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
    for field, value in (("voice", voice), ("name", name)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{where}: {field} must be a string")
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
