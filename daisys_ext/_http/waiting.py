"""Polling until takes or voices are done: the schedule and the bookkeeping, shared by sync and async."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .._errors import DaisysGenerateError, DaisysTimeoutError

if TYPE_CHECKING:
    from daisys_speak_api.models import Status

# Final states that are failures (Status is a StrEnum: its members equal these strings).
FAILED = frozenset({"error", "timeout"})

# Keep ``?take_id=a,b,c`` under the URL lengths servers and proxies accept (8 KiB is common): about 200 ids.
MAX_IDS_QUERY = 6000


class _Item(Protocol):
    @property
    def status(self) -> Status: ...


T = TypeVar("T", bound=_Item)


@dataclass(frozen=True)
class PollSchedule:
    """Intervals between polls: short at first (takes often finish in a second or two), then backing off."""

    first: float = 0.3
    factor: float = 1.4
    maximum: float = 1.5

    @classmethod
    def fixed(cls, seconds: float) -> PollSchedule:
        """A schedule that polls every ``seconds``, without backing off."""
        return cls(first=seconds, factor=1.0, maximum=seconds)

    def intervals(self) -> Iterator[float]:
        """The waits between polls, in seconds: ``first``, then each ``factor`` times longer, up to ``maximum``."""
        interval = self.first
        while True:
            yield interval
            interval = min(interval * self.factor, self.maximum)


def batches(ids: Sequence[str], max_query: int = MAX_IDS_QUERY) -> list[list[str]]:
    """Split ``ids`` into lists whose comma-joined form stays within ``max_query`` characters."""
    result: list[list[str]] = []
    current: list[str] = []
    length = 0
    for item in ids:
        extra = len(item) + (1 if current else 0)
        if current and length + extra > max_query:
            result.append(current)
            current, length, extra = [], 0, len(item)
        current.append(item)
        length += extra
    if current:
        result.append(current)
    return result


# How far generation has got, by status: the service reports a quarter at a time.
PROGRESS = {"started": 0.0, "progress_25": 0.25, "progress_50": 0.5, "progress_75": 0.75}
MARGIN = 0.015
"""Seconds after the estimated ready moment to poll: a little late rather than once too early."""
LATE_POLL = 0.03
"""After the estimate passed with the item still pending: poll again this soon, twice as long each time."""
MAX_BLIND = 4.0
"""Never more than this without a poll on an estimate's word (an error can come at any moment)."""


class ReadyEstimate:
    """When an item will be ready, from the moments its progress statuses were first seen.

    A status seen for the first time was reached between the poll before and this one: the
    middle is taken. Two such marks give the pace; the rest of the way at that pace gives
    the moment. The waiting loop polls then, instead of on a blind schedule: sooner after
    the ready moment, with fewer polls before it.
    """

    def __init__(self, start: float) -> None:
        self._previous = start  # the moment of the last poll (at first, of the request that made the item)
        self._fraction: float | None = None
        self._marks: list[tuple[float, float]] = []  # (fraction, estimated moment it was reached)
        self._late_polls = 0

    def observe(self, status: str, now: float) -> None:
        fraction = PROGRESS.get(status)
        ready = self.ready_at()
        if fraction is not None and (self._fraction is None or fraction > self._fraction):
            self._marks.append((fraction, (self._previous + now) / 2))
            self._fraction = fraction
        elif ready is not None and now >= ready:
            self._late_polls += 1
        self._previous = now

    def ready_at(self) -> float | None:
        """The estimated ready moment, once two progress marks give a pace; None before."""
        if len(self._marks) < 2:
            return None
        (f1, t1), (f2, t2) = self._marks[0], self._marks[-1]
        if t2 <= t1:
            return None
        return t2 + (1.0 - f2) * (t2 - t1) / (f2 - f1)

    def wait(self, now: float) -> float | None:
        """Seconds until this item is best polled again; None without an estimate."""
        ready = self.ready_at()
        if ready is None:
            return None
        if ready + MARGIN > now:
            return ready + MARGIN - now
        return LATE_POLL * 2.0**self._late_polls


class WaitTracker(Generic[T]):
    """The last state of every id being waited for; tells which are pending and whether anything changed."""

    def __init__(self, ids: Sequence[str], id_of: Callable[[T], str], now: float | None = None) -> None:
        self.ids = list(dict.fromkeys(ids))
        self._id_of = id_of
        self.items: dict[str, T] = {}
        start = time.monotonic() if now is None else now
        self._estimates = {i: ReadyEstimate(start) for i in self.ids}

    def update(self, items: Sequence[T], now: float | None = None) -> bool:
        """Record fresh states; True when any id's status changed (or was seen for the first time)."""
        now = time.monotonic() if now is None else now
        changed = False
        for item in items:
            key = self._id_of(item)
            if key in self.ids:
                old = self.items.get(key)
                changed |= old is None or old.status != item.status
                self.items[key] = item
                self._estimates[key].observe(item.status, now)  # a StrEnum: its value as a str
        return changed

    def pending(self) -> list[str]:
        return [i for i in self.ids if i not in self.items or not self.items[i].status.done()]

    @property
    def done(self) -> bool:
        return not self.pending()

    def results(self) -> list[T]:
        return [self.items[i] for i in self.ids if i in self.items]

    def failed(self) -> list[T]:
        return [item for item in self.results() if item.status in FAILED]

    def missing(self, asked: Sequence[str], answered: Sequence[T]) -> list[str]:
        """Ids asked for that a list answer left out."""
        seen = {self._id_of(item) for item in answered}
        return [i for i in asked if i not in seen]

    @staticmethod
    def deadline(timeout: float | None) -> float | None:
        return None if timeout is None else time.monotonic() + timeout

    def pause(
        self, interval: float, deadline: float | None, *, estimate: bool = False, now: float | None = None
    ) -> float:
        """How long to sleep before the next round; past the deadline, the timeout error.

        With ``estimate``, once every pending item has an estimated ready moment, the round
        comes at the soonest of them instead of after ``interval``.
        """
        now = time.monotonic() if now is None else now
        if estimate:
            waits = [self._estimates[i].wait(now) for i in self.pending()]
            if waits and all(w is not None for w in waits):
                interval = min(min(w for w in waits if w is not None), MAX_BLIND)
        if deadline is None:
            return interval
        remaining = deadline - now
        if remaining <= 0:
            pending = ", ".join(self.pending())
            raise DaisysTimeoutError(f"Timed out waiting for {pending}; see .last for their states.", self.results())
        return min(interval, remaining)

    @staticmethod
    def check(results: Sequence[Any], raise_on_error: bool, error: type[DaisysGenerateError], kind: str) -> None:
        """Raise ``error`` when any result ended in error or timeout, if asked to."""
        failed = [r for r in results if r.status in FAILED]
        if failed and raise_on_error:
            names = ", ".join(f"{getattr(r, kind + '_id')} ({r.status.value})" for r in failed)
            raise error(f"Generating {kind} failed: {names}", results[0] if len(results) == 1 else list(results))
