"""`make bench`: this client against the official `daisys` SDK and the floor, side by side, in one table.

Prints figures; asserts nothing (goals are printed beside them, with pass or MISS, and never fail the run).

The emulator runs in a process of its own (scripts/bench_host.py: `python -m daisys_ext.testing` plus
events telling when a take becomes ready and when the emulator first has audio). Every measurement runs
each contender in a fresh interpreter (scripts/bench_contenders.py), one per contender per round, the
contenders alternating (their order rotates every round); the table gives the median and the spread
(min to max) over all rounds. Contenders: ours sync (`Client`), ours async (`AsyncClient`), the official
SDK's documented path (`DaisysAPI(...)`), and the floor: a bare `httpx.Client` doing the same requests
with no SDK (polling every 10 ms where it polls), or the emulator's own generation time.

1. Text to a finished WAV on disk (REST), ms above the emulator's generation time.
2. Ready detection: ms from the moment a take became ready (the emulator's own, from its events) to
   `generate_take(wait=True)` returning, and the status requests each take cost; at the run's
   generation time and (2b) across a sweep of generation times up to 20 s (one take per time, all at
   once, a thread or task each), each time's figures beside the official SDK's.
3. Time to the first audio byte after the emulator first has audio: REST `stream_take_audio`, and the
   websocket in parts and chunks mode.
4. Client CPU per `get_take` call (time.process_time of the client process) on loopback.
5. Many takes generated, waited for and downloaded: wall time and HTTP requests.
6. The emulator itself (`python -m daisys_ext.testing` alone): takes a second of its CPU, its memory
   after 10,000 takes of distinct texts, a GET's latency and its startup.
7. Agent frameworks (scripts/bench_agents.py, in .venv-agents): a sentence's last token to its first audio
   out of Pipecat's `DaisysTTSService` and LiveKit's `TTS`, against our own `stream_text`.
8. Agent frameworks: the next turn's first audio after an interruption, against a fresh turn.
9. Fan-out: 64, 500 and 1,000 takes gathered at once on one `AsyncClient` (each generated, waited for and
   downloaded; scripts/bench_fanout.py), and 64 and 500 threads sharing one `Client`: client CPU a take and
   wall time, against the client before `max_concurrency` (a quick run: 64 and 500 only). `--only fanout`
   runs it alone, in full (one round with `--quick`).

The full run ends with where ours' CPU per call goes: ours' layers (auth flow, retry
transport, the generated function, model parsing) added one at a time to a bare httpx client, and a
cProfile by area. `--quick` (fewer rounds, calls and takes, no profile) runs in about a minute and a
half (bench.py alone); `--only emulator`, `--only sweep`, `--only cpu`, `--only agents` or `--only fanout`
runs section 6, 2b, 4 (with where its CPU goes, unless --no-profile), 7 and 8, or 9 alone. `make bench`
runs it in .venv-agents, where the agent frameworks are installed.

Run: .venv-agents/bin/python scripts/bench.py [--quick] [--only emulator|sweep|cpu|agents|fanout]
[--rounds N] [--profile | --no-profile]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_contenders import TEXT_READY, TEXTS  # noqa: E402

# Bytecode is written once and reused, as for an installed package (see scripts/bench_import.py).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
TAKE_SECONDS = 1.3  # not a multiple of 0.5 s: the official SDK polls every 0.5 s
SWEEP = (0.5, 0.7, 1.3, 2.2, 2.9, 3.6, 5.3, 10.7, 20.3)
QUICK_SWEEP = (0.7, 2.9, 10.7)

NAMES = {
    "ours-sync": "ours sync",
    "ours-async": "ours async",
    "official": "official SDK",
    "official-async": "official SDK async",
    "floor": "floor: bare httpx",
    "floor-async": "floor: bare httpx.AsyncClient",
}


@dataclass
class Plan:
    """How much of everything a run does."""

    stream_rounds: int
    sweep_rounds: int
    sweep: tuple[float, ...]
    sweep_contenders: tuple[str, ...]
    cpu_rounds: int
    cpu_calls: int
    many_rounds: int
    many_takes: int
    many_contenders: tuple[str, ...]
    profile: bool
    emulator_takes: int = 10_000
    agent_rounds: int = 5


QUICK = Plan(
    stream_rounds=2,
    sweep_rounds=1,
    sweep=QUICK_SWEEP,
    sweep_contenders=("ours-sync", "official"),
    cpu_rounds=2,
    cpu_calls=300,
    many_rounds=1,
    many_takes=24,
    many_contenders=("ours-sync", "ours-async", "official-async", "official-batch"),
    profile=False,
    emulator_takes=1000,
    agent_rounds=2,
)
FULL = Plan(
    stream_rounds=7,
    sweep_rounds=3,
    sweep=SWEEP,
    sweep_contenders=("ours-sync", "ours-async", "official", "floor"),
    cpu_rounds=5,
    cpu_calls=2000,
    many_rounds=3,
    many_takes=100,
    many_contenders=(
        "ours-sync",
        "ours-async",
        "ours-sync-per-take",
        "official-async",
        "official-threads",
        "official-batch",
        "floor",
    ),
    profile=True,
)

# -- the emulator ---------------------------------------------------------------------------------------------


class Host:
    """scripts/bench_host.py in its own process, its event lines collected by a thread."""

    def __init__(self, take_seconds: float) -> None:
        args = [sys.executable, str(HERE / "bench_host.py"), "--take-seconds", str(take_seconds)]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=ENV)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().split()[-1]
        self._events: dict[tuple[str, str], dict[str, Any]] = {}
        self._arrived = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                event = json.loads(line)
                with self._arrived:
                    self._events[(event["event"], event["take_id"])] = event
                    self._arrived.notify_all()

    def event(self, kind: str, take_id: str, timeout: float = 2.0) -> dict[str, Any] | None:
        with self._arrived:
            self._arrived.wait_for(lambda: (kind, take_id) in self._events, timeout)
            return self._events.get((kind, take_id))

    def ready(self, take_id: str) -> float | None:
        event = self.event("created", take_id)
        return None if event is None else float(event["ready"])

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Setup:
    url: str
    email: str
    password: str
    voice_id: str
    take_id: str  # a ready take, for the CPU measurement

    def job(self, task: str, contender: str, **extra: Any) -> dict[str, Any]:
        return {
            "task": task,
            "contender": contender,
            "url": self.url,
            "email": self.email,
            "password": self.password,
            "voice_id": self.voice_id,
            "take_id": self.take_id,
            **extra,
        }


def prepare(host: Host) -> Setup:
    """A voice, every text's audio synthesised once (the host caches it), and a ready take."""
    email, password = "user@example.com", "pw"
    token = httpx.post(f"{host.url}/auth/login", json={"email": email, "password": password}).json()["access_token"]
    with httpx.Client(base_url=f"{host.url}/v1/speak", headers={"Authorization": f"Bearer {token}"}) as api:
        voice = api.post("/voices/generate", json={"name": "Bench", "gender": "female", "model": "shakespeare"})
        voice_id = voice.raise_for_status().json()["voice_id"]
        ids = [api.post("/takes/generate", json={"voice_id": voice_id, "text": f"{text} [[0.05s]]"}) for text in TEXTS]
        take_ids = [answer.raise_for_status().json()["take_id"] for answer in ids]
        time.sleep(0.1)
        for take_id in take_ids:
            httpx.get(api.get(f"/takes/{take_id}/wav").headers["location"]).raise_for_status()
        ready = take_ids[TEXTS.index(TEXT_READY)]
    return Setup(host.url, email, password, voice_id, ready)


