"""Resuming a cut download: the ranged request that continues it, and whether its answer joins (no I/O).

A take's audio is an object in storage. When the connection breaks in the middle of its
body, the rest is asked for with ``Range: bytes=N-`` (and ``If-Range`` with the ETag, so
that a changed object comes back whole rather than spliced). An answer joins when it is
the same object continuing at byte N: a 206 whose Content-Range starts at N with the same
total length, and the same ETag where both have one. A 200 is the whole object again (a
server that ignores ranges, or a changed object): the same object is read past the N
bytes already kept; another one means starting over, which only a consumer that can take
back what it has (a file, memory) can do. Without a known length there is nothing to
check a continuation against, so the download starts over instead.

Resumes are bounded in time and by the client's retries: a download never goes longer than
``audio_timeout`` without a byte, resumes included; a cut that came after new bytes resumes
at once; ``max_retries`` cuts in a row with no byte between them end the download.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Mapping

from .._errors import DaisysConnectionError
from .retry import RetryPolicy

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class Join(enum.Enum):
    """How an answer's body joins what a download has already received."""

    APPEND = "append"
    """The body continues at the byte reached (or is the first body): take it all."""
    SKIP = "skip"
    """The body is the same object from its start: drop the bytes already received, then take the rest."""
    RESTART = "restart"
    """The body is another object, from its start: discard what was received, then take it all."""
    AGAIN = "again"
    """The body is of no use (a range of another object): discard what was received and ask again from byte 0."""


def content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``(first, last, total)`` of a ``Content-Range: bytes first-last/total`` (total None for ``*``)."""
    match = _CONTENT_RANGE.fullmatch(value.strip()) if value else None
    if match is None:
        return None
    return int(match[1]), int(match[2]), None if match[3] == "*" else int(match[3])


def _length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class Download:
    """One download's progress: what it asks for next, whether each answer joins, and when to give up.

    ``what`` names the download in errors ("take t-1"); ``window`` is the most seconds it
    may go without a byte (the audio timeout): no resume starts later than that after the
    last one (None: no limit).
    """

    def __init__(self, what: str, policy: RetryPolicy, window: float | None) -> None:
        self.what = what
        self.policy = policy
        self.window = window
        self._last_byte = time.monotonic()
        self.received = 0
        """Bytes of the object taken so far (after any skip)."""
        self.total: int | None = None
        """The object's length, once an answer has said it."""
        self.etag: str | None = None
        self.resumes = 0
        self.why = ""
        """Why the last answer did not continue the object, for the error when starting over is impossible."""
        self._cuts = 0  # cuts in a row with no byte taken between them
        self._taken = 0  # bytes taken in all, across restarts
        self._taken_at_cut = 0

    # -- the request ---------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        """Headers for the next request: a range from the byte reached, when a continuation can be checked."""
        if not self.received or self.total is None:
            return {}
        headers = {"Range": f"bytes={self.received}-"}
        if self.etag is not None and not self.etag.startswith("W/"):  # If-Range takes only a strong validator
            headers["If-Range"] = self.etag
        return headers

    # -- the answer ----------------------------------------------------------------------

    def answer(self, status: int, headers: Mapping[str, str]) -> Join:
        """How the body of an answer (200, 206, or 416 for a range past the end) joins what was received.

        ``headers`` is the answer's headers (case-insensitive, as httpx gives them). What the
        answer says of the object (its length, its ETag) is kept for the next check.
        """
        etag = headers.get("etag")
        if headers.get("content-encoding", "identity").lower() not in ("identity", ""):
            # Ranges count the encoded bytes, the body is read decoded: no byte count would agree.
            join = Join.RESTART if self.received else Join.APPEND
            self._forget()
            return join
        if status == 206:
            parts = content_range(headers.get("content-range"))
            if parts is not None and not self.received and parts[0] == 0:
                self.total, self.etag = parts[2], etag  # a range answer to a plain request: the whole object
                return Join.APPEND
            if parts is not None and self._continues(parts, etag):
                return Join.APPEND
            self.why = (
                f"the storage answered bytes {headers.get('content-range')} (ETag {etag}) to a request for "
                f"bytes {self.received}- of {self.total} (ETag {self.etag})"
            )
            self._forget()
            return Join.AGAIN
        if status == 416:
            self.why = f"the storage has no byte {self.received} of it any more (416)"
            self._forget()
            return Join.AGAIN
        total = _length(headers.get("content-length"))
        if not self.received:
            self.total, self.etag = total, etag
            return Join.APPEND
        if total is not None and total == self.total and self._same_etag(etag):
            return Join.SKIP
        self.why = (
            "the storage sent the audio again from its start, and "
            + (
                "without a length there is no telling it is the same"
                if total is None or self.total is None
                else f"it is not the same (length {total} and ETag {etag}, was {self.total} and {self.etag})"
            )
        )
        self.received = 0
        self.total, self.etag = total, etag
        return Join.RESTART

    def _continues(self, parts: tuple[int, int, int | None], etag: str | None) -> bool:
        first, _last, total = parts
        return first == self.received and total is not None and total == self.total and self._same_etag(etag)

    def _same_etag(self, etag: str | None) -> bool:
        return etag is None or self.etag is None or etag == self.etag

    def _forget(self) -> None:
        self.received = 0
        self.total = self.etag = None

    def got(self, size: int) -> None:
        """``size`` more bytes of the object were taken."""
        self.received += size
        self._taken += size
        self._last_byte = time.monotonic()

    def check_complete(self) -> None:
        """At the end of a body: a known length must have been reached, else the typed error is raised."""
        if self.total is not None and self.received != self.total:
            raise DaisysConnectionError(
                f"The audio stream of {self.what} ended at byte {self.received} of {self.total}."
            )

    def changed(self) -> DaisysConnectionError:
        """The error when the download had to start over and what was received cannot be taken back."""
        return DaisysConnectionError(
            f"The audio stream of {self.what} broke and cannot be resumed: {self.why or 'it changed'}; "
            "the audio already handed on cannot be taken back."
        )

    # -- after a cut ---------------------------------------------------------------------

    def after_cut(self) -> float | None:
        """Seconds to wait before resuming after the connection broke, or None to give up.

        New bytes since the last cut: resume at once (the connection was working). Otherwise
        back off as the retries do, up to ``max_retries`` cuts in a row; never past the
        deadline, and never with ``max_retries=0``.
        """
        if self._taken > self._taken_at_cut:
            self._cuts = 0
        else:
            self._cuts += 1
        self._taken_at_cut = self._taken
        if not self.policy.max_retries or self._cuts > self.policy.max_retries:
            return None
        delay = self.policy.backoff(self._cuts - 1) if self._cuts else 0.0
        deadline = self.deadline
        if deadline is not None and time.monotonic() + delay >= deadline:
            return None
        self.resumes += 1
        return delay

    @property
    def deadline(self) -> float | None:
        """The monotonic time after which no resume starts: ``window`` after the last byte (None: no limit)."""
        return None if self.window is None else self._last_byte + self.window

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no limit), for clipping a resumed request's timeouts."""
        deadline = self.deadline
        return None if deadline is None else max(deadline - time.monotonic(), 0.001)
