"""Finding secrets in recorded traffic: what a cassette or a websocket recording must never contain.

A file is searched as written and, since YAML keeps binary bodies in base64 and recordings keep binary frames
in base64, once more with every body and frame decoded. Any credential-shaped value other than a placeholder
(``SCRUBBED...``) is a finding: bearer tokens, passwords, access and refresh tokens, S3 signatures and
credentials, URL tokens, JWTs, the emulator's storage access key, and the values of ``DAISYS_EMAIL`` and
``DAISYS_PASSWORD`` when set (a live recording's account).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from cassette_files import load

from daisys_ext.testing.wsrecord import SCRUBBED, Recording

_VALUE = r"""\\?"?\s*[:=]\s*\\?"?([^"\\\s,}&']+)"""
PATTERNS = {
    # 8 characters at least: a token, not the word after a bare "Bearer" (a WWW-Authenticate header's realm=).
    "bearer token": re.compile(r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/=-]{8,})"),
    "password": re.compile(r"(?i)\bpassword" + _VALUE),
    "access token": re.compile(r"(?i)\baccess_token" + _VALUE),
    "refresh token": re.compile(r"(?i)\brefresh_token" + _VALUE),
    "S3 signature": re.compile(r"(?i)x-amz-signature=([^&\s'\"]+)"),
    "S3 credential": re.compile(r"(?i)x-amz-credential=([^&\s'\"]+)"),
    "URL token": re.compile(r"(?i)[?&]token=([^&\s'\"]+)"),
    "JWT": re.compile(r"(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"),
    "emulator storage key": re.compile(r"(EMULATOR[0-9A-F]{12})"),
}
# Values that are not secrets where the patterns above look: the placeholders, and JSON null.
HARMLESS = re.compile(rf"^({SCRUBBED}[A-Z-]*|null)$")


def account_credentials() -> list[str]:
    """The live account's email and password, when set in the environment (as when recording live)."""
    return [value for name in ("DAISYS_EMAIL", "DAISYS_PASSWORD") if len(value := os.environ.get(name, "")) >= 4]


def find_secrets(text: str, literals: Iterable[str] = ()) -> list[str]:
    """Every secret-looking value in ``text``, named by kind and shown only by its first characters."""
    found = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(1)
            if not HARMLESS.match(value):
                found.append(f"{kind}: {value[:6]}...")
    found += [f"account credential {value[:2]}..." for value in literals if value in text]
    return found


def decoded_texts(path: Path) -> list[str]:
    """The readable forms of a recorded file: as written, plus each body or frame decoded (latin-1 for bytes)."""
    texts = [path.read_text(encoding="utf-8")]
    if path.suffix == ".yaml":
        for exchange in load(path):
            request_body = exchange.request.body or b""
            if isinstance(request_body, bytes):
                texts.append(request_body.decode("latin-1"))
            texts.append(exchange.body.decode("latin-1"))
    elif path.suffix == ".jsonl":
        for frame in Recording.load(path).frames:
            if isinstance(frame.data, bytes):
                texts.append(frame.data.decode("latin-1"))
    return texts


def scan(path: Path) -> list[str]:
    """The secrets found in one cassette or recording file, each once (a body is searched raw and decoded)."""
    literals = account_credentials()
    return list(dict.fromkeys(finding for text in decoded_texts(path) for finding in find_secrets(text, literals)))
