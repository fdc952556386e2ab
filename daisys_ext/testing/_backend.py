"""The emulator's side of the websocket worker interface: tokens, takes, voices, audio and the request record."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from . import _audio, _catalog, _validation as v
from ._auth import Auth
from ._record import Headers, RecordedRequest, RequestLog
from ._state import NotFound, Store
from ._worker import BackendError


class Backend:
    """Implements `_worker.WorkerBackend` over the emulator's Auth, Store and RequestLog."""

    def __init__(self, auth: Auth, store: Store, log: RequestLog) -> None:
        self._auth = auth
        self._store = store
        self._log = log

    def ws_token_model(self, token: str) -> str | None:
        """The model a worker-URL token was issued for, or None if unknown or expired."""
        return self._auth.worker_token_model(token)

    def start_take(self, body: object, model: str) -> dict[str, Any]:
        """Validate a TakeGenerate like POST /takes/generate, create a worker-driven take, return its TakeResponse."""
        errors: v.Errors = []
        request = v.take_generate(body, ("data",), errors)
        if request is None:
            raise BackendError(v.describe(errors))
        try:
            return self._store.create_takes([request], external=True)[0]
        except NotFound as exc:
            raise BackendError(str(exc)) from None

    def start_voice(self, body: object) -> tuple[dict[str, Any], str]:
        """Validate a VoiceGenerate like POST /voices/generate; create the voice and its worker-driven example take."""
        errors: v.Errors = []
        request = v.voice_generate(body, ("data",), errors)
        if request is None:
            raise BackendError(v.describe(errors))
        problem = _catalog.voice_problem(request)
        if problem is not None:
            detail = problem[1]
            raise BackendError(detail if isinstance(detail, str) else v.describe(detail))
        return self._store.create_voice(request, external=True)

    def parts(self, take_id: str) -> list[bytes]:
        """A complete WAV file per sentence of the take."""
        return [_audio.wav_file(pcm) for pcm in self._store.pcm_parts(take_id)]

    def will_fail(self, take_id: str) -> bool:
        """Whether the take's text (or voice name) carries the error marker."""
        take = self._store.take_record(take_id)
        return take is not None and take.fail

    def set_status(self, item_id: str, status: str) -> dict[str, Any]:
        """Set a worker-driven take's or voice's status; returns the updated TakeResponse / VoiceInfo."""
        return self._store.set_status(item_id, status)

    def record(self, method: str, path: str, headers: Mapping[str, str], query: str) -> None:
        """Record a request the worker origin received."""
        self._log.add(RecordedRequest("worker", method, path, query, Headers(headers.items()), time.time()))
