"""Benchmark of the websocket audio layer: frame decoding speed and reassembly memory.

Prints figures only (no pass/fail): run ``python scripts/bench_frames.py`` from the repo root.
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout need not be installed

from daisys_ext._audio.frames import decode_frame, encode_frame
from daisys_ext._audio.reassembly import Audio, ContinuousWav, Reassembler
from daisys_ext._audio.wav import wav_header

TAKE = "t01jqrjq6xs1vbkdm1493e60gv2"
PART_AUDIO = 235_520  # a ~5 s sentence at 22050 Hz, 16-bit mono (as in the docs' example)
CHUNK = 4096  # the chunk size seen in the docs' example output
PARTS = 12


def take_messages(chunked: bool) -> list[bytes]:
    """Every message of a take of PARTS parts, in order, as the server would send it."""
    rng = random.Random(1)
    messages = []
    for p in range(PARTS):
        part = wav_header(22050, 1, 16, PART_AUDIO) + rng.randbytes(PART_AUDIO)
        if not chunked:
            messages.append(encode_frame(0, TAKE, p, None, part))
            continue
        pieces = [part[:44] + part[44 : 44 + CHUNK]]
        pieces += [part[i : i + CHUNK] for i in range(44 + CHUNK, len(part), CHUNK)]
        messages += [encode_frame(0, TAKE, p, c, piece) for c, piece in enumerate(pieces)]
        messages.append(encode_frame(0, TAKE, p, len(pieces)))
    messages.append(encode_frame(0, TAKE, PARTS, 0 if chunked else None))
    return messages


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_decode(label: str, messages: list[bytes]) -> None:
    messages = messages * max(1, 5000 // len(messages))  # enough frames to time steadily
    total = sum(map(len, messages))
    seconds = best_of(5, lambda: [decode_frame(m) for m in messages])
    print(
        f"decode  {label:7} {len(messages):6} frames, {total / 1e6:6.1f} MB:"
        f" {total / seconds / 1e6:9.0f} MB/s, {len(messages) / seconds:9.0f} frames/s"
    )


def bench_reassemble(label: str, messages: list[bytes]) -> None:
    total = sum(map(len, messages))
    shuffled = messages[:]
    random.Random(2).shuffle(shuffled)

    def run() -> None:
        r = Reassembler(max_buffered_bytes=1 << 30, max_buffered_frames=1 << 20)
        for m in shuffled:
            r.feed(decode_frame(m))

    seconds = best_of(3, run)
    print(
        f"decode+reassemble {label:7} (shuffled): {total / seconds / 1e6:6.0f} MB/s,"
        f" {len(messages) / seconds:8.0f} frames/s"
    )


def bench_memory(label: str, messages: list[bytes], window: int | None) -> None:
    """Peak memory the reassembler adds while putting a shuffled stream in order.

    The messages themselves are allocated before tracing starts: what is measured is the
    reassembler's own bookkeeping and whatever it copies (it should copy nothing).
    ``window`` shuffles only within runs of that many messages, like a network would;
    None shuffles the whole take, the worst case where almost everything waits.
    """
    order = messages[:]
    rng = random.Random(3)
    step = window or len(order)
    for i in range(0, len(order), step):
        block = order[i : i + step]
        rng.shuffle(block)
        order[i : i + step] = block
    frames = [decode_frame(m) for m in order]
    r = Reassembler(max_buffered_bytes=1 << 30, max_buffered_frames=1 << 20)
    peak_held = delivered = 0
    tracemalloc.start()
    for f in frames:
        for event in r.feed(f):
            delivered += len(event.data) if isinstance(event, Audio) else 0
        peak_held = max(peak_held, r.buffered_bytes)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert r.done and delivered == sum(len(f.audio) for f in frames)
    shuffle = f"window {window}" if window else "whole take"
    print(
        f"memory  {label:7} shuffled {shuffle:11}: reassembler peak {peak / 1e3:6.1f} kB traced,"
        f" up to {peak_held / 1e6:6.2f} MB of audio held as views ({len(frames)} frames)"
    )


def bench_wav(messages: list[bytes]) -> None:
    frames = [decode_frame(m) for m in messages]
    total = sum(len(f.audio) for f in frames)

    def run() -> None:
        r, out = Reassembler(), ContinuousWav()
        for f in frames:
            out.feed(r.feed(f))

    seconds = best_of(3, run)
    print(f"reassemble+ContinuousWav chunks (in order): {total / seconds / 1e6:6.0f} MB/s")


def main() -> None:
    print(f"Python {sys.version.split()[0]}; take of {PARTS} parts x {PART_AUDIO} bytes of audio")
    parts, chunks = take_messages(chunked=False), take_messages(chunked=True)
    print("(decoding copies no audio, so its cost is per frame and MB/s grows with frame size)")
    bench_decode("parts", parts)
    bench_decode("chunks", chunks)
    bench_reassemble("parts", parts)
    bench_reassemble("chunks", chunks)
    bench_wav(chunks)
    bench_memory("chunks", chunks, window=16)
    bench_memory("chunks", chunks, window=None)
    bench_memory("parts", parts, window=None)


if __name__ == "__main__":
    main()
