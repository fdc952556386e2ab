"""Writing audio to files so that nothing is ever half-written: a temporary name, renamed when complete."""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def temporary_names(path: Path) -> list[Path]:
    """Leftovers of an interrupted `atomic_file` write of ``path`` (a process killed mid-write leaves them)."""
    escaped = re.sub(r"([*?\[])", r"[\1]", path.name)
    return list(path.parent.glob(f".{escaped}.*.part"))


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on failure it is removed.

    ``mode`` (0o600 for credentials) is the file's from its creation on; without it the file
    keeps the mode of the one it replaces, or gets an ordinary new file's (the umask's).
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.urandom(6).hex()}.part")
    # Created with the mode asked for (the OS applies the umask), so the umask is never read: reading it sets it.
    created = 0o666 if mode is None else mode
    handle = open(temporary, "xb", opener=lambda name, flags: os.open(name, flags, created))  # noqa: SIM115 - closed below
    try:
        if mode is not None or target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o777 if mode is None else mode)
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temporary, target)
    except BaseException:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def output_file(file: str | os.PathLike[str] | BinaryIO) -> Iterator[BinaryIO]:
    """Where audio is written: a path opens atomically (see `atomic_file`); a file object is used as it is."""
    if isinstance(file, str | os.PathLike):
        with atomic_file(file) as out:
            yield out
    else:
        yield file


def mapped(path: str | os.PathLike[str]) -> memoryview:
    """A read-only, memory-mapped view of a finished file: bytes-like without reading it into memory."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return memoryview(b"")
        return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))


def written_view(target: BinaryIO, start: int) -> memoryview:
    """What was written to a caller's file object since ``start``, without another copy where possible."""
    if isinstance(target, io.BytesIO):
        return target.getbuffer()[start:]
    target.flush()
    try:
        return mapped(target.name)[start:] if isinstance(target.name, str) else memoryview(b"")
    except (AttributeError, OSError):
        return memoryview(b"")


class AudioSink:
    """Where downloaded audio goes: memory, a path (atomically), or a caller's binary file object.

    ``result()`` is what ``get_take_audio`` returns: the bytes when kept in memory, else a
    view of what was written (memory-mapped for files), so a file download stays at
    constant memory.
    """

    def __init__(self, file: str | os.PathLike[str] | BinaryIO | None) -> None:
        self._file = file
        self._buffer = bytearray()
        self._stack = contextlib.ExitStack()
        self._out: BinaryIO | None = None
        self._start = 0

    def __enter__(self) -> AudioSink:
        if self._file is not None:
            self._out = self._stack.enter_context(output_file(self._file))
            if not isinstance(self._file, str | os.PathLike):
                self._start = self._file.tell() if self._file.seekable() else 0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.__exit__(*exc_info)  # type: ignore[arg-type]

    def write(self, chunk: bytes) -> None:
        if self._out is None:
            self._buffer += chunk
        else:
            self._out.write(chunk)

    def restart(self) -> bool:
        """Take back everything written, for a download that starts over; False where that cannot be done."""
        if self._out is None:
            self._buffer.clear()
            return True
        try:
            if not self._out.seekable():
                return False
            self._out.seek(self._start)
            self._out.truncate()
        except (OSError, ValueError):
            return False
        return True

    def result(self) -> bytes | memoryview:
        if self._file is None:
            return bytes(self._buffer)
        if isinstance(self._file, str | os.PathLike):
            return mapped(self._file)
        return written_view(self._file, self._start)