def delete_all_takes(url: str, setup: Setup) -> None:
    """Between runs of the many-takes measurement: the emulator's list route scans every take it holds."""
    token = httpx.post(f"{url}/auth/login", json={"email": setup.email, "password": setup.password}).json()
    with httpx.Client(base_url=f"{url}/v1/speak", headers={"Authorization": f"Bearer {token['access_token']}"}) as api:
        for take in api.get("/takes").json():
            if take["take_id"] != setup.take_id:
                api.delete(f"/takes/{take['take_id']}")


# -- running contenders ----------------------------------------------------------------------------------------


# For the CPU measurements, glibc's malloc is set alike in every contender's process. Left dynamic, its mmap
# threshold depends on what the process happened to import: below it, the 256 KiB buffer asyncio reads every
# answer into is mapped and unmapped on every request (an mmap and a munmap a call: 40 to 80 µs of system
# time), above it that buffer comes from the heap. The official SDK's imports (pydantic) happen to raise it;
# a process with httpx alone (the floor, ours) does not. Fixed at 512 KiB, every contender reads alike.
ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(512 * 1024)}


def run(job: dict[str, Any], timeout: float = 300) -> dict[str, Any] | None:
    """One contender's job in a fresh interpreter; None (and its error printed) when it failed."""
    args = [sys.executable, str(HERE / "bench_contenders.py"), json.dumps(job)]
    env = {**ENV, **ALLOCATOR} if job["task"] in ("cpu", "breakdown") else ENV
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        print(f"  ! {job['task']} {job['contender']}: no answer within {timeout:.0f} s", file=sys.stderr)
        return None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        print(f"  ! {job['task']} {job['contender']} failed:\n{tail}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rounds(contenders: Sequence[str], count: int) -> list[tuple[int, str]]:
    """(round, contender) in the order they run: alternating, the first one rotating every round."""
    order = []
    for r in range(count):
        shift = r % len(contenders)
        order += [(r, c) for c in (*contenders[shift:], *contenders[:shift])]
    return order


def progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# -- the table -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    values: list[float]
    unit: str  # "ms", "µs", "s"
    goal: str = ""
    met: bool | None = None
    note: str = ""
    ratio: float | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None


@dataclass
class Section:
    title: str
    ratio_to: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


def render(sections: list[Section]) -> str:
    lines = []
    width = 54
    for section in sections:
        lines.append(section.title)
        lines.append(f"  {'':<{width}} {'median':>9}  {'(min to max)':<20}{section.ratio_to:>10}  goal")
        for row in section.rows:
            if row.median is None:
                lines.append(f"  {row.label:<{width}} {'failed':>9}")
                continue
            spread = f"({_number(min(row.values))} to {_number(max(row.values))})"
            ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
            mark = "" if row.met is None else ("pass" if row.met else "MISS")
            goal = f"{row.goal}: {mark}" if row.goal else ""
            value = f"{_number(row.median)} {row.unit}"
            lines.append(f"  {row.label:<{width}} {value:>9}  {spread:<20}{ratio:>10}  {goal}".rstrip())
            if row.note:
                lines.append(f"      {row.note}")
        lines += [f"  {note}" for note in section.notes]
        lines.append("")
    return "\n".join(lines)


def _ms(values: Sequence[float | None]) -> list[float]:
    return [v * 1000 for v in values if v is not None]


def _with_ratios(rows: list[Row], reference: Row | None) -> None:
    base = reference.median if reference is not None else None
    for row in rows:
        if base and row.median is not None and row is not reference:
            row.ratio = row.median / base


# -- the measurements ------------------------------------------------------------------------------------------


def stream_sections(host: Host, setup: Setup, plan: Plan, seconds: float) -> list[Section]:
    """Sections 1, 2 (at the run's generation time) and 3, from one job per contender per round."""
    contenders = ("ours-sync", "ours-async", "official", "floor")
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    for r, contender in rounds(contenders, plan.stream_rounds):
        progress(f"text to file, ready, first audio: round {r + 1}/{plan.stream_rounds}, {contender}")
        result = run(setup.job("stream", contender))
        if result is not None:
            results[contender].append(result)

    def over(contender: str, key: str) -> list[float]:
        return _ms([res[key]["elapsed"] - seconds for res in results[contender] if key in res])

    first = Section(f"1. Text to a finished WAV on disk (REST): ms above the {seconds} s generation time", "/official")
    doc = {c: Row(f"{NAMES[c]}: generate_take + get_take_audio(file)", over(c, "doc"), "ms") for c in contenders}
    doc["floor"].label = "floor: httpx, poll every 10 ms, download"
    speak = {
        c: Row(f"{NAMES[c]}: speak(text, voice_id, file)", over(c, "speak"), "ms") for c in ("ours-sync", "ours-async")
    }
    stream_floor = Row("floor: httpx, download streamed while generated", over("floor", "speak"), "ms")
    for c in ("ours-sync", "ours-async"):
        doc[c].goal, doc[c].met = "<= 60 ms", _le(doc[c].median, 60)
        speak[c].goal, speak[c].met = "<= 30 ms", _le(speak[c].median, 30)
    first.rows = [doc["ours-sync"], doc["ours-async"], speak["ours-sync"], speak["ours-async"], doc["official"]]
    first.rows += [doc["floor"], stream_floor]
    _with_ratios(first.rows, doc["official"])
    first.notes.append(f"The floor of this section is the generation time itself ({seconds * 1000:.0f} ms = 0 here).")

    second = Section(
        f"2. Ready detection: ms from ready to generate_take(wait=True) returning, generation time {seconds} s",
        "/official",
    )
    status: dict[str, list[int]] = {}
    for c in contenders:
        late, counts = [], []
        for res in results[c]:
            ready = host.ready(res["doc"]["take_id"])
            if ready is not None:
                late.append(res["doc"]["returned"] - ready)
                counts.append(res["doc"]["status"])
        status[c] = counts
        row = Row(NAMES[c] + (", polling every 10 ms" if c == "floor" else ""), _ms(late), "ms")
        row.note = f"status requests per take: {_counts(counts)}"
        second.rows.append(row)
    official_status = statistics.median(status["official"]) if status["official"] else None
    for row, c in zip(second.rows, contenders, strict=True):
        if c.startswith("ours"):
            row.goal = "< 40 ms, status requests <= official's"
            fewer = official_status is not None and bool(status[c]) and statistics.median(status[c]) <= official_status
            row.met = _lt(row.median, 40) and fewer
    _with_ratios(second.rows, second.rows[2])

    third = Section("3. Time to the first audio byte after the emulator first has audio (ms)", "/official")
    for key, title, event, moment in (
        ("rest", "REST stream_take_audio", "rest_audio", "has"),
        ("ws_parts", "websocket, parts mode", "ws_audio", "sent"),
        ("ws_chunks", "websocket, chunks mode", "ws_audio", "sent"),
        ("llm", "stream_text, a model's tokens", "ws_audio", "sent"),
    ):
        rows = []
        for c in contenders:
            if key == "llm" and not c.startswith("ours"):
                continue  # the official SDK has no text streaming
            delays, sent = [], []
            for res in results[c]:
                if key not in res:
                    continue
                found = host.event(event, res[key]["take_id"])
                if found is not None and found.get(moment) is not None:
                    delays.append(res[key]["first"] - found[moment])
                    sent.append(res[key]["first"] - found["sent"])
            who = "floor: bare websocket-client" if c == "floor" and key != "rest" else NAMES[c]
            row = Row(f"{title}: {who}", _ms(delays), "ms")
            if key == "rest" and sent:
                row.note = f"after the storage sent it: median {statistics.median(sent) * 1000:.1f} ms"
            if key == "llm":
                since = [res[key]["first"] - res[key]["token"] for res in results[c] if key in res]
                if since:
                    row.note = f"from the sentence's last token: median {statistics.median(since) * 1000:.0f} ms"
            if c.startswith("ours"):
                row.goal, row.met = "<= 20 ms", _le(row.median, 20)
            rows.append(row)
        _with_ratios(rows, rows[2] if len(rows) > 2 else None)
        third.rows += rows
    third.notes.append(
        "REST: 'has' is when the emulator's first sentence became available; its storage origin looks every 10 ms,"
    )
    third.notes.append(
        "so up to 10 ms of every REST figure is the emulator's (see the floor). Websocket: the worker's send."
    )
    return [first, second, third]


def sweep_section(host: Host, setup: Setup, plan: Plan) -> Section:
    contenders = plan.sweep_contenders
    late: dict[str, dict[float, list[float]]] = {c: {s: [] for s in plan.sweep} for c in contenders}
    status: dict[str, dict[float, list[int]]] = {c: {s: [] for s in plan.sweep} for c in contenders}
    for r, contender in rounds(contenders, plan.sweep_rounds):
        progress(f"ready detection sweep: round {r + 1}/{plan.sweep_rounds}, {contender}")
        result = run(setup.job("sweep", contender, sweep=list(plan.sweep)), timeout=120 + 2 * max(plan.sweep))
        for take in (result or {}).get("takes", []):
            ready = host.ready(take["take_id"])
            if ready is not None:
                late[contender][take["seconds"]].append(take["returned"] - ready)
                status[contender][take["seconds"]].append(take["status"])
    times = ", ".join(f"{s:g}" for s in plan.sweep)
    section = Section(
        f"2b. Ready detection across generation times ({times} s; one take each, all at once): ms after ready",
        "/official",
    )

    def mean_requests(c: str) -> float | None:
        counts = [n for s in plan.sweep for n in status[c][s]]
        return statistics.mean(counts) if counts else None

    official = mean_requests("official") if "official" in contenders else None
    for c in contenders:
        values = [v for s in plan.sweep for v in late[c][s]]
        row = Row(NAMES[c] + (", polling every 10 ms" if c == "floor" else ""), _ms(values), "ms")
        mean = mean_requests(c)
        row.note = "status requests a take: " + ("none" if mean is None else f"{mean:.1f} on average")
        if c.startswith("ours"):
            row.goal = "< 40 ms at every time, status requests <= official's"
            medians = [statistics.median(late[c][s]) * 1000 for s in plan.sweep if late[c][s]]
            punctual = len(medians) == len(plan.sweep) and max(medians) < 40
            row.met = punctual and official is not None and mean is not None and mean <= official
        section.rows.append(row)
    official_row = next((row for row, c in zip(section.rows, contenders, strict=True) if c == "official"), None)
    _with_ratios(section.rows, official_row)
    # Each generation time on its own: median ms late and status requests a take, by contender.
    width = 16
    section.notes.append("By generation time: median ms late / median status requests a take")
    section.notes.append("  " + f"{'seconds':>8}" + "".join(f"{NAMES[c][:width]:>{width + 2}}" for c in contenders))
    for s in plan.sweep:
        cells = []
        for c in contenders:
            if late[c][s]:
                cells.append(f"{statistics.median(late[c][s]) * 1000:.0f} / {statistics.median(status[c][s]):g}")
            else:
                cells.append("-")
        section.notes.append("  " + f"{s:>8g}" + "".join(f"{cell:>{width + 2}}" for cell in cells))
    return section


def cpu_section(setup: Setup, plan: Plan) -> Section:
    contenders = ("ours-sync", "ours-async", "official", "official-async", "floor", "floor-async")
    cpu: dict[str, list[float]] = {c: [] for c in contenders}
    for r, contender in rounds(contenders, plan.cpu_rounds):
        progress(f"CPU per call: round {r + 1}/{plan.cpu_rounds}, {contender}")
        result = run(setup.job("cpu", contender, calls=plan.cpu_calls))
        if result is not None:
            cpu[contender].append(result["cpu"] * 1e6)
    section = Section(
        f"4. Client CPU per get_take call ({plan.cpu_calls} calls on loopback; process_time of the client)", "/floor"
    )
    rows = {c: Row(NAMES[c], cpu[c], "µs") for c in contenders}
    rows["floor"].label = "floor: bare httpx.Client, GET + json()"
    rows["floor-async"].label = "floor: bare httpx.AsyncClient, GET + json()"
    for c in contenders[:4]:
        floor = "floor-async" if c.endswith("async") else "floor"
        _with_ratios([rows[c]], rows[floor])
    for c, official in (("ours-sync", "official"), ("ours-async", "official-async")):
        rows[c].goal = f"<= {NAMES[official]}'s"
        rows[c].met = _le(rows[c].median, rows[official].median or 0.0)
    section.rows = list(rows.values())
    return section


MANY_NAMES = {
    "ours-sync": "ours sync: generate_takes, 16 download threads",
    "ours-async": "ours async: generate_takes, a task per download",
    "ours-sync-per-take": "ours sync: 16 threads, generate_take + download",
    "official-async": "official async: a task per take",
    "official-threads": "official sync: 16 threads, generate_take + download",
    "official-batch": "official sync: generate_takes, 16 download threads",
    "floor": "floor: bare httpx, one POST, list poll 10 ms",
}


def many_section(setup: Setup, plan: Plan) -> Section:
    contenders = plan.many_contenders
    elapsed: dict[str, list[float]] = {c: [] for c in contenders}
    requests: dict[str, list[dict[str, int]]] = {c: [] for c in contenders}
    for r, contender in rounds(contenders, plan.many_rounds):
        progress(f"{plan.many_takes} takes at once: round {r + 1}/{plan.many_rounds}, {contender}")
        result = run(setup.job("many", contender, n=plan.many_takes))
        delete_all_takes(setup.url, setup)
        if result is not None and result["files"] == plan.many_takes:
            elapsed[contender].append(result["elapsed"])
            requests[contender].append(result["requests"])
        elif result is not None:
            print(f"  ! {contender}: {result['files']} files of {plan.many_takes}", file=sys.stderr)
    section = Section(
        f"5. {plan.many_takes} takes generated, waited for and downloaded (generation time {TAKE_SECONDS} s)",
        "/official",
    )

    def total(c: str) -> float | None:
        return statistics.median(sum(r.values()) for r in requests[c]) if requests[c] else None

    officials = [c for c in contenders if c.startswith("official") and elapsed[c]]
    best_time = min((statistics.median(elapsed[c]) for c in officials), default=None)
    fewest = min((t for c in officials if (t := total(c)) is not None), default=None)
    rows = {}
    for c in contenders:
        row = Row(MANY_NAMES[c], elapsed[c], "s")
        if requests[c]:
            order = ("generate", "status", "audio url", "storage", "auth", "other api")
            kinds = {k: statistics.median(r.get(k, 0) for r in requests[c]) for k in order}
            detail = ", ".join(f"{v:.0f} {k}" for k, v in kinds.items() if v)
            row.note = f"HTTP requests: {total(c):.0f} ({detail})"
        if c in ("ours-sync", "ours-async"):
            row.goal = "fewer requests and less time than every official path"
            row.met = (
                row.median is not None
                and best_time is not None
                and fewest is not None
                and row.median < best_time
                and (total(c) or 0) < fewest
            )
        rows[c] = row
    section.rows = list(rows.values())
    _with_ratios(section.rows, rows.get("official-async"))
    section.notes.append("Ratios are to the official async path; the goal compares with the best official figure.")
    return section


FANOUT_SIZES = (64, 500, 1000)


def fanout_section(setup: Setup, rounds_: int, full: bool) -> Section:
    """Section 9: takes gathered at once on one AsyncClient (and threads sharing a Client, and the client before
    max_concurrency, in a full run); the emulator's takes are deleted between runs. A quick run: 64 and 500."""
    sizes = FANOUT_SIZES if full else FANOUT_SIZES[:2]
    variants: list[tuple[str, dict[str, Any]]] = [(f"{n} at once", {"n": n}) for n in sizes]
    if full:
        variants += [(f"sync: {n} threads sharing a Client", {"n": n, "flavour": "sync"}) for n in (64, 500)]
        variants.append(("500 at once, before max_concurrency (no limit)", {"n": 500, "before": True}))
    cpu: dict[str, list[float]] = {label: [] for label, _ in variants}
    wall: dict[str, list[float]] = {label: [] for label, _ in variants}
    most: dict[str, list[int]] = {label: [] for label, _ in variants}
    for r in range(rounds_):
        for label, extra in variants:
            progress(f"fan-out: round {r + 1}/{rounds_}, {label}")
            job = {**setup.job("fanout", "ours-async"), **extra}
            args = [sys.executable, str(HERE / "bench_fanout.py"), json.dumps(job)]
            try:
                done = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=600, cwd=HERE.parent)
            except subprocess.TimeoutExpired:
                print(f"  ! fan-out {label}: no answer within 600 s", file=sys.stderr)
                continue
            finally:
                delete_all_takes(setup.url, setup)
            if done.returncode != 0:
                print(f"  ! fan-out {label} failed:\n{done.stderr[-800:]}", file=sys.stderr)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            cpu[label].append(result["cpu_per_take"] * 1000)
            wall[label].append(result["wall"])
            most[label].append(result["most_open"])
    section = Section(
        "9. Fan-out: takes at once on one AsyncClient, a task each (generate_take(wait=True) + get_take_audio),"
        " client CPU a take",
        "/64",
    )
    rows = {label: Row(label, cpu[label], "ms") for label, _ in variants}
    for label, _ in variants:
        rows[label].note = f"wall {_number(statistics.median(wall[label])) if wall[label] else 'n/a'} s;" + (
            f" most requests open at once {_counts(most[label])}"
        )
    _with_ratios([row for label, row in rows.items() if not label.startswith("sync")], rows["64 at once"])
    sync_rows = [row for label, row in rows.items() if label.startswith("sync")]
    _with_ratios(sync_rows, sync_rows[0] if sync_rows else None)
    for label in [f"{n} at once" for n in sizes[1:]]:
        rows[label].goal = "<= 1.2x 64 at once"
        rows[label].met = rows[label].ratio is not None and rows[label].ratio <= 1.2
    section.rows = list(rows.values())
    section.notes.append(
        "The emulator (memoised synthesis, generation time 1.3 s) runs in its own process; the wall time is bound"
        " by it."
    )
    return section


