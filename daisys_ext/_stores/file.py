"""``FileTokenStore``: the tokens of one host's processes in one owner-only file, under an OS file lock."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from .._errors import DaisysInputError, DaisysTokenStoreError
from .._http.token_store import FORMAT_VERSION, LockWaits, StoredTokens

# How often a waiting process tries the lock again: a renewal takes a few milliseconds.
POLL_SECONDS = 0.005


class FileTokenStore:
    """Tokens shared by the processes of one host: a JSON file (0600, replaced atomically) and a lock file.

    The lock is the OS's (``flock`` on ``<path>.lock``): a process that dies holding it
    releases it at once. One file may hold several accounts, each under its own ``key``
    (the ``daisys`` command keeps one per auth service). POSIX only.
    """

    def __init__(self, path: str | os.PathLike[str], key: str = "default") -> None:
        self.path = Path(path)
        self.key = key
        self.lock_waits = LockWaits()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r}, key={self.key!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self.path), self.key))

    # -- the file ----------------------------------------------------------------------

    def load(self) -> StoredTokens | None:
        """This key's tokens, or None."""
        return StoredTokens.from_entry(self._read()["accounts"].get(self.key))

    def save(self, tokens: StoredTokens) -> None:
        """Replace this key's tokens: the whole file written anew and renamed over the old one."""
        data = self._read()
        data["accounts"][self.key] = tokens.to_entry()
        self._write(data)

    def clear(self) -> None:
        """Forget this key's tokens; the file goes when it holds no more."""
        data = self._read()
        if data["accounts"].pop(self.key, None) is None:
            return
        if data["accounts"]:
            self._write(data)
        else:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "accounts": {}}
        except OSError as exc:
            raise DaisysTokenStoreError(f"The token file {self.path} could not be read: {exc.strerror}.") from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
                raise ValueError("no accounts")
        except ValueError:
            problem = f"{self.path} is not a token file this version understands; remove it and log in again."
            raise DaisysTokenStoreError(problem) from None
        return data

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkstemp makes the file 0600: owner-only from its first byte, then renamed over the old one.
            handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(json.dumps(data, indent=2).encode())
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(name, self.path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)
                raise
        except OSError as exc:
            raise DaisysTokenStoreError(f"The token file {self.path} could not be written: {exc.strerror}.") from None

    # -- the lock ----------------------------------------------------------------------

    def _open_lock(self) -> int:
        try:
            import fcntl  # noqa: F401 - POSIX only; checked here so that the error says so
        except ImportError:
            raise DaisysInputError("FileTokenStore needs a POSIX system (fcntl); use RedisTokenStore.") from None
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DaisysTokenStoreError(f"The lock file {lock_path} could not be opened: {exc.strerror}.") from None

    def _try_lock(self, fd: int) -> bool:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _timed_out(self, wait: float) -> DaisysTokenStoreError:
        return DaisysTokenStoreError(f"The token file {self.path} stayed locked by another process for {wait:g} s.")

    def _polls(self, fd: int, wait: float) -> Iterator[None]:
        """Tries the lock on ``fd`` until it is taken, yielding each time the caller must sleep before trying again.

        The waiting is the caller's (``time.sleep`` or ``asyncio.sleep``), so both flavours share this loop.
        """
        started = time.monotonic()
        while not self._try_lock(fd):
            if time.monotonic() - started >= wait:
                raise self._timed_out(wait)
            yield
        self.lock_waits.record(time.monotonic() - started)

    @contextlib.contextmanager
    def lock(self, wait: float, hold: float) -> Iterator[None]:
        """Hold the file lock (``hold`` is not needed: the OS releases the lock of a process that dies)."""
        fd = self._open_lock()
        try:
            for _ in self._polls(fd, wait):
                time.sleep(POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    # -- the same for asyncio: the lock is polled with asyncio.sleep, the file read in a thread -------

    async def async_load(self) -> StoredTokens | None:
        """``load``, in a thread beside the event loop."""
        import asyncio

        return await asyncio.to_thread(self.load)

    async def async_save(self, tokens: StoredTokens) -> None:
        """``save``, in a thread beside the event loop."""
        import asyncio

        await asyncio.to_thread(self.save, tokens)

    async def async_clear(self) -> None:
        """``clear``, in a thread beside the event loop."""
        import asyncio

        await asyncio.to_thread(self.clear)

    @contextlib.asynccontextmanager
    async def async_lock(self, wait: float, hold: float) -> AsyncIterator[None]:
        """``lock``, polled with ``asyncio.sleep`` (the event loop goes on)."""
        import asyncio

        fd = self._open_lock()
        try:
            for _ in self._polls(fd, wait):
                await asyncio.sleep(POLL_SECONDS)
            yield
        finally:
            os.close(fd)
