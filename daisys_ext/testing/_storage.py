"""The storage origin: plays S3 presigned URLs for take audio, including wav streamed while a take generates."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import secrets
import time
import urllib.parse
from collections.abc import Iterator

from . import _audio
from ._options import Options
from ._server import AbortStream, Request, Response, json_response
from ._state import DONE, Store

BUCKET = "speak-audio"
_REGION = "eu-west-1"
_KEY = re.compile(rf"^/{BUCKET}/(?P<take_id>[^/.]+)\.(?P<fmt>[a-z0-9]+)$")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class Presigner:
    """Makes and checks AWS-SigV4-looking query signatures (an HMAC over path, date and expiry)."""

    def __init__(self, options: Options) -> None:
        self._options = options
        self._secret = secrets.token_bytes(32)
        self.access_key = "EMULATOR" + secrets.token_hex(6).upper()

    def _signature(self, path: str, amz_date: str, expires: str, credential: str) -> str:
        message = "\n".join((path, amz_date, expires, credential)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, base: str, take_id: str, fmt: str) -> str:
        """A presigned URL for a take's audio, valid `presign_ttl` seconds."""
        path = f"/{BUCKET}/{take_id}.{fmt}"
        now = time.gmtime()
        amz_date = time.strftime(_AMZ_DATE, now)
        credential = f"{self.access_key}/{time.strftime('%Y%m%d', now)}/{_REGION}/s3/aws4_request"
        expires = str(int(self._options.presign_ttl))
        query = urllib.parse.urlencode(
            [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("X-Amz-Credential", credential),
                ("X-Amz-Date", amz_date),
                ("X-Amz-Expires", expires),
                ("X-Amz-SignedHeaders", "host"),
                ("X-Amz-Signature", self._signature(path, amz_date, expires, credential)),
            ]
        )
        return f"{base}{path}?{query}"

    def check(self, path: str, params: dict[str, list[str]]) -> Response | None:
        """None if the query signature is valid and unexpired, else the S3 error answer."""
        value = {k: v[0] for k, v in params.items() if v}
        needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature")
        if not all(k in value for k in needed):
            return s3_error(403, "AccessDenied", "Access Denied")
        expected = self._signature(path, value["X-Amz-Date"], value["X-Amz-Expires"], value["X-Amz-Credential"])
        if not hmac.compare_digest(expected, value["X-Amz-Signature"]):
            message = (
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method."
            )
            return s3_error(403, "SignatureDoesNotMatch", message)
        try:
            signed = calendar.timegm(time.strptime(value["X-Amz-Date"], _AMZ_DATE))
            expires = int(value["X-Amz-Expires"])
        except ValueError:
            return s3_error(403, "AccessDenied", "Access Denied")
        if time.time() > signed + expires:
            return s3_error(403, "AccessDenied", "Request has expired")
        return None


def s3_error(status: int, code: str, message: str, extra: str = "") -> Response:
    """An S3-style XML error answer."""
    request_id = secrets.token_hex(8).upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
        f"<RequestId>{request_id}</RequestId><HostId>{secrets.token_urlsafe(48)}</HostId></Error>"
    )
    return Response(status, body.encode(), [("Content-Type", "application/xml")])


class StorageApp:
    """Answers GET /speak-audio/{take_id}.{format} for presigned URLs the API origin handed out."""

    def __init__(self, store: Store, presigner: Presigner, options: Options) -> None:
        self._store = store
        self._presigner = presigner
        self._options = options

    def __call__(self, request: Request) -> Response:
        if self._options.latency > 0:
            time.sleep(self._options.latency)
        if "Authorization" in request.headers:
            message = (
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
                "parameter or the Authorization header should be specified"
            )
            value = _xml(request.headers["Authorization"])
            extra = f"<ArgumentName>Authorization</ArgumentName><ArgumentValue>{value}</ArgumentValue>"
            return s3_error(400, "InvalidArgument", message, extra)
        if request.method not in ("GET", "HEAD"):
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        match = _KEY.match(request.path)
        if match is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        denied = self._presigner.check(request.path, request.params)
        if denied is not None:
            return denied
        take_id, fmt = match["take_id"], match["fmt"]
        take = self._store.take_record(take_id)
        if take is None or fmt not in _audio.FORMATS:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if take.status in DONE and take.status != "ready":
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        headers = [("Content-Type", _audio.CONTENT_TYPES[fmt]), ("Accept-Ranges", "bytes")]
        if take.status != "ready":
            if fmt != "wav":
                return s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return Response(200, headers=[("Content-Type", "audio/wav")], stream=self._stream_wav(take_id))
        try:
            data = self._store.encoded(take_id, fmt)
        except _audio.EncodingUnavailable:
            return json_response(404, {"detail": unavailable_message(fmt)})
        headers.append(("ETag", etag(request.path, data)))
        return _ranged(data, request.headers.get("Range"), headers, request.headers.get("If-Range"))

    def _stream_wav(self, take_id: str) -> Iterator[bytes]:
        """The WAV header with final sizes first, then each sentence's PCM as soon as generation reaches it."""
        take = self._store.take_record(take_id)
        if take is None:
            raise AbortStream
        yield _audio.wav_header(take.total_samples)
        sent, count = 0, len(take.sentences)
        while sent < count:
            take = self._store.take_record(take_id)
            if take is None:
                raise AbortStream
            available = take.parts_available(time.monotonic())
            if available > sent:
                yield b"".join(self._store.pcm_parts(take_id)[sent:available])
                sent = available
            elif take.status in DONE and take.status != "ready":
                raise AbortStream  # the take failed: cut the transfer short, as a broken generation would
            else:
                time.sleep(0.01)


def unavailable_message(fmt: str) -> str:
    """The answer when a compressed format is asked for without PyAV installed."""
    return f"format {fmt} unavailable in this emulator (install daisys-ext[emulator])"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def etag(key: str, data: bytes) -> str:
    """The object's ETag: 32 hex digits, quoted, as S3's. A take's audio never changes once ready, so its key and
    length name the version, and the bytes need no hashing on every download (S3 hashes once, at upload)."""
    return f'"{hashlib.md5(f"{key}:{len(data)}".encode(), usedforsecurity=False).hexdigest()}"'


def _ranged(data: bytes, header: str | None, headers: list[tuple[str, str]], if_range: str | None = None) -> Response:
    """The whole file, or one `bytes=` range of it (206), as S3 answers; the whole file when `If-Range` names
    another version (RFC 9110 13.1.5)."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip()) if header else None
    if match is None or match[1] == match[2] == "":
        return Response(200, data, headers)
    if if_range is not None and if_range.strip() != dict(headers).get("ETag"):
        return Response(200, data, headers)
    size = len(data)
    if match[1] == "":
        start, end = max(size - int(match[2]), 0), size - 1
    else:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    if start >= size or start > end:
        answer = s3_error(416, "InvalidRange", "The requested range is not satisfiable")
        answer.headers.append(("Content-Range", f"bytes */{size}"))
        return answer
    return Response(206, data[start : end + 1], [*headers, ("Content-Range", f"bytes {start}-{end}/{size}")])
