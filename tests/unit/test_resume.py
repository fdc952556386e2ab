"""`_http.resume.Download` without a server: the range it asks for, how each answer joins, and when it gives up."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from daisys_ext import DaisysConnectionError
from daisys_ext._http.resume import Download, Join, content_range
from daisys_ext._http.retry import RetryPolicy

TOTAL = 1000
ETAG = '"abc"'


def whole(length: int = TOTAL, etag: str | None = ETAG) -> httpx.Headers:
    headers = {"content-length": str(length)}
    if etag is not None:
        headers["etag"] = etag
    return httpx.Headers(headers)


def part(first: int, total: int = TOTAL, etag: str | None = ETAG) -> httpx.Headers:
    headers = {"content-range": f"bytes {first}-{total - 1}/{total}", "content-length": str(total - first)}
    if etag is not None:
        headers["etag"] = etag
    return httpx.Headers(headers)


def started(received: int = 400, *, etag: str | None = ETAG, retries: int = 2) -> Download:
    """A download whose first answer (the whole object) was cut after ``received`` bytes."""
    download = Download("take t-1", RetryPolicy(max_retries=retries, rng=random.Random(1)), None)
    assert download.answer(200, whole(etag=etag)) is Join.APPEND
    download.got(received)
    return download


def test_content_range() -> None:
    assert content_range("bytes 10-99/100") == (10, 99, 100)
    assert content_range("bytes 0-9/*") == (0, 9, None)
    assert content_range("bytes */100") is None
    assert content_range(None) is None and content_range("items 1-2/3") is None


def test_first_request_has_no_range_and_records_the_object() -> None:
    download = Download("take t-1", RetryPolicy(), None)
    assert download.headers() == {}
    assert download.answer(200, whole()) is Join.APPEND
    assert (download.total, download.etag) == (TOTAL, ETAG)


def test_resume_asks_from_the_byte_reached_with_if_range() -> None:
    download = started(400)
    assert download.headers() == {"Range": "bytes=400-", "If-Range": ETAG}
    weak = started(400, etag='W/"abc"')
    assert weak.headers() == {"Range": "bytes=400-"}  # If-Range takes only a strong validator
    unlabelled = started(400, etag=None)
    assert unlabelled.headers() == {"Range": "bytes=400-"}


def test_continuation_joins() -> None:
    download = started(400)
    assert download.answer(206, part(400)) is Join.APPEND
    download.got(600)
    download.check_complete()
    assert started(400, etag=None).answer(206, part(400, etag=None)) is Join.APPEND
    assert started(400).answer(206, part(400, etag=None)) is Join.APPEND  # an ETag only one side gives: length


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (part(400, etag='"other"'), "ETag"),  # the object changed
        (part(400, total=TOTAL + 1), f"/{TOTAL + 1}"),  # another length
        (part(300), "bytes 300-"),  # another start
        (httpx.Headers({"content-length": "600"}), "None"),  # no Content-Range at all
    ],
)
def test_a_range_of_another_object_starts_over(headers: httpx.Headers, why: str) -> None:
    download = started(400)
    assert download.answer(206, headers) is Join.AGAIN
    assert (download.received, download.total, download.etag) == (0, None, None)
    assert why in download.why
    assert download.headers() == {}  # asked again from byte 0
    with pytest.raises(DaisysConnectionError, match="cannot be resumed"):
        raise download.changed()


def test_a_range_past_the_end_starts_over() -> None:
    download = started(400)
    assert download.answer(416, httpx.Headers({"content-range": "bytes */300"})) is Join.AGAIN
    assert download.received == 0 and "416" in download.why


def test_a_server_that_ignores_ranges_sends_the_same_object_whole() -> None:
    download = started(400)
    assert download.answer(200, whole()) is Join.SKIP  # skip the 400 bytes already kept
    assert download.received == 400
    assert started(400, etag=None).answer(200, whole(etag=None)) is Join.SKIP


@pytest.mark.parametrize("headers", [whole(etag='"other"'), whole(length=TOTAL + 5), httpx.Headers({})])
def test_another_object_whole_restarts(headers: httpx.Headers) -> None:
    download = started(400)
    assert download.answer(200, headers) is Join.RESTART
    assert download.received == 0
    assert download.total == (int(headers["content-length"]) if "content-length" in headers else None)


def test_without_a_length_nothing_can_be_checked_so_it_starts_over() -> None:
    download = Download("take t-1", RetryPolicy(), None)
    assert download.answer(200, httpx.Headers({"transfer-encoding": "chunked"})) is Join.APPEND
    download.got(400)
    assert download.headers() == {}  # no range: there is nothing to check a continuation against
    assert download.answer(200, httpx.Headers({"content-length": str(TOTAL)})) is Join.RESTART
    assert "no telling" in download.why


def test_an_encoded_body_is_never_ranged() -> None:
    download = Download("take t-1", RetryPolicy(), None)
    assert download.answer(200, httpx.Headers({"content-length": "50", "content-encoding": "gzip"})) is Join.APPEND
    download.got(400)
    assert download.headers() == {}
    assert download.answer(200, httpx.Headers({"content-length": "50", "content-encoding": "gzip"})) is Join.RESTART


def test_a_range_answer_to_a_plain_request_is_the_whole_object() -> None:
    download = Download("take t-1", RetryPolicy(), None)
    assert download.answer(206, part(0)) is Join.APPEND
    assert download.total == TOTAL


def test_short_body_is_an_error() -> None:
    download = started(400)
    with pytest.raises(DaisysConnectionError, match="ended at byte 400 of 1000"):
        download.check_complete()


def test_cuts_after_progress_resume_at_once_without_limit() -> None:
    download = started(100)
    for _ in range(10):  # more cuts than max_retries: each came after new bytes
        assert download.after_cut() == 0.0
        download.answer(206, part(download.received))
        download.got(50)
    assert download.resumes == 10


def test_cuts_without_progress_back_off_up_to_max_retries() -> None:
    download = started(100, retries=2)
    assert download.after_cut() == 0.0  # the first cut came after bytes
    first = download.after_cut()
    second = download.after_cut()
    assert first is not None and 0.375 <= first <= 0.5  # the retries' backoff: 0.5 s, then 1 s, with jitter
    assert second is not None and 0.75 <= second <= 1.0
    assert download.after_cut() is None  # a third cut in a row with nothing between: the budget is spent


def test_no_resume_with_max_retries_zero() -> None:
    assert started(100, retries=0).after_cut() is None


def test_no_resume_past_the_deadline() -> None:
    """A download never goes longer than its window (the audio timeout) without a byte, resumes included."""
    download = Download("take t-1", RetryPolicy(), 0.0)
    download.answer(200, whole())
    download.got(10)
    assert download.after_cut() is None
    soon = Download("take t-1", RetryPolicy(), 30)
    remaining = soon.remaining()
    assert remaining is not None and 29 < remaining <= 30
    before = soon.deadline
    time.sleep(0.01)
    soon.got(1)  # a byte moves the deadline on
    assert before is not None and soon.deadline is not None and soon.deadline > before
    assert Download("take t-1", RetryPolicy(), None).remaining() is None
