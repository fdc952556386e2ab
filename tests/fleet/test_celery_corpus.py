"""The Celery recipe (examples/celery_corpus) end to end: 2 real `celery worker` processes, Redis as the broker and
the token store, 200 sentences; a pool process SIGKILLed while it waits for a take has its task delivered again
and finished by another, which downloads the take already recorded instead of making a second one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fleet import logins

from daisys_ext import Client
from daisys_ext.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = 200
PREFIX = "corpus-test"


@pytest.fixture
def workers(emu: Emulator, redis_url: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CORPUS_REDIS_URL": redis_url,
        "CORPUS_PREFIX": PREFIX,
        "DAISYS_API_URL": emu.api_url,
        "DAISYS_AUTH_URL": emu.api_url,
        "DAISYS_EMAIL": emu.email,
        "DAISYS_PASSWORD": emu.password,
    }
    env.pop("DAISYS_LOG", None)
    celery = [sys.executable, "-m", "celery", "-A", "examples.celery_corpus.tasks", "worker", "--pool=prefork"]
    quiet = ["--concurrency=4", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=ERROR"]
    started = [
        subprocess.Popen([*celery, *quiet, "-n", f"w{n}@%h"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for n in (1, 2)
    ]
    try:
        yield started
    finally:
        for worker in started:
            worker.terminate()
        for worker in started:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def kill_one_waiting(connection: object, out: Path, deadline: float) -> str:
    """SIGKILL a pool process that recorded its take and waits for it; the sentence it had. Frozen first
    (SIGSTOP) and checked again, so that it is surely past recording its take and not yet done."""
    while time.monotonic() < deadline:
        for key, pid in connection.hgetall(f"{PREFIX}:working").items():  # type: ignore[attr-defined]
            pid = int(pid)
            os.kill(pid, signal.SIGSTOP)
            still = connection.hget(f"{PREFIX}:working", key)  # type: ignore[attr-defined]
            if still is not None and int(still) == pid and not (out / f"{key.decode()}.wav").exists():
                os.kill(pid, signal.SIGKILL)
                return str(key.decode())
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.01)
    raise AssertionError("no task was seen waiting for its take")


@pytest.mark.timeout(120)
def test_a_corpus_renders_on_celery_and_survives_a_killed_worker(
    emu: Emulator,
    redis_url: str,
    workers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    monkeypatch.setenv("CORPUS_REDIS_URL", redis_url)  # before the recipe is imported here: it queues on this Redis
    from examples.celery_corpus import tasks

    monkeypatch.setattr(tasks.app.conf, "broker_url", redis_url)
    emu.take_seconds = 0.1
    with Client(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url) as setup:
        voice_id = setup.generate_voice("Narrator", "shakespeare", "female").voice_id
    generated_before = len(emu.requests_to("api", "/v1/speak/takes/generate"))
    logins_before = logins(emu)
    out = tmp_path / "out"
    sentences = [f"Sentence number {n} of the corpus." for n in range(1, SENTENCES + 1)]
    assert tasks.render_corpus(sentences, voice_id, out) == SENTENCES

    connection = redis.Redis.from_url(redis_url)
    killed = kill_one_waiting(connection, out, time.monotonic() + 60)
    deadline = time.monotonic() + 90
    while len(list(out.glob("*.wav"))) < SENTENCES and time.monotonic() < deadline:
        time.sleep(0.1)

    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"{n:06d}.wav" for n in range(1, SENTENCES + 1)]  # nothing half-written
    for file in files:
        with wave.open(str(file)) as audio:
            assert audio.getnframes() > 0 and file.stat().st_size == 44 + audio.getnframes() * audio.getsampwidth()
    assert (out / f"{killed}.wav").exists()  # the killed task, delivered again and finished
    generated = len(emu.requests_to("api", "/v1/speak/takes/generate")) - generated_before
    assert generated == SENTENCES  # no second take, not even for the sentence whose worker was killed
    assert connection.hlen(f"{PREFIX}:takes") == SENTENCES
    assert logins(emu) - logins_before == 1  # 8 pool processes, one login through the Redis token store
    names = connection.keys("*")
    assert b"corpus-test:daisys-tokens" in names
    assert not any(b"token" in name and name != b"corpus-test:daisys-tokens" for name in names)
