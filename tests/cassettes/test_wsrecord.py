"""wsrecord and wsreplay: the line format, the replay server's checks and pace, the recording proxy."""

from __future__ import annotations

import json
import math
import struct
import time

import pytest
import websocket
from cassette_files import WS_DIR
from cassette_network import NetworkGuard
from cassette_ws_client import play

from daisys_ext._audio.frames import decode_frame
from daisys_ext._audio.reassembly import Reassembler
from daisys_ext.testing.wsrecord import SCRUBBED, Frame, Recording
from daisys_ext.testing.wsreplay import RecordingProxy, ReplayMismatch, ReplayServer

GREETING = json.dumps({"status": "ready", "message": "Worker ready", "request_id": None, "model": "m"})


def command(request_id: object = 0, text: str = "Hi.", voice_id: str = "v1") -> str:
    return json.dumps(
        {"command": "/takes/generate", "request_id": request_id, "data": {"voice_id": voice_id, "text": text}}
    )


def audio_frame(request_id: object, part_id: int, audio: bytes) -> bytes:
    meta = json.dumps({"take_id": "t1", "part_id": part_id, "request_id": request_id}).encode()
    return b"JSON" + struct.pack("<I", len(meta)) + meta + audio


def small_session(*, server_closes: bool = False) -> Recording:
    """A made-up session: greeting, one command, a status, one audio part, the end marker, ready, then a close."""
    frames = [
        Frame.message(0.0, "recv", GREETING),
        Frame.message(0.01, "send", command()),
        Frame.message(0.02, "recv", json.dumps({"data": {"status": "started", "take_id": "t1"}, "request_id": 0})),
        Frame.message(0.10, "recv", audio_frame(0, 0, b"RIFF....WAVEfake")),
        Frame.message(0.11, "recv", audio_frame(0, 1, b"")),
        Frame.message(0.20, "recv", json.dumps({"data": {"status": "ready", "take_id": "t1"}, "request_id": 0})),
        Frame.close(0.30, "recv", 1000, "rebalancing") if server_closes else Frame.close(0.21, "send", 1000),
    ]
    return Recording("m", f"/m?token={SCRUBBED}", frames, {"note": "made up"})


def test_format_round_trips_and_is_one_json_object_a_line() -> None:
    recording = small_session(server_closes=True)
    text = recording.dumps()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0] == {
        "format": "daisys-ws-recording",
        "version": 1,
        "model": "m",
        "path": "/m?token=SCRUBBED",
        "note": "made up",
    }
    assert lines[4] == {"t": 0.1, "dir": "recv", "type": "binary", "data": lines[4]["data"]}  # base64
    assert lines[-1] == {"t": 0.3, "dir": "recv", "type": "close", "code": 1000, "reason": "rebalancing"}
    assert Recording.loads(text) == recording
    assert recording.duration == 0.3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "header line is missing"),
        ('{"format": "other"}\n', "not a daisys-ws-recording header"),
        ('{"format": "daisys-ws-recording", "version": 2, "model": "m", "path": "/m"}\n', "version 2"),
        (
            '{"format": "daisys-ws-recording", "version": 1, "model": "m", "path": "/m"}\n{"t": 0, "dir": "up"}',
            "line 2",
        ),
        (
            '{"format": "daisys-ws-recording", "version": 1, "model": "m", "path": "/m"}\n{"t": -1, "dir": "send"}',
            "line 2",
        ),
    ],
)
def test_reader_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Recording.loads(text)


def test_replay_keeps_the_recorded_pace(network: NetworkGuard) -> None:
    recording = small_session()
    for speed, expected in ((2.0, 0.19 / 2), (math.inf, 0.0)):  # recorded: ready 0.19 s after the command
        with ReplayServer(recording, speed=speed) as server:
            network.allow(server.address)
            started = time.monotonic()
            received = play(server.url, recording)
            elapsed = time.monotonic() - started
        assert len(received.statuses) == 3 and len(received.audio) == 2
        assert expected * 0.9 <= elapsed < expected + 0.5, (speed, elapsed)


def test_replay_renames_request_ids_to_the_clients(network: NetworkGuard) -> None:
    recording = Recording.load(WS_DIR / "chunks.jsonl")
    with ReplayServer(recording, speed=math.inf) as server:
        network.allow(server.address)
        received = play(server.url, recording, rename={0: "mine"})
    reassembler = Reassembler(request_id="mine")
    for message in received.audio:
        reassembler.feed(decode_frame(message))
    assert reassembler.done
    assert {s["request_id"] for s in received.statuses} == {None, "mine"}  # the greeting has none


