"""The sans-I/O decisions of the client: retry policy, poll schedule, presigned URLs, redaction."""

from __future__ import annotations

import logging
import random
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from daisys_ext._errors import DaisysResponseError
from daisys_ext._http.answers import Answer
from daisys_ext._http.presigned import MAX_CACHED, PresignedCache, is_presigned, presigned_expiry
from daisys_ext._http.retry import Attempts, RetryPolicy, log_answer, log_attempt, parse_retry_after, retries_before
from daisys_ext._http.waiting import PollSchedule, batches
from daisys_ext._logging import RedactingFilter, redact_text, redact_url

SIGNED = (
    "http://127.0.0.1:9/speak-audio/t01.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261121T200000Z"
    "&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeefcafe"
)


def policy(**kwargs: float) -> RetryPolicy:
    return RetryPolicy(rng=random.Random(1), **kwargs)  # type: ignore[arg-type]


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    p = policy(base_delay=0.5, max_delay=2.0)
    delays = [p.backoff(n) for n in range(6)]
    assert 0.375 <= delays[0] <= 0.5 and 0.75 <= delays[1] <= 1.0
    assert all(d <= 2.0 for d in delays) and delays[5] >= 1.5


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_retryable_statuses(status: int) -> None:
    assert policy().delay(0, "GET", status=status, remaining=60) is not None


@pytest.mark.parametrize("status", [400, 401, 404, 422, 500])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert policy().delay(0, "GET", status=status, remaining=60) is None


def test_post_is_never_repeated_once_it_may_have_reached_the_server() -> None:
    p = policy()
    assert p.delay(0, "POST", status=503, remaining=60) is None
    assert p.delay(0, "POST", error=httpx.ReadError("reset"), remaining=60) is None
    assert p.delay(0, "POST", error=httpx.ConnectError("refused"), remaining=60) is not None


def test_retries_stop_at_max_and_at_the_deadline() -> None:
    p = policy(max_retries=2)
    assert p.delay(2, "GET", status=503, remaining=60) is None
    assert p.delay(0, "GET", status=503, retry_after="5", remaining=4.0) is None


