"""Record websocket sessions for tests/cassettes/websocket, through daisys_ext.testing.wsreplay.RecordingProxy.

Each session is one plain websocket-client connection: it waits for the worker's greeting, sends one
``/takes/generate`` command, reads until the take's final status, and closes. The take's audio is then fetched
over REST too, and its PCM size and hash go into the recording's header, as what the websocket audio must add
up to.

    python scripts/record_websocket.py          # against a local emulator (make record)
    python scripts/record_websocket.py --live   # the real service, as DAISYS_EMAIL (make record-live)

Live, the shuffled session is not recorded (only the emulator shuffles on request); its emulator recording stays.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import websocket

from daisys_ext import Client
from daisys_ext._audio.wav import parse_wav_header
from daisys_ext.testing import Emulator
from daisys_ext.testing.wsrecord import Recording, scrub_path
from daisys_ext.testing.wsreplay import RecordingProxy

OUT = Path(__file__).resolve().parent.parent / "tests" / "cassettes" / "websocket"
MODEL = "shakespeare"
TEXT = "Hi. Bye."  # two parts (sentences), short enough to keep the recordings small
REQUEST_ID = 0


@dataclass(frozen=True)
class Session:
    """One recording to make: its file name, the stream mode, and the emulator's shuffle window."""

    name: str
    mode: str
    shuffle_window: int = 0


SESSIONS = (Session("parts", "parts"), Session("chunks", "chunks"), Session("chunks-shuffled", "chunks", 4))


@contextlib.contextmanager
def service(live: bool) -> Iterator[tuple[Client, Emulator | None]]:
    """A client on the emulator (started here) or on the real service."""
    if live:
        if not (os.environ.get("DAISYS_EMAIL") and os.environ.get("DAISYS_PASSWORD")):
            sys.exit("record_websocket.py --live needs DAISYS_EMAIL and DAISYS_PASSWORD")
        with Client() as client:
            yield client, None
        return
    # take_seconds: long enough that frames arrive spread out as in a real generation, short enough to wait for.
    with Emulator(take_seconds=0.5) as emu, Client(emu.email, emu.password, daisys_url=emu.api_url) as client:
        yield client, emu


def pcm_of(wav: bytes) -> bytes:
    """The samples of a WAV file, without its header."""
    header = parse_wav_header(wav)
    return wav[header.data_offset : header.data_offset + header.data_size]


def record(client: Client, voice_id: str, session: Session, source: str) -> Recording:
    """Record one session through a proxy in front of the worker."""
    worker_url = client.websocket_url(model=MODEL)
    assert worker_url is not None
    parts = urlsplit(worker_url)
    meta: dict[str, Any] = {"source": source, "mode": session.mode, "shuffle_window": session.shuffle_window}
    with RecordingProxy(f"{parts.scheme}://{parts.netloc}", meta=meta) as proxy:
        ws = websocket.create_connection(proxy.url_for(worker_url), timeout=30)
        try:
            greeting = json.loads(ws.recv())
            if greeting.get("status") != "ready":
                raise RuntimeError(f"the worker did not greet: {greeting}")
            command = {
                "command": "/takes/generate",
                "request_id": REQUEST_ID,
                "stream": {"mode": session.mode},
                "data": {"voice_id": voice_id, "text": TEXT},
            }
            ws.send(json.dumps(command))
            take_id = read_until_done(ws)
        finally:
            ws.close()
        (recording,) = proxy.wait_for(1)
    if proxy.errors:
        raise RuntimeError(f"the proxy reported: {proxy.errors}")
    pcm = pcm_of(bytes(client.get_take_audio(take_id)))
    recording.meta["expected"] = {
        "take_id": take_id,
        "text": TEXT,
        "pcm_bytes": len(pcm),
        "pcm_sha256": hashlib.sha256(pcm).hexdigest(),
    }
    return recording


def read_until_done(ws: websocket.WebSocket) -> str:
    """Receive until the request's take reports ready (or error); return its take id."""
    while True:
        opcode, data = ws.recv_data()
        if opcode != websocket.ABNF.OPCODE_TEXT:
            continue  # audio: the proxy has it
        message = json.loads(data)
        if message.get("request_id") != REQUEST_ID:
            continue
        if message.get("status") == "error":
            raise RuntimeError(f"the worker refused the command: {message}")
        status = (message.get("data") or {}).get("status")
        if status == "error":
            raise RuntimeError(f"the take failed: {message}")
        if status == "ready":
            return str(message["data"]["take_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", action="store_true", help="record against the real service")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the recordings (default: %(default)s)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with service(args.live) as (client, emu):
        voice = client.generate_voice(name="Recorder", gender="female", model=MODEL)
        try:
            for session in SESSIONS:
                if emu is None and session.shuffle_window:
                    print(f"skipped {session.name}: only the emulator shuffles frames on request")
                    continue
                if emu is not None:
                    emu.ws_shuffle_window = session.shuffle_window
                recording = record(client, voice.voice_id, session, "live" if emu is None else "emulator")
                path = args.out / f"{session.name}.jsonl"
                recording.dump(path)
                frames = len(recording.frames)
                print(f"wrote {path} ({frames} frames, {path.stat().st_size} bytes, {scrub_path(recording.path)})")
        finally:
            client.delete_voice(voice.voice_id, raise_on_error=False)


if __name__ == "__main__":
    main()
