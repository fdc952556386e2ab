"""Measure the emulator: startup time, and median/p99 latency of GET /version and GET /takes/{id} over keep-alive.

Run: python scripts/bench_emulator.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from daisys_ext.testing import Emulator


def measure(client: httpx.Client, url: str, count: int) -> list[float]:
    """Latencies in milliseconds of `count` sequential GETs (after a short warm-up)."""
    for _ in range(20):
        client.get(url).raise_for_status()
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        client.get(url).raise_for_status()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def report(name: str, latencies: list[float]) -> None:
    """Print median and p99."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"{name:<24} median {statistics.median(ordered):6.3f} ms   p99 {p99:6.3f} ms   (n={len(ordered)})")


def main() -> None:
    """Start an emulator, time it, and hammer two routes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    start = time.perf_counter()
    emulator = Emulator(take_seconds=0.1).start()
    print(f"startup                  {(time.perf_counter() - start) * 1000:.1f} ms (API, storage and worker origins)")
    try:
        with httpx.Client(base_url=emulator.product_url) as client:
            tokens = httpx.post(
                f"{emulator.api_url}/auth/login", json={"email": emulator.email, "password": emulator.password}
            ).json()
            client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
            voice = client.post("/voices/generate", json={"name": "Bench", "gender": "male", "model": "shakespeare"})
            take = client.post("/takes/generate", json={"text": "Benchmark.", "voice_id": voice.json()["voice_id"]})
            take_id = take.json()["take_id"]
            report("GET /version", measure(client, "/version", args.requests))
            report("GET /takes/{take_id}", measure(client, f"/takes/{take_id}", args.requests))
    finally:
        start = time.perf_counter()
        emulator.stop()
        print(f"stop                     {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
