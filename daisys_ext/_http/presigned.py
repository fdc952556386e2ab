"""Following the audio routes' 307 to storage without leaking credentials, and caching presigned URLs.

The Location of an audio route is an S3 presigned URL: its signature is the credential,
and S3 refuses a request that also carries an Authorization header. So the storage
request is built from nothing (no client default headers, no auth), and the URL is
reused until its X-Amz-Expires runs out.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import httpx

# Reuse a presigned URL only while this much of its lifetime is left: a download must
# start (and for S3, only start) before the URL expires.
EXPIRY_MARGIN = 10.0
# URLs kept at most; past it, expired ones go first, then the oldest.
MAX_CACHED = 512


def _query(url: str) -> dict[str, str]:
    return {key.lower(): value for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def is_presigned(url: str) -> bool:
    """Whether ``url`` carries its own credential (an S3 signature)."""
    return "x-amz-signature" in _query(url)


def presigned_expiry(url: str) -> float | None:
    """The Unix time a presigned URL expires at (X-Amz-Date + X-Amz-Expires), or None if unknown."""
    query = _query(url)
    try:
        signed = datetime.strptime(query["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return signed.timestamp() + float(query["x-amz-expires"])
    except (KeyError, ValueError):
        return None


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def storage_request(url: str) -> httpx.Request:
    """A GET for a storage URL carrying no credential: built directly, so no client header is added."""
    return httpx.Request("GET", url)


class PresignedCache:
    """Presigned audio URLs by (take_id, format), each kept until shortly before it expires."""

    def __init__(self) -> None:
        self._urls: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, take_id: str, audio_format: str, now: float | None = None) -> str | None:
        now = time.time() if now is None else now
        with self._lock:
            entry = self._urls.get((take_id, audio_format))
            if entry is None or now >= entry[1] - EXPIRY_MARGIN:
                self._urls.pop((take_id, audio_format), None)
                return None
            return entry[0]

    def put(self, take_id: str, audio_format: str, url: str, now: float | None = None) -> None:
        expiry = presigned_expiry(url)
        if expiry is None:
            return
        with self._lock:
            self._urls[(take_id, audio_format)] = (url, expiry)
            if len(self._urls) > MAX_CACHED:
                # A client that runs for weeks downloads many takes once each: keep what can still be used.
                now = time.time() if now is None else now
                for key in [k for k, (_, expires) in self._urls.items() if now >= expires - EXPIRY_MARGIN]:
                    del self._urls[key]
                while len(self._urls) > MAX_CACHED:
                    del self._urls[next(iter(self._urls))]  # the oldest

    def __len__(self) -> int:
        return len(self._urls)

    def forget(self, take_id: str, audio_format: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._urls if k[0] == take_id and audio_format in (None, k[1])]:
                del self._urls[key]
