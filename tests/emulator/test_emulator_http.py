"""The emulator's HTTP origins over real loopback HTTP: auth, every route, generation, webhooks, audio, faults."""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from daisys_ext.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]
TAKE_SECONDS = 0.3


def login(emu: Emulator) -> httpx.Client:
    """An httpx client on the product URL carrying a fresh access token."""
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    return httpx.Client(base_url=emu.product_url, headers={"Authorization": f"Bearer {tokens['access_token']}"})


@pytest.fixture
def emu(daisys_emulator: Emulator) -> Emulator:
    daisys_emulator.take_seconds = TAKE_SECONDS
    return daisys_emulator


@pytest.fixture
def api(emu: Emulator) -> Iterator[httpx.Client]:
    with login(emu) as client:
        yield client


def make_voice(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = api.post("/voices/generate", json={"name": "Ignacio", "gender": "male", "model": "shakespeare", **extra})
    assert response.status_code == 200, response.text
    return response.json()


def wait_ready(api: httpx.Client, kind: str, item_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        item = api.get(f"/{kind}/{item_id}").json()
        if item["status"] in ("ready", "error") or time.monotonic() > deadline:
            return item
        time.sleep(0.02)


def make_take(
    api: httpx.Client, voice_id: str, text: str = "Hello, Daisys! It's a beautiful day.", **extra: Any
) -> dict[str, Any]:
    response = api.post("/takes/generate", json={"text": text, "voice_id": voice_id, **extra})
    assert response.status_code == 200, response.text
    return response.json()


# -- auth ----------------------------------------------------------------------------------------------------------


def test_version_needs_no_token(emu: Emulator) -> None:
    response = httpx.get(f"{emu.product_url}/version")
    assert response.status_code == 200
    assert response.json() == {"version": 1, "minor": 0}


@pytest.mark.parametrize("password", ['qu"ote\\back\\slash', "nön-ÄSCII ✓ 密码", "{json}: [1, 2]\n\t"])
def test_login_accepts_any_json_string(password: str) -> None:
    with Emulator('odd"mail@example.com', password) as emu:
        body = json.dumps({"email": emu.email, "password": password}, ensure_ascii=False).encode()
        response = httpx.post(f"{emu.api_url}/auth/login", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200
        tokens = response.json()
        assert set(tokens) == {"access_token", "refresh_token"}
        models = httpx.get(f"{emu.product_url}/models", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert models.status_code == 200


def test_login_wrong_credentials_401(emu: Emulator) -> None:
    response = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": "nope"})
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_login_malformed_bodies_422(emu: Emulator) -> None:
    url = f"{emu.api_url}/auth/login"
    broken = httpx.post(url, content=b'{"email": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"
    missing = httpx.post(url, json={"email": emu.email})
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": {"email": emu.email}}
    ]
    wrong_type = httpx.post(url, json={"email": emu.email, "password": 5})
    assert wrong_type.json()["detail"][0]["type"] == "string_type"
    empty = httpx.post(url)
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body"]


def test_product_routes_need_a_bearer_token(emu: Emulator) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not-a-token"}):
        response = httpx.get(f"{emu.product_url}/models", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert isinstance(response.json()["detail"], str)
    assert httpx.get(f"{emu.product_url}/models").json() == {"detail": "Not authenticated"}


def test_access_token_expires() -> None:
    with Emulator(token_ttl=0.2) as emu, login(emu) as api:
        assert api.get("/models").status_code == 200
        time.sleep(0.25)
        assert api.get("/models").status_code == 401
        assert api.get("/version").status_code == 200


def test_refresh_keeps_the_refresh_token_unless_asked_to_rotate() -> None:
    with Emulator() as emu:
        auth = f"{emu.api_url}/auth"
        first = httpx.post(f"{auth}/login", json={"email": emu.email, "password": emu.password}).json()
        for _ in range(2):  # good until logout, as the documentation describes
            again = httpx.post(f"{auth}/refresh", json={"refresh_token": first["refresh_token"]})
            assert again.status_code == 200 and again.json()["refresh_token"] == first["refresh_token"]
            assert again.json()["access_token"] != first["access_token"]


def test_refresh_rotates_and_retires() -> None:
    with Emulator(token_ttl=0.2, rotate_refresh_tokens=True) as emu:
        auth = f"{emu.api_url}/auth"
        first = httpx.post(f"{auth}/login", json={"email": emu.email, "password": emu.password}).json()
        time.sleep(0.25)
        # As the official SDK does: no email, the expired access token in the Authorization header.
        second = httpx.post(
            f"{auth}/refresh",
            json={"refresh_token": first["refresh_token"]},
            headers={"Authorization": f"Bearer {first['access_token']}"},
        )
        assert second.status_code == 200
        tokens = second.json()
        assert tokens["access_token"] != first["access_token"]
        assert tokens["refresh_token"] != first["refresh_token"]
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert httpx.get(f"{emu.product_url}/models", headers=bearer).status_code == 200
        reused = httpx.post(f"{auth}/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401
        with_email = httpx.post(f"{auth}/refresh", json={"email": emu.email, "refresh_token": tokens["refresh_token"]})
        assert with_email.status_code == 200
        third = with_email.json()
        wrong_email = httpx.post(f"{auth}/refresh", json={"email": "x@y.z", "refresh_token": third["refresh_token"]})
        assert wrong_email.status_code == 401
        assert httpx.post(f"{auth}/refresh", json={"refresh_token": "unknown"}).status_code == 401
        assert httpx.post(f"{auth}/refresh", json={}).status_code == 422


def test_logout_revokes_refresh_token(emu: Emulator) -> None:
    auth = f"{emu.api_url}/auth"
    tokens = httpx.post(f"{auth}/login", json={"email": emu.email, "password": emu.password}).json()
    response = httpx.post(f"{auth}/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200 and response.json() is True
    assert httpx.post(f"{auth}/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert httpx.post(f"{auth}/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


# -- models, routing -----------------------------------------------------------------------------------------------


def test_models(api: httpx.Client) -> None:
    models = api.get("/models").json()
    names = [m["name"] for m in models]
    assert "shakespeare" in names and len(names) >= 2
    shakespeare = api.get("/models/shakespeare").json()
    assert shakespeare == {
        "name": "shakespeare",
        "displayname": "Shakespeare",
        "flags": [],
        "languages": ["en-GB"],
        "genders": ["female", "male"],
        "styles": [["base", "character", "narrator"]],
        "prosody_types": ["simple", "affect"],
        "voice_inputs": ["gender"],
    }
    assert all("voice_inputs" in m for m in models)
    missing = api.get("/models/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_unknown_path_and_method(api: httpx.Client) -> None:
    assert api.get("/nothing-here").status_code == 404
    response = api.put("/models")
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    slash = api.get("/models/")
    assert slash.status_code == 307 and slash.headers["location"] == "/v1/speak/models"


# -- voices --------------------------------------------------------------------------------------------------------


def test_voice_lifecycle(api: httpx.Client) -> None:
    voice = make_voice(api, description="warm", default_style=["narrator"])
    assert voice["voice_id"].startswith("v") and len(voice["voice_id"]) == 27
    assert voice["status"] == "waiting" and voice["example_take_id"].startswith("t")
    assert voice["description"] == "warm" and voice["example_take"] is None and voice["done_webhook"] is None
    ready = wait_ready(api, "voices", voice["voice_id"])
    assert ready["status"] == "ready"
    example = api.get(f"/takes/{voice['example_take_id']}").json()
    assert example["status"] == "ready" and example["voice_id"] == voice["voice_id"]

    update = api.post(
        f"/voices/{voice['voice_id']}",
        json={"name": "Renamed", "default_prosody": {"pitch": 1, "pace": 2, "expression": 3}},
    )
    assert update.status_code == 200 and update.json() is True
    changed = api.get(f"/voices/{voice['voice_id']}").json()
    assert changed["name"] == "Renamed" and changed["default_prosody"] == {"pitch": 1, "pace": 2, "expression": 3}
    assert changed["gender"] == "male"

    assert api.delete(f"/voices/{voice['voice_id']}").json() is True
    assert api.get(f"/voices/{voice['voice_id']}").status_code == 404
    assert api.delete(f"/voices/{voice['voice_id']}").status_code == 404
    assert api.post(f"/voices/{voice['voice_id']}", json={"name": "x"}).status_code == 404


def test_voice_generate_validation(api: httpx.Client) -> None:
    unknown = api.post("/voices/generate", json={"name": "A", "gender": "male", "model": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    gender = api.post("/voices/generate", json={"name": "A", "gender": "nonbinary", "model": "shakespeare"})
    assert gender.status_code == 422 and gender.json()["detail"][0]["loc"] == ["body", "gender"]
    bad_enum = api.post("/voices/generate", json={"name": "A", "gender": "robot", "model": "shakespeare"})
    assert bad_enum.status_code == 422 and bad_enum.json()["detail"][0]["type"] == "enum"
    missing = api.post("/voices/generate", json={"gender": "male"})
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "name"], ["body", "model"]]
    prosody = api.post(
        "/voices/generate",
        json={
            "name": "A",
            "gender": "male",
            "model": "shakespeare",
            "default_prosody": {"pitch": 11, "pace": 0, "expression": 0},
        },
    )
    assert prosody.status_code == 422
    ok = api.post("/voices/generate", json={"name": "A", "gender": "nonbinary", "model": "theatrical-v2"})
    assert ok.status_code == 200


def test_voice_listing_filters(api: httpx.Client) -> None:
    voices = [make_voice(api, name=f"V{i}") for i in range(4)]
    ids = [v["voice_id"] for v in voices]
    listed = api.get("/voices").json()
    assert [v["voice_id"] for v in listed] == ids[::-1]  # newest first
    assert [v["voice_id"] for v in api.get("/voices", params={"length": 2, "page": 2}).json()] == ids[1::-1]
    assert [v["voice_id"] for v in api.get("/voices", params={"length": 3}).json()] == ids[:0:-1]
    chosen = api.get("/voices", params={"voice_id": f"{ids[0]},{ids[2]}"}).json()
    assert {v["voice_id"] for v in chosen} == {ids[0], ids[2]}
    stamp = voices[2]["timestamp_ms"]
    assert all(v["timestamp_ms"] >= stamp for v in api.get("/voices", params={"newer": stamp}).json())
    assert all(v["timestamp_ms"] <= stamp for v in api.get("/voices", params={"older": stamp}).json())
    assert voices[2]["voice_id"] in [
        v["voice_id"] for v in api.get("/voices", params={"older": stamp, "newer": stamp}).json()
    ]
    bad = api.get("/voices", params={"length": "ten", "page": "x"})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["query", "length"], ["query", "page"]]


# -- takes ---------------------------------------------------------------------------------------------------------


def test_take_progression_and_info(emu: Emulator, api: httpx.Client) -> None:
    emu.take_seconds = 0.6
    voice = make_voice(api)
    take = make_take(api, voice["voice_id"], prosody={"pitch": 0, "pace": -3, "expression": 4}, user_data="mine")
    assert take["status"] == "waiting" and take["info"] is None
    assert take["prosody"] == {"pitch": 0, "pace": -3, "expression": 4} and take["user_data"] == "mine"
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = api.get(f"/takes/{take['take_id']}").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "ready":
            break
        time.sleep(0.01)
    assert seen == ["waiting", "started", "progress_25", "progress_50", "progress_75", "ready"]
    ready = api.get(f"/takes/{take['take_id']}").json()
    assert ready["info"]["audio_rate"] == 44100
    assert ready["info"]["normalized_text"] == ["Hello, Daisys!", "It's a beautiful day."]
    assert 2.0 < ready["info"]["duration"] / 44100 < 6.0


def test_take_error_marker(emu: Emulator, api: httpx.Client) -> None:
    voice = make_voice(api)
    take = make_take(api, voice["voice_id"], text="This one [[fail]] breaks.")
    done = wait_ready(api, "takes", take["take_id"])
    assert done["status"] == "error" and done["info"] is None
    assert api.get(f"/takes/{take['take_id']}/wav").status_code == 404
    failing_voice = make_voice(api, name="Broken [[fail]]")
    assert wait_ready(api, "voices", failing_voice["voice_id"])["status"] == "error"


def test_take_generate_list_and_filters(api: httpx.Client) -> None:
    voice = make_voice(api)
    body = [{"text": f"Sentence {i}.", "voice_id": voice["voice_id"]} for i in range(3)]
    created = api.post("/takes/generate", json=body)
    assert created.status_code == 200
    takes = created.json()
    assert isinstance(takes, list) and [t["text"] for t in takes] == [b["text"] for b in body]
    ids = [t["take_id"] for t in takes]
    assert ids == sorted(ids)
    listed = [t["take_id"] for t in api.get("/takes").json()]
    assert listed[:3] == ids[::-1] and voice["example_take_id"] in listed
    assert [t["take_id"] for t in api.get("/takes", params={"take_id": ",".join(ids[:2])}).json()] == ids[1::-1]
    assert len(api.get("/takes", params={"length": 2}).json()) == 2
    assert api.get("/takes", params={"older": "yesterday"}).status_code == 422
    assert api.delete(f"/takes/{ids[0]}").json() is True
    assert api.get(f"/takes/{ids[0]}").status_code == 404
    assert api.delete(f"/takes/{ids[0]}").status_code == 404


def test_take_generate_validation(api: httpx.Client) -> None:
    unknown = api.post("/takes/generate", json={"text": "Hi.", "voice_id": "v01nosuchvoice"})
    assert unknown.status_code == 404 and "v01nosuchvoice" in unknown.json()["detail"]
    missing = api.post("/takes/generate", json={"voice_id": "x"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "text"]
    in_list = api.post("/takes/generate", json=[{"text": "ok", "voice_id": "x"}, {"text": 3}])
    assert [e["loc"] for e in in_list.json()["detail"]] == [["body", 1, "text"], ["body", 1, "voice_id"]]
    prosody = api.post("/takes/generate", json={"text": "x", "voice_id": "x", "prosody": {"pitch": "high"}})
    assert prosody.status_code == 422
    long_data = api.post("/takes/generate", json={"text": "x", "voice_id": "x", "user_data": "u" * 257})
    assert long_data.status_code == 422
    assert api.post("/takes/generate", content=b"[", headers={"Content-Type": "application/json"}).status_code == 422


# -- webhooks ------------------------------------------------------------------------------------------------------


class _Receiver(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhooks_are_posted(emu: Emulator, api: httpx.Client, receiver: _Receiver) -> None:
    voice = make_voice(api, done_webhook={"post_url": f"{receiver.url}/voice-done"})
    take = make_take(
        api,
        voice["voice_id"],
        status_webhook={"post_url": f"{receiver.url}/status"},
        done_webhook={"post_url": f"{receiver.url}/done"},
    )
    assert take["done_webhook"] == {"post_url": f"{receiver.url}/done", "timestamp_ms": None, "status_code": None}
    deliveries = emu.wait_for_webhooks(7)
    assert all(d.status_code == 204 for d in deliveries)
    statuses = [body["status"] for path, body in receiver.received if path == "/status"]
    assert statuses == ["started", "progress_25", "progress_50", "progress_75", "ready"]
    done = [body for path, body in receiver.received if path == "/done"]
    assert len(done) == 1 and done[0]["take_id"] == take["take_id"] and done[0]["info"]["audio_rate"] == 44100
    voice_done = [body for path, body in receiver.received if path == "/voice-done"]
    assert (
        len(voice_done) == 1 and voice_done[0]["voice_id"] == voice["voice_id"] and voice_done[0]["status"] == "ready"
    )
    after = api.get(f"/takes/{take['take_id']}").json()
    assert after["done_webhook"]["status_code"] == 204 and after["done_webhook"]["timestamp_ms"] > 0
    assert after["status_webhook"]["status_code"] == 204


def test_webhook_failures_are_recorded_not_raised(emu: Emulator, api: httpx.Client) -> None:
    voice = make_voice(api)
    make_take(api, voice["voice_id"], done_webhook={"post_url": "http://127.0.0.1:9/unreachable"})
    (delivery,) = emu.wait_for_webhooks(1)
    assert delivery.status_code is None and delivery.error


@pytest.mark.parametrize(
    ("route", "body", "loc"),
    [
        (
            "/takes/generate",
            {"text": "x", "voice_id": "v", "status_webhook": "https://h/s"},
            ["body", "status_webhook"],
        ),
        ("/takes/generate", {"text": "x", "voice_id": "v", "done_webhook": "https://h/d"}, ["body", "done_webhook"]),
        (
            "/voices/generate",
            {"name": "A", "gender": "male", "model": "shakespeare", "done_webhook": "https://h/v"},
            ["body", "done_webhook"],
        ),
        (
            "/voices/generate",
            {"name": "A", "gender": "male", "model": "shakespeare", "example_take": {"text": "x", "done_webhook": "u"}},
            ["body", "example_take", "done_webhook"],
        ),
    ],
)
def test_webhooks_given_as_plain_urls_are_refused(
    emu: Emulator, api: httpx.Client, route: str, body: dict[str, Any], loc: list[str]
) -> None:
    """As the service's pydantic models (Webhook objects only) refuse them, with FastAPI's from_attributes error."""
    response = api.post(route, json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == loc and error["type"] == "model_attributes_type"
    assert error["msg"] == "Input should be a valid dictionary or object to extract fields from"
    assert emu.webhook_deliveries == []


# -- audio ---------------------------------------------------------------------------------------------------------


def ready_take(api: httpx.Client, text: str = "Hello, Daisys! It's a beautiful day.") -> dict[str, Any]:
    voice = make_voice(api)
    return wait_ready(api, "takes", make_take(api, voice["voice_id"], text)["take_id"])


def test_audio_redirects_to_presigned_storage(emu: Emulator, api: httpx.Client) -> None:
    take = ready_take(api)
    response = api.get(f"/takes/{take['take_id']}/wav")
    assert response.status_code == 307
    location = response.headers["location"]
    parsed = urllib.parse.urlsplit(location)
    assert location.startswith(f"{emu.storage_url}/speak-audio/{take['take_id']}.wav?")
    query = urllib.parse.parse_qs(parsed.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["600"]
    assert query["X-Amz-SignedHeaders"] == ["host"] and len(query["X-Amz-Signature"][0]) == 64
    assert "%2F" in location  # the credential's slashes are escaped, as S3 does
    audio = httpx.get(location)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 44100)
        assert wav.getnframes() == take["info"]["duration"]
    ranged = httpx.get(location, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == b"RIFF"


def test_audio_route_errors(api: httpx.Client) -> None:
    voice = make_voice(api)
    take = make_take(api, voice["voice_id"])
    bad = api.get(f"/takes/{take['take_id']}/ogg")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "format"]
    assert api.get("/takes/t01nosuchtake/wav").status_code == 404
    early = api.get(f"/takes/{take['take_id']}/mp3")
    assert early.status_code == 404 and "not ready" in early.json()["detail"]
    assert api.get(f"/takes/{take['take_id']}/wav").status_code == 307


def test_storage_refuses_bad_requests(emu: Emulator, api: httpx.Client) -> None:
    take = ready_take(api)
    location = api.get(f"/takes/{take['take_id']}/wav").headers["location"]
    with_auth = httpx.get(location, headers={"Authorization": "Bearer abc"})
    assert with_auth.status_code == 400 and with_auth.headers["content-type"] == "application/xml"
    assert "<Code>InvalidArgument</Code>" in with_auth.text
    assert "Only one auth mechanism allowed" in with_auth.text
    tampered = location[:-4] + ("0000" if not location.endswith("0000") else "1111")
    refused = httpx.get(tampered)
    assert refused.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in refused.text
    unsigned = httpx.get(location.split("?")[0])
    assert unsigned.status_code == 403 and "<Code>AccessDenied</Code>" in unsigned.text
    longer = location.replace("X-Amz-Expires=600", "X-Amz-Expires=6000")
    assert httpx.get(longer).status_code == 403
    emu.presign_ttl = 0
    expired_url = api.get(f"/takes/{take['take_id']}/wav").headers["location"]
    time.sleep(0.02)
    expired = httpx.get(expired_url)
    assert expired.status_code == 403 and "Request has expired" in expired.text
    emu.presign_ttl = 600
    assert api.delete(f"/takes/{take['take_id']}").json() is True
    gone = httpx.get(location)
    assert gone.status_code == 404 and "<Code>NoSuchKey</Code>" in gone.text


def test_wav_streams_while_generating(emu: Emulator, api: httpx.Client) -> None:
    emu.take_seconds = 1.0
    voice = make_voice(api)
    take = make_take(api, voice["voice_id"], "One sentence here. Another one follows. And a third to end.")
    location = api.get(f"/takes/{take['take_id']}/wav").headers["location"]
    arrivals: list[tuple[str, int]] = []
    data = bytearray()
    with httpx.stream("GET", location) as stream:
        assert stream.status_code == 200 and stream.headers["transfer-encoding"] == "chunked"
        for chunk in stream.iter_raw():
            status = api.get(f"/takes/{take['take_id']}").json()["status"]
            arrivals.append((status, len(chunk)))
            data += chunk
    assert arrivals[0][0] != "ready"  # the header (and first sentences) arrive before the take is ready
    assert sum(size for status, size in arrivals if status != "ready") > 44
    ready = api.get(f"/takes/{take['take_id']}").json()
    assert ready["status"] == "ready"
    with wave.open(io.BytesIO(bytes(data))) as wav:
        assert wav.getnframes() == ready["info"]["duration"]
        assert len(data) == 44 + 2 * ready["info"]["duration"]


@pytest.mark.parametrize(
    ("fmt", "content_type", "codec"),
    [
        ("mp3", "audio/mpeg", "mp3"),
        ("flac", "audio/flac", "flac"),
        ("m4a", "audio/mp4", "aac"),
        ("webm", "audio/webm", "opus"),
    ],
)
def test_compressed_formats_are_real(api: httpx.Client, fmt: str, content_type: str, codec: str) -> None:
    take = ready_take(api, "Short and sweet.")
    response = api.get(f"/takes/{take['take_id']}/{fmt}", follow_redirects=False)
    assert response.status_code == 307
    audio = httpx.get(response.headers["location"])
    assert audio.status_code == 200 and audio.headers["content-type"] == content_type
    assert not audio.content.startswith(b"RIFF")
    with av.open(io.BytesIO(audio.content)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith(codec)
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.codec_context.sample_rate
    assert abs(seconds - take["info"]["duration"] / 44100) < 0.1


# -- websocket URL -------------------------------------------------------------------------------------------------


def test_websocket_url_routes(emu: Emulator, api: httpx.Client) -> None:
    by_path = api.get("/websocket/shakespeare").json()
    by_query = api.get("/websocket", params={"model": "shakespeare"}).json()
    for answer in (by_path, by_query):
        assert answer["worker_websocket_url"] == answer["websocket_url"]
        assert answer["websocket_url"].startswith(f"{emu.worker_url}/shakespeare?token=")
    assert by_path["websocket_url"] != by_query["websocket_url"]
    assert api.get("/websocket/nope").status_code == 404
    missing = api.get("/websocket")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "model"]


# -- faults, latency, record ---------------------------------------------------------------------------------------


def test_fault_injection(emu: Emulator, api: httpx.Client) -> None:
    emu.fail_rate, emu.fail_status, emu.retry_after = 1.0, 429, 2
    limited = api.get("/models")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert api.get("/version").status_code == 200  # never faulted
    assert (
        httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).status_code == 200
    )
    emu.options.fail_status = 503
    assert api.get("/models").status_code == 503
    emu.fail_status, emu.fail_rate = (429, 503), 0.5

    def run() -> list[int]:
        emu.seed = 7  # reseeds the dice
        return [api.get("/models").status_code for _ in range(40)]

    first = run()
    assert first == run()  # seeded: the same sequence again
    assert {200, 429, 503} <= set(first)
    emu.fail_rate = 0.0
    assert api.get("/models").status_code == 200


def test_latency(emu: Emulator, api: httpx.Client) -> None:
    emu.latency = 0.15
    start = time.monotonic()
    api.get("/version")
    assert time.monotonic() - start >= 0.15


def test_request_record(emu: Emulator, api: httpx.Client) -> None:
    take = ready_take(api)
    api.get(f"/takes/{take['take_id']}/wav", params={"x": "1"}, headers={"X-Probe": "yes"}, follow_redirects=True)
    records = emu.requests
    assert {r.origin for r in records} >= {"api", "storage"}
    probe = [r for r in emu.requests_to("api") if r.path.endswith("/wav")][-1]
    assert probe.method == "GET" and probe.query == "x=1" and probe.params == {"x": ["1"]}
    assert probe.header("x-probe") == "yes" and probe.headers["X-PROBE"] == "yes" and probe.status == 307
    (storage,) = emu.requests_to("storage")
    assert storage.path == f"/speak-audio/{take['take_id']}.wav" and storage.status == 200
    assert storage.header("authorization") is None  # httpx drops it on a cross-origin redirect
    generate = emu.requests_to("api", "/v1/speak/voices/generate")[0]
    assert json.loads(generate.body)["name"] == "Ignacio" and generate.time > 0
    emu.reset()
    assert emu.requests == []
    assert emu.server_errors == []


def test_standalone_module_prints_its_url() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "generated"), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daisys_ext.testing", "--take-seconds", "0.2", "--password", "secret"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Daisys emulator API:")
        url = first.split()[-1]
        assert httpx.get(f"{url}/v1/speak/version").json() == {"version": 1, "minor": 0}
        login = httpx.post(f"{url}/auth/login", json={"email": "user@example.com", "password": "secret"})
        assert login.status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
