"""The emulator's websocket worker against a real websocket client, with a small in-test backend."""

from __future__ import annotations

import io
import json
import re
import struct
import threading
import time
import wave
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import websocket

from daisys_ext.testing._options import Options
from daisys_ext.testing._worker import BackendError, WebsocketWorker, WorkerBackend

MODEL = "shakespeare"
TOKEN = "tok-shakespeare"
TWO_SENTENCES = "Hello from Daisys websockets! How may I help you?"


def make_wav(samples: int) -> bytes:
    """A 16-bit mono 44.1 kHz WAV of a deterministic ramp, so chunk boundaries are checkable."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(b"".join(struct.pack("<h", (i * 37) % 30000) for i in range(samples)))
    return buffer.getvalue()


class FakeBackend:
    """A minimal WorkerBackend: takes and voices in dicts, one WAV per sentence, text 'fail' fails."""

    def __init__(self) -> None:
        self.tokens = {TOKEN: MODEL, "tok-other": "other-model"}
        self.items: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[str]] = {}
        self.records: list[tuple[str, str, dict[str, str], str]] = []
        self.lock = threading.Lock()
        self.counter = 0

    def _new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:026d}"

    def ws_token_model(self, token: str) -> str | None:
        return self.tokens.get(token)

    def start_take(self, body: object, model: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise BackendError("body.text: Field required")
        if not isinstance(body.get("voice_id"), str):
            raise BackendError("body.voice_id: Field required")
        with self.lock:
            take = {**body, "take_id": self._new_id("t01"), "status": "waiting", "info": None}
            self.items[take["take_id"]] = take
            self.history[take["take_id"]] = ["waiting"]
            return dict(take)

    def start_voice(self, body: object) -> tuple[dict[str, Any], str]:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise BackendError("body.name: Field required")
        with self.lock:
            take_id = self._new_id("t01")
            self.items[take_id] = {"take_id": take_id, "text": "Example. Take.", "status": "waiting"}
            self.history[take_id] = ["waiting"]
            voice = {**body, "voice_id": self._new_id("v01"), "status": "waiting", "example_take_id": take_id}
            self.items[voice["voice_id"]] = voice
            self.history[voice["voice_id"]] = ["waiting"]
            return dict(voice), take_id

    def parts(self, take_id: str) -> list[bytes]:
        sentences = [s for s in re.split(r"[.!?]", self.items[take_id]["text"]) if s.strip()]
        # Sizes chosen so parts span many chunks and end with a partial chunk.
        return [make_wav(1000 * len(s) + 77) for s in sentences]

    def will_fail(self, take_id: str) -> bool:
        return bool(self.items[take_id]["text"] == "fail")

    def set_status(self, item_id: str, status: str) -> dict[str, Any]:
        with self.lock:
            self.items[item_id]["status"] = status
            self.history[item_id].append(status)
            return dict(self.items[item_id])

    def record(self, method: str, path: str, headers: Mapping[str, str], query: str) -> None:
        self.records.append((method, path, dict(headers), query))


def _typed(backend: FakeBackend) -> WorkerBackend:
    return backend  # mypy checks FakeBackend against the Protocol here


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def worker(backend: FakeBackend) -> Iterator[WebsocketWorker]:
    w = WebsocketWorker(_typed(backend), Options(take_seconds=0.2))
    w.start()
    yield w
    w.stop()


Message = tuple[str, Any, Any]  # ("status", dict, None) | ("frame", meta, audio) | ("close", code, reason)


class Client:
    """A websocket-client connection that decodes worker messages."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=10)
        self.closed: tuple[int, str] | None = None

    @classmethod
    def to(cls, worker: WebsocketWorker) -> Client:
        return cls(f"{worker.start()}/{MODEL}?token={TOKEN}")

    def send(self, request_id: int | str, data: Any, command: str = "/takes/generate", **extra: Any) -> None:
        self.ws.send(json.dumps({"command": command, "request_id": request_id, **extra, "data": data}))

    def recv(self) -> Message:
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return ("status", json.loads(data), None)
        if opcode == websocket.ABNF.OPCODE_BINARY:
            assert data[:4] == b"JSON"
            (length,) = struct.unpack("<I", data[4:8])
            return ("frame", json.loads(data[8 : 8 + length]), data[8 + length :])
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        code = int.from_bytes(data[:2], "big") if data else 1005
        self.closed = (code, data[2:].decode())
        return ("close", code, data[2:].decode())

    def until_ready(self, request_ids: set[int | str]) -> list[Message]:
        """Receive until every given request reports a final status."""
        messages: list[Message] = []
        pending = set(request_ids)
        while pending:
            message = self.recv()
            messages.append(message)
            assert message[0] != "close", messages
            if message[0] == "status" and "data" in message[1]:
                if message[1]["data"]["status"] in ("ready", "error"):
                    pending.discard(message[1]["request_id"])
            elif message[0] == "status" and message[1].get("status") == "error":
                pending.discard(message[1]["request_id"])
        return messages

    def close(self) -> None:
        self.ws.close()
        self.ws.shutdown()  # type: ignore[no-untyped-call]  # close() skips it if the server closed first


