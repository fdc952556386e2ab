"""Every recorded file is free of secrets and of the host it was recorded on; the scanner catches planted secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cassette_files import HTTP_DIR, WS_DIR, http_cassettes, load, websocket_recordings
from cassette_scrub import API_ORIGIN, STORAGE_ORIGIN, origin
from cassette_secrets import scan
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from daisys_ext.testing.wsrecord import Frame, Recording

FILES = http_cassettes() + websocket_recordings()
# A cassette with everything worth planting next to: a login, bearer headers, a 307 and a binary audio body.
SAMPLE = HTTP_DIR / "hello_flow-sync.yaml"


def test_recordings_are_there() -> None:
    """The scans below are not vacuous: the cassettes and recordings exist (HTTP tests come in sync and async)."""
    assert len(http_cassettes()) >= 16
    assert {p.stem for p in websocket_recordings()} >= {"parts", "chunks", "chunks-shuffled"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_secrets(path: Path) -> None:
    assert scan(path) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_recorded_on_canonical_origins(path: Path) -> None:
    """Host-independent: nothing names the ephemeral 127.0.0.1 ports an emulator recording ran on."""
    text = path.read_text()
    assert "127.0.0.1" not in text and "localhost" not in text
    if path.suffix == ".yaml":
        assert {origin(exchange.request.uri) for exchange in load(path)} <= {API_ORIGIN, STORAGE_ORIGIN}


PLANTS: dict[str, Callable[[str], str]] = {
    "bearer token": lambda text: text.replace("Bearer SCRUBBED-ACCESS-TOKEN", "Bearer 4f9cc1e0a7b2d3", 1),
    "password": lambda text: text.replace("SCRUBBED-PASSWORD", "pw", 1),  # the emulator's own password
    "access token": lambda text: text.replace('"access_token":"SCRUBBED-ACCESS-TOKEN"', '"access_token":"a1b2c3"', 1),
    "refresh token": lambda text: text.replace('"refresh_token":"SCRUBBED-REFRESH-TOKEN"', '"refresh_token":"r"', 1),
    "S3 signature": lambda text: text.replace("X-Amz-Signature=SCRUBBED", "X-Amz-Signature=0b743d69", 1),
    "S3 credential": lambda text: text.replace("X-Amz-Credential=SCRUBBED", "X-Amz-Credential=AKIA%2F2026", 1),
    "emulator storage key": lambda text: text.replace("Hi.", "EMULATORD84BCA7F3165", 1),
    "JWT": lambda text: text.replace("Hi.", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", 1),
}


@pytest.mark.parametrize("kind", PLANTS)
def test_scanner_finds_a_planted_secret(kind: str, tmp_path: Path) -> None:
    text = SAMPLE.read_text()
    planted = PLANTS[kind](text)
    assert planted != text, f"nothing to plant {kind} next to in {SAMPLE.name}"
    path = tmp_path / SAMPLE.name
    path.write_text(planted)
    assert [finding.split(":")[0] for finding in scan(path)] == [kind]


def test_scanner_finds_a_secret_inside_a_binary_body(tmp_path: Path) -> None:
    """YAML keeps binary bodies in base64, where no pattern can see them: the scanner decodes them."""
    exchanges = load(SAMPLE)
    audio = next(e for e in exchanges if e.body.startswith(b"RIFF"))
    audio.response["body"]["string"] = audio.body + b"\x00\xff?X-Amz-Signature=feedface"
    path = tmp_path / SAMPLE.name
    cassette = {"requests": [e.request for e in exchanges], "responses": [e.response for e in exchanges]}
    FilesystemPersister.save_cassette(str(path), cassette, serializer=yamlserializer)
    assert "feedface" not in path.read_text()
    assert scan(path) == ["S3 signature: feedfa..."]


def test_scanner_finds_secrets_in_websocket_recordings(tmp_path: Path) -> None:
    recording = Recording.load(WS_DIR / "parts.jsonl")
    recording.path = recording.path.replace("SCRUBBED", "tme0gFNtNmCM5yO9")
    recording.frames.append(Frame.message(9.0, "recv", b"JSON\x00\x00\x00\x00Authorization: Bearer 0123456789abcdef"))
    path = tmp_path / "planted.jsonl"
    recording.dump(path)
    assert sorted(scan(path)) == ["URL token: tme0gF...", "bearer token: 012345..."]


def test_scanner_finds_the_live_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAISYS_EMAIL", "maintainer@daisys.example")
    path = tmp_path / SAMPLE.name
    path.write_text(SAMPLE.read_text().replace("Hi.", "Hello maintainer@daisys.example.", 1))
    assert scan(path) == ["account credential ma..."]
