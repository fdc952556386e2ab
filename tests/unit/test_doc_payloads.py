"""Every JSON payload the Daisys documentation prints parses with the generated models and round-trips."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from daisys_speak_api import models

PAYLOADS = Path(__file__).parent.parent / "data" / "doc_payloads"

# Payloads the documentation prints inline, in curl commands and in the curl example's output.
INLINE: list[tuple[str, str]] = [
    ("Version", '{"version":1,"minor":0}'),
    ("VoiceGenerate", '{"name": "Ignacio", "gender": "male", "model": "shakespeare"}'),
    ("VoiceGenerate", '{"name": "Bob", "gender": "male", "model": "my_model"}'),
    ("VoiceGenerate", '{"name": "Tina", "gender": "female", "model": "shakespeare"}'),
    ("TakeGenerate", '{"text": "Hello, Daisys! It\'s a beautiful day.", "voice_id": "v01hasgezqjcsnc91zdfzpx0apj"}'),
    (
        "TakeGenerate",
        '{"voice_id": "v01hasgezqjcsnc91zdfzpx0apj", "text": "Hello there, I am Daisys!",'
        ' "prosody": {"pace": -8, "pitch": 2, "expression": 8}}',
    ),
]


def _read(path: Path) -> Any:
    text = path.read_text()
    if path.suffix == ".pyrepr":
        # pprint of model_dump(): enums print as <VoiceGender.FEMALE: 'female'>; keep their values.
        return ast.literal_eval(re.sub(r"<\w+\.\w+: ('[^']*')>", r"\1", text))
    # The documentation's input examples end objects with a trailing comma, which JSON forbids.
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def _files() -> list[Path]:
    return sorted(p for p in PAYLOADS.iterdir() if p.suffix in (".json", ".pyrepr"))


def _round_trip(schema: str, data: Any) -> None:
    cls = getattr(models, schema)
    parsed = cls.from_dict(data)
    assert parsed.to_dict() == data
    assert cls.from_dict(parsed.to_dict()) == parsed


def test_every_payload_file_is_found() -> None:
    assert len(_files()) == 12


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_documented_payload_round_trips(path: Path) -> None:
    schema = path.name.split(".")[0]
    data = _read(path)
    if schema.endswith("-list"):
        assert isinstance(data, list) and data
        for item in data:
            _round_trip(schema.removesuffix("-list"), item)
    else:
        _round_trip(schema, data)


@pytest.mark.parametrize(("schema", "text"), INLINE)
def test_inline_payload_round_trips(schema: str, text: str) -> None:
    _round_trip(schema, json.loads(text))


def test_fields_parse_to_their_types() -> None:
    take = models.TakeResponse.from_dict(_read(PAYLOADS / "TakeResponse.take_status_curl.json"))
    assert take.status is models.Status.READY and take.status.done()
    assert isinstance(take.info, models.TakeInfo)
    assert take.info.duration == 150528 and take.info.normalized_text == ["Hello, Daisys!", "It's a beautiful day."]

    generate = models.TakeGenerate.from_dict(_read(PAYLOADS / "TakeGenerate.input_all_fields.json"))
    assert isinstance(generate.prosody, models.SimpleProsody) and generate.prosody.pace == -3
    # The input examples give webhooks as plain URLs; the spec accepts both forms.
    assert generate.done_webhook == "https://myservice.com/daisys_webhooks/take_done/1234"

    model = models.TTSModel.from_dict(_read(PAYLOADS / "TTSModel-list.models_curl.json")[0])
    assert model.genders == [models.VoiceGender.FEMALE, models.VoiceGender.MALE]
    assert model.prosody_types == [models.ProsodyType.SIMPLE, models.ProsodyType.AFFECT]


@pytest.mark.parametrize(
    ("prosody", "cls"),
    [
        ({"pitch": 1, "pace": 2, "expression": 3}, models.SimpleProsody),
        ({"pitch": 1, "pace": 2, "valence": 3, "dominance": 4, "arousal": 5}, models.AffectProsody),
        ({"pitch": 1, "pace": 2, "tilt": 3, "pitch_range": 4}, models.SignalProsody),
    ],
)
def test_prosody_union_picks_the_matching_variant(prosody: dict[str, int], cls: type) -> None:
    take = models.TakeGenerate.from_dict({"text": "x", "voice_id": "v", "prosody": prosody})
    assert type(take.prosody) is cls
    assert take.to_dict()["prosody"] == prosody