def take(text: str = TWO_SENTENCES) -> dict[str, Any]:
    return {"voice_id": "v01" + "0" * 26, "text": text}


def statuses(messages: list[Message], request_id: int | str | None = None) -> list[str]:
    return [
        m[1]["data"]["status"]
        for m in messages
        if m[0] == "status" and "data" in m[1] and request_id in (None, m[1]["request_id"])
    ]


def frames(messages: list[Message], request_id: int | str | None = None) -> list[tuple[dict[str, Any], bytes]]:
    return [(m[1], m[2]) for m in messages if m[0] == "frame" and request_id in (None, m[1]["request_id"])]


@pytest.fixture
def client(worker: WebsocketWorker) -> Iterator[Client]:
    c = Client.to(worker)
    assert c.recv() == (
        "status",
        {"status": "ready", "message": f"Worker ready for model {MODEL}", "request_id": None, "model": MODEL},
        None,
    )
    yield c
    c.close()


@pytest.mark.parametrize(("model", "token"), [(MODEL, "nope"), (MODEL, ""), ("shakespeare", "tok-other"), ("", TOKEN)])
def test_bad_token_or_model_is_refused_with_403(
    worker: WebsocketWorker, backend: FakeBackend, model: str, token: str
) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        websocket.create_connection(f"{worker.start()}/{model}?token={token}", timeout=5)
    assert info.value.status_code == 403
    assert backend.records[-1][:2] == ("GET", f"/{model}")
    assert backend.records[-1][3] == f"token={token}"


def test_handshake_is_recorded(client: Client, backend: FakeBackend) -> None:
    method, path, headers, query = backend.records[-1]
    assert (method, path, query) == ("GET", f"/{MODEL}", f"token={TOKEN}")
    assert {k.lower(): v for k, v in headers.items()}["upgrade"] == "websocket"


def test_parts_mode_layout(client: Client, backend: FakeBackend) -> None:
    client.send(7, take())
    messages = client.until_ready({7})
    kinds = [m[0] if m[0] == "frame" else m[1]["data"]["status"] for m in messages]
    assert kinds == ["waiting", "started", "frame", "progress_50", "frame", "frame", "ready"]
    take_id = messages[0][1]["data"]["take_id"]
    expected = backend.parts(take_id)
    got = frames(messages)
    assert [meta for meta, _ in got] == [
        {"take_id": take_id, "part_id": i, "request_id": 7} for i in range(3)
    ]  # no chunk_id key at all in parts mode
    assert [audio for _, audio in got] == [*expected, b""]
    for _, audio in got[:2]:
        with wave.open(io.BytesIO(audio)) as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 44100)
    assert messages[-1][1] == {"data": backend.items[take_id], "request_id": 7}
    assert backend.history[take_id] == ["waiting", "started", "progress_50", "ready"]


