"""The Celery application: one task a sentence, each sentence's take made once, its WAV written whole.

Configuration from the environment: ``CORPUS_REDIS_URL`` (the broker and the token store, default
``redis://127.0.0.1:6379/0``), ``CORPUS_PREFIX`` (the Redis keys' prefix), and the client's usual
``DAISYS_EMAIL`` / ``DAISYS_PASSWORD`` (used once, by whichever worker logs in first) and ``DAISYS_API_URL``.

What makes it safe to kill a worker at any moment:
- ``task_acks_late`` + ``task_reject_on_worker_lost``: a task is acknowledged when it is done, so a task whose
  worker process dies (SIGKILL, out of memory) is delivered again, to another worker;
- the take id is recorded in Redis (``<prefix>:takes``) before the task waits for it: a redelivered task
  downloads that take instead of making (and paying for) a second one;
- the WAV is written under a temporary name and renamed when complete (``get_take_audio(file=...)``): a
  file at the target name is always whole, and a task finding it there is done at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery import Celery

if TYPE_CHECKING:
    from daisys_ext import Client

REDIS_URL = os.environ.get("CORPUS_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("CORPUS_PREFIX", "corpus")

app = Celery("celery_corpus", broker=REDIS_URL)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,  # a worker holds only the task it runs, not a batch that would wait behind it
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # A task not acknowledged within this many seconds is delivered again (a whole host lost, say): keep it
    # above the longest a sentence takes.
    broker_transport_options={"visibility_timeout": int(os.environ.get("CORPUS_VISIBILITY_TIMEOUT", "3600"))},
)

_client: Client | None = None
_redis: Any = None


def client() -> Client:
    """This worker process's Daisys client, made on first use (after Celery forked the pool), one login for all."""
    global _client
    if _client is None:
        from daisys_ext import Client, RedisTokenStore

        _client = Client(token_store=RedisTokenStore(REDIS_URL, key=f"{PREFIX}:daisys-tokens"))
    return _client


def redis() -> Any:
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(REDIS_URL)
    return _redis


def take_for(key: str, voice_id: str, text: str) -> str:
    """The take of sentence ``key``: the one an earlier attempt recorded, else a new one, recorded before any wait."""
    takes = f"{PREFIX}:takes"
    recorded = redis().hget(takes, key)
    if recorded is not None:
        return str(recorded.decode())
    take = client().generate_take(voice_id, text, wait=False)
    if redis().hsetnx(takes, key, take.take_id):
        return str(take.take_id)
    # Another attempt of this sentence recorded its take first (a redelivery while this one still ran): use that.
    client().delete_take(take.take_id, raise_on_error=False)
    return str(redis().hget(takes, key).decode())


@app.task(name="corpus.render_sentence")
def render_sentence(key: str, text: str, voice_id: str, path: str) -> str:
    """Render one sentence to the WAV at ``path``; returns its take id (nothing to do when the file is there)."""
    target = Path(path)
    if target.exists():
        return "done already"
    take_id = take_for(key, voice_id, text)
    working = f"{PREFIX}:working"  # which process waits for which sentence: for watching a run (and its test)
    redis().hset(working, key, os.getpid())
    client().wait_for_takes(take_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    client().get_take_audio(take_id, file=target)  # a temporary name, renamed when complete
    redis().hdel(working, key)
    return take_id


def render_corpus(sentences: list[str], voice_id: str, folder: str | os.PathLike[str]) -> int:
    """Queue one task a sentence, its WAV named by its line number (``000001.wav``, ...); returns how many."""
    out = Path(folder).resolve()
    for number, text in enumerate(sentences, start=1):
        render_sentence.delay(f"{number:06d}", text, voice_id, str(out / f"{number:06d}.wav"))
    return len(sentences)
