"""The errors of the other services' clients: ``PeerError`` and its family, all `DaisysError`s.

Each also belongs to the Daisys error it resembles (a refused websocket is a
`DaisysWebsocketConnectError`, a broken stream a `DaisysWebsocketStreamError`, an answer
not understood a `DaisysResponseError`), so code that handles those handles these too.
``service`` names the service ("vivoka" or "neuphonic"). No message carries a secret.
"""

from __future__ import annotations

import json
from typing import Any

from .._errors import DaisysError, DaisysResponseError, DaisysWebsocketConnectError, DaisysWebsocketStreamError

__all__ = ["PeerConnectError", "PeerError", "PeerResponseError", "PeerServiceError", "PeerStreamError", "VivokaError"]


class PeerError(DaisysError):
    """Base of the errors of another TTS service's client; ``service`` names the service."""

    def __init__(self, message: str, *, service: str) -> None:
        super().__init__(message)
        self.service = service


class PeerConnectError(PeerError, DaisysWebsocketConnectError):
    """The service's websocket could not be opened; ``status`` is the HTTP status of a refused handshake."""

    def __init__(self, message: str, *, service: str, status: int | None = None) -> None:
        super().__init__(message, service=service)
        self.status = status


class PeerStreamError(PeerError, DaisysWebsocketStreamError):
    """The audio stream broke before its end, or carried audio that could not be decoded."""


class PeerResponseError(PeerError, DaisysResponseError):
    """An HTTP answer of the service that cannot be understood (not JSON, not the documented shape)."""


class PeerServiceError(PeerError):
    """The service reported an error; ``content`` is what it sent, as parsed JSON."""

    def __init__(self, message: str, *, service: str, content: Any) -> None:
        super().__init__(message, service=service)
        self.content = content


class VivokaError(PeerServiceError):
    """Vivoka sent an ``error`` message on the synthesis websocket; ``content`` is that message's ``error``."""

    def __init__(self, content: Any, *, shown: str | None = None) -> None:
        shown = shown if shown is not None else clip(json.dumps(content, ensure_ascii=False))
        super().__init__(f"Vivoka reported an error during synthesis: {shown}", service="vivoka", content=content)


def clip(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters, for a message or a log line."""
    return text if len(text) <= limit else text[:limit] + "..."