def test_chunks_mode_layout(client: Client, backend: FakeBackend) -> None:
    client.send("req-a", take(), stream={"mode": "chunks"})
    messages = client.until_ready({"req-a"})
    take_id = messages[0][1]["data"]["take_id"]
    got = frames(messages)
    assert all(list(meta) == ["take_id", "part_id", "chunk_id", "request_id"] for meta, _ in got)
    for part_id, wav in enumerate(backend.parts(take_id)):
        chunks = [(meta["chunk_id"], audio) for meta, audio in got if meta["part_id"] == part_id]
        assert [c for c, _ in chunks] == list(range(len(chunks)))
        sizes = [len(a) for _, a in chunks]
        assert sizes[0] == 4140  # 44-byte header plus 4096 bytes of audio
        assert set(sizes[1:-2]) == {4096}
        assert 0 < sizes[-2] <= 4096 and sizes[-1] == 0  # a partial chunk, then the end-of-part marker
        assert b"".join(a for _, a in chunks) == wav
    assert got[-1] == ({"take_id": take_id, "part_id": 2, "chunk_id": 0, "request_id": "req-a"}, b"")
    assert statuses(messages) == ["waiting", "started", "progress_50", "ready"]
    assert messages[-1][0] == "status"  # ready comes after the last audio


def test_voice_request_reports_voice_info_and_streams_example_take(client: Client, backend: FakeBackend) -> None:
    body = {"name": "Jane", "model": MODEL, "gender": "female"}
    client.send(1, body, command="/voices/generate")
    messages = client.until_ready({1})
    infos = [m[1]["data"] for m in messages if m[0] == "status"]
    assert [i["status"] for i in infos] == ["waiting", "started", "ready"]
    example = infos[0]["example_take_id"]
    assert all(i["voice_id"] == infos[0]["voice_id"] and i["example_take_id"] == example for i in infos)
    got = frames(messages)
    assert [meta for meta, _ in got] == [{"take_id": example, "part_id": i, "request_id": 1} for i in range(3)]
    assert backend.history[example][-1] == "ready"
    assert backend.history[infos[0]["voice_id"]] == ["waiting", "started", "ready"]


@pytest.mark.parametrize(
    ("raw", "request_id", "fragment"),
    [
        ("{not json", None, "not valid JSON"),
        ("[1, 2]", None, "JSON object"),
        (json.dumps({"command": "/takes/generate", "data": take()}), None, "request_id"),
        (json.dumps({"command": "/takes/delete", "request_id": 3, "data": {}}), 3, "Unknown command"),
        (json.dumps({"command": "/takes/generate", "request_id": 4, "data": {"voice_id": "v"}}), 4, "text"),
        (json.dumps({"command": "/takes/generate", "request_id": 5}), 5, "data"),
        (json.dumps({"command": "/takes/generate", "request_id": 6, "stream": {"mode": "x"}, "data": take()}),
         6, "stream"),
    ],
)  # fmt: skip
def test_bad_command_fails_only_that_request(client: Client, raw: str, request_id: int | None, fragment: str) -> None:
    client.ws.send(raw)
    client.send(10, take("Fine."))
    messages = client.until_ready({10})
    error = messages[0][1]
    assert set(error) == {"status", "message", "request_id", "model"}
    assert (error["status"], error["request_id"], error["model"]) == ("error", request_id, MODEL)
    assert fragment in error["message"]
    assert statuses(messages, 10)[-1] == "ready"


def test_failing_take_reports_error_while_next_request_succeeds(client: Client, backend: FakeBackend) -> None:
    client.send(1, take("fail"))
    client.send(2, take("Works fine."))
    messages = client.until_ready({1, 2})
    assert statuses(messages, 1) == ["waiting", "started", "error"]
    failed_id = messages[0][1]["data"]["take_id"]
    # No audio, only the end-of-take marker, so ordered consumers stop waiting for audio.
    assert frames(messages, 1) == [({"take_id": failed_id, "part_id": 0, "request_id": 1}, b"")]
    assert statuses(messages, 2) == ["waiting", "started", "ready"]
    assert backend.history[failed_id] == ["waiting", "started", "error"]


def _reports(messages: list[Message], request_id: int) -> list[str]:
    """What the worker said about one request: ``status:<value>`` for a take status, ``error`` for an error message."""
    said = []
    for kind, body, _ in messages:
        if kind == "status" and body.get("request_id") == request_id:
            said.append(f"status:{body['data']['status']}" if "data" in body else body["status"])
    return said


