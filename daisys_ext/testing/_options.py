"""The emulator's tunable knobs, changeable while it runs (tests turn faults on mid-run)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

FAIL_REPORTS = ("status", "status_then_message", "message_then_status")
"""How the worker may report a failed take (``ws_fail_report``)."""


@dataclasses.dataclass
class Options:
    """Behaviour settings read on every request, so assigning a field takes effect immediately.

    token_ttl: seconds an access token stays valid. take_seconds: how long a take (or a voice's example take) takes
    from "waiting" to "ready". fail_rate: probability that a product route answers with a fault instead.
    fail_status: the fault status, 429 or 503, or a tuple of them to pick from. retry_after: the `Retry-After`
    seconds sent with faults. seed: seeds the fault dice and the worker. latency: seconds added before every
    answer of the API and storage origins. ws_shuffle_window / ws_drop_after / ws_cut_after: handed to the
    websocket worker (shuffled frames; a drop between requests; a drop in the middle of a request).
    ws_fail_report: how the worker reports a failed take, "status" (its status error only), "status_then_message"
    or "message_then_status" (also an error message for the request, after or before that status).
    presign_ttl: lifetime in seconds of storage URLs. ws_url_ttl: lifetime of worker URLs. error_marker: text
    (in a take's text or a voice's name) that makes generation end in status "error". rotate_refresh_tokens:
    single-use refresh tokens, as a real service may have: a refresh answers a new refresh token and the one used is
    refused from then on (off: a refresh token stays good until logout, as the documentation describes).
    """

    token_ttl: float = 3600.0
    take_seconds: float = 1.0
    fail_rate: float = 0.0
    fail_status: int | tuple[int, ...] = (429, 503)
    retry_after: int = 1
    seed: int = 0
    latency: float = 0.0
    ws_shuffle_window: int = 0
    ws_drop_after: int | None = None
    ws_cut_after: int | None = None
    ws_fail_report: str = "status"
    presign_ttl: int = 600
    ws_url_ttl: int = 3600
    error_marker: str = "[[fail]]"
    rotate_refresh_tokens: bool = False

    def __post_init__(self) -> None:
        self._listeners: list[Callable[[str, Any], None]] = []

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "ws_fail_report" and value not in FAIL_REPORTS:
            raise ValueError(f"ws_fail_report must be one of {', '.join(FAIL_REPORTS)}, not {value!r}")
        object.__setattr__(self, name, value)
        # Listeners (the emulator) reseed the fault dice when the seed changes.
        if name != "_listeners" and hasattr(self, "_listeners"):
            for listener in self._listeners:
                listener(name, value)

    def subscribe(self, listener: Callable[[str, Any], None]) -> None:
        """Call `listener(field, value)` after every assignment to a field."""
        self._listeners.append(listener)

    def copy(self) -> Options:
        """An independent copy without listeners."""
        return Options(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def update_from(self, other: Options) -> None:
        """Assign every field of `other` to this object (listeners fire)."""
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(other, field.name))


OPTION_NAMES = tuple(f.name for f in dataclasses.fields(Options))
