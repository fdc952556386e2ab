"""Fleet soak (`make soak FLEET=16`): many processes on one account share one login through a token store.

FLEET processes (each one Client shared by THREADS threads and one AsyncClient shared by TASKS tasks) call the
emulator for SOAK_S seconds with 2-second access tokens and single-use refresh tokens, once with a FileTokenStore,
once with a RedisTokenStore (a real redis-server on a free port), and once without a store (every process starts
from the same stored tokens and has the password, as the documentation's token-file recipe does). Printed per run:
logins and refreshes fleet-wide, the expiries met, failed operations, and the lock waits (median and worst).
The last line is JSON with every figure (tests/fleet reads it).

Run: FLEET=16 SOAK_S=60 .venv/bin/python scripts/soak_fleet.py   (or: make soak FLEET=16)
Options: --modes file,redis,none  --ttl 2  --redis-url URL (else one is started)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import EmulatorProcess  # the soak's emulator, in a process of its own

THREADS = int(os.environ.get("SOAK_FLEET_THREADS") or 4)
TASKS = int(os.environ.get("SOAK_FLEET_TASKS") or 4)
START_DELAY = float(os.environ.get("SOAK_FLEET_START") or 2.5)  # seconds for every process to import and connect first


# -- one process of the fleet ------------------------------------------------------------------------------------


def make_store(spec: dict[str, Any]) -> Any:
    from daisys_ext import FileTokenStore, RedisTokenStore

    if spec["kind"] == "file":
        return FileTokenStore(spec["path"])
    if spec["kind"] == "redis":
        return RedisTokenStore(spec["url"], timeout=spec.get("timeout", 10.0))
    return None


def fleet_process(config: dict[str, Any]) -> dict[str, Any]:
    """One process: THREADS threads on one Client and TASKS tasks on one AsyncClient until ``end_at``."""
    from daisys_ext import AsyncClient, Client

    store = make_store(config["store"])
    options: dict[str, Any] = {"daisys_url": config["url"], "auth_url": config["url"], "timeout": config["timeout"]}
    if store is not None:
        options["token_store"] = store
    else:  # the documented recipe: the same stored tokens in every process, the password to fall back on
        options.update(access_token=config["store"]["access"], refresh_token=config["store"]["refresh"])
        options.update(email=os.environ["DAISYS_EMAIL"], password=os.environ["DAISYS_PASSWORD"])
    client, aclient = Client(**options), AsyncClient(**options)
    done: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    lock = threading.Lock()

    def record(error: BaseException | None) -> None:
        with lock:
            if error is None:
                done["ok"] += 1
            else:
                done["failed"] += 1
                errors[f"{type(error).__name__}: {str(error)[:120]}"] += 1

    def thread() -> None:
        while time.time() < config["end_at"]:
            try:
                client.get_models()
            except Exception as exc:
                record(exc)
            else:
                record(None)

    async def task() -> None:
        while time.time() < config["end_at"]:
            try:
                await aclient.get_models()
            except Exception as exc:
                record(exc)
            else:
                record(None)

    async def tasks() -> None:
        await asyncio.gather(*(task() for _ in range(config["tasks"])))
        await aclient.close()

    time.sleep(max(0.0, config["start_at"] - time.time()))
    threads = [threading.Thread(target=thread) for _ in range(config["threads"])]
    for item in threads:
        item.start()
    asyncio.run(tasks())
    for item in threads:
        item.join()
    client.close()
    waits = list(store.lock_waits.waits) if store is not None else []
    return {"ok": done["ok"], "failed": done["failed"], "errors": dict(errors.most_common(3)), "lock_waits": waits}


# -- the fleet ---------------------------------------------------------------------------------------------------


def shared_tokens(url: str) -> dict[str, str]:
    import httpx

    answer = httpx.post(f"{url}/auth/login", json={"email": "user@example.com", "password": "pw"})
    answer.raise_for_status()
    tokens: dict[str, str] = answer.json()
    return tokens


def run_fleet(mode: str, processes: int, seconds: float, ttl: float, redis_url: str | None, folder: Path) -> dict:
    """One run of the fleet against a fresh emulator; what the emulator saw and what the processes counted."""
    emulator = EmulatorProcess(["--token-ttl", str(ttl), "--rotate-refresh-tokens", "--latency", "0.002"])
    try:
        store: dict[str, Any] = {"kind": mode}
        if mode == "file":
            store["path"] = str(folder / f"tokens-{time.monotonic_ns()}.json")
        elif mode == "redis":
            assert redis_url is not None
            from redis import Redis

            Redis.from_url(redis_url).flushdb()
            store["url"] = redis_url
        else:
            tokens = shared_tokens(emulator.url)
            store.update(access=tokens["access_token"], refresh=tokens["refresh_token"])
        start_at = time.time() + START_DELAY
        config = {
            "url": emulator.url,
            "store": store,
            "threads": THREADS,
            "tasks": TASKS,
            "timeout": 10.0,
            "start_at": start_at,
            "end_at": start_at + seconds,
        }
        env = {**os.environ, "DAISYS_EMAIL": "user@example.com", "DAISYS_PASSWORD": "pw"}
        env.pop("DAISYS_LOG", None)
        children = [
            subprocess.Popen(
                [sys.executable, __file__, "--process", json.dumps(config)], stdout=subprocess.PIPE, text=True, env=env
            )
            for _ in range(processes)
        ]
        results = []
        for child in children:
            out, _ = child.communicate(timeout=seconds + 60)
            lines = out.strip().splitlines()
            results.append(json.loads(lines[-1]) if lines else {"ok": 0, "failed": 1, "errors": {"no report": 1}})
        server = emulator.report()
    finally:
        emulator.close()
    waits = [wait for result in results for wait in result.get("lock_waits", [])]
    errors: Counter[str] = Counter()
    for result in results:
        errors.update(result.get("errors", {}))
    logins_before = 1 if mode == "none" else 0  # the one login that made the shared tokens
    return {
        "mode": mode,
        "processes": processes,
        "seconds": seconds,
        "token_ttl": ttl,
        "operations": sum(r.get("ok", 0) for r in results),
        "failed": sum(r.get("failed", 0) for r in results),
        "errors": dict(errors.most_common(5)),
        "logins": server["logins"] - logins_before,
        "login_statuses": server["login_statuses"],
        "refreshes": server["refreshes"],
        "refresh_statuses": server["refresh_statuses"],
        "expiries": server["expiries"],
        "expiry_periods": int(seconds / ttl) + 1,
        "lock_waits": len(waits),
        "lock_wait_median_ms": round(statistics.median(waits) * 1000, 2) if waits else 0.0,
        "lock_wait_worst_ms": round(max(waits) * 1000, 2) if waits else 0.0,
        "server_errors": server["server_errors"],
    }


def show(runs: Sequence[dict[str, Any]]) -> None:
    rows = [
        ("store", "mode"),
        ("logins fleet-wide", "logins"),
        ("refreshes fleet-wide", "refreshes"),
        ("expiry periods", "expiry_periods"),
        ("refresh answers", "refresh_statuses"),
        ("operations", "operations"),
        ("failed operations", "failed"),
        ("lock waits", "lock_waits"),
        ("lock wait median (ms)", "lock_wait_median_ms"),
        ("lock wait worst (ms)", "lock_wait_worst_ms"),
    ]
    print(f"\nFleet: {runs[0]['processes']} processes x ({THREADS} threads + {TASKS} tasks), "
          f"{runs[0]['seconds']:g} s, {runs[0]['token_ttl']:g}-second tokens, single-use refresh tokens")  # fmt: skip
    for label, key in rows:
        cells = "".join(f"{json.dumps(run[key]) if isinstance(run[key], dict) else run[key]!s:>26}" for run in runs)
        print(f"{label:<24}{cells}")
    for run in runs:
        if run["errors"]:
            print(f"{run['mode']}: {run['errors']}")


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--process"]:
        print(json.dumps(fleet_process(json.loads(argv[1]))), flush=True)
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=int(os.environ.get("FLEET") or 16))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_S") or 60))
    parser.add_argument("--ttl", type=float, default=2.0)
    parser.add_argument("--modes", default="file,redis,none")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)
    modes = args.modes.split(",")
    from daisys_ext.testing import RedisServer

    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer() if "redis" in modes and args.redis_url is None else None
        url = server.start().url if server is not None else args.redis_url
        try:
            runs = [run_fleet(mode, args.processes, args.seconds, args.ttl, url, Path(folder)) for mode in modes]
        finally:
            if server is not None:
                server.stop()
    show(runs)
    print(json.dumps({"runs": runs}, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
