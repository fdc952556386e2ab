"""Writing audio to files so that nothing is ever half-written: a temporary name, renamed when complete."""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def _read_umask() -> int:
    # Reading the umask means setting it; done once, at import, before any thread writes files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on failure it is removed."""
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, on both paths
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    try:
        yield handle  # type: ignore[misc]
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        # tempfile makes the file private (0600); give it the mode an ordinary new file would have.
        os.chmod(handle.name, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_UMASK)
        os.replace(handle.name, target)
    except BaseException:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
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

    def result(self) -> bytes | memoryview:
        if self._file is None:
            return bytes(self._buffer)
        if isinstance(self._file, str | os.PathLike):
            return mapped(self._file)
        return written_view(self._file, self._start)
