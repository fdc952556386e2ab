"""What a cassette keeps: no secrets, and canonical origins instead of wherever it was recorded.

vcrpy calls `Scrubber.request` on each request and `Scrubber.response` on each answer before keeping them. It
also calls them on the requests a client makes during replay and on every interaction it loads, so both are
idempotent: scrubbing a scrubbed interaction changes nothing.

Secrets become fixed placeholders that still let a client work on replay: a login answer keeps its
``access_token`` and ``refresh_token`` fields, a presigned URL keeps its ``X-Amz-Signature`` parameter.
Origins become canonical ones, so that an emulator recording (ephemeral 127.0.0.1 ports) and a live recording
look alike, and replay needs no server at all: the API at https://api.daisys.ai, the storage a 307 points to
at https://storage.example, the websocket worker at wss://worker.example.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcr.request import Request

from daisys_ext.testing.wsrecord import SCRUBBED

API_ORIGIN = "https://api.daisys.ai"
STORAGE_ORIGIN = "https://storage.example"
WORKER_ORIGIN = "wss://worker.example"

EMAIL = "user@example.com"  # not a secret, but a live recording would otherwise keep a maintainer's address
PASSWORD = "SCRUBBED-PASSWORD"
ACCESS_TOKEN = "SCRUBBED-ACCESS-TOKEN"
REFRESH_TOKEN = "SCRUBBED-REFRESH-TOKEN"
AUTHORIZATION = f"Bearer {ACCESS_TOKEN}"

# Query parameters that are credentials: S3 presigned URLs and the websocket worker URL's token.
SECRET_PARAMS = frozenset(
    {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "token", "access_token", "refresh_token"}
)
# JSON fields (request and answer bodies) and what replaces them.
SECRET_FIELDS = {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "password": PASSWORD, "email": EMAIL}
DROPPED_HEADERS = frozenset({"cookie", "set-cookie"})


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def scrub_query(url: str) -> str:
    """``url`` with the values of credential query parameters replaced by the placeholder."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key.lower() in SECRET_PARAMS for key, _ in pairs):
        return url  # left exactly as sent
    query = [(key, SCRUBBED if key.lower() in SECRET_PARAMS else value) for key, value in pairs]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


class Scrubber:
    """The record-time rewriting of one cassette: placeholders for secrets, canonical origins for real ones.

    ``origins`` maps real origins to canonical ones (the emulator's three, when recording on it). Origins met
    later are learned: a 307's Location is storage, a ``*websocket_url`` field is the worker, so a live
    recording needs no list of the service's storage and worker hosts.
    """

    def __init__(self, origins: Mapping[str, str] | None = None) -> None:
        self.origins = dict(origins or {})

    def url(self, url: str, learn_as: str | None = None) -> str:
        """A URL on its canonical origin with its credentials scrubbed; an unknown origin is learned as ``learn_as``."""
        real = origin(url)
        canonical = self.origins.get(real)
        if canonical is None and learn_as is not None and real not in (API_ORIGIN, STORAGE_ORIGIN, WORKER_ORIGIN):
            canonical = self.origins[real] = learn_as
        if canonical is not None:
            url = canonical + url[len(real) :]
        return scrub_query(url)

    def request(self, request: Request) -> Request:
        """vcrpy's ``before_record_request``."""
        request.uri = self.url(request.uri)
        body = request.body
        if isinstance(body, bytes) and body:
            scrubbed = self._json_bytes(body)
            if scrubbed is not None:
                request.body = body = scrubbed
        for name in list(request.headers):
            if name.lower() in DROPPED_HEADERS:
                del request.headers[name]
            elif name.lower() == "authorization":
                request.headers[name] = AUTHORIZATION
            elif name.lower() == "host":
                request.headers[name] = urlsplit(request.uri).netloc
            elif name.lower() == "content-length" and isinstance(body, bytes):
                request.headers[name] = str(len(body))
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's ``before_record_response`` (the httpx stub's dict: status, headers as lists, body string)."""
        headers: dict[str, list[str]] = response["headers"]
        for name in list(headers):
            if name.lower() in DROPPED_HEADERS:
                del headers[name]
            elif name.lower() == "location":
                headers[name] = [self.url(value, learn_as=STORAGE_ORIGIN) for value in headers[name]]
        body = response["body"]["string"]
        if isinstance(body, bytes) and body and _is_json(headers):
            scrubbed = self._json_bytes(body)
            if scrubbed is not None:
                response["body"]["string"] = scrubbed
                for name in headers:
                    if name.lower() == "content-length":
                        headers[name] = [str(len(scrubbed))]
        return response

    def _json_bytes(self, body: bytes) -> bytes | None:
        """A JSON body scrubbed, re-encoded compactly; None when it is not JSON or needs no change."""
        try:
            value = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        scrubbed = self._value(value, key=None)
        if scrubbed == value:
            return None
        return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode()

    def _value(self, value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: self._value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(v, key) for v in value]
        if not isinstance(value, str):
            return value
        if key in SECRET_FIELDS:
            return SECRET_FIELDS[key]
        if "://" in value and " " not in value:
            learn_as = WORKER_ORIGIN if key is not None and key.endswith("websocket_url") else None
            return self.url(value, learn_as=learn_as)
        for real, canonical in self.origins.items():  # an origin quoted inside a message
            value = value.replace(real, canonical)
        return value


def _is_json(headers: Mapping[str, list[str]]) -> bool:
    return any(name.lower() == "content-type" and "json" in ";".join(values) for name, values in headers.items())
