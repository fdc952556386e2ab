"""Reading cassettes as data: the files on disk, and the exchanges of a cassette in use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from vcr.cassette import Cassette
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serializers import yamlserializer

HERE = Path(__file__).parent
HTTP_DIR = HERE / "http"
WS_DIR = HERE / "websocket"


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer."""

    request: Request
    response: dict[str, Any]

    @property
    def method(self) -> str:
        return str(self.request.method)

    @property
    def path(self) -> str:
        return urlsplit(self.request.uri).path

    @property
    def status(self) -> int:
        return int(self.response["status"]["code"])

    @property
    def body(self) -> bytes:
        body = self.response["body"]["string"]
        return body.encode() if isinstance(body, str) else bytes(body or b"")

    def header(self, name: str) -> str | None:
        """A response header's first value."""
        for key, values in self.response["headers"].items():
            if key.lower() == name.lower():
                return str(values[0])
        return None

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def summary(self) -> tuple[str, str, int]:
        return self.method, self.path, self.status


def cassette_path(test_name: str) -> Path:
    """Where a test's cassette lives: ``test_login[sync]`` -> ``http/login-sync.yaml``."""
    name = re.sub(r"^test_", "", test_name)
    return HTTP_DIR / (re.sub(r"\[(.*)\]$", r"-\1", name).replace("/", "_") + ".yaml")


def replay_path(test_name: str) -> Path:
    """A test's cassette for replay; fails the test, saying how to make it, when there is none."""
    path = cassette_path(test_name)
    if not path.exists():
        pytest.fail(f"no cassette {path.relative_to(HERE.parent.parent)}: record it with `make record`", pytrace=False)
    return path


def http_cassettes() -> list[Path]:
    """Every HTTP cassette file."""
    return sorted(HTTP_DIR.glob("*.yaml"))


def websocket_recordings() -> list[Path]:
    """Every websocket recording file."""
    return sorted(WS_DIR.glob("*.jsonl"))


def load(path: Path) -> list[Exchange]:
    """The exchanges of a cassette file, as vcrpy reads them."""
    requests, responses, *_ = FilesystemPersister.load_cassette(str(path), serializer=yamlserializer)
    return [Exchange(request, response) for request, response in zip(requests, responses, strict=True)]


def exchanges(cassette: Cassette) -> list[Exchange]:
    """The exchanges of a cassette in use: replayed from its file, or recorded so far (scrubbed either way)."""
    return [Exchange(request, response) for request, response in cassette.data]