@pytest.mark.parametrize(
    ("report", "ending"),
    [
        ("status", ["status:error"]),
        ("status_then_message", ["status:error", "error"]),
        ("message_then_status", ["error", "status:error"]),
    ],
)
def test_fail_report_says_a_take_failed_in_either_order(
    worker: WebsocketWorker, client: Client, backend: FakeBackend, report: str, ending: list[str]
) -> None:
    worker.options.ws_fail_report = report
    client.send(1, take("fail"))
    client.send(2, take("Works fine."))
    messages = client.until_ready({2})  # requests are generated one after the other: all of 1 came before
    assert _reports(messages, 1) == ["status:waiting", "status:started", *ending]
    failed_id = messages[0][1]["data"]["take_id"]
    errors = [m[1] for m in messages if m[0] == "status" and "data" not in m[1]]
    if "error" in ending:
        assert errors == [{"status": "error", "message": f"Generation of take {failed_id} failed", "request_id": 1,
                           "model": MODEL}]  # fmt: skip
    else:
        assert errors == []
    assert backend.history[failed_id] == ["waiting", "started", "error"]
    assert statuses(messages, 2) == ["waiting", "started", "ready"]


def test_fail_report_must_be_one_the_worker_knows(worker: WebsocketWorker) -> None:
    with pytest.raises(ValueError, match="fail_report"):
        worker.options.ws_fail_report = "sometimes"
    assert worker.options.ws_fail_report == "status"


def test_requests_in_flight_are_accepted_at_once_and_processed_in_order(client: Client) -> None:
    client.send(1, take())
    client.send(2, take("Second one."))
    messages = client.until_ready({1, 2})
    order = [(m[1]["request_id"], m[1]["data"]["status"]) for m in messages if m[0] == "status"]
    assert order[:2] == [(1, "waiting"), (2, "waiting")]  # both accepted before generation
    assert order.index((1, "ready")) < order.index((2, "started"))  # serialized
    last_frame_of_1 = max(i for i, m in enumerate(messages) if m[0] == "frame" and m[1]["request_id"] == 1)
    first_frame_of_2 = min(i for i, m in enumerate(messages) if m[0] == "frame" and m[1]["request_id"] == 2)
    assert last_frame_of_1 < first_frame_of_2


def test_take_seconds_paces_generation(worker: WebsocketWorker, client: Client) -> None:
    worker.options.take_seconds = 0.6
    t0 = time.monotonic()
    client.send(1, take())
    client.until_ready({1})
    assert 0.55 < time.monotonic() - t0 < 2.0


def test_shuffle_window_reorders_frames_within_windows(worker: WebsocketWorker, client: Client) -> None:
    client.send(1, take(), stream={"mode": "chunks"})
    plain = client.until_ready({1})
    worker.options.ws_shuffle_window = 5
    client.send(2, take(), stream={"mode": "chunks"})
    shuffled = client.until_ready({2})

    def key(meta: dict[str, Any], audio: bytes) -> tuple[int, int, bytes]:
        return meta["part_id"], meta["chunk_id"], audio

    ordered = [key(*f) for f in frames(plain)]
    received = [key(*f) for f in frames(shuffled)]
    assert Counter(received) == Counter(ordered) and received != ordered
    for begin in range(0, len(ordered), 5):  # never moved out of its window
        assert sorted(received[begin : begin + 5]) == ordered[begin : begin + 5]

    # Status messages keep their place relative to the number of frames sent before them.
    def layout(messages: list[Message]) -> list[str]:
        return [m[1]["data"]["status"] if m[0] == "status" else "f" for m in messages]

    assert layout(shuffled) == layout(plain)


def test_drop_after_closes_between_requests_only(worker: WebsocketWorker, client: Client) -> None:
    worker.options.ws_drop_after = 2
    client.send(1, take())
    first = client.until_ready({1})
    client.send(2, take())
    client.send(3, take("Queued while the second runs."))
    rest = client.until_ready({2, 3})  # the third was accepted before the second completed: it completes too
    assert statuses(first)[-1] == statuses(rest, 2)[-1] == statuses(rest, 3)[-1] == "ready"
    assert client.recv() == ("close", 1000, "rebalancing")


