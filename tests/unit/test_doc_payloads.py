"""Every JSON payload the Daisys documentation prints conforms to openapi.json, parses with the generated models
and round-trips.

Conformance is checked with a JSON Schema validator (Draft 2020-12, ``$ref``s resolved in openapi.json), on a
copy of the spec's schemas that forbids undeclared fields (``additionalProperties: false``): the generated
``from_dict`` checks no types and keeps unknown keys, so it would let a field the spec lacks, or a value of the
wrong type, pass unnoticed. The spec itself leaves ``additionalProperties`` open, as FastAPI emits it (and the
service's pydantic models ignore unknown keys); the strictness is this test's, to keep the spec complete.

The documentation's older JSON input examples give ``status_webhook``/``done_webhook`` as plain URL strings,
while the service's models (the documentation's "JSON models" section and the official SDK, whose models refuse
a string) declare ``Webhook`` objects, and so does the spec. Those examples are expected to fail validation
exactly there, and nowhere else; the clients accept a URL from the caller and send it as an object.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema
from support.spec import SPEC

from daisys_ext._bodies import take_generate, voice_generate
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


# The input examples whose webhooks are plain URL strings: the only fields expected to fail validation.
STRING_WEBHOOKS: dict[str, tuple[str, ...]] = {
    "TakeGenerate.input_all_fields.json": ("status_webhook", "done_webhook"),
    "VoiceGenerate.input_example.json": ("done_webhook",),
}


def _strict(node: Any) -> Any:
    """A copy of a schema in which every object schema that declares its properties forbids any other."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _strict(value) for key, value in node.items()}
    if "properties" in copied and "additionalProperties" not in copied:
        copied["additionalProperties"] = False
    return copied


STRICT_URN = "urn:daisys-openapi-strict"
STRICT_SPEC: dict[str, Any] = {"components": {"schemas": _strict(SPEC["components"]["schemas"])}}
STRICT_REGISTRY: referencing.Registry[Any] = referencing.Registry().with_resource(
    STRICT_URN,
    referencing.Resource.from_contents(STRICT_SPEC, default_specification=referencing.jsonschema.DRAFT202012),
)


def _errors(schema: str, data: Any) -> list[jsonschema.ValidationError]:
    """Every way ``data`` breaks the spec's ``schema`` (``Name`` or ``Name-list``), undeclared fields included."""
    ref = {"$ref": f"{STRICT_URN}#/components/schemas/{schema.removesuffix('-list')}"}
    wanted = {"type": "array", "minItems": 1, "items": ref} if schema.endswith("-list") else ref
    validator = jsonschema.Draft202012Validator(wanted, registry=STRICT_REGISTRY)
    return sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))


def _describe(errors: list[jsonschema.ValidationError]) -> str:
    return "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


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
    assert set(STRING_WEBHOOKS) <= {p.name for p in _files()}


def test_the_strict_copy_flags_undeclared_fields_and_wrong_types() -> None:
    """The validator this test relies on does catch what ``from_dict`` lets through."""
    take = _read(PAYLOADS / "TakeResponse.take_status_curl.json")
    assert _errors("TakeResponse", take) == []
    assert models.TakeResponse.from_dict({**take, "surprise": 1}).additional_properties == {"surprise": 1}
    (undeclared,) = _errors("TakeResponse", {**take, "surprise": 1})
    assert undeclared.validator == "additionalProperties" and "surprise" in undeclared.message
    (nested,) = _errors("TakeResponse", {**take, "info": {**take["info"], "extra": True}})
    assert list(nested.absolute_path) == ["info"]  # `TakeInfo | null`: the object member fails for "extra"
    assert any(sub.validator == "additionalProperties" and "extra" in sub.message for sub in nested.context or [])
    (wrong,) = _errors("TakeResponse", {**take, "timestamp_ms": "yesterday"})
    assert list(wrong.absolute_path) == ["timestamp_ms"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_documented_payload_conforms_to_the_spec(path: Path) -> None:
    schema = path.name.split(".")[0]
    data = _read(path)
    errors = _errors(schema, data)
    if path.name not in STRING_WEBHOOKS:
        assert errors == [], _describe(errors)
        return
    # An older input example with plain-string webhooks: expected to fail, at its webhooks only, for being
    # strings where the service's models (and so the spec) take Webhook objects.
    assert sorted(tuple(e.absolute_path) for e in errors) == sorted((name,) for name in STRING_WEBHOOKS[path.name])
    for error in errors:
        assert isinstance(error.instance, str) and error.instance.startswith("https://")
    # With each URL in the Webhook object form, as the clients send it, the example conforms.
    fixed = {key: {"post_url": value} if key in STRING_WEBHOOKS[path.name] else value for key, value in data.items()}
    assert _errors(schema, fixed) == []


def test_the_clients_send_the_string_webhook_examples_as_conforming_objects() -> None:
    """What a caller passing the examples' URLs gets sent conforms to the spec."""
    take = _read(PAYLOADS / "TakeGenerate.input_all_fields.json")
    prosody = models.SimpleProsody.from_dict(take["prosody"])
    body = take_generate(
        take["voice_id"],
        take["text"],
        override_language=take["override_language"],
        style=take["style"],
        prosody=prosody,
        status_webhook=take["status_webhook"],
        done_webhook=take["done_webhook"],
    ).to_dict()
    assert _errors("TakeGenerate", body) == []
    assert body["done_webhook"] == {"post_url": take["done_webhook"]}

    voice = _read(PAYLOADS / "VoiceGenerate.input_example.json")
    body = voice_generate(
        voice["name"],
        voice["model"],
        voice["gender"],
        default_prosody=models.SimpleProsody.from_dict(voice["default_prosody"]),
        done_webhook=voice["done_webhook"],
    ).to_dict()
    assert _errors("VoiceGenerate", body) == []
    assert body["done_webhook"] == {"post_url": voice["done_webhook"]}


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


@pytest.mark.parametrize(("schema", "text"), INLINE)
def test_inline_payload_conforms_to_the_spec(schema: str, text: str) -> None:
    errors = _errors(schema, json.loads(text))
    assert errors == [], _describe(errors)


def test_fields_parse_to_their_types() -> None:
    take = models.TakeResponse.from_dict(_read(PAYLOADS / "TakeResponse.take_status_curl.json"))
    assert take.status is models.Status.READY and take.status.done()
    assert isinstance(take.info, models.TakeInfo)
    assert take.info.duration == 150528 and take.info.normalized_text == ["Hello, Daisys!", "It's a beautiful day."]

    generate = models.TakeGenerate.from_dict(_read(PAYLOADS / "TakeGenerate.input_all_fields.json"))
    assert isinstance(generate.prosody, models.SimpleProsody) and generate.prosody.pace == -3
    # The generated from_dict checks no types: a plain-URL webhook (which the spec no longer allows, see
    # test_documented_payload_conforms_to_the_spec) is kept as it came, not parsed into a Webhook.
    assert generate.done_webhook == "https://myservice.com/daisys_webhooks/take_done/1234"
    voices = [models.VoiceInfo.from_dict(v) for v in _read(PAYLOADS / "VoiceInfo-list.voices_curl.json")]
    assert voices[0].status_webhook is None and voices[0].additional_properties == {}

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