AGENT_CONTENDERS = {
    "ours": "ours: AsyncWebsocket.stream_text",
    "pipecat": "Pipecat: DaisysTTSService",
    "livekit": "LiveKit: TTS.stream()",
}


def agent_sections(setup: Setup, plan: Plan) -> list[Section]:
    """Sections 7 and 8: each framework's service against our own stream_text, one fresh interpreter per round."""
    results: dict[str, list[dict[str, float]]] = {c: [] for c in AGENT_CONTENDERS}
    time.sleep(3 * TAKE_SECONDS)  # the takes made before (prepare, earlier sections) are generated by now
    for r, contender in rounds(tuple(AGENT_CONTENDERS), plan.agent_rounds):
        progress(f"agents round {r + 1}/{plan.agent_rounds}: {contender}")
        job = {**setup.job("agents", contender), "take_seconds": TAKE_SECONDS}
        args = [sys.executable, str(HERE / "bench_agents.py"), json.dumps(job)]
        done = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=300, cwd=HERE.parent)
        if done.returncode != 0:
            print(f"  ! agents {contender} failed:\n{done.stderr.strip()[-1500:]}", file=sys.stderr)
            continue
        results[contender].append(json.loads(done.stdout.strip().splitlines()[-1]))

    def values(contender: str, key: str) -> list[float]:
        return _ms([result.get(key) for result in results[contender]])

    first = Section("7. Agent frameworks: a sentence's last token to its first audio out, ms", "vs ours")
    reference = Row(AGENT_CONTENDERS["ours"], values("ours", "sentence"), "ms")
    first.rows.append(reference)
    for contender in ("pipecat", "livekit"):
        row = Row(AGENT_CONTENDERS[contender], values(contender, "sentence"), "ms", goal="<= ours + 5 ms")
        if row.median is not None and reference.median is not None:
            row.met = row.median <= reference.median + 5
            row.note = f"{row.median - reference.median:+.1f} ms against ours"
        first.rows.append(row)
    _with_ratios(first.rows, reference)
    first.notes.append(
        "Both sentence cutters need the token after a sentence's end: it follows at once, the rest at 10 ms a token."
        f" The emulator's own time to a take's first audio ({TAKE_SECONDS} s takes) is in every row."
    )

    second = Section("8. Agent frameworks: the next turn's first audio after an interruption, ms", "vs fresh")
    for contender, label in AGENT_CONTENDERS.items():
        fresh = Row(f"{label}: a fresh turn", values(contender, "fresh"), "ms")
        after = Row(f"{label}: right after an interruption", values(contender, "after_interrupt"), "ms")
        if contender != "ours":
            after.goal = "<= fresh + 50 ms"
        if after.median is not None and fresh.median is not None:
            after.ratio = after.median / fresh.median if fresh.median else None
            after.note = f"{after.median - fresh.median:+.0f} ms against a fresh turn"
            if contender != "ours":
                after.met = after.median <= fresh.median + 50
        second.rows += [fresh, after]
    closing = Row("LiveKit: aclose() in the middle of a stream", values("livekit", "aclose"), "ms", goal="<= 100 ms")
    closing.met = closing.median is not None and closing.median <= 100
    second.rows.append(closing)
    second.notes.append(
        "ours: stream_text left early keeps the connection, and its queued takes delay the next turn; the services"
        " move to a spare connection opened beforehand."
    )
    return [first, second]


