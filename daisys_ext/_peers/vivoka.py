"""Vivoka's local voice synthesis, without I/O: URLs, the request, the answers and the websocket's messages.

From Vivoka's "Voice Synthesis" page: ``GET /v1/voice-synthesis/voices`` answers an object
keyed by voice id; ``POST /v1/voice-synthesis/synthesize`` with ``{"text", "voice_id"}``
answers ``token`` and ``sample_rate``; the audio then comes over ``ws://HOST/v1/ws/{token}``
as JSON text messages: ``{"data": "data:audio/pcm;base64,..."}`` carries raw PCM,
``{"event": ...}`` an event, ``{"error": ...}`` an error; anything else is "an unknown message
type" (logged by the client, not fatal). The server closes the websocket when it is done.

The page gives only the PCM's sample rate; its samples are taken as 16-bit mono unless the
client is told otherwise. The token is a secret (it is the right to that audio): it has no
repr, and URLs are shown with it redacted.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .._audio.frames import FrameError, Message
from .._errors import DaisysInputError
from .._logging import REDACTED
from .common import PcmFrameDecoder, UnknownMessage, describe, json_of
from .errors import PeerError, PeerResponseError, VivokaError, clip

__all__ = [
    "AUDIO_PREFIX",
    "DEFAULT_URL",
    "NORMAL_CLOSE_CODES",
    "AudioData",
    "ErrorMessage",
    "EventMessage",
    "Ticket",
    "UnknownMessage",
    "VivokaFrameDecoder",
    "base_url",
    "check_text",
    "check_voice_id",
    "first_voice",
    "parse_message",
    "parse_ticket",
    "parse_voices",
    "shown_websocket_url",
    "synthesize_body",
    "synthesize_url",
    "voices_url",
    "websocket_url",
]

SERVICE = "vivoka"
DEFAULT_URL = "http://localhost:39806"
VOICES_PATH = "/v1/voice-synthesis/voices"
SYNTHESIZE_PATH = "/v1/voice-synthesis/synthesize"
WEBSOCKET_PATH = "/v1/ws/"
AUDIO_PREFIX = "data:audio/pcm;base64,"
MAX_SAMPLE_RATE = 1_000_000
"""The highest sample rate taken from a synthesize answer: above any PCM format, and within what a WAV header holds."""
NORMAL_CLOSE_CODES = frozenset({1000, 1001})
"""Close codes that end the audio normally (as ``async for message in websocket`` ends in the page's example)."""


def base_url(url: str) -> str:
    """The service's base URL, checked (http or https, a host) and without a trailing slash."""
    if not isinstance(url, str):
        raise DaisysInputError(f"base_url must be a string such as {DEFAULT_URL!r}, not {type(url).__name__}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise DaisysInputError(f"base_url must be an http(s) URL such as {DEFAULT_URL!r}, not {url!r}")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def voices_url(base: str) -> str:
    return base + VOICES_PATH


def synthesize_url(base: str) -> str:
    return base + SYNTHESIZE_PATH


def websocket_url(base: str, token: str) -> str:
    """``ws://HOST/v1/ws/{token}`` (``wss://`` for an https service), on the base URL's host and path."""
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path + WEBSOCKET_PATH + quote(token, safe=""), "", ""))


def shown_websocket_url(base: str) -> str:
    """The websocket URL as messages and logs show it: the token redacted."""
    return websocket_url(base, REDACTED).replace(quote(REDACTED, safe=""), REDACTED)


def synthesize_body(text: str, voice_id: str) -> dict[str, str]:
    """The synthesize request's JSON; an empty text or a voice id that is not a string is refused here."""
    check_text(text)
    check_voice_id(voice_id)
    return {"text": text, "voice_id": voice_id}


def check_text(text: object) -> None:
    if not isinstance(text, str) or not text.strip():
        raise DaisysInputError(clip(f"text must be a non-empty string, not {text!r}", 200))


def check_voice_id(voice_id: object) -> None:
    """None (the first voice) or a non-empty string."""
    if voice_id is not None and (not isinstance(voice_id, str) or not voice_id):
        raise DaisysInputError(clip(f"voice_id must be a non-empty string (a key of voices()), not {voice_id!r}", 200))


def parse_voices(data: Any, url: str) -> dict[str, Any]:
    """The voices answer: an object keyed by voice id (whatever each voice's description holds)."""
    if not isinstance(data, dict):
        raise PeerResponseError(
            f"GET {url} answered {_json_type(data)} where an object keyed by voice id was expected", service=SERVICE
        )
    return data


