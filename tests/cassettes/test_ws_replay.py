"""The frame decoder and the reassembler on recorded websocket traffic, replayed through a local server.

The recordings (tests/cassettes/websocket, made by scripts/record_websocket.py) hold one take each, in parts mode,
in chunks mode, and in chunks mode with frames shuffled in windows of four. Each is replayed to a plain
websocket-client; its audio messages go through ``decode_frame`` and a ``Reassembler``, and the joined WAV must
hold exactly the take's audio as the recording's header says REST served it.
"""

from __future__ import annotations

import hashlib
import io
import math
import wave

import pytest
from cassette_files import WS_DIR
from cassette_network import NetworkGuard
from cassette_ws_client import play

from daisys_ext._audio.frames import decode_frame
from daisys_ext._audio.reassembly import Audio, Reassembler, ReassemblyEvent, assemble_wav
from daisys_ext._audio.wav import parse_wav_header
from daisys_ext.testing.wsrecord import Recording
from daisys_ext.testing.wsreplay import ReplayServer

NAMES = ("parts", "chunks", "chunks-shuffled")


def load(name: str) -> Recording:
    path = WS_DIR / f"{name}.jsonl"
    assert path.exists(), f"no recording {path.name}: record it with `make record`"
    return Recording.load(path)


def reassemble(messages: list[bytes]) -> tuple[list[ReassemblyEvent], int]:
    """The in-order events of one request's audio messages, and the most frames it ever held back."""
    reassembler = Reassembler()
    events: list[ReassemblyEvent] = []
    held = 0
    for message in messages:
        events += reassembler.feed(decode_frame(message))
        held = max(held, reassembler.buffered_frames)
    assert reassembler.done, reassembler.describe_missing()
    return events, held


@pytest.mark.parametrize("name", NAMES)
def test_recorded_take_reassembles_to_its_audio(name: str, network: NetworkGuard) -> None:
    recording = load(name)
    expected = recording.meta["expected"]
    with ReplayServer(recording, speed=math.inf) as server:
        network.allow(server.address)
        received = play(server.url, recording)
    assert received.close is None
    assert received.order == ["binary" if isinstance(m, bytes) else "text" for m in recording.messages("recv")]
    assert received.statuses[-1]["data"]["status"] == "ready"

    frames = [decode_frame(message) for message in received.audio]
    assert {(f.request_id, f.take_id) for f in frames} == {(0, expected["take_id"])}
    chunked = recording.meta["mode"] == "chunks"
    assert all((f.chunk_id is not None) == chunked for f in frames)
    arrival = [(f.part_id, f.chunk_id or 0) for f in frames]
    shuffled = recording.meta["shuffle_window"] > 1
    assert (arrival != sorted(arrival)) == shuffled

    events, held = reassemble(received.audio)
    assert (held > 0) == shuffled  # the reassembler did the reordering, only where there was some to do
    audio = [(e.part_id, e.chunk_id or 0) for e in events if isinstance(e, Audio)]
    assert audio == sorted(audio) == sorted(key for key, f in zip(arrival, frames, strict=True) if len(f.audio))
    assert len({part for part, _ in audio}) == expected["text"].count(".")  # a part a sentence

    wav = assemble_wav(events)
    header = parse_wav_header(wav)
    pcm = wav[header.data_offset :]
    assert len(pcm) == header.data_size == expected["pcm_bytes"]
    assert hashlib.sha256(pcm).hexdigest() == expected["pcm_sha256"]
    with wave.open(io.BytesIO(wav)) as parsed:
        assert parsed.getnframes() * parsed.getsampwidth() * parsed.getnchannels() == expected["pcm_bytes"]
