"""The record of every request each origin received, for tests to inspect."""

from __future__ import annotations

import dataclasses
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping


class Headers(Mapping[str, str]):
    """Read-only HTTP headers with case-insensitive lookup (the last value wins for repeated names)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = list(items)
        self._lower = {k.lower(): v for k, v in self._items}

    def __getitem__(self, name: str) -> str:
        return self._lower[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def __iter__(self) -> Iterator[str]:
        return iter(self._lower)

    def __len__(self) -> int:
        return len(self._lower)

    def items_raw(self) -> list[tuple[str, str]]:
        """Headers as received: original case and order, repeats kept."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclasses.dataclass
class RecordedRequest:
    """One request as an origin ("api", "storage" or "worker") received it; `status` is filled once answered."""

    origin: str
    method: str
    path: str
    query: str
    headers: Headers
    time: float
    body: bytes = b""
    status: int | None = None

    def header(self, name: str) -> str | None:
        """A header's value, case-insensitively, or None."""
        return self.headers.get(name)

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string parsed."""
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)


class RequestLog:
    """Thread-safe append-only list of RecordedRequest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, item: RecordedRequest) -> None:
        """Append a record."""
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the records so far, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._items.clear()
