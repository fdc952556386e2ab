"""The emulator's voices and takes, their time-driven progress, audio, and status webhooks; thread-safe.

A take made through REST runs through waiting → started → progress_25/50/75 → ready (or error) over
`take_seconds`, computed from elapsed time whenever it is read and by a ticker thread that fires webhooks on
time. Takes made by the websocket worker are "external": the worker sets their status instead.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from . import _audio, _catalog
from ._options import Options
from ._webhooks import WebhookSender

PROGRESS = ("waiting", "started", "progress_25", "progress_50", "progress_75")
DONE = ("ready", "error", "timeout")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_START_FRACTION = 0.1  # share of take_seconds spent "waiting" before generation starts
ENCODED_KEPT = 16  # whole audio files kept for repeated (ranged) downloads; older ones are made again


class IdMaker:
    """ULID-like lowercase ids, strictly increasing even within one millisecond."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def make(self, prefix: str) -> str:
        """`prefix` + 26 Crockford base32 characters (48-bit ms time, 80 random bits)."""
        with self._lock:
            value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
            value = max(value, self._last + 1)
            self._last = value
        chars = [_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1)]
        return prefix + "".join(chars)


@dataclasses.dataclass
class Take:
    """A take's stored request, status and audio plan."""

    take_id: str
    request: dict[str, Any]  # normalized TakeGenerate
    timestamp_ms: int
    created: float  # monotonic
    seconds: float
    fail: bool
    sentences: list[str]
    samples: list[int]
    seed: str
    base_hz: float
    prosody: dict[str, int] | None
    external: bool = False
    status: str = "waiting"
    example_of: str | None = None

    @property
    def total_samples(self) -> int:
        """Audio length in samples."""
        return sum(self.samples)

    def info(self) -> dict[str, Any] | None:
        """TakeInfo once ready."""
        if self.status != "ready":
            return None
        return {"duration": self.total_samples, "audio_rate": _audio.RATE, "normalized_text": list(self.sentences)}

    def answer(self) -> dict[str, Any]:
        """The TakeResponse JSON."""
        return {
            **copy.deepcopy(self.request),
            "take_id": self.take_id,
            "status": self.status,
            "timestamp_ms": self.timestamp_ms,
            "info": self.info(),
        }

    def schedule(self) -> list[tuple[float, str]]:
        """(seconds after creation, status) of each transition a REST take makes."""
        start = self.seconds * _START_FRACTION
        span = self.seconds - start
        final = "error" if self.fail else "ready"
        steps = [(start, "started"), (start + span * 0.25, "progress_25"), (start + span * 0.5, "progress_50")]
        return [*steps, (start + span * 0.75, "progress_75"), (self.seconds, final)]

    def parts_available(self, now: float) -> int:
        """How many sentences of audio exist now (a REST take produces them in order during generation)."""
        if self.status == "ready":
            return len(self.sentences)
        if self.external or self.fail:
            return 0
        start = self.seconds * _START_FRACTION
        fraction = (now - self.created - start) / (self.seconds - start) if self.seconds > start else 1.0
        produced, count, total = 0, 0, max(self.total_samples, 1)
        for samples in self.samples:
            produced += samples
            if produced / total > fraction + 1e-9:
                break
            count += 1
        return count


@dataclasses.dataclass
class Voice:
    """A voice's stored request and example take."""

    voice_id: str
    request: dict[str, Any]  # normalized VoiceGenerate
    timestamp_ms: int
    example_take_id: str
    external: bool = False
    status: str = "waiting"  # mirrors the example take unless external
    done_sent: bool = False

    def answer(self) -> dict[str, Any]:
        """The VoiceInfo JSON."""
        return {
            **copy.deepcopy(self.request),
            "voice_id": self.voice_id,
            "status": self.status,
            "timestamp_ms": self.timestamp_ms,
            "example_take_id": self.example_take_id,
        }


class NotFound(LookupError):
    """A referenced voice, take or model does not exist; the message is the `detail` to answer."""


