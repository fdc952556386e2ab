"""The emulator in a process of its own for scripts/bench.py, telling the moments a client cannot see.

``python scripts/bench_host.py --take-seconds 1.3`` runs ``python -m daisys_ext.testing`` with three
additions, made here at run time (the emulator's code is not changed):

- **Events on standard output**, one JSON object a line after the banner, stamped with ``time.time()``
  (the wall clock every process on the machine shares):
  ``{"event": "created", "take_id", "ready"}`` when a REST take is made: the moment it will be ready
  (its creation plus its generation time, exactly as the emulator decides readiness);
  ``{"event": "rest_audio", "take_id", "has", "sent"}`` when a streamed wav download hands out its first
  audio (``has``: the moment the emulator's first sentence became available; ``sent``: when the storage
  origin, which looks every 10 ms, passed it to the socket);
  ``{"event": "ws_audio", "take_id", "sent"}`` just before the worker sends a take's first audio frame.
- **Per-take generation times**: a take text containing ``[[2.2s]]`` is generated in 2.2 s; the tag is
  removed from the text before the emulator sees it. The ready-detection sweep uses this.
- **Synthesis memoised**: the emulator makes a take's audio on the first request for it (35 to 110 ms of
  pure Python per sentence), after the take is ready; a real service has the audio by then. The synthesis
  is a pure function of its arguments, so it is cached here: the same text gives the same bytes, at once.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

_LOCK = threading.Lock()
_TAG = re.compile(r"\s*\[\[(\d+(?:\.\d+)?)s\]\]")


def emit(event: str, **fields: Any) -> None:
    """One event line on standard output."""
    line = json.dumps({"event": event, **fields})
    with _LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def wall(monotonic_moment: float) -> float:
    """A moment on the monotonic clock, as time.time() would have read then."""
    return time.time() - (time.monotonic() - monotonic_moment)


def patch_synthesis() -> None:
    from daisys_ext.testing import _audio

    original = _audio.synthesize
    cache: dict[tuple[Any, ...], bytes] = {}

    def synthesize(sentence: str, *, seed: str, base_hz: float, prosody: Any = None) -> bytes:
        key = (sentence, seed, base_hz, tuple(sorted(prosody.items())) if prosody else None)
        pcm = cache.get(key)
        if pcm is None:
            pcm = cache[key] = original(sentence, seed=seed, base_hz=base_hz, prosody=prosody)
        return pcm

    _audio.synthesize = synthesize  # type: ignore[assignment]


def patch_takes() -> None:
    from daisys_ext.testing import _state

    original = _state.Store._new_take

    def new_take(self: Any, request: dict[str, Any], voice: Any, *, external: bool, example: bool) -> Any:
        seconds = None
        text = request.get("text") or ""
        match = _TAG.search(text)
        if match is not None:
            seconds = float(match[1])
            request["text"] = _TAG.sub("", text)
        take = original(self, request, voice, external=external, example=example)
        if seconds is not None:
            take.seconds = seconds  # under the store's lock still: the ticker has not seen it yet
        if not external:
            emit("created", take_id=take.take_id, ready=wall(take.created + take.seconds))
        return take

    _state.Store._new_take = new_take  # type: ignore[method-assign]


def patch_storage() -> None:
    from daisys_ext.testing import _state, _storage

    original: Callable[[Any, str], Iterator[bytes]] = _storage.StorageApp._stream_wav

    def stream_wav(self: Any, take_id: str) -> Iterator[bytes]:
        first = True
        for index, chunk in enumerate(original(self, take_id)):
            if first and index > 0 and chunk:  # the first chunk is the header, sent at once
                first = False
                sent = time.time()
                take = self._store.take_record(take_id)
                has = None
                if take is not None and take.samples:
                    start = take.seconds * _state._START_FRACTION
                    has = wall(take.created + start + (take.seconds - start) * take.samples[0] / take.total_samples)
                emit("rest_audio", take_id=take_id, has=has, sent=sent)
            yield chunk

    _storage.StorageApp._stream_wav = stream_wav  # type: ignore[method-assign]


def patch_worker() -> None:
    from daisys_ext.testing import _worker

    original = _worker.WebsocketWorker._send
    seen: set[str] = set()

    async def send(conn: Any, message: str | bytes) -> None:
        if isinstance(message, bytes) and message[:4] == b"JSON":
            length = int.from_bytes(message[4:8], "little")
            if len(message) > 8 + length:  # an empty frame ends a part or the take
                take_id = json.loads(message[8 : 8 + length]).get("take_id")
                if take_id not in seen:
                    seen.add(take_id)
                    emit("ws_audio", take_id=take_id, sent=time.time())
        await original(conn, message)

    _worker.WebsocketWorker._send = staticmethod(send)  # type: ignore[method-assign]


def main() -> int:
    patch_synthesis()
    patch_takes()
    patch_storage()
    patch_worker()
    from daisys_ext.testing.__main__ import main as emulator_main

    return emulator_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
