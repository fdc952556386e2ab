"""Files the CLI writes: atomically (complete or not at all), with predictable names, and described for people."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

FORMATS = ("wav", "mp3", "flac", "m4a", "webm")


def _read_umask() -> int:
    # Reading the umask means setting it: done once, at import, before any thread writes files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def temporary_names(path: Path) -> list[Path]:
    """Leftovers of an interrupted atomic write of ``path`` (ours and the library's use one pattern)."""
    return list(path.parent.glob(f".{glob_escape(path.name)}.*.part"))


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[BinaryIO]:
    """A temporary file beside ``path``, renamed over it when the block ends without error, else removed.

    ``mode`` (0o600 for credentials) is the file's from its creation on; without it the file
    gets the mode a new file would (the umask's).
    """
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, on both paths
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    try:
        yield handle  # type: ignore[misc]
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.chmod(handle.name, 0o666 & ~_UMASK if mode is None else mode)
        os.replace(handle.name, target)
    except BaseException:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise


def format_of(path: str | None, given: str | None, default: str = "wav") -> str:
    """The audio format: ``--format`` if given, else the output file's extension if it is one, else ``default``."""
    if given:
        return given
    if path and path != "-":
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
    return default


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe summary of ``text``: lowercase ASCII words joined by '-', cut at a word, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "speech")


def safe_name(name: str) -> str:
    """A name from a batch's ``name`` column as a plain file name (no folders, no hidden files)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).lstrip(".-").rstrip("-")


def unused_path(stem: str, suffix: str, folder: Path | None = None) -> Path:
    """``stem.suffix`` in ``folder`` (the current one), or ``stem-2.suffix`` and so on if that is taken."""
    folder = folder or Path()
    path = folder / f"{stem}.{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.{suffix}"
        n += 1
    return path


def human_size(size: int) -> str:
    """Bytes as people read them: 980 B, 207.4 kB, 3.1 MB (decimal units)."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"


def seconds(value: float) -> str:
    """A duration as people read it: 2.35 s, 1 min 04 s."""
    if value < 60:
        return f"{value:.2f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest:02d} s"