class Store:
    """Voices and takes of the single emulated account."""

    def __init__(self, options: Options, webhooks: WebhookSender) -> None:
        self._options = options
        self._webhooks = webhooks
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._ids = IdMaker()
        self._takes: dict[str, Take] = {}
        self._voices: dict[str, Voice] = {}
        self._pending: set[str] = set()  # REST takes not yet done, watched by the ticker
        self._encoded: collections.OrderedDict[tuple[str, str], bytes] = collections.OrderedDict()  # LRU
        self._ticker: threading.Thread | None = None
        self._running = False

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the ticker that advances takes on time (so webhooks fire without anyone polling)."""
        self._running = True
        self._ticker = threading.Thread(target=self._tick, name="daisys-emulator-ticker", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        """Stop the ticker."""
        with self._wake:
            self._running = False
            self._wake.notify_all()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    def clear(self) -> None:
        """Forget every voice and take."""
        with self._lock:
            self._takes.clear()
            self._voices.clear()
            self._pending.clear()
            self._encoded.clear()

    def _tick(self) -> None:
        with self._wake:
            while self._running:
                now = time.monotonic()
                upcoming: list[float] = []
                for take_id in list(self._pending):
                    take = self._takes.get(take_id)
                    if take is None:
                        self._pending.discard(take_id)
                        continue
                    self._advance(take, now)
                    if take.status in DONE:
                        self._pending.discard(take_id)
                    else:
                        upcoming += [take.created + t for t, _ in take.schedule() if take.created + t > now]
                timeout = max(min(upcoming) - now, 0.001) if upcoming else None
                self._wake.wait(timeout)

    # -- progression -------------------------------------------------------------------------------------------

    def _advance(self, take: Take, now: float) -> None:
        """Bring a REST take's status up to date, firing a webhook for every step passed."""
        if take.external or take.status in DONE:
            return
        elapsed = now - take.created
        for offset, status in take.schedule():
            if elapsed < offset:
                break
            if _rank(status) > _rank(take.status):
                self._set_take_status(take, status)

    def _set_take_status(self, take: Take, status: str) -> None:
        if status == take.status:
            return
        take.status = status
        request = take.request
        if request.get("status_webhook"):
            self._fire(request["status_webhook"], "status", take.answer())
        if status in DONE:
            if request.get("done_webhook"):
                self._fire(request["done_webhook"], "done", take.answer())
            if take.example_of is not None:
                voice = self._voices.get(take.example_of)
                if voice is not None and not voice.external:
                    self._set_voice_status(voice, status)
        elif take.example_of is not None:
            voice = self._voices.get(take.example_of)
            if voice is not None and not voice.external:
                voice.status = status

    def _set_voice_status(self, voice: Voice, status: str) -> None:
        voice.status = status
        if status in DONE and not voice.done_sent:
            voice.done_sent = True
            if voice.request.get("done_webhook"):
                self._fire(voice.request["done_webhook"], "done", voice.answer())

    def _fire(self, webhook: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
        def done(status_code: int | None) -> None:
            with self._lock:
                webhook["timestamp_ms"] = int(time.time() * 1000)
                webhook["status_code"] = status_code

        self._webhooks.send(webhook, kind, payload, done)

    def _fresh(self, take: Take) -> Take:
        self._advance(take, time.monotonic())
        return take

    # -- takes -------------------------------------------------------------------------------------------------

    def _voice_or_raise(self, voice_id: str) -> Voice:
        voice = self._voices.get(voice_id)
        if voice is None:
            raise NotFound(f"Voice {voice_id} not found")
        return voice

    def _new_take(self, request: dict[str, Any], voice: Voice, *, external: bool, example: bool) -> Take:
        sentences = _audio.split_sentences(request["text"] or "")
        prosody = request.get("prosody") or voice.request.get("default_prosody")
        marker = self._options.error_marker
        fail = bool(marker) and (marker in (request["text"] or "") or marker in voice.request["name"])
        take = Take(
            take_id=self._ids.make("t"),
            request=request,
            timestamp_ms=int(time.time() * 1000),
            created=time.monotonic(),
            seconds=max(self._options.take_seconds, 0.0),
            fail=fail,
            sentences=sentences,
            samples=[_audio.sentence_samples(s, prosody) for s in sentences],
            seed=voice.voice_id,
            base_hz=_catalog.BASE_HZ.get(voice.request["gender"], 165.0),
            prosody=prosody,
            external=external,
            example_of=voice.voice_id if example else None,
        )
        self._takes[take.take_id] = take
        if not external:
            self._pending.add(take.take_id)
            self._wake.notify_all()
        return take

    def create_takes(self, requests: Sequence[dict[str, Any]], *, external: bool = False) -> list[dict[str, Any]]:
        """Create takes from validated TakeGenerate dicts (all or none); NotFound for an unknown voice."""
        with self._lock:
            voices = [self._voice_or_raise(r["voice_id"]) for r in requests]
            return [
                self._new_take(r, v, external=external, example=False).answer()
                for r, v in zip(requests, voices, strict=True)
            ]

    def take(self, take_id: str) -> dict[str, Any]:
        """A take's TakeResponse; NotFound if unknown."""
        with self._lock:
            take = self._takes.get(take_id)
            if take is None:
                raise NotFound("Take not found")
            return self._fresh(take).answer()

    def takes(
        self, ids: list[str] | None, length: int | None, page: int, older: int | None, newer: int | None
    ) -> list[dict[str, Any]]:
        """Filtered TakeResponse list, newest first."""
        with self._lock:
            # By id when ids are given: a poll must not cost a scan of every take the emulator holds.
            chosen = self._takes.values() if ids is None else (self._takes[i] for i in set(ids) if i in self._takes)
            found = [self._fresh(t) for t in chosen]
            return [t.answer() for t in _filter(found, length, page, older, newer, key=lambda t: t.take_id)]

    def delete_take(self, take_id: str) -> None:
        """Delete a take; NotFound if unknown."""
        with self._lock:
            if self._takes.pop(take_id, None) is None:
                raise NotFound("Take not found")
            self._pending.discard(take_id)
            for fmt in _audio.FORMATS:
                self._encoded.pop((take_id, fmt), None)

    def take_record(self, take_id: str) -> Take | None:
        """The live Take object (brought up to date), or None. Callers must treat it as read-only."""
        with self._lock:
            take = self._takes.get(take_id)
            return None if take is None else self._fresh(take)

    # -- voices ------------------------------------------------------------------------------------------------

    def create_voice(self, request: dict[str, Any], *, external: bool = False) -> tuple[dict[str, Any], str]:
        """Create a voice and its example take from a validated VoiceGenerate; returns (VoiceInfo, example take id)."""
        with self._lock:
            model = _catalog.model(request["model"])
            language = model["languages"][0] if model else "en-GB"
            example = request.get("example_take") or {
                "text": _catalog.EXAMPLE_TEXT.get(language, _catalog.EXAMPLE_TEXT["en-GB"]),
                "override_language": None,
                "style": None,
                "prosody": None,
                "status_webhook": None,
                "done_webhook": None,
                "user_data": None,
            }
            voice_id = self._ids.make("v")
            voice = Voice(voice_id, request, int(time.time() * 1000), "", external=external)
            self._voices[voice_id] = voice
            take_request = {**copy.deepcopy(example), "voice_id": voice_id}
            take = self._new_take(take_request, voice, external=external, example=True)
            voice.example_take_id = take.take_id
            return voice.answer(), take.take_id

    def voice(self, voice_id: str) -> dict[str, Any]:
        """A voice's VoiceInfo; NotFound if unknown."""
        with self._lock:
            voice = self._voice_or_raise(voice_id)
            self._refresh_voice(voice)
            return voice.answer()

    def _refresh_voice(self, voice: Voice) -> None:
        take = self._takes.get(voice.example_take_id)
        if take is not None:
            self._fresh(take)

    def voices(
        self, ids: list[str] | None, length: int | None, page: int, older: int | None, newer: int | None
    ) -> list[dict[str, Any]]:
        """Filtered VoiceInfo list, newest first."""
        with self._lock:
            found = [v for v in self._voices.values() if ids is None or v.voice_id in ids]
            for voice in found:
                self._refresh_voice(voice)
            return [v.answer() for v in _filter(found, length, page, older, newer, key=lambda v: v.voice_id)]

    def update_voice(self, voice_id: str, changes: dict[str, Any]) -> None:
        """Apply a validated VoiceUpdate; NotFound if unknown."""
        with self._lock:
            self._voice_or_raise(voice_id).request.update(changes)

    def delete_voice(self, voice_id: str) -> None:
        """Delete a voice (its takes stay); NotFound if unknown."""
        with self._lock:
            if self._voices.pop(voice_id, None) is None:
                raise NotFound(f"Voice {voice_id} not found")

    # -- worker-driven status ----------------------------------------------------------------------------------

    def set_status(self, item_id: str, status: str) -> dict[str, Any]:
        """Set an external take's or voice's status (firing webhooks); returns its TakeResponse / VoiceInfo."""
        with self._lock:
            take = self._takes.get(item_id)
            if take is not None:
                self._set_take_status(take, status)
                return take.answer()
            voice = self._voice_or_raise(item_id)
            self._set_voice_status(voice, status)
            return voice.answer()

    # -- audio -------------------------------------------------------------------------------------------------

    def pcm_parts(self, take_id: str) -> list[bytes]:
        """Each sentence's PCM for a take (made on demand, outside the lock: the synthesis caches by its
        inputs, so a take keeps no audio of its own); NotFound if unknown."""
        with self._lock:
            take = self._takes.get(take_id)
            if take is None:
                raise NotFound("Take not found")
        return [
            _audio.synthesize(s, seed=take.seed, base_hz=take.base_hz, prosody=take.prosody) for s in take.sentences
        ]

    def encoded(self, take_id: str, fmt: str) -> bytes:
        """The whole audio file of a take in `fmt` (the last few kept); EncodingUnavailable without PyAV."""
        with self._lock:
            if take_id not in self._takes:
                raise NotFound("Take not found")
            cached = self._encoded.get((take_id, fmt))
            if cached is not None:
                self._encoded.move_to_end((take_id, fmt))
                return cached
        data = _audio.encode(b"".join(self.pcm_parts(take_id)), fmt)
        with self._lock:
            self._encoded[(take_id, fmt)] = data
            while len(self._encoded) > ENCODED_KEPT:
                self._encoded.popitem(last=False)
        return data


def _rank(status: str) -> int:
    return PROGRESS.index(status) if status in PROGRESS else len(PROGRESS)


def _filter(
    items: list[Any], length: int | None, page: int, older: int | None, newer: int | None, key: Any
) -> list[Any]:
    """Newest first; `older`/`newer` are inclusive ms timestamps; `page` is 1-based over `length` items."""
    chosen = [
        i for i in items if (older is None or i.timestamp_ms <= older) and (newer is None or i.timestamp_ms >= newer)
    ]
    chosen.sort(key=lambda i: (i.timestamp_ms, key(i)), reverse=True)
    if length is not None and length > 0:
        start = (max(page, 1) - 1) * length
        chosen = chosen[start : start + length]
    return chosen
