"""Keeping the other services' secrets out of log records: Neuphonic's API key, Vivoka's websocket token.

Neuphonic's key travels in the ``x-api-key`` handshake header, which websockets logs at DEBUG;
Vivoka's token is a path segment of its websocket URL (``/v1/ws/{token}``), which the
connection logs at DEBUG and which `daisys_ext._logging.redact_url` (query parameters only)
does not see. `install` adds a filter for both to the loggers that could carry them, beside
the package's own redaction (`daisys_ext.redact_logs`), when the first peer client is made.
API keys given to a client are also remembered and replaced wherever they appear.
"""

from __future__ import annotations

import logging
import re
import threading

from .._logging import REDACTED, redact_logs, redact_text

__all__ = ["LOGGERS", "PeerRedactingFilter", "install", "redact", "remember"]

# "x-api-key: KEY" (a handshake log line), "'x-api-key': 'KEY'" or "('x-api-key', 'KEY')" (a repr).
_API_KEY = re.compile(r"""(?i)(x-api-key['"]?\s*[:=,]\s*['"]?)[^\s'",;)}\]]+""")
_WS_TOKEN = re.compile(r"(/v1/ws/)[^\s/?#'\"]+")

LOGGERS = (
    "daisys_ext",
    "daisys_ext.websocket",
    "daisys_ext.peers.vivoka",
    "daisys_ext.peers.neuphonic",
    "websockets.client",
    "websocket",
    "httpx",
)

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def remember(secret: str) -> None:
    """Replace ``secret`` wherever it appears in a log record from now on (an API key: a few per program)."""
    if len(secret) >= 4:
        with _lock:
            _known.add(secret)


def redact(text: str) -> str:
    """``text`` without API keys, Vivoka tokens, or anything `daisys_ext._logging.redact_text` removes."""
    text = _WS_TOKEN.sub(r"\1" + REDACTED, _API_KEY.sub(r"\1" + REDACTED, redact_text(text)))
    for secret in tuple(_known):
        text = text.replace(secret, REDACTED)
    return text


class PeerRedactingFilter(logging.Filter):
    """Redacts the other services' secrets from every record passing through the logger it is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def install() -> None:
    """The package's redaction, and this filter on `LOGGERS`; once (calling it again does nothing)."""
    global _installed
    redact_logs()
    with _lock:
        if _installed:
            return
        _installed = True
    for name in LOGGERS:
        logging.getLogger(name).addFilter(PeerRedactingFilter())
