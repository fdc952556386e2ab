"""Neuphonic's websocket TTS, without I/O: parameters, the URL, the messages, and when a passage is complete.

From Neuphonic's "Websocket API" page: connect to ``wss://{aws_region}.api.neuphonic.com/speak/{language_id}``
with the API key in the ``x-api-key`` header and the query parameters ``temperature`` (0 to 1,
default 0.5) and ``speed`` (0.7 to 2.5, default 1.0); send ``{"text": ...}`` messages word by
word, sentence by sentence or however the text comes, and ``<STOP>`` at the end of every
passage, so that the server returns all the audio up to that point. Every answer is JSON,
``{"version", "timestamp", "data": {"audio": base64, "text"}}``, about one word of audio:
mono, 22050 Hz, signed 16-bit. With no message for 90 seconds the server disconnects.

The page marks no end of a passage's audio: `Passage` decides it (see there).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._audio.frames import FrameError, Message
from .._errors import DaisysInputError, DaisysTimeoutError
from .common import PcmFormat, PcmFrameDecoder, UnknownMessage, describe, json_of
from .errors import clip

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_REGION",
    "FORMAT",
    "IDLE_DISCONNECT",
    "KEEPALIVE_MESSAGE",
    "SPEED_RANGE",
    "STOP",
    "TEMPERATURE_RANGE",
    "Answer",
    "NeuphonicFrameDecoder",
    "Passage",
    "Settings",
    "UnknownMessage",
    "parse_message",
    "settings",
    "text_message",
]

SERVICE = "neuphonic"
FORMAT = PcmFormat(sample_rate=22050, channels=1, sample_width=2)
STOP = "<STOP>"
IDLE_DISCONNECT = 90.0
"""Seconds without a message after which the server disconnects."""
DEFAULT_REGION = "eu-west-1"
DEFAULT_LANGUAGE = "en"
SPEED_RANGE = (0.7, 2.5)
TEMPERATURE_RANGE = (0.0, 1.0)
DEFAULT_KEEPALIVE = 60.0
"""Seconds of silence (from the client) after which it sends a keep-alive: well inside `IDLE_DISCONNECT`."""
DEFAULT_END_SILENCE = 1.0
DEFAULT_TIMEOUT = 30.0

_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")


def text_message(text: str) -> str:
    """One ``{"text": ...}`` message."""
    return json.dumps({"text": text}, ensure_ascii=False)


STOP_MESSAGE = text_message(STOP)
KEEPALIVE_MESSAGE = text_message("")
"""Sent when the connection would otherwise be idle for too long: a message with no text to speak."""


@dataclass(frozen=True)
class Settings:
    """A client's checked parameters; the API key is never in the repr."""

    api_key: str = field(repr=False)
    region: str
    language: str
    speed: float
    temperature: float
    url: str | None
    keepalive: float | None
    end_silence: float
    timeout: float
    connect_timeout: float

    @property
    def endpoint(self) -> str:
        """The URL connected to, with ``speed`` and ``temperature`` in its query (no secret in it)."""
        base = self.url or f"wss://{self.region}.api.neuphonic.com/speak/{self.language}"
        parts = urlsplit(base)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("speed", "temperature")]
        query += [("speed", _number(self.speed)), ("temperature", _number(self.temperature))]
        return urlunsplit(parts._replace(query=urlencode(query)))

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("x-api-key", self.api_key),)


def settings(
    api_key: str,
    *,
    region: str = DEFAULT_REGION,
    language: str = DEFAULT_LANGUAGE,
    speed: float = 1.0,
    temperature: float = 0.5,
    url: str | None = None,
    keepalive: float | None = DEFAULT_KEEPALIVE,
    end_silence: float = DEFAULT_END_SILENCE,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = 10.0,
) -> Settings:
    """Check a client's parameters against the documented ranges; `DaisysInputError` says which is wrong."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise DaisysInputError("Neuphonic needs an API key (a non-empty string), sent in the x-api-key header.")
    if any(c in api_key for c in "\r\n\0"):
        raise DaisysInputError("The Neuphonic API key contains a line break or NUL, which no header can carry.")
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise DaisysInputError(f"region must be an AWS region name such as 'eu-west-1', not {region!r}")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise DaisysInputError(f"language must be a language id such as 'en', not {language!r}")
    speed = _in_range("speed", speed, *SPEED_RANGE)
    temperature = _in_range("temperature", temperature, *TEMPERATURE_RANGE)
    if url is not None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise DaisysInputError(f"url must be a ws:// or wss:// URL, not {url!r}")
    if keepalive is not None:
        keepalive = _positive("keepalive", keepalive)
    return Settings(
        api_key,
        region,
        language,
        speed,
        temperature,
        url,
        keepalive,
        _positive("end_silence", end_silence),
        _positive("timeout", timeout),
        _positive("connect_timeout", connect_timeout),
    )


def _in_range(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DaisysInputError(f"{name} must be a number from {low:g} to {high:g} (Neuphonic's range), not {value!r}")
    return float(value)


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise DaisysInputError(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


def _number(value: float) -> str:
    return repr(float(value))


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: its audio (raw PCM, possibly empty) and the text it says it is for (if any)."""

    audio: bytes
    text: str | None


