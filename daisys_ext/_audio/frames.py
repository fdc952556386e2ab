"""Decoding of the binary audio messages a Daisys websocket sends, into `AudioFrame`s.

A message is ``b"JSON"``, a little-endian uint32 length N, N bytes of UTF-8 JSON metadata
(``take_id``, ``part_id``, ``chunk_id`` in chunks mode, ``request_id``), then the audio.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "AudioFrame",
    "DaisysFrameDecoder",
    "FrameDecoder",
    "FrameError",
    "decode_frame",
    "encode_frame",
    "load_json",
]

BytesLike = bytes | bytearray | memoryview
Message = BytesLike | str

MAGIC = b"JSON"
_PREFIX = struct.Struct("<4sI")


class FrameError(ValueError):
    """A websocket message is not a well-formed audio frame; the message says why.

    ``request_id`` is the request the frame's metadata names, when it could be read
    (the metadata is JSON with a valid ``request_id``, but another field is wrong): the
    frame is then that request's problem alone. None when it cannot be told.
    """

    def __init__(self, message: str, request_id: int | str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One audio message, service-neutral: the ids that place it in its take, and its audio.

    ``chunk_id`` is None in parts mode. ``audio`` is a read-only view into the received
    message (not a copy), so holding a frame keeps the whole message alive.
    """

    request_id: int | str
    take_id: str
    part_id: int
    chunk_id: int | None
    audio: memoryview

    @property
    def is_end(self) -> bool:
        """An end marker: a frame with no audio."""
        return len(self.audio) == 0

    @property
    def ends_take(self) -> bool:
        """The end-of-take marker: an empty new part (in chunks mode, its chunk 0)."""
        return self.is_end and not self.chunk_id

    @property
    def ends_part(self) -> bool:
        """A chunks-mode end-of-part marker: an empty chunk after chunk 0.

        Parts mode has no such marker: each part arrives whole in one frame.
        """
        return self.is_end and bool(self.chunk_id)

    def __repr__(self) -> str:
        return (
            f"AudioFrame(request_id={self.request_id!r}, take_id={self.take_id!r},"
            f" part_id={self.part_id}, chunk_id={self.chunk_id}, audio=<{len(self.audio)} bytes>)"
        )


@runtime_checkable
class FrameDecoder(Protocol):
    """Turns one websocket message of some TTS service into an `AudioFrame`.

    The reassembler only sees `AudioFrame`s, so another service needs only its own
    decoder: a Neuphonic- or Vivoka-style one base64-decodes the audio from a text
    message's JSON and numbers the messages itself as parts, feeding a
    ``Reassembler(wav_headers=False)`` since that audio is raw PCM (see
    tests/unit/test_other_services.py).
    """

    def decode(self, message: Message) -> AudioFrame:
        """Decode one websocket message into a frame; raise `FrameError` if it is not one."""
        ...


class DaisysFrameDecoder:
    """The `FrameDecoder` for Daisys binary audio messages."""

    __slots__ = ()

    def decode(self, message: Message) -> AudioFrame:
        """Decode one binary message of a Daisys worker; a text message is a `FrameError`."""
        if isinstance(message, str):
            raise FrameError(
                "got a text message; Daisys audio comes in binary messages (text messages carry take status JSON)"
            )
        return decode_frame(message)


def load_json(text: str | bytes) -> Any:
    """A worker's JSON; any text that cannot be read is a `ValueError` saying why.

    ``json.loads`` raises more than ``JSONDecodeError`` for what a worker may send:
    ``RecursionError`` for arrays nested about a thousand deep, and a plain ``ValueError``
    for an integer literal longer than Python's digit limit (4,300 digits).
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to be read") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{e.msg} at char {e.pos}") from None
    except ValueError as e:  # an integer literal beyond the digit limit, ...
        raise ValueError(str(e)) from None


def decode_frame(message: BytesLike) -> AudioFrame:
    """Decode one Daisys binary audio message; raises FrameError saying what is wrong (and nothing else)."""
    try:
        return _decode_frame(message)
    except FrameError:
        raise
    except Exception as e:  # whatever a message does to the parsing, it is that message's error
        raise FrameError(f"the message cannot be read ({type(e).__name__}: {_clip(str(e))})") from None


def _decode_frame(message: BytesLike) -> AudioFrame:
    view = memoryview(message).cast("B")
    size = len(view)
    if size < _PREFIX.size:
        raise FrameError(
            f"message too short: {size} bytes {bytes(view)!r}, an audio frame needs at least"
            f" {_PREFIX.size} (b'JSON' and a 4-byte metadata length)"
        )
    magic, length = _PREFIX.unpack_from(view)
    if magic != MAGIC:
        raise FrameError(f"bad magic {magic!r}: an audio frame starts with {MAGIC!r}")
    end = _PREFIX.size + length
    if end > size:
        raise FrameError(
            f"metadata length {length} runs past the end of the message: needs {end} bytes, the message has {size}"
        )
    raw = view[_PREFIX.size : end]
    try:
        text = str(raw, "utf-8")
    except UnicodeDecodeError as e:
        raise FrameError(f"metadata is not UTF-8: {e.reason} at byte {e.start}") from None
    try:
        meta = load_json(text)
    except ValueError as e:
        raise FrameError(f"metadata is not JSON: {e} of {_clip(text)}") from None
    if not isinstance(meta, dict):
        raise FrameError(f"metadata is not a JSON object but {_json_type(meta)} {_clip(text)}")
    request_id = _request_id(meta)
    chunk_id = meta.get("chunk_id")
    try:
        return AudioFrame(
            request_id=request_id,
            take_id=_take_id(meta),
            part_id=_id(meta, "part_id"),
            # Absent and null both mean parts mode, as in the official SDK (`.get`).
            chunk_id=None if chunk_id is None else _id(meta, "chunk_id"),
            audio=view[end:].toreadonly(),
        )
    except FrameError as e:
        raise FrameError(str(e), request_id) from None


def encode_frame(
    request_id: int | str,
    take_id: str,
    part_id: int,
    chunk_id: int | None = None,
    audio: BytesLike = b"",
) -> bytes:
    """Build a Daisys binary audio message (``chunk_id=None`` for parts mode)."""
    meta: dict[str, object] = {"take_id": take_id, "part_id": part_id}
    if chunk_id is not None:
        meta["chunk_id"] = chunk_id
    meta["request_id"] = request_id
    encoded = json.dumps(meta, separators=(",", ":")).encode()
    return _PREFIX.pack(MAGIC, len(encoded)) + encoded + audio


def _value(meta: dict[str, object], name: str) -> object:
    if name not in meta:
        raise FrameError(f"metadata has no {name!r} field (fields: {sorted(meta)})")
    return meta[name]


def _wrong(name: str, want: str, value: object) -> FrameError:
    return FrameError(f"field {name!r} must be {want}, found {_json_type(value)} {value!r}")


def _request_id(meta: dict[str, object]) -> int | str:
    value = _value(meta, "request_id")
    # bool is an int subclass in Python, but `true` is not an id.
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong("request_id", "an integer or a string", value)


def _take_id(meta: dict[str, object]) -> str:
    value = _value(meta, "take_id")
    if isinstance(value, str):
        return value
    raise _wrong("take_id", "a string", value)


def _id(meta: dict[str, object], name: str) -> int:
    value = _value(meta, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _wrong(name, "a non-negative integer", value)
    return value


_JSON_TYPES = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}


def _json_type(value: object) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
