"""Soak: one shared Client (8 threads) and one shared AsyncClient (8 tasks) against a faulty emulator, for SOAK_S s.

Each worker loops: list takes, generate a take and wait for it, download its audio to a file and read the WAV
back whole, delete the take. One websocket session per client streams takes (`ws.speak`) in a loop beside them.
The emulator runs in a process of its own (this script, run with `--emulator`: the knobs of
`python -m daisys_ext.testing`, plus a control channel on stdin: `set NAME JSON` changes a knob while it runs,
`report` prints what its request log says as one JSON line), with access tokens living 2 s and single-use refresh
tokens (--rotate-refresh-tokens), 20 % of product
requests failing (503 in the first half, 429 with Retry-After in the second), a few ms of latency, websocket
frames shuffled and a connection drop after every websocket request.

Prints figures, never asserts timings; the last line is JSON. Exits non-zero only on what must never happen: an
incomplete WAV file, an Authorization header sent to storage.

Run: SOAK_S=60 .venv/bin/python scripts/soak.py   (or: make soak)
Fleet mode: FLEET=16 (make soak FLEET=16) runs scripts/soak_fleet.py instead: processes sharing one login.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import gc
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import wave
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

WORKERS = 8  # threads on the shared Client, and tasks on the shared AsyncClient
CLIENTS = 2
MAX_RETRIES = 2  # the clients' default
FAIL_RATE = 0.2
EMULATOR_KNOBS = [
    "--token-ttl", "2",
    "--fail-rate", str(FAIL_RATE),
    "--fail-status", "503",
    "--retry-after", "1",
    "--latency", "0.003",
    "--take-seconds", "0.5",
    "--ws-shuffle-window", "4",
    "--ws-drop-after", "1",
    "--seed", "7",
    "--rotate-refresh-tokens",
]  # fmt: skip
SECOND_HALF = {"fail_status": 429}  # Retry-After (--retry-after) goes with every fault, 503 or 429
RETRYABLE = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
SAMPLES = 3  # messages kept per failure category and type
MB = 1024 * 1024

T = TypeVar("T")


# -- the emulator's process ----------------------------------------------------------------------------------------


def _bearer(headers: Any) -> str | None:
    value = headers.get("Authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else value


def _route(method: str, path: str) -> str:
    """`GET /v1/speak/takes/{id}/wav` rather than the take's id: one line per route."""
    path = re.sub(r"^/v1/speak", "", path)
    path = re.sub(r"/(takes|voices)/(?!generate$)[^/]+", r"/\1/{id}", path)
    path = re.sub(r"/websocket/[^/]+$", "/websocket/{model}", path)
    return f"{method} {path}"


def analyse(requests: Sequence[Any], server_errors: int) -> dict[str, Any]:
    """What the emulator's request log says about the clients: auth, faults, what reached storage and the worker."""
    api = [r for r in requests if r.origin == "api"]
    product = [r for r in api if r.path.startswith("/v1/speak")]

    def auth(path: str) -> list[Any]:
        return [r for r in api if r.method == "POST" and r.path == path]

    logins, refreshes, logouts = auth("/auth/login"), auth("/auth/refresh"), auth("/auth/logout")
    # An expiry as the clients met it: an access token the API refused (401) after having issued it.
    first_refusal: dict[str, float] = {}
    refused_401 = 0
    for r in product:
        token = _bearer(r.headers)
        if r.status == 401 and token:
            refused_401 += 1
            first_refusal.setdefault(token, r.time)
    per_stale = Counter(_bearer(r.headers) for r in refreshes)
    premature = sum(n for token, n in per_stale.items() if token is None or token not in first_refusal)
    premature_timing = sum(
        1 for r in refreshes if (t := _bearer(r.headers)) in first_refusal and r.time < first_refusal[t]
    )
    faults: Counter[str] = Counter()
    for r in product:
        if r.status in RETRYABLE:
            faults[f"{_route(r.method, r.path)} -> {r.status}"] += 1
    storage = [r for r in requests if r.origin == "storage"]
    worker = [r for r in requests if r.origin == "worker"]
    bearers = {token for r in api if (token := _bearer(r.headers))}
    worker_tokens = {r.params.get("token", [""])[-1] for r in worker}
    return {
        "api_requests": len(api),
        "by_route": dict(Counter(f"{_route(r.method, r.path)} -> {r.status}" for r in api).most_common()),
        "faults": dict(faults.most_common()),
        "faults_by_method": dict(Counter(r.method for r in product if r.status in RETRYABLE)),
        "logins": len(logins),
        "login_statuses": dict(Counter(str(r.status) for r in logins)),
        "refreshes": len(refreshes),
        "refresh_statuses": dict(Counter(str(r.status) for r in refreshes)),
        "logouts": len(logouts),
        "expiries": len(first_refusal),
        "refused_401": refused_401,
        "max_refreshes_per_expiry": max(per_stale.values(), default=0),
        "refreshes_without_expiry": premature,
        "refreshes_before_expiry": premature_timing,
        "storage_requests": len(storage),
        "storage_statuses": dict(Counter(str(r.status) for r in storage)),
        "storage_authorization": sum(1 for r in storage if "Authorization" in r.headers),
        "worker_handshakes": len(worker),
        "worker_authorization": sum(1 for r in worker if "Authorization" in r.headers),
        "worker_urls_with_access_token": len(worker_tokens & bearers),
        "server_errors": server_errors,
    }


