"""Polling until takes or voices are done: the schedule and the bookkeeping, shared by sync and async."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .._errors import DaisysGenerateError, DaisysInputError, DaisysTimeoutError
from .ready import MAX_GAP, ReadyEstimate, ReadyHistory

if TYPE_CHECKING:
    from daisys_speak_api.models import Status

# Final states that are failures (Status is a StrEnum: its members equal these strings).
FAILED = frozenset({"error", "timeout"})

# Keep ``?take_id=a,b,c`` under the URL lengths servers and proxies accept (8 KiB is common): about 200 ids.
MAX_IDS_QUERY = 6000
# A round also polls the ids due this soon after it: one list request rather than two a moment apart.
ROUND_SLACK = 0.01


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


def wait_seconds(wait_timeout: float | None, timeout: float | None) -> float | None:
    """The polling deadline in seconds, given as ``wait_timeout`` or by the official SDK's name ``timeout``."""
    if timeout is not None and wait_timeout is not None and timeout != wait_timeout:
        raise DaisysInputError(f"wait_timeout={wait_timeout} and timeout={timeout} disagree; give one of them")
    return wait_timeout if wait_timeout is not None else timeout


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


class WaitTracker(Generic[T]):
    """The last state of every id being waited for: which are pending, which are due for a poll, when next.

    With ``planned``, each id is polled when its own `ReadyEstimate` says; without, every pending id in
    every round, after the fixed ``schedule``. ``now`` is the earliest moment an id can have moved on (when
    its generate request was sent; by default, now). ``describe`` gives an item's (voice id, text length)
    for the ``history`` of generation times.
    """

    def __init__(
        self,
        ids: Sequence[str],
        id_of: Callable[[T], str],
        *,
        now: float | None = None,
        planned: bool = True,
        history: ReadyHistory | None = None,
        describe: Callable[[T], tuple[str, int] | None] | None = None,
    ) -> None:
        self.ids = list(dict.fromkeys(ids))
        self._id_of = id_of
        self.items: dict[str, T] = {}
        self.planned = planned
        self._history = history
        self._describe = describe
        self._start = time.monotonic() if now is None else now
        self._estimates: dict[str, ReadyEstimate] = {}
        self._timed: set[str] = set()

    def update(
        self, items: Sequence[T], sent: float | None = None, received: float | None = None, *, poll: bool = True
    ) -> bool:
        """Record fresh states from a request sent at ``sent`` and answered at ``received``; True when any
        id's status changed (or was seen for the first time)."""
        received = time.monotonic() if received is None else received
        sent = received if sent is None else sent
        changed = False
        for item in items:
            key = self._id_of(item)
            if key in self.ids:
                old = self.items.get(key)
                changed |= old is None or old.status != item.status
                self.items[key] = item
                if key not in self._estimates and not poll and item.status == "waiting":
                    self._timed.add(key)  # seen from its generate answer on: its generation time can be learned
                self._estimate(key, item).observe(item.status, sent, received, poll=poll)  # a StrEnum: a str
                self._remember(key, item)
        return changed

    def _estimate(self, key: str, item: T) -> ReadyEstimate:
        estimate = self._estimates.get(key)
        if estimate is None:
            described = self._describe(item) if self._describe is not None else None
            expected = None
            if described is not None and self._history is not None:
                expected = self._history.expected(*described)
            estimate = self._estimates[key] = ReadyEstimate(self._start, expected)
        return estimate

    def _remember(self, key: str, item: T) -> None:
        if self._history is None or self._describe is None or item.status != "ready" or key not in self._timed:
            return
        described = self._describe(item)
        seconds = self._estimates[key].generated_in()
        if described is not None and seconds is not None and self._estimates[key].polls:
            self._history.record(*described, seconds)

    def pending(self) -> list[str]:
        return [i for i in self.ids if i not in self.items or not self.items[i].status.done()]

    def due(self, now: float | None = None) -> list[str]:
        """The pending ids to poll in a round at ``now``: all of them unless planned; else those due by then."""
        pending = self.pending()
        if not self.planned:
            return pending
        now = time.monotonic() if now is None else now
        return [i for i in pending if self._next(i, now) <= now + ROUND_SLACK]

    def _next(self, key: str, now: float) -> float:
        estimate = self._estimates.get(key)
        return now if estimate is None else estimate.due(now)

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

    def pause(self, interval: float, deadline: float | None, *, now: float | None = None) -> float:
        """How long to sleep before the next round; past the deadline, the timeout error.

        Planned, the round comes when the first pending id is due; else after ``interval``.
        """
        now = time.monotonic() if now is None else now
        if self.planned:
            soonest = min((self._next(i, now) for i in self.pending()), default=now)
            interval = min(max(0.0, soonest - now), MAX_GAP)  # never asleep for good, whatever a plan said
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
