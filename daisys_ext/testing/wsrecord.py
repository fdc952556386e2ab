"""Recorded websocket sessions: a small line format of their own (`Recording`, one `Frame` a line).

HTTP cassettes (vcrpy) cannot hold websocket traffic, so a websocket session is kept in a format of its own,
JSON Lines, readable and diffable:

- the first line is a header: ``{"format": "daisys-ws-recording", "version": 1, "model": ..., "path": ...}``
  plus any extra fields (``meta``); ``path`` is the URL path and query the client connected to, its token scrubbed;
- then one line a frame, in the order they passed the proxy: ``{"t": seconds since the connection opened,
  "dir": "send" | "recv", "type": "text" | "binary" | "close", "data": ...}``. ``send`` is client to server,
  ``recv`` server to client (the client's point of view). Text is kept as is, binary as base64; a close has
  ``code`` and ``reason`` instead of ``data``.

`daisys_ext.testing.wsreplay` records sessions through a proxy and plays them back from a local server.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._logging import redact_url

__all__ = [
    "FORMAT",
    "SCRUBBED",
    "VERSION",
    "Frame",
    "Recording",
    "scrub_path",
]

log = logging.getLogger(__name__)

FORMAT = "daisys-ws-recording"
VERSION = 1
SCRUBBED = "SCRUBBED"
"""What a secret in a recorded URL is replaced with."""

Direction = Literal["send", "recv"]
Kind = Literal["text", "binary", "close"]
SEND: Direction = "send"
RECV: Direction = "recv"


def scrub_path(path: str) -> str:
    """``path`` (a URL, or a path with its query) with the values of credential query parameters replaced.

    The client's own redaction, with `SCRUBBED` for a replacement: a recording hides what a log line hides.
    """
    return redact_url(path, SCRUBBED)


@dataclass(frozen=True, slots=True)
class Frame:
    """One message (or the close) of a recorded session.

    ``t`` is seconds since the connection opened; ``direction`` is ``"send"`` (client to server) or ``"recv"``;
    ``data`` is the text or the bytes of a message; a close has ``code`` (None when the connection dropped
    without one) and ``reason`` instead.
    """

    t: float
    direction: Direction
    kind: Kind
    data: str | bytes = ""
    code: int | None = None
    reason: str = ""

    @classmethod
    def message(cls, t: float, direction: Direction, data: str | bytes) -> Frame:
        """A text or binary message, by the type of ``data``."""
        return cls(t, direction, "text" if isinstance(data, str) else "binary", data)

    @classmethod
    def close(cls, t: float, direction: Direction, code: int | None, reason: str = "") -> Frame:
        """The end of the session, by the side ``direction`` says (``"recv"``: the server closed)."""
        return cls(t, direction, "close", code=code, reason=reason)

    def to_json(self) -> dict[str, Any]:
        """The frame as one line's JSON object."""
        line: dict[str, Any] = {"t": self.t, "dir": self.direction, "type": self.kind}
        if self.kind == "close":
            line["code"], line["reason"] = self.code, self.reason
        elif isinstance(self.data, bytes):
            line["data"] = base64.b64encode(self.data).decode("ascii")
        else:
            line["data"] = self.data
        return line

    @classmethod
    def from_json(cls, line: Mapping[str, Any]) -> Frame:
        """Read a frame line; raises ValueError saying what is wrong with it."""
        direction, kind, t = line.get("dir"), line.get("type"), line.get("t")
        if direction not in ("send", "recv"):
            raise ValueError(f"frame direction must be 'send' or 'recv', not {direction!r}")
        if isinstance(t, bool) or not isinstance(t, int | float) or t < 0:
            raise ValueError(f"frame time must be a non-negative number of seconds, not {t!r}")
        if kind == "close":
            code = line.get("code")
            if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
                raise ValueError(f"close code must be an integer or null, not {code!r}")
            return cls.close(float(t), direction, code, str(line.get("reason") or ""))
        data = line.get("data")
        if not isinstance(data, str):
            raise ValueError(f"a {kind} frame needs its data as a string, not {data!r}")
        if kind == "text":
            return cls(float(t), direction, "text", data)
        if kind == "binary":
            return cls(float(t), direction, "binary", base64.b64decode(data, validate=True))
        raise ValueError(f"frame type must be 'text', 'binary' or 'close', not {kind!r}")

    def describe(self) -> str:
        """A short human description, for mismatch messages."""
        if self.kind == "close":
            return f"close {self.code} {self.reason!r}"
        return preview(self.data)


@dataclass
class Recording:
    """One recorded websocket connection: where it went (model, scrubbed path), its frames, and free header fields."""

    model: str
    path: str
    frames: list[Frame] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Seconds from the connection's opening to its last frame."""
        return self.frames[-1].t if self.frames else 0.0

    def messages(self, direction: Direction) -> list[str | bytes]:
        """The text and binary messages one way (``"send"``: what the client sent), in order."""
        return [f.data for f in self.frames if f.direction == direction and f.kind != "close"]

    def dumps(self) -> str:
        """The recording in its line format, ending with a newline."""
        header = {"format": FORMAT, "version": VERSION, "model": self.model, "path": self.path, **self.meta}
        lines = [header, *(frame.to_json() for frame in self.frames)]
        return "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)

    @classmethod
    def loads(cls, text: str) -> Recording:
        """Parse the line format; raises ValueError naming the line that is wrong."""
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValueError("an empty recording: the header line is missing")
        header = json.loads(lines[0])
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"line 1 is not a {FORMAT} header: {preview(lines[0])}")
        if header.get("version") != VERSION:
            raise ValueError(f"recording format version {header.get('version')!r}; this reader knows {VERSION}")
        model, path = header.get("model"), header.get("path")
        if not isinstance(model, str) or not isinstance(path, str):
            raise ValueError("the header needs 'model' and 'path' strings")
        meta = {k: v for k, v in header.items() if k not in ("format", "version", "model", "path")}
        frames = []
        for number, line in enumerate(lines[1:], start=2):
            try:
                frames.append(Frame.from_json(json.loads(line)))
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"line {number}: {exc}") from None
        return cls(model, path, frames, meta)

    def dump(self, path: str | Path) -> None:
        """Write the recording to a file."""
        Path(path).write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        """Read a recording from a file."""
        return cls.loads(Path(path).read_text(encoding="utf-8"))


def preview(message: str | bytes, limit: int = 160) -> str:
    """A message shortened for an error message."""
    text = repr(message)
    return text if len(text) <= limit else text[:limit] + "..."
