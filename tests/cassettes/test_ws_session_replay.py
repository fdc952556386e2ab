"""The websocket sessions (sync and async) on recorded traffic, replayed through a local server.

Each session connects to the replay server (``worker_url``) instead of asking the API for a worker, sends the
recorded command, and must turn the recorded frames into exactly the take's audio. Edited copies of the
recordings add what a worker may do: drop the connection between requests, or in the middle of one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from cassette_files import WS_DIR
from cassette_network import NetworkGuard

from daisys_ext import AsyncClient, Client, DaisysWebsocketStreamError, Status, StreamMode, StreamOptions
from daisys_ext.testing.wsrecord import Frame, Recording
from daisys_ext.testing.wsreplay import ReplayServer

NAMES = ("parts", "chunks", "chunks-shuffled")
API = "https://api.daisys.ai"  # never reached: the sessions get their worker URL from the test


def load(name: str) -> Recording:
    return Recording.load(WS_DIR / f"{name}.jsonl")


def command(recording: Recording) -> dict[str, Any]:
    sent = recording.messages("send")[0]
    assert isinstance(sent, str)
    return dict(json.loads(sent))


def take_args(recording: Recording) -> dict[str, Any]:
    """generate_take's arguments for the recorded command."""
    recorded = command(recording)
    mode = StreamMode(recorded.get("stream", {}).get("mode", "parts"))
    data = recorded["data"]
    return {"voice_id": data["voice_id"], "text": data["text"], "stream_options": StreamOptions(mode=mode)}


def until_the_worker_closes(recording: Recording, after: int, code: int, reason: str) -> Recording:
    """The recording cut after its ``after``-th received message, the worker then closing with ``code``."""
    frames, received = [], 0
    for frame in recording.frames:
        if frame.kind == "close" or received == after:
            break
        frames.append(frame)
        received += frame.direction == "recv"
    frames.append(Frame.close(frames[-1].t, "recv", code, reason))
    return dataclasses.replace(recording, frames=frames)


def check_audio(recording: Recording, pcm: bytes) -> None:
    expected = recording.meta["expected"]
    assert len(pcm) == expected["pcm_bytes"]
    assert hashlib.sha256(pcm).hexdigest() == expected["pcm_sha256"]


@pytest.mark.parametrize("name", NAMES)
def test_sync_session_on_a_recording(name: str, network: NetworkGuard, tmp_path: Path) -> None:
    recording = load(name)
    with ReplayServer(recording, speed=math.inf) as server, Client("user@example.com", "pw", daisys_url=API) as c:
        network.allow(server.address)
        with c.websocket(model=recording.model, worker_url=server.url) as ws:
            info = ws.write_wav(ws.generate_take(**take_args(recording)), tmp_path / "take.wav")
    assert info.status == Status.READY and info.take_id == recording.meta["expected"]["take_id"]
    wav = (tmp_path / "take.wav").read_bytes()
    check_audio(recording, wav[44:])


@pytest.mark.parametrize("name", NAMES)
async def test_async_session_on_a_recording(name: str, network: NetworkGuard) -> None:
    recording = load(name)
    with ReplayServer(recording, speed=math.inf) as server:
        network.allow(server.address)
        async with (
            AsyncClient("user@example.com", "pw", daisys_url=API) as c,
            c.websocket(model=recording.model, worker_url=server.url) as ws,
        ):
            request_id = await ws.generate_take(**take_args(recording))
            items = [item async for item in ws.iter_request(request_id)]
    assert items[-1][1] is not None and items[-1][1].status == Status.READY
    check_audio(recording, b"".join(audio for *_, audio in items if audio))


def test_a_drop_between_requests_is_not_noticed(network: NetworkGuard) -> None:
    """The worker closes (1000, rebalancing) after the first take; the second goes on a new connection."""
    first = until_the_worker_closes(load("parts"), after=10**6, code=1000, reason="rebalancing")
    second = load("chunks")
    with ReplayServer([first, second], speed=math.inf) as server, Client("u@example.com", "pw", daisys_url=API) as c:
        network.allow(server.address)
        with c.websocket(model=first.model, worker_url=server.url) as ws:
            pcm = [b"".join(ws.iter_pcm(ws.generate_take(**take_args(r)))) for r in (first, second)]
    check_audio(first, pcm[0])
    check_audio(second, pcm[1])


@pytest.mark.parametrize("name", ["parts", "chunks-shuffled"])
def test_a_drop_in_the_middle_of_a_request_is_its_error(name: str, network: NetworkGuard) -> None:
    cut = until_the_worker_closes(load(name), after=4, code=1011, reason="worker restarting")
    # The session reconnects at once, ready for the next request: the worker greets it, and it closes at the end.
    greeting = cut.frames[0]
    idle = dataclasses.replace(cut, frames=[greeting, Frame.close(greeting.t, "send", 1000)])
    with ReplayServer([cut, idle], speed=math.inf) as server, Client("u@example.com", "pw", daisys_url=API) as c:
        network.allow(server.address)
        with c.websocket(model=cut.model, worker_url=server.url) as ws:
            request_id = ws.generate_take(**take_args(cut))
            with pytest.raises(
                DaisysWebsocketStreamError, match=r'code 1011, "worker restarting".*before the request.s end'
            ):
                list(ws.iter_request(request_id, request_timeout=10))
            assert ws.connected
