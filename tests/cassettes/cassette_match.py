"""How a replayed request finds its recorded answer, so that a re-recording never breaks replay.

vcrpy's default matches method and URI only, and ignores bodies: two POSTs to the same path could replay each
other's answers. Here a request matches on method, origin, path, the query without its signature parameters,
and the body compared as data (JSON key order and spacing do not count). Signatures and dates are volatile;
ids are too, but a cassette's requests only ever use the ids its own answers gave, so they match as they are.
Identical requests (the polls of a wait) are answered in the order they were recorded.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import vcr
from cassette_scrub import Scrubber
from vcr.request import Request

# Parameters that differ between recordings of the same request: presigned URLs' signatures and dates.
VOLATILE_PARAMS = frozenset(
    {
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-expires",
        "x-amz-security-token",
        "x-amz-signedheaders",
        "x-amz-signature",
        "token",
    }
)


def stable_query(r1: Request, r2: Request) -> None:
    """The query strings agree, volatile parameters left out."""
    q1, q2 = _stable(r1), _stable(r2)
    if q1 != q2:
        raise AssertionError(f"query {q1} != {q2}")


def body_data(r1: Request, r2: Request) -> None:
    """The bodies agree: as JSON data when both are JSON, else byte for byte."""
    b1, b2 = _body(r1), _body(r2)
    if b1 != b2:
        raise AssertionError(f"body {b1!r} != {b2!r}")


MATCHERS = {"stable_query": stable_query, "body_data": body_data}
MATCH_ON = ("method", "scheme", "host", "port", "path", "stable_query", "body_data")


def _stable(request: Request) -> list[tuple[str, str]]:
    pairs = parse_qsl(request.parsed_uri.query, keep_blank_values=True)
    return sorted((key, value) for key, value in pairs if key.lower() not in VOLATILE_PARAMS)


def _body(request: Request) -> Any:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    if not body:
        return None
    try:
        return ("json", json.loads(body))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ("bytes", body)


def make_vcr(scrubber: Scrubber) -> vcr.VCR:
    """The VCR every cassette is recorded and replayed with: YAML, these matchers, ``scrubber``'s rewriting."""
    recorder = vcr.VCR(
        serializer="yaml",
        decode_compressed_response=True,  # a gzipped body would hide its tokens from the scrubber
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        match_on=MATCH_ON,
    )
    for name, matcher in MATCHERS.items():
        recorder.register_matcher(name, matcher)
    return recorder
