"""Every answer the emulator gives conforms to openapi.json: a scripted tour of all routes, then schemathesis.

Documented statuses are validated against their schemas (jsonschema, Draft 2020-12, `$ref`s resolved in the
document); undocumented error statuses (401, 404, 405, 429, 503) must be FastAPI's `{"detail": "..."}`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from support.spec import ERROR_DETAIL, SPEC, SPEC_PATH, schema_error, template as spec_template

from daisys_ext.testing import Emulator

PREFIX = "/v1/speak"


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    error = schema_error(instance, schema)
    if error is not None:
        raise error


class Tour:
    """Collects every (method, spec path, status) seen, validating each answer as it arrives."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, int]] = set()

    def check(self, response: httpx.Response) -> None:
        response.read()
        path = response.request.url.path
        if not path.startswith(PREFIX):
            return
        method = response.request.method.lower()
        template = spec_template(path[len(PREFIX) :])
        operation = SPEC["paths"][template].get(method, {"responses": {}})  # undocumented method: a 405
        status = response.status_code
        self.seen.add((method, template, status))
        documented = operation["responses"].get(str(status))
        if documented is None:
            assert status in (401, 404, 405, 429, 503), (method, path, status, response.text)
            _validate(response.json(), ERROR_DETAIL)
            return
        if "headers" in documented:
            for name in documented["headers"]:
                assert name in response.headers, (method, path, name)
        content = documented.get("content", {})
        if "application/json" in content:
            assert response.headers["content-type"] == "application/json"
            _validate(response.json(), content["application/json"]["schema"])


def test_every_answer_matches_the_spec(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    tour = Tour()
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    with httpx.Client(
        base_url=emu.product_url,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        event_hooks={"response": [tour.check]},
    ) as api:
        api.get("/version")
        api.get("/models")
        api.get("/models/shakespeare")
        api.get("/models/nope")
        tour.check(httpx.get(f"{emu.product_url}/models"))  # no token

        voice = api.post("/voices/generate", json={"name": "A", "gender": "female", "model": "shakespeare"}).json()
        rich = api.post(
            "/voices/generate",
            json={
                "name": "B",
                "gender": "nonbinary",
                "model": "theatrical-v2",
                "description": "bright",
                "default_style": ["narrator"],
                "default_prosody": {"pitch": 1, "pace": 1, "valence": 1, "dominance": 1, "arousal": 1},
                "example_take": {
                    "text": "Hallo daar.",
                    "override_language": "nl-NL",
                    "status_webhook": {"post_url": "http://127.0.0.1:9/"},
                },
                "done_webhook": {"post_url": "http://127.0.0.1:9/"},
            },
        ).json()
        api.post("/voices/generate", json={"name": "C", "gender": "male"})
        api.post("/voices/generate", json={"name": "C", "gender": "male", "model": "nope"})
        api.post("/voices/generate", json={"name": "C", "gender": "nonbinary", "model": "shakespeare"})
        api.get("/voices")
        api.get("/voices", params={"length": 1, "page": 2, "voice_id": f"{voice['voice_id']},{rich['voice_id']}"})
        api.get("/voices", params={"older": "x"})
        api.get(f"/voices/{voice['voice_id']}")
        api.get("/voices/nope")
        api.post(f"/voices/{voice['voice_id']}", json={"name": "A2", "gender": "male", "description": "d"})
        api.post(f"/voices/{voice['voice_id']}", json={"default_prosody": {"pitch": 99}})
        api.post("/voices/nope", json={})

        take = api.post(
            "/takes/generate",
            json={
                "text": "One. Two!",
                "voice_id": voice["voice_id"],
                "style": ["base"],
                "prosody": {"pitch": 0, "pace": 0, "tilt": 2, "pitch_range": -2},
                "status_webhook": {"post_url": "http://127.0.0.1:9/"},
                "user_data": 42,
            },
        ).json()
        api.post("/takes/generate", json=[{"text": "Three.", "voice_id": voice["voice_id"], "user_data": 1.5}])
        api.post("/takes/generate", json={"text": "[[fail]]", "voice_id": voice["voice_id"]})
        api.post("/takes/generate", json={"text": "x", "voice_id": "nope"})
        api.post("/takes/generate", json={"voice_id": 3})
        api.get("/takes")
        api.get("/takes", params={"take_id": take["take_id"], "length": 5, "page": 1, "newer": 0})
        api.get("/takes", params={"page": "first"})
        api.get(f"/takes/{take['take_id']}")
        api.get("/takes/nope")
        api.get(f"/takes/{take['take_id']}/wav")
        api.get(f"/takes/{take['take_id']}/mp3")
        api.get(f"/takes/{take['take_id']}/ogg")
        api.get("/takes/nope/wav")
        api.get("/websocket/shakespeare")
        api.get("/websocket", params={"model": "shakespeare"})
        api.get("/websocket")
        api.get("/websocket/nope")
        api.put("/takes")

        time.sleep(emu.take_seconds + 0.1)
        api.get("/takes")
        api.get("/voices")
        api.get(f"/takes/{take['take_id']}")
        api.get(f"/takes/{take['take_id']}/flac")

        emu.fail_rate, emu.fail_status = 1.0, (429, 503)
        for _ in range(6):
            api.get("/models")
        emu.fail_rate = 0.0

        api.delete(f"/takes/{take['take_id']}")
        api.delete(f"/takes/{take['take_id']}")
        api.delete(f"/voices/{voice['voice_id']}")
        api.delete(f"/voices/{voice['voice_id']}")

    visited = {(method, template) for method, template, _ in tour.seen}
    documented = {(method, template) for template, ops in SPEC["paths"].items() for method in ops}
    assert documented <= visited, documented - visited
    statuses = {status for _, _, status in tour.seen}
    assert {200, 307, 401, 404, 405, 422, 429, 503} <= statuses
    assert emu.server_errors == []


def test_schemathesis_finds_no_server_errors_or_schema_violations(daisys_emulator: Emulator) -> None:
    emu = daisys_emulator
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    checks = [not_a_server_error, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in SPEC["paths"].values())
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(base_url=emu.product_url, headers=headers, checks=checks)

        run()
    exercised = emu.requests_to("api")
    assert len(exercised) > 5 * len(operations)
    assert {r.status for r in exercised} >= {200, 422}
    assert emu.server_errors == []


@pytest.mark.parametrize("name", ["Status", "VoiceGender", "ProsodyType", "StreamMode", "VoiceInputType"])
def test_enums_agree_with_the_emulator(name: str) -> None:
    from daisys_ext.testing import _catalog, _state, _validation

    values = set(SPEC["components"]["schemas"][name]["enum"])
    expected = {
        "Status": set(_state.PROGRESS) | set(_state.DONE),
        "VoiceGender": set(_validation.GENDERS),
        "ProsodyType": set(_validation.PROSODY_TYPES.values()),
        "StreamMode": {"parts", "chunks"},
        "VoiceInputType": {i for m in _catalog.MODELS for i in m["voice_inputs"]},
    }[name]
    assert expected <= values
