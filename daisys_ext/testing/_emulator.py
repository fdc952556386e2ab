"""The Emulator: the Daisys API, storage and websocket worker origins on 127.0.0.1 (the API's port may be chosen)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Generic, TypeVar

from ._api import PRODUCT, ApiApp
from ._auth import Auth
from ._backend import Backend
from ._faults import Faults
from ._options import Options
from ._record import RecordedRequest, RequestLog
from ._server import AppServer
from ._state import Store
from ._storage import Presigner, StorageApp
from ._webhooks import WebhookDelivery, WebhookSender
from ._worker import WebsocketWorker

T = TypeVar("T")

class _Option(Generic[T]):
    """An Emulator attribute that reads and writes the field of the same name in `Emulator.options`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, emulator: Emulator, owner: type | None = None) -> T:
        value: T = getattr(emulator.options, self._name)
        return value

    def __set__(self, emulator: Emulator, value: T) -> None:
        setattr(emulator.options, self._name, value)


class Emulator:
    """A faithful local Daisys Speak service for tests and demos.

    Three origins as in production: `api_url` (auth and `/v1/speak`), `storage_url` (presigned audio URLs) and
    `worker_url` (the websocket worker). Every knob is also an attribute (`emu.fail_rate = 0.3`) or a field of
    `emu.options`, and takes effect on the next request. Use as a context manager or call start()/stop().
    """

    token_ttl: _Option[float] = _Option()
    take_seconds: _Option[float] = _Option()
    fail_rate: _Option[float] = _Option()
    fail_status: _Option[int | tuple[int, ...]] = _Option()
    retry_after: _Option[int] = _Option()
    seed: _Option[int] = _Option()
    latency: _Option[float] = _Option()
    ws_shuffle_window: _Option[int] = _Option()
    ws_drop_after: _Option[int | None] = _Option()
    ws_cut_after: _Option[int | None] = _Option()
    ws_fail_report: _Option[str] = _Option()
    presign_ttl: _Option[int] = _Option()
    ws_url_ttl: _Option[int] = _Option()
    error_marker: _Option[str] = _Option()
    rotate_refresh_tokens: _Option[bool] = _Option()

    def __init__(
        self,
        email: str = "user@example.com",
        password: str = "pw",
        *,
        token_ttl: float = 3600.0,
        take_seconds: float = 1.0,
        fail_rate: float = 0.0,
        fail_status: int | tuple[int, ...] = (429, 503),
        retry_after: int = 1,
        seed: int = 0,
        latency: float = 0.0,
        ws_shuffle_window: int = 0,
        ws_drop_after: int | None = None,
        ws_cut_after: int | None = None,
        ws_fail_report: str = "status",
        presign_ttl: int = 600,
        ws_url_ttl: int = 3600,
        error_marker: str = "[[fail]]",
        rotate_refresh_tokens: bool = False,
        worker: bool = True,
        port: int = 0,
    ) -> None:
        self.options = Options(
            token_ttl=token_ttl,
            take_seconds=take_seconds,
            fail_rate=fail_rate,
            fail_status=fail_status,
            retry_after=retry_after,
            seed=seed,
            latency=latency,
            ws_shuffle_window=ws_shuffle_window,
            ws_drop_after=ws_drop_after,
            ws_cut_after=ws_cut_after,
            ws_fail_report=ws_fail_report,
            presign_ttl=presign_ttl,
            ws_url_ttl=ws_url_ttl,
            error_marker=error_marker,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self._initial = self.options.copy()
        self._with_worker = worker
        self._port = port  # of the API origin (the one clients are pointed at); 0: any free one
        self._log = RequestLog()
        self._auth = Auth(email, password, self.options)
        self._webhooks = WebhookSender()
        self._store = Store(self.options, self._webhooks)
        self._presigner = Presigner(self.options)
        self._faults = Faults(self.options)
        self._api: AppServer | None = None
        self._storage: AppServer | None = None
        self._worker: WebsocketWorker | None = None
        self._worker_url: str | None = None
        self.options.subscribe(self._option_changed)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start all origins (idempotent); returns self."""
        if self._api is not None:
            return self
        self._webhooks.start()
        self._store.start()
        self._storage = AppServer(StorageApp(self._store, self._presigner, self.options), "storage", self._log)
        self._storage.start()
        api = ApiApp(
            self._auth,
            self._store,
            self._presigner,
            self._faults,
            self.options,
            storage_url=lambda: self.storage_url,
            worker_url=lambda: self._worker_url,
        )
        self._api = AppServer(api, "api", self._log, self._port)
        self._api.start()
        if self._with_worker:
            self._worker = WebsocketWorker(Backend(self._auth, self._store, self._log), self.options)
            self._worker_url = self._worker.start()
        return self

    def stop(self) -> None:
        """Stop all origins and background threads (idempotent)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker, self._worker_url = None, None
        for server in (self._api, self._storage):
            if server is not None:
                server.stop()
        self._api = self._storage = None
        self._store.stop()
        self._webhooks.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget voices, takes, recorded requests and webhook deliveries, and restore the constructor's options.

        Tokens stay valid so a long-lived client keeps working across tests.
        """
        self.options.update_from(self._initial)
        self._faults.reseed(self.options.seed)
        self._store.clear()
        self._log.clear()
        self._webhooks.clear()

    def _option_changed(self, name: str, value: Any) -> None:
        if name == "seed":
            self._faults.reseed(value)

    # -- addresses and credentials -------------------------------------------------------------------------------

    def _running(self, server: AppServer | None) -> AppServer:
        if server is None:
            raise RuntimeError("the emulator is not running; call start() or use it in a with block")
        return server

    @property
    def api_url(self) -> str:
        """Base URL of the API origin: a client's `daisys_url` and `auth_url`."""
        return self._running(self._api).url

    @property
    def product_url(self) -> str:
        """`api_url` + "/v1/speak"."""
        return self.api_url + PRODUCT

    @property
    def storage_url(self) -> str:
        """Base URL of the storage origin that presigned audio URLs point at."""
        return self._running(self._storage).url

    @property
    def worker_url(self) -> str:
        """Base `ws://` URL of the websocket worker."""
        if self._worker_url is None:
            raise RuntimeError("the websocket worker is not running")
        return self._worker_url

    @property
    def email(self) -> str:
        """The account's email."""
        return self._auth.email

    @property
    def password(self) -> str:
        """The account's password."""
        return self._auth.password

    # -- observation -----------------------------------------------------------------------------------------------

    @property
    def environment(self) -> dict[str, str]:
        """The ``DAISYS_*`` variables that point ``daisys_ext`` and the ``daisys`` command at this emulator."""
        return {
            "DAISYS_API_URL": self.api_url,
            "DAISYS_AUTH_URL": self.api_url,
            "DAISYS_EMAIL": self.email,
            "DAISYS_PASSWORD": self.password,
        }

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the origins received so far, oldest first."""
        return self._log.snapshot()

    def requests_to(self, origin: str, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests of one origin ("api", "storage" or "worker"), optionally only those for `path`."""
        return [r for r in self._log.snapshot() if r.origin == origin and (path is None or r.path == path)]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST attempted so far, with its outcome."""
        return self._webhooks.deliveries

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of internal errors in the HTTP origins (should stay empty)."""
        return [e for s in (self._api, self._storage) if s is not None for e in s.errors]

    def wait_for_webhooks(self, count: int, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Wait until at least `count` webhook deliveries were attempted; returns them all."""
        deadline = time.monotonic() + timeout
        while len(deliveries := self._webhooks.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return deliveries
