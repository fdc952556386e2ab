"""Deadlines on the monotonic clock: an operation's timeout, shared by the steps it takes."""

from __future__ import annotations

import time


def deadline_after(timeout: float | None) -> float | None:
    """The monotonic time ``timeout`` seconds from now; None for no limit."""
    return None if timeout is None else time.monotonic() + timeout


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (never negative); None for no limit."""
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
