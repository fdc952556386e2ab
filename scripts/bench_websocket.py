"""Figures for the websocket session against the local emulator: time to first audio, to a file, and memory.

Prints numbers; asserts nothing. Run: .venv/bin/python scripts/bench_websocket.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench_client import emulator

from daisys_ext import Client, StreamMode, StreamOptions, TakeGenerate
from daisys_ext._audio.frames import encode_frame
from daisys_ext._audio.wav import wav_header
from daisys_ext._websocket.protocol import SessionProtocol

CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)


def main() -> None:
    sentences = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    text = " ".join(f"This is sentence number {n} of a longer text." for n in range(4))
    with emulator() as url, Client("user@example.com", "pw", daisys_url=url, auth_url=url) as client:
        voice = client.generate_voice(name="Bench", gender="female", model="shakespeare")
        with client.websocket(voice_id=voice.voice_id) as ws, tempfile.TemporaryDirectory() as folder:
            for mode in (StreamMode.PARTS, StreamMode.CHUNKS):
                first_audio, whole = [], []
                for _ in range(3):
                    start = time.perf_counter()
                    request_id = ws.generate_take(voice.voice_id, text, stream_options=StreamOptions(mode=mode))
                    first = None
                    for *_, audio in ws.iter_request(request_id):
                        if audio and first is None:
                            first = time.perf_counter() - start
                    first_audio.append(first or 0.0)
                    whole.append(time.perf_counter() - start)
                print(
                    f"websocket {mode.value}: first audio after {statistics.median(first_audio) * 1000:.0f} ms,"
                    f" whole take {statistics.median(whole):.2f} s (take generation set to 1 s)"
                )
            start, received = time.perf_counter(), 0
            with client.stream_take_audio(client.generate_take(voice.voice_id, text, wait=False).take_id) as stream:
                for chunk in stream:
                    received += len(chunk)
                    if received > 44:  # past the header, which the wav route sends at once
                        break
            rest_first = (time.perf_counter() - start) * 1000
            print(f"REST stream_take_audio for comparison: first audio after {rest_first:.0f} ms")

            start = time.perf_counter()
            ws.speak(text, Path(folder) / "speak.wav")
            print(f"text to finished wav: ws.speak() {time.perf_counter() - start:.2f} s")

            long_text = " ".join(f"Sentence {n} makes the take longer and longer." for n in range(sentences))
            for target, label in ((Path(folder) / "long.wav", "to a file"), (None, "iterated")):
                request_id = ws.generate_take(voice.voice_id, long_text, stream_options=CHUNKS)
                tracemalloc.start()
                if target is not None:
                    ws.write_wav(request_id, target)
                    size = target.stat().st_size
                else:
                    size = sum(len(pcm) for pcm in ws.iter_pcm(request_id))
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"{size / 1e6:.1f} MB over the websocket {label}: peak traced memory {peak / 1e6:.2f} MB")

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
