"""Locks, signals, queues, sleeping and work beside the caller: the only concurrency that differs by flavour.

The code under ``_async/`` uses the ``Async*`` classes and ``async_*`` functions below;
``scripts/unasync.py`` writes the code under ``_sync/`` from it by dropping the prefix, which
names the threaded twin defined beside each one here (as httpcore's ``_synchronization``).
asyncio is imported by the async classes when first used: a program with only the sync
client never loads it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any


class AsyncLock:
    """Mutual exclusion between tasks, held across awaits (opening a connection, renewing a token)."""

    def __init__(self) -> None:
        import asyncio

        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


class Lock:
    """Mutual exclusion between threads; re-entrant, as a connection lost while opening one re-enters it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


class AsyncAtomic:
    """Marks a block that reads and changes shared state as one step; in asyncio nothing is needed for that.

    A block without an ``await`` already runs as one step between tasks, so this is no lock:
    it says, in the one source, where the threaded twin (`Atomic`) must hold one.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class Atomic(Lock):
    """Makes a block that reads and changes state shared between threads one step: a re-entrant lock."""


class AsyncSignal:
    """A one-shot signal that tasks wait on, with a timeout."""

    def __init__(self) -> None:
        import asyncio

        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float | None) -> bool:
        """Wait until set or ``timeout`` seconds (None: no limit); True when set."""
        import asyncio

        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            return False
        return True


class Signal:
    """A one-shot signal that threads wait on, with a timeout."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None) -> bool:
        """Wait until set or ``timeout`` seconds (None: no limit); True when set."""
        return self._event.wait(timeout)


async def async_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


class AsyncQueue:
    """Items handed from a background task to the caller, in order."""

    def __init__(self) -> None:
        import asyncio

        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    def put(self, item: Any) -> None:
        self._queue.put_nowait(item)

    def get_nowait(self) -> Any:
        """The next item, or `EMPTY` when there is none yet."""
        import asyncio

        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return EMPTY

    async def get(self) -> Any:
        return await self._queue.get()


class Queue:
    """Items handed from a background thread to the caller, in order."""

    def __init__(self) -> None:
        import queue

        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def put(self, item: Any) -> None:
        self._queue.put(item)

    def get_nowait(self) -> Any:
        """The next item, or `EMPTY` when there is none yet."""
        import queue

        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return EMPTY

    def get(self) -> Any:
        return self._queue.get()


EMPTY = object()
"""What ``get_nowait`` gives when a queue has nothing."""


class AsyncBackground:
    """Work running beside the caller: a task, cancelled by ``stop``."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.stopped = False
        self._work = work
        self._task: Any = None

    def start(self) -> None:
        import asyncio

        self._task = asyncio.ensure_future(self._work())

    async def stop(self) -> None:
        """Stop the work and wait for it to end."""
        import asyncio

        self.stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class Background:
    """Work running beside the caller: a daemon thread, told to stop by ``stop``.

    A thread cannot be interrupted: work blocked in a call (reading a slow generator) ends
    when that call returns and it sees ``stopped``; ``stop`` does not wait for that.
    """

    def __init__(self, work: Callable[[], Any]) -> None:
        self.stopped = False
        self._thread = threading.Thread(target=work, name="daisys-ext-background", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Tell the work to stop."""
        self.stopped = True


async def async_run_blocking(function: Callable[[], Any]) -> Any:
    """Run a blocking call in a thread, so the event loop goes on meanwhile."""
    import asyncio

    return await asyncio.to_thread(function)


def run_blocking(function: Callable[[], Any]) -> Any:
    """Run a blocking call."""
    return function()


async def async_run_to_the_end(function: Callable[[], Any]) -> Any:
    """`async_run_blocking` that a cancellation cannot cut short: for cleanup that must finish (closing a device)."""
    import asyncio

    return await asyncio.shield(asyncio.to_thread(function))


def run_to_the_end(function: Callable[[], Any]) -> Any:
    """Run a blocking call (cleanup that must finish: nothing here can cut it short)."""
    return function()


class AsyncSemaphore:
    """At most ``value`` tasks past it at once; the others wait their turn, in order."""

    def __init__(self, value: int) -> None:
        import asyncio

        self._semaphore = asyncio.Semaphore(value)

    async def acquire(self) -> None:
        await self._semaphore.acquire()

    def release(self) -> None:
        self._semaphore.release()


class Semaphore:
    """At most ``value`` threads past it at once; the others wait their turn."""

    def __init__(self, value: int) -> None:
        self._semaphore = threading.Semaphore(value)

    def acquire(self) -> None:
        self._semaphore.acquire()

    def release(self) -> None:
        self._semaphore.release()