def test_each_request_keeps_its_own_timeouts_under_the_deadline() -> None:
    """An audio download (audio_timeout 300 s) is not cut to an API call's 30 s; an API call is."""
    policy = RetryPolicy(deadline=30.0)
    audio = httpx.Request("GET", "https://storage.example/a.wav")
    audio.extensions["timeout"] = httpx.Timeout(300.0, connect=10.0).as_dict()
    Attempts(policy, audio).begin()
    assert audio.extensions["timeout"]["read"] == pytest.approx(300.0, abs=1.0)
    assert audio.extensions["timeout"]["connect"] == 10.0
    api = httpx.Request("GET", "https://api.daisys.ai/v1/speak/takes")
    api.extensions["timeout"] = {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    attempts = Attempts(policy, api)
    attempts.begin()
    assert api.extensions["timeout"]["read"] == 30.0  # the first attempt has the whole deadline
    attempts.deadline -= 25.0  # 25 s went on that attempt and the wait after it
    attempts.count = 1
    attempts.begin()
    assert api.extensions["timeout"]["read"] == pytest.approx(5.0, abs=0.5)


def test_an_answer_after_retries_says_how_many_went_before() -> None:
    """The auth flow reads it: a token refused after retry waits may have expired during them."""
    request = httpx.Request("GET", "https://api.daisys.ai/v1/speak/takes/t1")
    attempts = Attempts(policy(max_retries=3), request)
    first = httpx.Response(200, request=request)
    assert attempts.after_response(first) is None and retries_before(first) == 0  # no retry: nothing said
    assert attempts.after_response(httpx.Response(503, request=request)) is not None
    refused = httpx.Response(401, request=request)
    assert attempts.after_response(refused) is None
    assert retries_before(refused) == 1


def test_an_answer_that_is_not_what_the_route_promises_names_the_call_and_keeps_the_response() -> None:
    request = httpx.Request("GET", "https://api.daisys.ai/v1/speak/takes/t1?token=secret-123")
    response = httpx.Response(200, json=["not", "a", "take"], request=request)
    with pytest.raises(DaisysResponseError) as caught:
        Answer("get_take", response.json(), response).one(dict)
    assert caught.value.response is response
    assert "get_take" in str(caught.value) and "answered 200" in str(caught.value)
    assert "secret-123" not in str(caught.value)
    with pytest.raises(DaisysResponseError, match="expected a list of int"):
        Answer("get_takes", ["a"], response).many(int)
    assert Answer("get_takes", [1, 2], response).many(int) == [1, 2]


def test_every_attempt_is_logged_redacted_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    request = httpx.Request("GET", SIGNED)
    log_attempt(request)
    assert caplog.records == []  # nothing below debug, and nothing formatted for it
    caplog.set_level(logging.DEBUG, logger="daisys_ext")
    log_attempt(request)
    log_answer(request, httpx.Response(503, request=request))
    assert [record.getMessage().split(" ")[0] for record in caplog.records] == ["GET", "GET"]
    assert caplog.records[1].getMessage().endswith("-> 503")
    assert "deadbeefcafe" not in caplog.text


def test_an_untrusted_certificate_is_not_retried() -> None:
    """A certificate refused once is refused again: retrying only delays the error."""
    policy = RetryPolicy(max_retries=3)
    error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")
    error.__cause__ = ssl.SSLCertVerificationError("certificate verify failed")
    assert policy.delay(0, "GET", error=error, remaining=30) is None
    assert policy.delay(0, "GET", error=httpx.ConnectError("refused"), remaining=30) is not None


def test_retry_after_is_honoured_and_capped() -> None:
    p = policy(max_retry_after=3.0)
    assert p.delay(0, "GET", status=429, retry_after="2", remaining=60) == 2.0
    assert p.delay(0, "GET", status=429, retry_after="120", remaining=60) == 3.0
    assert (
        parse_retry_after("Sat, 21 Nov 2026 20:00:10 GMT", now=datetime(2026, 11, 21, 20, tzinfo=UTC).timestamp()) == 10
    )
    assert parse_retry_after("soon") is None


def test_poll_schedule_backs_off_to_its_maximum() -> None:
    intervals = PollSchedule(first=0.1, factor=2, maximum=0.5).intervals()
    assert [next(intervals) for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    fixed = PollSchedule.fixed(0.3).intervals()
    assert [next(fixed) for _ in range(3)] == [0.3, 0.3, 0.3]


def test_batches_keep_each_query_short() -> None:
    ids = [f"t01{n:026d}" for n in range(200)]
    split = batches(ids, max_query=300)
    assert [i for b in split for i in b] == ids
    assert all(len(",".join(b)) <= 300 for b in split) and len(split) > 1


def test_presigned_urls_are_recognised_and_cached_until_expiry() -> None:
    assert is_presigned(SIGNED) and not is_presigned("http://127.0.0.1/v1/speak/takes/t01/wav")
    expiry = presigned_expiry(SIGNED)
    assert expiry == datetime(2026, 11, 21, 20, 10, tzinfo=UTC).timestamp()
    cache = PresignedCache()
    cache.put("t01", "wav", SIGNED)
    assert cache.get("t01", "wav", now=expiry - 60) == SIGNED
    assert cache.get("t01", "wav", now=expiry - 1) is None  # too close to expiry to start a download


def signed(at: float, expires: int) -> str:
    """A presigned-looking URL signed at ``at`` (Unix time), valid ``expires`` seconds."""
    stamp = datetime.fromtimestamp(at, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"https://storage.example/a.wav?X-Amz-Date={stamp}&X-Amz-Expires={expires}&X-Amz-Signature=abc"


def test_the_presigned_cache_stays_bounded() -> None:
    """A client that downloads many takes once each, for weeks, keeps at most MAX_CACHED URLs: expired ones first."""
    cache = PresignedCache()
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    for i in range(MAX_CACHED + 50):
        cache.put(f"take-{i}", "wav", signed(now, expires=600), now=now)
    assert len(cache) == MAX_CACHED
    assert cache.get("take-0", "wav", now=now) is None  # the oldest went
    assert cache.get(f"take-{MAX_CACHED + 49}", "wav", now=now) is not None
    later = now + 3600  # every URL so far has expired: one more put clears them all
    cache.put("fresh", "wav", signed(later, expires=600), now=later)
    assert len(cache) == 1
    cache.forget("fresh")
    assert len(cache) == 0


def test_redaction_removes_every_kind_of_secret() -> None:
    assert "deadbeefcafe" not in redact_url(SIGNED) and "AKIA" not in redact_url(SIGNED)
    assert "X-Amz-Expires=600" in redact_url(SIGNED)
    text = 'Authorization: Bearer abc.def.ghi {"password": "p\\"w", "refresh_token": "r1"} ws://h/m?token=s3cr3t'
    cleaned = redact_text(text)
    for secret in ("abc.def.ghi", 'p\\"w', "r1", "s3cr3t"):
        assert secret not in cleaned


def test_logging_filter_redacts_arguments() -> None:
    record = logging.LogRecord("daisys_ext", logging.INFO, __file__, 1, "GET %s", (SIGNED,), None)
    assert RedactingFilter().filter(record)
    assert "deadbeefcafe" not in record.getMessage()
