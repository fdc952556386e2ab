"""daisys_ext.testing.wsreplay on the emulator's worker: a session recorded through the proxy replays alike."""

from __future__ import annotations

import json
import math

import httpx
import websocket

from daisys_ext.testing import Emulator
from daisys_ext.testing.wsrecord import SCRUBBED
from daisys_ext.testing.wsreplay import RecordingProxy, ReplayServer

MODEL = "shakespeare"


def session(url: str, command: str) -> list[str | bytes]:
    """Greeting, one command, everything up to the take's final status; the messages received, in order."""
    ws = websocket.create_connection(url, timeout=10)
    received: list[str | bytes] = [ws.recv()]
    ws.send(command)
    while True:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_BINARY:
            received.append(bytes(data))
            continue
        received.append(data.decode())
        if (json.loads(data).get("data") or {}).get("status") in ("ready", "error"):
            break
    ws.close()
    return received


def test_a_proxied_session_is_recorded_whole_and_replays_alike(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    with httpx.Client(base_url=emu.product_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}) as api:
        voice = api.post("/voices/generate", json={"name": "Rec", "gender": "male", "model": MODEL}).json()
        worker_url = api.get(f"/websocket/{MODEL}").json()["worker_websocket_url"]
    token = httpx.URL(worker_url).params["token"]
    command = json.dumps(
        {
            "command": "/takes/generate",
            "request_id": 3,
            "stream": {"mode": "chunks"},
            "data": {"voice_id": voice["voice_id"], "text": "Recorded. Twice."},
        }
    )

    with RecordingProxy(emu.worker_url) as proxy:
        live = session(proxy.url_for(worker_url), command)
        (recording,) = proxy.wait_for(1)
    assert proxy.errors == []
    assert (recording.model, recording.path) == (MODEL, f"/{MODEL}?token={SCRUBBED}")
    assert token not in recording.dumps()
    assert recording.messages("send") == [command]
    assert recording.messages("recv") == live  # every frame, unchanged, in order
    assert sum(isinstance(m, bytes) for m in live) > 4
    assert recording.frames[-1].kind == "close" and recording.frames[-1].direction == "send"

    with ReplayServer(recording, speed=math.inf) as server:
        assert session(server.url, command) == live