def breakdown(setup: Setup, contender: str, calls: int) -> str:
    """Where ours' CPU per get_take goes: its layers added one at a time to bare httpx, and a cProfile by area."""
    progress(f"profiling {NAMES[contender]}: get_take")
    result = run(setup.job("breakdown", contender, calls=calls))
    if result is None:
        return f"profile of {NAMES[contender]}: failed"
    lines = [f"Where {NAMES[contender]}' CPU per get_take goes ({calls} calls a variant, least of 5 interleaved runs):"]
    floor = next(iter(result["cpu"].values()))
    for name, seconds in result["cpu"].items():
        lines.append(f"  {name:<58} {seconds * 1e6:6.0f} µs  ({(seconds - floor) * 1e6:+5.0f} µs vs the first)")
    lines.append(
        f"cProfile of get_take (CPU timer), own time per call by area: {result['profiled_per_call'] * 1e6:.0f} µs"
        " profiled in all (the profiler inflates small calls)"
    )
    lines += [f"  {area:<58} {t * 1e6:6.0f} µs" for area, t in result["areas"].items() if t * 1e6 >= 1]
    lines.append("Top functions by own time (µs own per get_take, calls per get_take, µs cumulative):")
    for own, ncalls, where, cum in result["top"]:
        lines.append(f"  {own * 1e6:6.1f} µs {ncalls:6.1f}x {cum * 1e6:7.1f} µs  {where}")
    return "\n".join(lines) + "\n"


