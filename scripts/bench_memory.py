"""`make bench`, last part: the client's memory while audio moves, and the websocket protocol's throughput alone.

Prints figures; asserts nothing. The emulator runs in its own process, so that only the
client's allocations are traced here. A long take is downloaded over REST (to a file and into
memory) and over the websocket (written as a WAV, and iterated as PCM): to a file, the peak
stays a few chunks whatever the take's length. Then frames are fed through a fresh
`SessionProtocol` with no I/O at all. Frame decoding and reassembly alone: scripts/bench_frames.py.

Run: .venv/bin/python scripts/bench_memory.py [SENTENCES]
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from daisys_ext import Client, StreamMode, StreamOptions, TakeGenerate
from daisys_ext._audio.frames import encode_frame
from daisys_ext._audio.wav import wav_header
from daisys_ext._websocket.protocol import SessionProtocol

CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """The emulator in its own process; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daisys_ext.testing", "--take-seconds", "1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait()


def traced(label: str, work: Callable[[], int]) -> None:
    """Run ``work`` (it returns the bytes of audio it moved) and print the peak memory it allocated."""
    tracemalloc.start()
    size = work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{size / 1e6:5.1f} MB {label:38}: peak traced memory {peak / 1e6:6.2f} MB")


def main() -> None:
    sentences = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    text = " ".join(f"Sentence {n} makes the take longer and longer." for n in range(sentences))
    with emulator() as url, Client("user@example.com", "pw", daisys_url=url, auth_url=url) as client:
        voice = client.generate_voice(name="Bench", gender="female", model="shakespeare")
        take = client.generate_take(voice.voice_id, text)
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "rest.wav"
            traced("REST download to a file", lambda: len(client.get_take_audio(take.take_id, file=file)))
            traced("REST download into memory", lambda: len(client.get_take_audio(take.take_id)))
            with client.websocket(voice_id=voice.voice_id) as ws:
                target = Path(folder) / "ws.wav"

                def write() -> int:
                    ws.write_wav(ws.generate_take(voice.voice_id, text, stream_options=CHUNKS), target)
                    return target.stat().st_size

                def iterate() -> int:
                    request_id = ws.generate_take(voice.voice_id, text, stream_options=CHUNKS)
                    return sum(len(pcm) for pcm in ws.iter_pcm(request_id))

                traced("over the websocket, written as a WAV", write)
                traced("over the websocket, iterated as PCM", iterate)
    protocol_alone()


def protocol_alone() -> None:
    """Decoding and reassembly without I/O: one 200-chunk part fed through a fresh protocol."""
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(TakeGenerate(voice_id="v", text="t"), CHUNKS)
    size, count = 4096, 200
    part = wav_header(44100, 1, 16, size * count) + bytes(size * count)
    frames = [encode_frame(request_id, "t", 0, 0, part[: 44 + size])]
    frames += [encode_frame(request_id, "t", 0, c, part[44 + size * c : 44 + size * (c + 1)]) for c in range(1, count)]
    frames += [encode_frame(request_id, "t", 0, count), encode_frame(request_id, "t", 1, 0)]
    start = time.perf_counter()
    for frame in frames:
        protocol.receive(frame)
    while protocol.next_item(request_id) is not None:
        pass
    elapsed = time.perf_counter() - start
    print(f"protocol alone: {len(frames) / elapsed:,.0f} chunk frames/s ({len(part) / elapsed / 1e6:,.0f} MB/s)")


if __name__ == "__main__":
    main()
