"""Every recorded answer against openapi.json: when a live recording disagrees with the spec, this test says so.

Each product request (``/v1/speak/...``) is matched to its spec operation by method and path template; a status
the operation documents is checked against its schema (JSON bodies) and its declared headers; the statuses
FastAPI sends without declaring them (401, 404) must be its ``{"detail": ...}``. The auth service has no spec:
its answers are checked against the fields the client relies on. Storage answers must be WAV audio.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cassette_files import Exchange, http_cassettes, load
from cassette_scrub import API_ORIGIN, STORAGE_ORIGIN, origin
from support.spec import ERROR_DETAIL, SPEC, schema_error, template

PRODUCT = "/v1/speak"
UNDECLARED = {401: ERROR_DETAIL, 404: ERROR_DETAIL}  # FastAPI's HTTPException answers
TOKENS = {
    "type": "object",
    "required": ["access_token", "refresh_token"],
    "properties": {"access_token": {"type": "string"}, "refresh_token": {"type": "string"}},
}
AUTH_ANSWERS = {("POST", "/auth/login", 200): TOKENS, ("POST", "/auth/refresh", 200): TOKENS}


def validate(instance: Any, schema: dict[str, Any], where: str) -> None:
    error = schema_error(instance, schema)
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "the body"
        raise AssertionError(f"{where}: at {at}: {error.message}")


def check(exchange: Exchange) -> str:
    """Check one answer; return what it was checked as."""
    where = f"{exchange.method} {exchange.path} -> {exchange.status}"
    source = origin(exchange.request.uri)
    if source == STORAGE_ORIGIN:
        assert exchange.status == 200, where
        assert exchange.header("content-type") == "audio/wav" and exchange.body[:4] == b"RIFF", where
        return "storage audio"
    assert source == API_ORIGIN, where
    if not exchange.path.startswith(PRODUCT + "/"):
        schema = AUTH_ANSWERS.get(exchange.summary)
        if schema is not None:
            validate(exchange.json(), schema, where)
        return "auth"
    operation = SPEC["paths"][template(exchange.path[len(PRODUCT) :])].get(exchange.method.lower())
    assert operation is not None, f"{where}: the spec has no such operation"
    documented = operation["responses"].get(str(exchange.status))
    if documented is None:
        assert exchange.status in UNDECLARED, f"{where}: a status the spec does not declare"
        validate(exchange.json(), UNDECLARED[exchange.status], where)
        return "undeclared error"
    for name in documented.get("headers", {}):
        assert exchange.header(name) is not None, f"{where}: no {name} header"
    content = documented.get("content", {})
    if "application/json" in content:
        assert "json" in (exchange.header("content-type") or ""), where
        validate(exchange.json(), content["application/json"]["schema"], where)
    return "documented"


@pytest.mark.parametrize("path", http_cassettes(), ids=lambda p: p.name)
def test_answers_match_openapi(path: Path) -> None:
    kinds = Counter(check(exchange) for exchange in load(path))
    assert kinds["documented"] > 0


def test_recordings_cover_the_statuses_that_matter() -> None:
    """The cassettes as a whole hold every kind of answer the checks above are about."""
    seen = {
        (e.method, template(e.path[len(PRODUCT) :]) if e.path.startswith(PRODUCT) else e.path, e.status)
        for path in http_cassettes()
        for e in load(path)
    }
    statuses = {status for _, _, status in seen}
    assert {200, 307, 401, 404, 422} <= statuses
    assert {
        ("GET", "/takes/{take_id}/{format}", 307),
        ("POST", "/takes/generate", 422),
        ("POST", "/auth/refresh", 200),
    } <= seen


def test_a_disagreement_is_reported() -> None:
    """An answer the spec does not allow (a take without its id) fails, naming the request and the field."""
    exchange = next(
        e for path in http_cassettes() for e in load(path) if e.summary[0] == "GET" and e.path.endswith("/takes")
    )
    takes = exchange.json()
    del takes[0]["take_id"]
    exchange.response["body"]["string"] = json.dumps(takes).encode()
    with pytest.raises(AssertionError, match=r"GET /v1/speak/takes -> 200: at 0: 'take_id' is a required property"):
        check(exchange)