def parse_message(message: Message) -> Answer | UnknownMessage:
    """What one message is; raises `FrameError` when its ``data.audio`` is not base64 (that audio would be lost)."""
    try:
        body = json_of(message)
    except ValueError as exc:
        return UnknownMessage(f"not JSON ({clip(str(exc), 80)}): {describe(message)}")
    data = body.get("data") if isinstance(body, dict) else None
    audio = data.get("audio") if isinstance(data, dict) else None
    if not isinstance(audio, str):
        return UnknownMessage(f"no data.audio string: {describe(message)}")
    try:
        pcm = base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FrameError(f"an answer's data.audio is not base64 ({exc}): {describe(message, 80)}") from None
    text = data.get("text") if isinstance(data, dict) else None
    return Answer(pcm, text if isinstance(text, str) else None)


class NeuphonicFrameDecoder(PcmFrameDecoder):
    """The `FrameDecoder` of Neuphonic's websocket: each answer's audio one part of one take, raw PCM.

    Feed a ``Reassembler(wav_headers=False)``; a message without audio makes no frame
    (`decode` raises `FrameError`, `frames` gives ``[]``). Nothing marks the end of a
    passage's audio on the wire: feed `end()` when the passage is complete.
    """

    service = "Neuphonic"

    def audio(self, message: Message) -> bytes | None:
        parsed = parse_message(message)
        return parsed.audio if isinstance(parsed, Answer) else None


NORMAL_CLOSE_CODES = frozenset({1000, 1001})
POLL = 0.05
"""While the text is still being sent, how often the reader looks up from the connection to see how it goes."""


@dataclass
class Passage:
    """One passage of text and its audio, on one connection: what was sent, and whether the audio is complete.

    The service marks no end of a passage's audio, so it is decided here: once ``<STOP>`` is
    sent, the passage waits (up to ``timeout`` seconds) for the first answer after it, the
    last snippet that ``<STOP>`` makes the server generate; then, once the server has been
    silent for ``end_silence`` seconds, the audio is complete. If no answer follows
    ``<STOP>`` in time, a passage that has audio ends there; one without is a timeout.
    A connection the server closes normally (1000, 1001) after the answer to ``<STOP>`` ends it too.

    The sender (a task or a thread beside the reader) records each message before sending
    it (`sending`), so that after a reconnection the reader can send them all again.
    """

    end_silence: float
    timeout: float
    sent: list[str] = field(default_factory=list)
    has_text: bool = False
    text_ended: bool = False
    stop_at: float | None = None
    heard_after_stop: bool = False
    last_heard: float | None = None
    audio_bytes: int = 0
    reconnects: int = 0
    failure: BaseException | None = None
    closed: bool = False
    """The reader is done (complete, failed or abandoned): the sender sends nothing more."""

    def sending(self, message: str, *, text: str = "") -> None:
        self.sent.append(message)
        if text.strip():
            self.has_text = True

    def stopping(self, now: float) -> None:
        """``<STOP>`` is about to be sent: answers from now on may be the last snippet."""
        self.sent.append(STOP_MESSAGE)
        self.stop_at = now
        self.text_ended = True

    def no_text(self) -> None:
        """The text ended with nothing to say: no ``<STOP>``, no audio."""
        self.text_ended = True

    def fail(self, error: BaseException) -> None:
        """The text could not be read or sent: the reader raises ``error``."""
        if self.failure is None:
            self.failure = error
        self.text_ended = True

    def heard(self, now: float, audio_bytes: int) -> None:
        self.last_heard = now
        self.audio_bytes += audio_bytes
        if self.stop_at is not None:
            self.heard_after_stop = True

    def resent(self, now: float) -> None:
        """Everything was sent again on a new connection."""
        self.reconnects += 1
        self.heard_after_stop = False
        if self.stop_at is not None:
            self.stop_at = now

    def next_wait(self, now: float) -> float | None:
        """How long the reader may wait for the next message; None when the passage's audio is complete.

        Raises `DaisysTimeoutError` when ``<STOP>`` went unanswered and no audio came at all.
        """
        if not self.text_ended:
            return POLL
        if self.failure is not None or not self.has_text:
            return None
        assert self.stop_at is not None
        if not self.heard_after_stop:
            left = self.stop_at + self.timeout - now
            if left > 0:
                return left
            if self.audio_bytes:
                return None
            raise DaisysTimeoutError(
                f"Neuphonic sent no audio within {self.timeout:g} s of the end of the passage (<STOP>)"
            )
        assert self.last_heard is not None
        left = self.last_heard + self.end_silence - now
        return left if left > 0 else None

    def ended_by_close(self, code: int | None) -> bool:
        """Whether a connection closed now (with ``code``) leaves the passage complete.

        So it does when the text had nothing to say, or when ``<STOP>`` was answered and the
        server closed normally; any other close may have cut the audio short.
        """
        if self.text_ended and not self.has_text:
            return True
        return self.heard_after_stop and code in NORMAL_CLOSE_CODES

    def lost_is_recoverable(self) -> bool:
        """A lost connection can be replaced, and the text sent again, only before any audio came (and once)."""
        return self.audio_bytes == 0 and self.reconnects == 0


def describe_settings(values: Settings) -> dict[str, Any]:
    """The settings as a repr shows them: no API key."""
    return {
        "region": values.region,
        "language": values.language,
        "speed": values.speed,
        "temperature": values.temperature,
    }
