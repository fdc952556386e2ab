"""Request validation answering like FastAPI/pydantic v2: each problem becomes a `{"type","loc","msg","input"}` dict.

Validators return the normalized value (every optional field present, webhooks in full object form) and append errors
to a list; a non-empty list means the request deserves a 422 with `{"detail": errors}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Loc = tuple[str | int, ...]
Errors = list[dict[str, Any]]

GENDERS = ("male", "female", "nonbinary")
FORMATS = ("wav", "mp3", "flac", "m4a", "webm")
# Union members in the service's declaration order; extra keys are ignored, as pydantic does by default.
PROSODY_FIELDS: dict[str, tuple[str, ...]] = {
    "SimpleProsody": ("pitch", "pace", "expression"),
    "AffectProsody": ("pitch", "pace", "valence", "dominance", "arousal"),
    "SignalProsody": ("pitch", "pace", "tilt", "pitch_range"),
}
PROSODY_TYPES = {"SimpleProsody": "simple", "AffectProsody": "affect", "SignalProsody": "signal"}
USER_DATA_MAX = 256
_MISSING = object()


def error(kind: str, loc: Loc, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    """One error entry in FastAPI's shape."""
    entry: dict[str, Any] = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
    if ctx is not None:
        entry["ctx"] = ctx
    return entry


