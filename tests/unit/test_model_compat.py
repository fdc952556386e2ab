"""The generated models behave as the official SDK's users expect (generator/templates)."""

from __future__ import annotations

import json

from daisys_speak_api.models import Status, TakeResponse, VoiceGender, VoiceInfo

VOICE = {
    "name": "Deirdre",
    "model": "shakespeare",
    "gender": "female",
    "default_style": [],
    "voice_id": "v01hasgezqjcsnc91zdfzpx0apj",
    "status": "ready",
    "timestamp_ms": 1695220727538,
    "example_take_id": "t01hasgezqkx4vth62xckymk3x3",
}


def test_dict_of_a_model_gives_its_fields_with_unset_as_none() -> None:
    voice = VoiceInfo.from_dict(VOICE)
    as_dict = dict(voice)
    assert as_dict["name"] == "Deirdre"
    assert as_dict["gender"] is VoiceGender.FEMALE
    assert as_dict["description"] is None
    assert "additional_properties" not in as_dict


def test_model_dump_has_every_field_and_is_json() -> None:
    dump = VoiceInfo.from_dict(VOICE).model_dump()
    assert dump["done_webhook"] is None and dump["voice_id"] == VOICE["voice_id"]
    assert json.loads(VoiceInfo.from_dict(VOICE).model_dump_json()) == VOICE


def test_equality_compares_values() -> None:
    assert VoiceInfo.from_dict(VOICE) == VoiceInfo.from_dict(dict(VOICE))
    assert VoiceInfo.from_dict(VOICE) != VoiceInfo.from_dict({**VOICE, "name": "Sally"})


def test_status_done() -> None:
    assert [s for s in Status if s.done()] == [Status.ERROR, Status.READY, Status.TIMEOUT]


def test_unknown_enum_value_does_not_break_the_answer() -> None:
    take = TakeResponse.from_dict(
        {"text": "x", "voice_id": "v", "take_id": "t", "status": "queued_for_gpu", "timestamp_ms": 1}
    )
    assert take.status == "queued_for_gpu"
    assert isinstance(take.status, Status) and not take.status.done()
    assert take.to_dict()["status"] == "queued_for_gpu"