def test_drop_after_one_with_two_queued(worker: WebsocketWorker, client: Client) -> None:
    worker.options.ws_drop_after = 1
    client.send(1, take())
    client.send(2, take())
    messages = client.until_ready({1, 2})
    assert statuses(messages, 2)[-1] == "ready"
    assert client.recv()[0] == "close"


def test_generation_continues_when_the_client_leaves(worker: WebsocketWorker, backend: FakeBackend) -> None:
    c = Client.to(worker)
    c.recv()
    c.send(1, take())
    waiting = c.recv()
    c.close()
    take_id = waiting[1]["data"]["take_id"]
    deadline = time.monotonic() + 5
    while backend.items[take_id]["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend.items[take_id]["status"] == "ready"


def test_stop_closes_connections_promptly(backend: FakeBackend) -> None:
    w = WebsocketWorker(_typed(backend), Options(take_seconds=30))
    url = w.start()
    assert url.startswith("ws://127.0.0.1:")
    c = Client.to(w)
    c.recv()
    c.send(1, take())
    c.recv()
    t0 = time.monotonic()
    w.stop()
    assert time.monotonic() - t0 < 3
    message = c.recv()
    assert message[0] == "close" and message[1] == 1001
    w.stop()  # idempotent
    with pytest.raises(OSError):
        websocket.create_connection(f"{url}/{MODEL}?token={TOKEN}", timeout=2)


# -- through the full Emulator: URL from the API, real audio, real validation ------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    from daisys_ext.testing import Emulator

    with Emulator(take_seconds=0.2) as emu:
        yield emu


def _api(emulator: Any) -> Any:
    import httpx

    http = httpx.Client(base_url=emulator.api_url, timeout=10)
    login = http.post("/auth/login", json={"email": emulator.email, "password": emulator.password})
    http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    return http


def test_emulator_worker_end_to_end(emulator: Any) -> None:
    emulator.reset()
    http = _api(emulator)
    voice = http.post("/v1/speak/voices/generate", json={"name": "Jane", "model": MODEL, "gender": "female"}).json()
    url = http.get(f"/v1/speak/websocket/{MODEL}").json()["worker_websocket_url"]
    assert url.startswith(emulator.worker_url + f"/{MODEL}?token=")
    c = Client(url)
    try:
        assert c.recv()[1]["status"] == "ready"
        c.send(1, {"voice_id": voice["voice_id"], "text": TWO_SENTENCES}, stream={"mode": "chunks"})
        c.send(2, {"voice_id": voice["voice_id"], "text": "This one fails. [[fail]]"})
        c.send(3, {"voice_id": voice["voice_id"]})  # no text: refused like POST /takes/generate
        messages = c.until_ready({1, 2, 3})
    finally:
        c.close()
    assert statuses(messages, 1) == ["waiting", "started", "progress_50", "ready"]
    assert statuses(messages, 2) == ["waiting", "started", "error"]
    error = next(m[1] for m in messages if m[0] == "status" and m[1].get("status") == "error")
    assert error["request_id"] == 3 and "text" in error["message"]
    take_id = messages[0][1]["data"]["take_id"]
    chunks = frames(messages, 1)
    for part_id in (0, 1):
        wav = b"".join(audio for meta, audio in chunks if meta["part_id"] == part_id)
        assert next(len(a) for m, a in chunks if m["part_id"] == part_id) == 4140
        with wave.open(io.BytesIO(wav)) as parsed:
            assert parsed.getframerate() == 44100 and parsed.getnframes() > 0
    reported = [m[1]["data"] for m in messages if m[0] == "status" and m[1].get("request_id") == 1]
    stored = http.get(f"/v1/speak/takes/{take_id}").json()
    assert stored == reported[-1] and stored["info"]["audio_rate"] == 44100
    recorded = emulator.requests_to("worker")
    assert [(r.method, r.path) for r in recorded] == [("GET", f"/{MODEL}")]


def test_emulator_worker_refuses_foreign_tokens(emulator: Any) -> None:
    http = _api(emulator)
    url = http.get("/v1/speak/websocket/shakespeare").json()["worker_websocket_url"]
    for bad in (url.replace("token=", "token=x"), url.replace("/shakespeare?", "/theatrical-v2?")):
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            websocket.create_connection(bad, timeout=5)
        assert info.value.status_code == 403
