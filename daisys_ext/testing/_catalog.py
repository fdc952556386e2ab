"""The emulator's fixed catalogue of TTS models, shaped like the service's TTSModel answers."""

from __future__ import annotations

from typing import Any

MODELS: tuple[dict[str, Any], ...] = (
    {
        "name": "shakespeare",
        "displayname": "Shakespeare",
        "flags": [],
        "languages": ["en-GB"],
        "genders": ["female", "male"],
        "styles": [["base", "character", "narrator"]],
        "prosody_types": ["simple", "affect"],
        "voice_inputs": ["gender"],
    },
    {
        "name": "theatrical-v2",
        "displayname": "Theatrical v2",
        "flags": [],
        "languages": ["nl-NL", "en-GB"],
        "genders": ["female", "male", "nonbinary"],
        "styles": [["base", "narrator"]],
        "prosody_types": ["simple", "affect", "signal"],
        "voice_inputs": ["gender", "description"],
    },
)

EXAMPLE_TEXT = {
    "en-GB": "Hello, this is my voice. I hope you like it!",
    "nl-NL": "Hallo, dit is mijn stem. Ik hoop dat je hem mooi vindt!",
}
"""Default example take text per model's first language, used when a voice is generated without one."""

BASE_HZ = {"female": 210.0, "male": 120.0, "nonbinary": 165.0}
"""Fundamental frequency of the synthetic voice per gender."""


def model(name: str) -> dict[str, Any] | None:
    """The model called `name`, or None."""
    return next((m for m in MODELS if m["name"] == name), None)


def voice_problem(request: dict[str, Any]) -> tuple[int, Any] | None:
    """Why a validated VoiceGenerate cannot be served, as (status, detail): unknown model, unsupported gender."""
    found = model(request["model"])
    if found is None:
        return 404, f"Model {request['model']} not found"
    if request["gender"] not in found["genders"]:
        choices = ", ".join(found["genders"])
        msg = f"Value error, model {found['name']} does not support gender {request['gender']}; choose from {choices}"
        return 422, [{"type": "value_error", "loc": ["body", "gender"], "msg": msg, "input": request["gender"]}]
    return None