def _knob_value(text: str) -> Any:
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def serve_emulator(argv: Sequence[str]) -> int:
    """The emulator with `python -m daisys_ext.testing`'s command line, controlled through stdin."""
    from daisys_ext.testing import Emulator
    from daisys_ext.testing.__main__ import parse_args

    args = vars(parse_args(argv))
    accepted = inspect.signature(Emulator).parameters
    with Emulator(**{name: value for name, value in args.items() if name in accepted}) as emulator:
        print(f"Daisys emulator API:     {emulator.api_url}", flush=True)
        for line in sys.stdin:
            command, *rest = line.split(maxsplit=2) or [""]
            if command == "set" and len(rest) == 2:
                setattr(emulator.options, rest[0], _knob_value(rest[1]))
                print("ok", flush=True)
            elif command == "report":
                print(json.dumps(analyse(emulator.requests, len(emulator.server_errors))), flush=True)
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
    return 0


class EmulatorProcess:
    """The emulator in a process of its own, so that only the clients' memory is measured here."""

    def __init__(self, knobs: Sequence[str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--emulator", *knobs], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._lock = threading.Lock()
        line = self._read()
        if not line.startswith("Daisys emulator API:"):
            self.close()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.split()[-1]

    def _read(self) -> str:
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def _ask(self, line: str) -> str:
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()
            return self._read()

    def set(self, name: str, value: Any) -> None:
        answer = self._ask(f"set {name} {json.dumps(value)}")
        if answer != "ok":
            raise RuntimeError(f"the emulator refused {name}={value!r}: {answer}")

    def report(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self._ask("report"))
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()  # end of commands: the emulator stops
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait()


# -- what each operation went through: the client's own log, per thread or task -------------------------------------


@dataclasses.dataclass
class Trace:
    """The HTTP answers of one operation as the client's log tells them: (method, url, status, retries before it)."""

    retries: int = 0  # the retry the attempt being answered is (0: the first attempt)
    next_retry: int = 0  # the retry the client announced for the next attempt
    answers: list[tuple[str, str, int, int]] = dataclasses.field(default_factory=list)


CURRENT: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("soak_trace", default=None)
WHO: contextvars.ContextVar[str] = contextvars.ContextVar("soak_who", default="setup")  # thread or task name
_RETRYING = re.compile(r"^retrying (\S+) (\S+) after .+ \(retry (\d+)\)$")
_ATTEMPT = re.compile(r"^([A-Z]+) (\S+)$")
_ANSWERED = re.compile(r"^([A-Z]+) (\S+) -> (\d+)$")


class TraceHandler(logging.Handler):
    """Reads the `daisys_ext` log into the current operation's Trace: each attempt and its answer at DEBUG, and
    between an answer and the next attempt the retry announced at INFO (``retrying ... (retry N)``).

    Records are handled in the thread or task that logs them, so a context variable says whose they are.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.warnings: Counter[str] = Counter()
        self.retries = 0  # every retry the client logged, in an operation or not
        self.background_exhausted = 0  # a session's reconnection that ran out of retries (logged, not raised)
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            with self._lock:
                self.warnings[re.sub(r"\d+", "N", message)[:120]] += 1
                if message.startswith("reconnecting failed") and re.search(r"answered (429|502|503|504)", message):
                    self.background_exhausted += 1
        announced = _RETRYING.match(message)
        if announced:
            with self._lock:
                self.retries += 1
        trace = CURRENT.get()
        if trace is None:
            return
        if announced:
            trace.next_retry = int(announced[3])
        elif _ATTEMPT.match(message):
            trace.retries, trace.next_retry = trace.next_retry, 0
        elif match := _ANSWERED.match(message):
            trace.answers.append((match[1], match[2], int(match[3]), trace.retries))
            del trace.answers[:-50]


# -- figures ---------------------------------------------------------------------------------------------------------


ABSORBABLE_OR_UNEXPECTED = ("NOT ABSORBED", "unexpected")
KNOWN_BUG = "auth: 401 after every renewal"


def max_renewals() -> int:
    """How many times the client's auth flow renews a token for one request (1 before it had a bound of its own)."""
    from daisys_ext._sync import auth

    return int(getattr(auth, "MAX_RENEWALS", 1))


def refusals_in_a_row(trace: Trace) -> int:
    """How many times the operation's last request was answered 401 in a row (the auth service's requests aside)."""
    answers = [a for a in trace.answers if "/auth/" not in a[1]]
    if not answers or answers[-1][2] != 401:
        return 0
    method, url = answers[-1][:2]
    count = 0
    for answer in reversed(answers):
        if answer[:3] != (method, url, 401):
            break
        count += 1
    return count


def is_unexpected(category: str) -> bool:
    return any(tag in category for tag in ABSORBABLE_OR_UNEXPECTED)


def classify(exc: BaseException, trace: Trace) -> str:
    """Why an operation failed, as far as retries are concerned.

    "post not retried": a generate POST answered 429/503, never repeated by design. "retries exhausted": a GET or
    DELETE that met a fault on every one of its 1 + max_retries attempts. "NOT ABSORBED": a fault the retries should
    have absorbed and did not. KNOWN_BUG: a request refused (401) 1 + max_renewals() times in a row although every
    renewal succeeded: each token it was given expired before it was sent with it, during Retry-After sleeps of the
    retry transport (which re-sends with the token it was handed), a client limitation reported rather than fixed.
    A request given up after fewer refusals is "unexpected", as is anything else.
    """
    from daisys_ext import (
        DaisysAuthenticationError,
        DaisysConnectionError,
        DaisysHTTPError,
        DaisysTimeoutError,
        DaisysWebsocketConnectError,
    )

    if isinstance(exc, DaisysWebsocketConnectError) and exc.__cause__ is not None:
        return "ws connect: " + classify(exc.__cause__, trace)
    if isinstance(exc, DaisysAuthenticationError) and exc.request.url.path.startswith("/v1/"):
        if refusals_in_a_row(trace) > max_renewals():  # refused, renewed (here or by another caller), ... refused
            return KNOWN_BUG
        return f"unexpected (refused {refusals_in_a_row(trace)} times in a row)"
    if isinstance(exc, DaisysHTTPError) and exc.status_code in RETRYABLE:
        method = exc.request.method
        if method not in IDEMPOTENT:
            return "post not retried"
        tried = [a for a in trace.answers if a[0] == method and a[2] == exc.status_code]
        if tried and tried[-1][3] >= MAX_RETRIES:
            return "retries exhausted"
        return f"NOT ABSORBED ({tried[-1][3] if tried else '?'} of {MAX_RETRIES} retries)"
    if isinstance(exc, DaisysConnectionError | DaisysTimeoutError) and f"after {MAX_RETRIES + 1} attempts" in str(exc):
        return "retries exhausted"
    return "unexpected"


def verify_wav(path: Path) -> str | None:
    """None when the stdlib `wave` reads the file whole (frames > 0, all the data there), else what is wrong."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            expected = frames * wav.getsampwidth() * wav.getnchannels()
            data = wav.readframes(frames)
    except (wave.Error, EOFError, OSError) as exc:
        return f"unreadable: {type(exc).__name__}: {exc}"
    if frames <= 0:
        return "no frames"
    if len(data) != expected:
        return f"data incomplete: {len(data)} of {expected} bytes"
    return None


def rss() -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), MB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount, _ = line.split()
                values[name] = int(amount) / 1024
    return values.get("VmRSS:", 0.0), values.get("VmHWM:", 0.0)


class Stats:
    """Thread-safe counters of the run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.failures: Counter[tuple[str, str, str]] = Counter()  # (kind, category, error type)
        self.samples: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        self.wav_checked = 0
        self.wav_incomplete: list[str] = []

    def ok(self, kind: str) -> None:
        with self._lock:
            self.done[kind] += 1

    def fail(self, kind: str, exc: BaseException, trace: Trace) -> None:
        category = classify(exc, trace)
        name = type(exc).__name__
        with self._lock:
            self.failed[kind] += 1
            self.failures[(kind, category, name)] += 1
            samples = self.samples[(category, name)]
            if len(samples) < SAMPLES:
                sample = f"[{kind}, {WHO.get()}] {str(exc)[:300]}"
                if is_unexpected(category) or KNOWN_BUG in category:  # what led to it: the operation's last answers
                    sample += "".join(f"\n      {m} {u} -> {s} after {r} retries" for m, u, s, r in trace.answers[-6:])
                samples.append(sample)

    def wav(self, path: Path, what: str) -> bool:
        problem = verify_wav(path)
        with self._lock:
            self.wav_checked += 1
            if problem is not None:
                self.wav_incomplete.append(f"{what}: {problem}")
        return problem is None

    def known_bug(self) -> int:
        return sum(n for (_, category, _), n in self.failures.items() if KNOWN_BUG in category)

    def unexpected(self) -> int:
        return sum(n for (_, category, _), n in self.failures.items() if is_unexpected(category))

    def legitimate(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (_, category, _), n in self.failures.items():
            if not is_unexpected(category) and KNOWN_BUG not in category:
                counts[category] += n
        return dict(counts)


class Memory:
    """Samples RSS (and, with SOAK_TRACEMALLOC=1, traced memory) and keeps the peak of each quarter of the run."""

    def __init__(self, start: float, duration: float) -> None:
        self.start, self.duration = start, duration
        self.rss_peak = [0.0] * 4
        self.hwm = [0.0] * 4
        self.traced_peak = [0.0] * 4
        self.first: tracemalloc.Snapshot | None = None  # at the end of the first quarter, with SOAK_TRACEMALLOC=1
        self.growth_lines: list[str] = []  # what grew most since then
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-memory", daemon=True)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        quarter = min(3, int(4 * (time.monotonic() - self.start) / self.duration))
        now, peak = rss()
        self.rss_peak[quarter] = max(self.rss_peak[quarter], now)
        self.hwm[quarter] = peak
        if tracemalloc.is_tracing():
            self.traced_peak[quarter] = max(self.traced_peak[quarter], tracemalloc.get_traced_memory()[1] / MB)
            tracemalloc.reset_peak()
            if quarter >= 1 and self.first is None:
                gc.collect()  # what is still held, not what awaits collection
                self.first = tracemalloc.take_snapshot()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()
        self._sample()
        if self.first is not None:  # the clients are still open: what they hold is still there
            gc.collect()
            grown = tracemalloc.take_snapshot().compare_to(self.first, "lineno")
            self.growth_lines = [str(stat) for stat in grown[:8]]

    def growth(self) -> float:
        """Peak RSS of the last quarter minus that of the first (warm-up included in the first)."""
        return self.rss_peak[3] - self.rss_peak[0]


# -- the workers -----------------------------------------------------------------------------------------------------


def run(stats: Stats, kind: str, call: Callable[[], T]) -> T | None:
    trace = Trace()
    token = CURRENT.set(trace)
    try:
        result = call()
    except Exception as exc:
        stats.fail(kind, exc, trace)
        return None
    finally:
        CURRENT.reset(token)
    stats.ok(kind)
    return result


async def arun(stats: Stats, kind: str, call: Callable[[], Awaitable[T]]) -> T | None:
    trace = Trace()
    token = CURRENT.set(trace)  # a task runs in a copy of the context: this is its own
    try:
        result = await call()
    except Exception as exc:
        stats.fail(kind, exc, trace)
        return None
    finally:
        CURRENT.reset(token)
    stats.ok(kind)
    return result


def text_for(name: str, n: int) -> str:
    return f"Soak {name} number {n}. A second sentence, to have two parts."


def sync_worker(client: Any, voice_id: str, folder: Path, name: str, end: float, stats: Stats) -> None:
    WHO.set(f"Client {name}")
    path = folder / f"{name}.wav"
    n = 0
    while time.monotonic() < end:
        n += 1
        run(stats, "list", partial(client.get_takes, length=20))
        take = run(stats, "generate", partial(client.generate_take, voice_id, text_for(name, n)))
        if take is None:
            continue
        if run(stats, "download", partial(client.get_take_audio, take.take_id, file=path)) is not None:
            stats.wav(path, f"{name} take {take.take_id}")
        run(stats, "delete", partial(client.delete_take, take.take_id))


async def async_worker(client: Any, voice_id: str, folder: Path, name: str, end: float, stats: Stats) -> None:
    WHO.set(f"AsyncClient {name}")  # a task's own copy of the context
    path = folder / f"{name}.wav"
    n = 0
    while time.monotonic() < end:
        n += 1
        await arun(stats, "list", partial(client.get_takes, length=20))
        take = await arun(stats, "generate", partial(client.generate_take, voice_id, text_for(name, n)))
        if take is None:
            continue
        if await arun(stats, "download", partial(client.get_take_audio, take.take_id, file=path)) is not None:
            stats.wav(path, f"{name} take {take.take_id}")
        await arun(stats, "delete", partial(client.delete_take, take.take_id))


def sync_streamer(client: Any, voice_id: str, folder: Path, end: float, stats: Stats) -> None:
    WHO.set("Client websocket")
    path = folder / "ws-sync.wav"
    n = 0
    while time.monotonic() < end:
        session = client.websocket(voice_id=voice_id)
        if run(stats, "ws_open", session.__enter__) is None:
            time.sleep(0.1)
            continue
        try:
            while time.monotonic() < end:
                n += 1
                take = run(stats, "ws_speak", partial(session.speak, text_for("ws-sync", n), path))
                if take is not None:
                    stats.wav(path, f"ws-sync take {take.take_id}")
                    run(stats, "delete", partial(client.delete_take, take.take_id))
        finally:
            run(stats, "ws_close", partial(session.__exit__, None, None, None))


async def async_streamer(client: Any, voice_id: str, folder: Path, end: float, stats: Stats) -> None:
    WHO.set("AsyncClient websocket")
    path = folder / "ws-async.wav"
    n = 0
    while time.monotonic() < end:
        session = client.websocket(voice_id=voice_id)
        if await arun(stats, "ws_open", session.__aenter__) is None:
            await asyncio.sleep(0.1)
            continue
        try:
            while time.monotonic() < end:
                n += 1
                take = await arun(stats, "ws_speak", partial(session.speak, text_for("ws-async", n), path))
                if take is not None:
                    stats.wav(path, f"ws-async take {take.take_id}")
                    await arun(stats, "delete", partial(client.delete_take, take.take_id))
        finally:
            await arun(stats, "ws_close", partial(session.__aexit__, None, None, None))


async def async_side(url: str, voice_id: str, folder: Path, end: float, stats: Stats) -> None:
    from daisys_ext import AsyncClient

    async with AsyncClient("user@example.com", "pw", daisys_url=url, auth_url=url) as client:
        await asyncio.gather(
            *(async_worker(client, voice_id, folder, f"task{i}", end, stats) for i in range(WORKERS)),
            async_streamer(client, voice_id, folder, end, stats),
        )


def make_voice(client: Any) -> str:
    for _ in range(10):  # the voice's POST may meet a fault too
        with contextlib.suppress(Exception):
            return str(client.generate_voice(name="Soak", gender="female", model="shakespeare").voice_id)
    raise RuntimeError("no voice after 10 attempts")


# -- the run ---------------------------------------------------------------------------------------------------------


def soak(duration: float) -> dict[str, Any]:
    from daisys_ext import Client, redact_logs

    if os.environ.get("SOAK_TRACEMALLOC") == "1":
        tracemalloc.start()
    redact_logs()  # now, so that DAISYS_LOG, which it applies, cannot lower the level set below
    handler = TraceHandler()
    package_log = logging.getLogger("daisys_ext")
    package_log.addHandler(handler)
    package_log.setLevel(logging.DEBUG)  # each final answer is logged at DEBUG: the traces need them
    stats = Stats()
    began = time.monotonic()
    emulator = EmulatorProcess(EMULATOR_KNOBS)
    print(f"emulator {emulator.url} (own process): {' '.join(EMULATOR_KNOBS)}; second half: {SECOND_HALF}")
    try:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            folder = Path(tmp)
            client = Client("user@example.com", "pw", daisys_url=emulator.url, auth_url=emulator.url)
            emulator.set("fail_rate", 0.0)  # the voice the run uses is made without faults, and so quickly
            voice_id = make_voice(client)
            emulator.set("fail_rate", FAIL_RATE)
            start = time.monotonic()
            print(f"setup: emulator up and a voice made in {start - began:.1f} s")
            end = start + duration
            with Memory(start, duration) as memory:
                threads = [
                    threading.Thread(
                        target=sync_worker, args=(client, voice_id, folder, f"thread{i}", end, stats), daemon=True
                    )
                    for i in range(WORKERS)
                ]
                threads.append(
                    threading.Thread(target=sync_streamer, args=(client, voice_id, folder, end, stats), daemon=True)
                )
                threads.append(
                    threading.Thread(
                        target=asyncio.run, args=(async_side(emulator.url, voice_id, folder, end, stats),), daemon=True
                    )
                )
                for thread in threads:
                    thread.start()
                time.sleep(max(0.0, start + duration / 2 - time.monotonic()))
                for name, value in SECOND_HALF.items():
                    emulator.set(name, value)
                for thread in threads:
                    thread.join()
                tail = time.monotonic() - end
            client.close()
        server = emulator.report()
    finally:
        emulator.close()
        package_log.removeHandler(handler)
    print(f"closing: clients, report and emulator in {time.monotonic() - end - tail:.1f} s")
    return summary(duration, tail, stats, memory, server, handler)


def summary(
    duration: float, tail: float, stats: Stats, memory: Memory, server: dict[str, Any], handler: TraceHandler
) -> dict[str, Any]:
    print(f"\nsoak of {duration:.0f} s (+{tail:.1f} s to finish the operations in flight), {CLIENTS} clients")
    print("\noperations        done   failed")
    for kind in sorted(set(stats.done) | set(stats.failed)):
        print(f"  {kind:<14} {stats.done[kind]:>6} {stats.failed[kind]:>8}")
    print("\nfailures by kind, category and error type")
    for (kind, category, name), n in sorted(stats.failures.items()):
        print(f"  {kind:<10} {category:<40} {name:<28} {n:>5}")
    if not stats.failures:
        print("  none")
    print("\nsample messages")
    for (category, name), messages in sorted(stats.samples.items()):
        for message in messages:
            print(f"  {category} / {name}: {message}")
    idempotent_faults = sum(n for method, n in server["faults_by_method"].items() if method in IDEMPOTENT)
    exhausted = sum(n for (_, category, _), n in stats.failures.items() if category.endswith("retries exhausted"))
    exhausted += handler.background_exhausted
    verdict = "every one retried" if handler.retries == idempotent_faults - exhausted else "they differ"
    print(
        f"\nretries the clients logged: {handler.retries}; faults answered to GET/DELETE {idempotent_faults}, "
        f"minus the {exhausted} last attempts of exhausted retries: {idempotent_faults - exhausted} ({verdict})"
    )
    print("server faults answered (emulator's log):")
    for route, n in server["faults"].items():
        print(f"  {route:<40} {n:>5}")
    print(
        f"\nauth: logins {server['logins']} (goal {CLIENTS}: one per client), refreshes {server['refreshes']} for "
        f"{server['expiries']} token expiries met (goal: at most one each; max per expired token "
        f"{server['max_refreshes_per_expiry']}, refreshes of a token never refused {server['refreshes_without_expiry']}"
        f"), refresh answers {server['refresh_statuses']}, 401s {server['refused_401']}, logouts {server['logouts']}"
    )
    print(
        f"storage: {server['storage_requests']} requests, Authorization headers {server['storage_authorization']} "
        f"(goal 0); worker: {server['worker_handshakes']} handshakes, Authorization headers "
        f"{server['worker_authorization']}, URLs carrying an access token {server['worker_urls_with_access_token']}"
    )
    print(f"WAV files: {stats.wav_checked} read whole, {len(stats.wav_incomplete)} incomplete (goal 0)")
    for problem in stats.wav_incomplete[:SAMPLES]:
        print(f"  {problem}")
    quarters = ", ".join(f"{p:.1f}" for p in memory.rss_peak)
    print(f"memory: peak RSS per quarter {quarters} MB; growth {memory.growth():+.1f} MB (goal < 20 MB, not asserted)")
    if any(memory.traced_peak):
        print(f"        peak traced memory per quarter {', '.join(f'{p:.1f}' for p in memory.traced_peak)} MB")
        print("        grown most since the first quarter:")
        for line in memory.growth_lines:
            print(f"          {line}")
    if handler.warnings:
        print("client warnings logged:")
        for message, n in handler.warnings.most_common(5):
            print(f"  {n:>4} x {message}")
    if server["server_errors"]:
        print(f"emulator internal errors: {server['server_errors']}")
    correctness = len(stats.wav_incomplete) + server["storage_authorization"]
    return {
        "soak_s": duration,
        "tail_s": round(tail, 2),
        "clients": CLIENTS,
        "done": dict(stats.done),
        "failed": dict(stats.failed),
        "failures_unexpected": stats.unexpected(),
        "failures_legitimate": stats.legitimate(),
        "failures_known_bug": stats.known_bug(),
        "failure_types": sorted({f"{c}: {n}" for (_, c, n) in stats.failures}),
        "retries_logged": handler.retries,
        "idempotent_faults": idempotent_faults,
        "logins": server["logins"],
        "refreshes": server["refreshes"],
        "expiries": server["expiries"],
        "max_refreshes_per_expiry": server["max_refreshes_per_expiry"],
        "refreshes_without_expiry": server["refreshes_without_expiry"],
        "refresh_statuses": server["refresh_statuses"],
        "storage_requests": server["storage_requests"],
        "storage_authorization": server["storage_authorization"],
        "worker_authorization": server["worker_authorization"],
        "worker_urls_with_access_token": server["worker_urls_with_access_token"],
        "wav_checked": stats.wav_checked,
        "wav_incomplete": len(stats.wav_incomplete),
        "rss_peak_mb": [round(p, 1) for p in memory.rss_peak],
        "rss_growth_mb": round(memory.growth(), 1),
        "client_warnings": sum(handler.warnings.values()),
        "server_errors": server["server_errors"],
        "correctness_failures": correctness,
    }


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--emulator"]:
        return serve_emulator(argv[1:])
    if os.environ.get("FLEET"):  # make soak FLEET=16: many processes sharing one login (scripts/soak_fleet.py)
        import soak_fleet

        return soak_fleet.main(argv)
    result = soak(float(os.environ.get("SOAK_S", "60")))
    print(json.dumps(result, sort_keys=True), flush=True)
    return 1 if result["correctness_failures"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