def _le(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def _lt(value: float | None, limit: float) -> bool:
    return value is not None and value < limit


def _counts(values: Sequence[int]) -> str:
    if not values:
        return "n/a"
    low, high = min(values), max(values)
    return f"{statistics.median(values):g}" + (f" ({low} to {high})" if low != high else "")


# -- the emulator's own rate -----------------------------------------------------------------------------------


def _proc(pid: int) -> tuple[float, float]:
    """CPU seconds and resident MB of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
    return cpu, int(rss.split()[1]) / 1024


def emulator_section(takes: int) -> Section:
    """Takes of distinct texts generated (generation time 0), polled to ready and downloaded as WAV, 8 threads
    at a time, against `python -m daisys_ext.testing` in its own process: its CPU and memory."""
    args = [sys.executable, "-m", "daisys_ext.testing", "--take-seconds", "0"]
    launched = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=ENV)
    assert process.stdout is not None
    url = next(line for line in process.stdout if "http://" in line).split()[-1].rstrip("/")
    startup = time.perf_counter() - launched
    url = url[: url.index("/v1/")] if "/v1/" in url else url
    try:
        login = {"email": "user@example.com", "password": "pw"}
        token = httpx.post(f"{url}/auth/login", json=login).raise_for_status().json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{url}/v1/speak", headers=headers, timeout=60, follow_redirects=True) as api:
            voice = api.post("/voices/generate", json={"name": "Rate", "gender": "female", "model": "shakespeare"})
            voice_id = voice.raise_for_status().json()["voice_id"]

            def one(n: int) -> None:
                text = f"Line {n} of a long batch, one sentence of an ordinary length."
                take_id = api.post("/takes/generate", json={"voice_id": voice_id, "text": text}).json()["take_id"]
                while api.get(f"/takes/{take_id}").json()["status"] != "ready":
                    time.sleep(0.005)
                api.get(f"/takes/{take_id}/wav").raise_for_status()

            cpu0, _ = _proc(process.pid)
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(one, range(takes)))
            wall = time.perf_counter() - started
            cpu, rss = _proc(process.pid)
            latencies = []  # one client, keep-alive, one request at a time
            path = f"/takes/{api.get('/takes', params={'length': 1}).json()[0]['take_id']}"
            for _ in range(500):
                began = time.perf_counter()
                api.get(path).raise_for_status()
                latencies.append(time.perf_counter() - began)
    finally:
        process.terminate()
        process.wait(10)
    section = Section(f"6. The emulator: {takes} takes of distinct texts, generated, polled and downloaded", "")
    rate = Row("takes a second of the emulator's CPU (one core)", [takes / max(cpu - cpu0, 1e-9)], "/s")
    rate.goal, rate.met = ">= 100", rate.values[0] >= 100
    memory = Row("its resident memory at the end", [rss], "MB")
    memory.goal, memory.met = f"< 300 MB at 10,000 takes ({takes} here)", rss < 300
    section.rows = [
        rate,
        memory,
        Row("wall time a take, 8 threads (client and emulator on one machine)", [wall / takes * 1000], "ms"),
        Row("GET /takes/{id} alone, after them (500 in a row)", _ms(latencies), "ms"),
        Row("startup: `python -m daisys_ext.testing` to its URL", [startup * 1000], "ms"),
    ]
    return section


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, calls and takes: under a minute")
    parser.add_argument(
        "--only",
        choices=("emulator", "sweep", "cpu", "agents", "fanout"),
        help="run one section alone: the emulator's rate, 2b's sweep, 4's CPU per call (and where it goes), "
        "the agent frameworks' 7 and 8, or 9's fan-out",
    )
    parser.add_argument("--rounds", type=int, help="rounds of sections 1 to 3, 7 and 8 (default 7 and 5, quick 2)")
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end with a profile of ours' get_take, both flavours (default: in the full run only)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rounds:
        plan.stream_rounds = plan.agent_rounds = args.rounds
    if args.profile is not None:
        plan.profile = args.profile
    command = "make bench" + (" BENCH_ARGS=--quick" if args.quick else "")
    header = (
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.system()}"
        f" {platform.machine()}, {os.cpu_count()} cores; {'quick' if args.quick else 'full'} run: {command}"
    )
    print(header, file=sys.stderr, flush=True)
    started = time.perf_counter()
    profiles = []
    host = Host(TAKE_SECONDS)
    try:
        setup = prepare(host)
        if args.only in ("emulator", "agents", "fanout"):
            sections = []
        elif args.only == "sweep":
            sections = [sweep_section(host, setup, plan)]
        elif args.only == "cpu":
            sections = [cpu_section(setup, plan)]
            plan.profile = args.profile is not False
        else:
            sections = stream_sections(host, setup, plan, TAKE_SECONDS)
            sections.insert(2, sweep_section(host, setup, plan))
            cpu = cpu_section(setup, plan)
            sections += [cpu, many_section(setup, plan)]
        if args.only in (None, "emulator"):
            progress("the emulator's own rate")
            sections.append(emulator_section(plan.emulator_takes))
        if args.only in (None, "agents"):
            sections += agent_sections(setup, plan)
        if args.only in (None, "fanout"):
            sections.append(fanout_section(setup, 1 if args.quick else 2, full=not args.quick or args.only == "fanout"))
        if plan.profile and args.only in (None, "cpu"):
            profiles = [
                breakdown(setup, contender, min(plan.cpu_calls, 500)) for contender in ("ours-sync", "ours-async")
            ]
    finally:
        host.close()
    print(f"\n{header}")
    print(f"{time.perf_counter() - started:.0f} s in all; each contender in a fresh interpreter per round\n")
    print(render(sections))
    for profile in profiles:
        print(profile)


if __name__ == "__main__":
    main()