def test_replay_refuses_a_different_command(network: NetworkGuard) -> None:
    recording = small_session()
    other = Recording(recording.model, recording.path, list(recording.frames))
    other.frames[1] = Frame.message(0.01, "send", command(text="Something else."))
    with pytest.raises(ReplayMismatch, match="Something else"), ReplayServer(recording, speed=math.inf) as server:
        network.allow(server.address)
        received = play(server.url, other)
    assert received.close is not None and received.close[0] == 1008
    assert "replay mismatch" in received.close[1]


def test_replay_ignores_volatile_fields_when_told(network: NetworkGuard) -> None:
    recording = small_session()
    other = Recording(recording.model, recording.path, list(recording.frames))
    other.frames[1] = Frame.message(0.01, "send", command(voice_id="v-from-a-new-recording"))
    with ReplayServer(recording, speed=math.inf, volatile=["data.voice_id"]) as server:
        network.allow(server.address)
        received = play(server.url, other)
    assert received.close is None and received.statuses[-1]["data"]["status"] == "ready"
    assert server.errors == []


def test_replay_refuses_another_model_and_connections_beyond_the_recordings(network: NetworkGuard) -> None:
    recording = small_session()
    server = ReplayServer(recording, speed=math.inf)
    with pytest.raises(ReplayMismatch, match=r"connection 1: for model 'other'[\s\S]*only 1 recorded"), server:
        network.allow(server.address)
        for path in ("/other?token=x", "/m?token=x"):
            with pytest.raises(websocket.WebSocketBadStatusException) as refused:
                websocket.create_connection(server.origin + path, timeout=5)
            assert refused.value.status_code == 403


def test_replay_closes_as_recorded(network: NetworkGuard) -> None:
    recording = small_session(server_closes=True)
    with ReplayServer(recording, speed=math.inf) as server:
        network.allow(server.address)
        ws = websocket.create_connection(server.url, timeout=5)
        ws.send(command())
        opcodes = []
        while True:
            opcode, data = ws.recv_data()
            opcodes.append(opcode)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
        ws.close()
        ws.shutdown()
    assert (int.from_bytes(data[:2], "big"), data[2:].decode()) == (1000, "rebalancing")
    assert len(opcodes) == 6


@pytest.mark.parametrize("server_closes", [False, True])
def test_proxy_records_every_frame_both_ways(network: NetworkGuard, server_closes: bool) -> None:
    """Through the proxy to a replay server: the proxy's recording is the replayed one, times aside."""
    original = small_session(server_closes=server_closes)
    with (
        ReplayServer(original, speed=10) as upstream,
        RecordingProxy(upstream.origin, meta={"source": "test"}) as proxy,
    ):
        network.allow(upstream.address)
        network.allow(proxy.address)
        url = proxy.url_for(f"{upstream.origin}/m?token=very-secret")
        if server_closes:
            ws = websocket.create_connection(url, timeout=5)
            ws.send(command())
            while ws.recv_data()[0] != websocket.ABNF.OPCODE_CLOSE:
                pass
            ws.close()
            ws.shutdown()
        else:
            play(url, original)
        (recording,) = proxy.wait_for(1)
    assert proxy.errors == [] and upstream.errors == []
    assert recording.model == "m" and recording.path == f"/m?token={SCRUBBED}"
    assert recording.meta == {"source": "test"}
    assert "very-secret" not in recording.dumps()
    # Each way in order (how the two ways interleave depends on when this client sends).
    for direction in ("send", "recv"):
        assert recording.messages(direction) == original.messages(direction)
    last, want = recording.frames[-1], original.frames[-1]
    assert (last.direction, last.kind, last.code, last.reason) == (want.direction, want.kind, want.code, want.reason)
    times = [f.t for f in recording.frames]
    assert times == sorted(times)


def test_proxy_refuses_urls_of_another_upstream() -> None:
    proxy = RecordingProxy("ws://127.0.0.1:1")
    with pytest.raises(ValueError, match="not on this proxy's upstream"):
        proxy.url_for("ws://127.0.0.1:2/m?token=x")
    with pytest.raises(ValueError, match="ws:// or wss://"):
        RecordingProxy("http://127.0.0.1:1")