def first_voice(voices: dict[str, Any], base: str) -> str:
    """The voice used when none is named: the first, as the documentation's example does."""
    for voice_id in voices:
        return voice_id
    raise PeerError(f"Vivoka at {base} has no voices available: none to synthesize with", service=SERVICE)


@dataclass(frozen=True, slots=True)
class Ticket:
    """What the synthesize answer gives: the websocket's token (never shown) and the audio's sample rate."""

    token: str = field(repr=False)
    sample_rate: int
    voice_id: str


def parse_ticket(data: Any, voice_id: str, url: str) -> Ticket:
    """The synthesize answer's ``token`` and ``sample_rate`` (a number, or a string of one); no value is quoted."""
    if not isinstance(data, dict):
        raise PeerResponseError(f"POST {url} answered {_json_type(data)} where an object was expected", service=SERVICE)
    token = data.get("token")
    if not isinstance(token, str) or not token:
        keys = ", ".join(sorted(map(str, data))) or "none"
        raise PeerResponseError(f"POST {url} answered no token (fields: {keys})", service=SERVICE)
    rate = data.get("sample_rate")
    sample_rate = _positive_int(rate)
    if sample_rate is None or sample_rate > MAX_SAMPLE_RATE:
        raise PeerResponseError(
            f"POST {url} answered sample_rate {clip(repr(rate), 60)}, where a whole number of Hz from 1 to"
            f" {MAX_SAMPLE_RATE} was expected",
            service=SERVICE,
        )
    return Ticket(token, sample_rate, voice_id)


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    # isascii: str.isdigit() is true of '²' too, which int() refuses; a rate has few digits, int() refuses 4,300
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 12:
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


@dataclass(frozen=True, slots=True)
class AudioData:
    """A ``data`` message with ``data:audio/pcm;base64,`` audio: its PCM."""

    pcm: bytes


@dataclass(frozen=True, slots=True)
class EventMessage:
    """An ``event`` message: the event as sent (any JSON value)."""

    event: Any


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    """An ``error`` message: the error as sent (any JSON value)."""

    error: Any


VivokaMessage = AudioData | EventMessage | ErrorMessage | UnknownMessage


def parse_message(message: Message) -> VivokaMessage:
    """What one websocket message is, checked in the documentation's order: data, event, error.

    Raises `FrameError` for a ``data`` message whose base64 audio is corrupt: that audio would be lost.
    """
    try:
        body = json_of(message)
    except ValueError as exc:
        return UnknownMessage(f"not JSON ({clip(str(exc), 80)}): {describe(message)}")
    if not isinstance(body, dict):
        return UnknownMessage(f"JSON {_json_type(body)}, not an object: {describe(message)}")
    if "data" in body:
        data = body["data"]
        if isinstance(data, str) and data.startswith(AUDIO_PREFIX):
            try:
                return AudioData(base64.b64decode(data[len(AUDIO_PREFIX) :], validate=True))
            except (binascii.Error, ValueError) as exc:
                raise FrameError(f"an audio message's base64 is corrupt ({exc}): {describe(message, 80)}") from None
        return UnknownMessage(f"a data message that is not {AUDIO_PREFIX}... audio: {describe(message)}")
    if "event" in body:
        return EventMessage(body["event"])
    if "error" in body:
        return ErrorMessage(body["error"])
    return UnknownMessage(f"no data, event or error field: {describe(message)}")


class VivokaFrameDecoder(PcmFrameDecoder):
    """The `FrameDecoder` of Vivoka's websocket: each audio message one part of one take, raw PCM.

    Feed a ``Reassembler(wav_headers=False)``; events and unknown messages make no frame
    (`decode` raises `FrameError` for them, `frames` gives ``[]``); an ``error`` message
    raises `VivokaError`. The server's close ends the stream: feed `end()` then.
    """

    service = "Vivoka"

    def audio(self, message: Message) -> bytes | None:
        parsed = parse_message(message)
        if isinstance(parsed, ErrorMessage):
            raise VivokaError(parsed.error, shown=_shown(parsed.error))
        return parsed.pcm if isinstance(parsed, AudioData) else None


def _shown(value: Any) -> str:
    """An error's content as its message shows it; content too deep to write back is only named so."""
    try:
        return dumps(value)
    except (RecursionError, ValueError):
        return f"(a JSON {_json_type(value)} nested too deeply to show)"


_JSON_TYPES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def _json_type(value: object) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def dumps(value: Any) -> str:
    """A JSON value as a log line or message shows it."""
    return clip(json.dumps(value, ensure_ascii=False))