def _expected(choices: Sequence[str]) -> str:
    quoted = [f"'{c}'" for c in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def enum_value(value: Any, loc: Loc, errors: Errors, choices: Sequence[str]) -> str | None:
    """A string among `choices`, else an `enum` error."""
    if isinstance(value, str) and value in choices:
        return value
    expected = _expected(choices)
    errors.append(error("enum", loc, f"Input should be {expected}", value, {"expected": expected}))
    return None


def string(value: Any, loc: Loc, errors: Errors, max_length: int | None = None) -> str | None:
    """A JSON string (pydantic does not coerce numbers to strings)."""
    if not isinstance(value, str):
        errors.append(error("string_type", loc, "Input should be a valid string", value))
        return None
    if max_length is not None and len(value) > max_length:
        errors.append(
            error(
                "string_too_long",
                loc,
                f"String should have at most {max_length} characters",
                value,
                {"max_length": max_length},
            )
        )
        return None
    return value


def integer(value: Any, loc: Loc, errors: Errors, ge: int | None = None, le: int | None = None) -> int | None:
    """An integer in lax mode: integral floats and numeric strings pass, as in pydantic."""
    result: int | None = None
    if isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if value.is_integer():
            result = int(value)
        else:
            msg = "Input should be a valid integer, got a number with a fractional part"
            errors.append(error("int_from_float", loc, msg, value))
            return None
    elif isinstance(value, str):
        try:
            result = int(value.strip())
        except ValueError:
            msg = "Input should be a valid integer, unable to parse string as an integer"
            errors.append(error("int_parsing", loc, msg, value))
            return None
    else:
        errors.append(error("int_type", loc, "Input should be a valid integer", value))
        return None
    if ge is not None and result < ge:
        errors.append(
            error("greater_than_equal", loc, f"Input should be greater than or equal to {ge}", value, {"ge": ge})
        )
        return None
    if le is not None and result > le:
        errors.append(error("less_than_equal", loc, f"Input should be less than or equal to {le}", value, {"le": le}))
        return None
    return result


def string_list(value: Any, loc: Loc, errors: Errors) -> list[str] | None:
    """A list of strings."""
    if not isinstance(value, list):
        errors.append(error("list_type", loc, "Input should be a valid list", value))
        return None
    before = len(errors)
    items = [string(item, (*loc, i), errors) for i, item in enumerate(value)]
    return None if len(errors) > before else [i for i in items if i is not None]


def obj(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """A JSON object, else pydantic's `model_attributes_type`."""
    if isinstance(value, dict):
        return value
    msg = "Input should be a valid dictionary or object to extract fields from"
    errors.append(error("model_attributes_type", loc, msg, value))
    return None


def prosody(value: Any, loc: Loc, errors: Errors) -> dict[str, int] | None:
    """One of the three prosody models; the member matching the most given fields wins (pydantic's smart union)."""
    if value is None:
        return None
    candidates: list[tuple[int, dict[str, int]]] = []
    member_errors: Errors = []
    for name, fields in PROSODY_FIELDS.items():
        errs: Errors = []
        data = obj(value, (*loc, name), errs)
        result: dict[str, int] = {}
        if data is not None:
            for field in fields:
                if field not in data:
                    errs.append(error("missing", (*loc, name, field), "Field required", data))
                    continue
                number = integer(data[field], (*loc, name, field), errs, ge=-10, le=10)
                if number is not None:
                    result[field] = number
        if errs:
            member_errors += errs
        else:
            candidates.append((len(fields), result))
    if candidates:
        return max(candidates, key=lambda c: c[0])[1]
    errors.extend(member_errors)
    return None


def prosody_type(value: dict[str, int]) -> str:
    """The ProsodyType name ("simple", "affect", "signal") of a validated prosody."""
    for name, fields in PROSODY_FIELDS.items():
        if tuple(value) == fields:
            return PROSODY_TYPES[name]
    return "simple"


def webhook(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """A `Webhook` object (`{"post_url": ...}`), answered in its full form.

    The service's models (and the official SDK's) declare webhooks as `Webhook` objects only, so a plain URL
    string is refused as pydantic refuses it: `model_attributes_type` (FastAPI validates with from_attributes).
    Only the documentation's older JSON input examples show plain strings.
    """
    if value is None:
        return None
    data = obj(value, loc, errors)
    if data is None:
        return None
    if "post_url" not in data:
        errors.append(error("missing", (*loc, "post_url"), "Field required", data))
        return None
    url = string(data["post_url"], (*loc, "post_url"), errors)
    return None if url is None else {"post_url": url, "timestamp_ms": None, "status_code": None}


def user_data(value: Any, loc: Loc, errors: Errors) -> str | int | float | None:
    """`str (<= 256 chars) | int | float | None`, with the per-member errors of a pydantic union."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and len(value) <= USER_DATA_MAX:
        return value
    attempts: Errors = []
    string(value, (*loc, "constrained-str"), attempts, max_length=USER_DATA_MAX)
    attempts.append(error("int_type", (*loc, "int"), "Input should be a valid integer", value))
    attempts.append(error("float_type", (*loc, "float"), "Input should be a valid number", value))
    errors.extend(attempts)
    return None


Check = Callable[[Any, Loc, Errors], Any]


def _required(data: dict[str, Any], key: str, loc: Loc, errors: Errors, check: Check) -> Any:
    """``data[key]`` checked by ``check``; where it is absent, FastAPI's "Field required" error and None."""
    if key not in data:
        errors.append(error("missing", (*loc, key), "Field required", data))
        return None
    return check(data[key], (*loc, key), errors)


def _nullable(data: dict[str, Any], key: str, loc: Loc, errors: Errors, check: Check) -> Any:
    """``data[key]`` checked by ``check``, or None where it is absent or null."""
    value = data.get(key)
    return None if value is None else check(value, (*loc, key), errors)


def _gender(value: Any, loc: Loc, errors: Errors) -> str | None:
    return enum_value(value, loc, errors, GENDERS)


def take_without_voice(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """TakeGenerateWithoutVoice, normalized with every field present."""
    data = obj(value, loc, errors)
    if data is None:
        return None
    before = len(errors)
    result: dict[str, Any] = {"text": _required(data, "text", loc, errors, string)}
    result["override_language"] = _nullable(data, "override_language", loc, errors, string)
    result["style"] = _nullable(data, "style", loc, errors, string_list)
    result["prosody"] = prosody(data.get("prosody"), (*loc, "prosody"), errors)
    result["status_webhook"] = webhook(data.get("status_webhook"), (*loc, "status_webhook"), errors)
    result["done_webhook"] = webhook(data.get("done_webhook"), (*loc, "done_webhook"), errors)
    result["user_data"] = user_data(data.get("user_data"), (*loc, "user_data"), errors)
    return None if len(errors) > before else result


def take_generate(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """TakeGenerate: TakeGenerateWithoutVoice plus `voice_id`."""
    before = len(errors)
    result = take_without_voice(value, loc, errors)
    if isinstance(value, dict):
        if "voice_id" not in value:
            errors.append(error("missing", (*loc, "voice_id"), "Field required", value))
        else:
            voice_id = string(value["voice_id"], (*loc, "voice_id"), errors)
            if result is not None:
                result["voice_id"] = voice_id
    return None if len(errors) > before or result is None else result


def voice_generate(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """VoiceGenerate, normalized with every field present."""
    data = obj(value, loc, errors)
    if data is None:
        return None
    before = len(errors)
    result: dict[str, Any] = {key: _required(data, key, loc, errors, string) for key in ("name", "model")}
    result["gender"] = _required(data, "gender", loc, errors, _gender)
    result["description"] = _nullable(data, "description", loc, errors, string)
    result["default_style"] = _nullable(data, "default_style", loc, errors, string_list)
    result["default_prosody"] = prosody(data.get("default_prosody"), (*loc, "default_prosody"), errors)
    result["example_take"] = _nullable(data, "example_take", loc, errors, take_without_voice)
    result["done_webhook"] = webhook(data.get("done_webhook"), (*loc, "done_webhook"), errors)
    return None if len(errors) > before else result


# VoiceUpdate's fields (plus `description`) and how each is checked; a field absent or null is left as it is.
_VOICE_UPDATE: tuple[tuple[str, Check], ...] = (
    ("name", string),
    ("gender", _gender),
    ("description", string),
    ("default_style", string_list),
    ("default_prosody", prosody),
)


def voice_update(value: Any, loc: Loc, errors: Errors) -> dict[str, Any] | None:
    """VoiceUpdate (plus `description`): only the fields given, validated."""
    data = obj(value, loc, errors)
    if data is None:
        return None
    before = len(errors)
    result = {key: check(data[key], (*loc, key), errors) for key, check in _VOICE_UPDATE if data.get(key) is not None}
    return None if len(errors) > before else result


def describe(errors: Errors) -> str:
    """A one-line human summary of validation errors (for the websocket worker's error messages)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
