"""The code blocks of README.md and docs/, collected so that a test can run each one as written.

A fenced block is collected with its language (``python``, or ``sh`` for shell) and the file and line it
starts on. An HTML comment on the last non-blank line before the fence changes what is done with it:

- ``<!-- snippet: skip REASON -->``: the block cannot run here (a sound card, a real account); the reason
  is required, and shown as the test's skip reason;
- ``<!-- snippet: needs MODULE -->``: the block runs only where MODULE imports (an optional framework).

Written for this project (a dozen lines of parsing) rather than taken from pytest-examples: that runs
blocks in-process and formats them with ruff and black, where these must run as separate programs in a
directory of their own, against the emulator, with the shell blocks too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(?P<kind>skip|needs)\s+(?P<arg>.+?)\s*-->\s*$")
LANGUAGES = {"python": "python", "py": "python", "sh": "sh", "bash": "sh", "shell": "sh"}


@dataclass(frozen=True)
class Snippet:
    """One code block: where it is, its language, its code, and its marker's instruction if any."""

    path: Path
    line: int
    language: str
    code: str
    skip: str | None = None
    needs: str | None = None

    @property
    def id(self) -> str:
        """A test id: the file relative to the repository and the line of the fence."""
        return f"{self.path.as_posix()}:{self.line}"


def _dedent(lines: list[str], indent: str) -> str:
    return "\n".join(line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines) + "\n"


def parse(text: str, path: Path) -> list[Snippet]:
    """The python and shell blocks of one Markdown text, in order."""
    lines = text.splitlines()
    found: list[Snippet] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent, language = match["fence"], match["indent"], match["lang"].lower()
        end = i + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence) and lines[end].strip() == fence):
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{i + 1}: a code block is never closed")
        kind = LANGUAGES.get(language)
        if kind is not None:
            skip = needs = None
            before = i - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            marker = MARKER.match(lines[before]) if before >= 0 else None
            if marker and marker["kind"] == "skip":
                skip = marker["arg"]
            elif marker:
                needs = marker["arg"]
            found.append(Snippet(path, i + 1, kind, _dedent(lines[i + 1 : end], indent), skip, needs))
        i = end + 1
    return found


def collect(root: Path, files: list[str] | None = None) -> list[Snippet]:
    """Every block of README.md and docs/**/*.md under ``root`` (paths in the snippets relative to it)."""
    paths = [root / "README.md", *sorted((root / "docs").rglob("*.md"))] if files is None else [root / f for f in files]
    snippets: list[Snippet] = []
    for path in paths:
        snippets += parse(path.read_text(encoding="utf-8"), path.relative_to(root))
    return snippets
