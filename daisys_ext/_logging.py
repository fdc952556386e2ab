"""Redaction of secrets (tokens, passwords, URL signatures) from anything that is logged or raised."""

from __future__ import annotations

import logging
import os
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that carry a credential: S3 presigned URLs and websocket worker URLs.
SECRET_QUERY_PARAMS = frozenset(
    {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "token", "access_token", "refresh_token"}
)
REDACTED = "[redacted]"

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JSON_SECRET = re.compile(r'(?i)("(?:password|access_token|refresh_token)"\s*:\s*)"(?:[^"\\]|\\.)*"')
_QUERY_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(sorted(SECRET_QUERY_PARAMS)) + r")=)[^&#\s'\"]+")


def redact_url(url: str, replacement: str = REDACTED) -> str:
    """Return ``url`` (or a path with its query) with the values of credential-carrying query parameters replaced."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (key, replacement if key.lower() in SECRET_QUERY_PARAMS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


def redact_text(text: str) -> str:
    """Return ``text`` with bearer tokens, JSON secrets and signed query parameters replaced."""
    text = _BEARER.sub(r"\1" + REDACTED, text)
    text = _JSON_SECRET.sub(r'\1"' + REDACTED + '"', text)
    return _QUERY_SECRET.sub(r"\1" + REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets from every record passing through it.

    Installed on the ``daisys_ext`` logger, so that a record which by mistake carries a
    secret (from this package or from a user's format string) never reaches a handler.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


# httpx and httpcore log full URLs (a presigned URL's signature included) at INFO and DEBUG, and
# websockets and websocket-client the worker URL's token with the handshake at DEBUG: their records
# are redacted too. A logger's filters do not apply to its children's records, hence each name.
_LOGGERS = (
    "daisys_ext",
    "daisys_ext.websocket",
    "httpx",
    "httpcore.http11",
    "httpcore.connection",
    "websockets.client",
    "websocket",
)
_installed = False
_install_lock = threading.Lock()


def redact_logs() -> None:
    """Redact secrets from the records of this package's loggers and of the libraries it drives.

    Changes other libraries' loggers (httpx, httpcore, websockets, websocket-client), so it
    is not done at import: the first client or websocket session does it, or call it
    yourself. Also applies ``DAISYS_LOG=debug|info``: this package's log, redacted, on
    standard error. Calling it again does nothing.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        _installed = True
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(RedactingFilter())
        _log_to_stderr(os.environ.get("DAISYS_LOG", ""))


def _log_to_stderr(level: str) -> None:
    """``DAISYS_LOG`` as ``OPENAI_LOG`` works: debug or info turns on the package's log on standard error."""
    levels = {"debug": logging.DEBUG, "info": logging.INFO}
    if level.lower() not in levels:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
    for name in ("daisys_ext", "httpx"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(levels[level.lower()])
