"""Figures for the client against the local emulator: call latency, time to a finished file, download memory.

Prints numbers; asserts nothing. Run: .venv/bin/python scripts/bench_client.py
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from daisys_ext import Client


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """The emulator in its own process, so that only the client's memory is traced here."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daisys_ext.testing", "--take-seconds", "1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().split()[-1]
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    sentences = int(sys.argv[1]) if len(sys.argv) > 1 else 12  # of the long take measured for memory
    with emulator() as url:
        client = Client("user@example.com", "pw", daisys_url=url, auth_url=url)
        voice = client.generate_voice(name="Bench", gender="female", model="shakespeare")
        take = client.generate_take(voice.voice_id, "A short sentence to measure with.")

        times = []
        for _ in range(300):
            start = time.perf_counter()
            client.get_take(take.take_id)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"get_take through the client: median {statistics.median(times):.2f} ms, p99 {times[296]:.2f} ms")

        text = " ".join(f"This is sentence number {n} of a long text." for n in range(4))
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            client.speak(text, voice.voice_id, Path(folder) / "streamed.wav")
            streamed = time.perf_counter() - start
            start = time.perf_counter()
            polled = client.generate_take(voice.voice_id, text)
            client.get_take_audio(polled.take_id, file=Path(folder) / "polled.wav")
            waited = time.perf_counter() - start
            print(f"text to finished wav: speak() streaming {streamed:.2f} s, poll-then-download {waited:.2f} s")

            long_text = " ".join(f"Sentence {n} makes the take longer and longer." for n in range(sentences))
            long_take = client.generate_take(voice.voice_id, long_text)
            for target, label in ((Path(folder) / "long.wav", "to a file"), (None, "into memory")):
                tracemalloc.start()
                audio = client.get_take_audio(long_take.take_id, file=target)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"download of {len(audio) / 1e6:.1f} MB {label}: peak traced memory {peak / 1e6:.2f} MB")
                del audio
        client.close()


if __name__ == "__main__":
    main()
