"""Delivers webhook POSTs from a background thread, in order, recording outcomes instead of raising."""

from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class WebhookDelivery:
    """One webhook call: where, what, and how it went (`status_code` None and `error` set when it failed)."""

    url: str
    kind: str  # "status" or "done"
    payload: dict[str, Any]
    time: float
    status_code: int | None = None
    error: str | None = None


Job = tuple[dict[str, Any], str, dict[str, Any], Callable[[int | None], None]]


class WebhookSender:
    """A daemon thread posting JSON payloads; `deliveries` lists every attempt."""

    def __init__(self, timeout: float = 2.0) -> None:
        self._timeout = timeout
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[WebhookDelivery] = []
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread = threading.Thread(target=self._run, name="daisys-emulator-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the calls already queued."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def send(
        self, webhook: dict[str, Any], kind: str, payload: dict[str, Any], done: Callable[[int | None], None]
    ) -> None:
        """Queue a POST of `payload` to `webhook["post_url"]`; `done(status_code)` runs afterwards."""
        self._queue.put((webhook, kind, payload, done))

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery attempt so far."""
        with self._lock:
            return list(self._deliveries)

    def clear(self) -> None:
        """Forget past deliveries."""
        with self._lock:
            self._deliveries.clear()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            webhook, kind, payload, done = job
            delivery = WebhookDelivery(webhook["post_url"], kind, payload, time.time())
            request = urllib.request.Request(
                delivery.url,
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "User-Agent": "daisys-emulator"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    delivery.status_code = response.status
            except urllib.error.HTTPError as exc:
                delivery.status_code = exc.code
            except Exception as exc:  # a webhook receiver's failure must never break the emulator
                delivery.error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._deliveries.append(delivery)
            done(delivery.status_code)
