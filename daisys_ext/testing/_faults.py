"""Seeded fault injection for the API origin's product routes: 429/503 answers at `fail_rate`."""

from __future__ import annotations

import random
import threading

from ._options import Options
from ._server import Response, json_response

_DETAILS = {429: "Too Many Requests", 503: "Service Unavailable"}


class Faults:
    """Rolls seeded dice per product request; the same seed and request order give the same faults."""

    def __init__(self, options: Options) -> None:
        self._options = options
        self._lock = threading.Lock()
        self._rng = random.Random(options.seed)

    def reseed(self, seed: int) -> None:
        """Restart the dice from `seed`."""
        with self._lock:
            self._rng = random.Random(seed)

    def roll(self) -> Response | None:
        """A fault answer for this request, or None to serve it normally."""
        options = self._options
        if options.fail_rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= options.fail_rate:
                return None
            choices = (options.fail_status,) if isinstance(options.fail_status, int) else tuple(options.fail_status)
            status = self._rng.choice(choices)
        # Retry-After is whole seconds (RFC 9110); both fault kinds carry it, as rate limiters and proxies do.
        return json_response(
            status, {"detail": _DETAILS.get(status, "Fault")}, [("Retry-After", str(options.retry_after))]
        )
