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

    first: float = 0.1
    factor: float = 1.5
    maximum: float = 2.0

    @classmethod
    def fixed(cls, seconds: float) -> PollSchedule:
        return cls(first=seconds, factor=1.0, maximum=seconds)

    def intervals(self) -> Iterator[float]:
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


class WaitTracker(Generic[T]):
    """The last state of every id being waited for; tells which are pending and whether anything changed."""

    def __init__(self, ids: Sequence[str], id_of: Callable[[T], str]) -> None:
        self.ids = list(dict.fromkeys(ids))
        self._id_of = id_of
        self.items: dict[str, T] = {}

    def update(self, items: Sequence[T]) -> bool:
        """Record fresh states; True when any id's status changed (or was seen for the first time)."""
        changed = False
        for item in items:
            key = self._id_of(item)
            if key in self.ids:
                old = self.items.get(key)
                changed |= old is None or old.status != item.status
                self.items[key] = item
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

    def pause(self, interval: float, deadline: float | None) -> float:
        """How long to sleep before the next round; past the deadline, the timeout error."""
        if deadline is None:
            return interval
        remaining = deadline - time.monotonic()
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
