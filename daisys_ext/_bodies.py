"""From the clients' method arguments to the generated request models, and back from their answers.

Both the REST clients and the websocket sessions build their request bodies here, so the
checks of the caller's arguments live here too: an argument the service would refuse, or
would take in a way the caller cannot have meant (an empty text, a prosody level of 99, a
``voice_id`` of ``None``), raises ``DaisysInputError`` before anything is sent. Each
message names the argument and says what was wrong with it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from daisys_speak_api.models import (
    AffectProsody,
    AudioFormat,
    SignalProsody,
    SimpleProsody,
    TakeGenerate,
    TakeGenerateWithoutVoice,
    VoiceGender,
    VoiceGenerate,
    VoiceUpdate,
    Webhook,
)
from daisys_speak_api.types import UNSET, Unset

from ._errors import DaisysInputError

Prosody = SimpleProsody | AffectProsody | SignalProsody
UserData = str | int | float
T = TypeVar("T")

AUDIO_FORMATS = tuple(f.value for f in AudioFormat)
USER_DATA_MAX = 256
PROSODY_MIN, PROSODY_MAX = -10, 10
# The levels of each prosody model, in the order the service declares the union; each is documented as -10 to 10.
PROSODY_FIELDS: tuple[tuple[type[Prosody], tuple[str, ...]], ...] = (
    (SimpleProsody, ("pitch", "pace", "expression")),
    (AffectProsody, ("pitch", "pace", "valence", "dominance", "arousal")),
    (SignalProsody, ("pitch", "pace", "tilt", "pitch_range")),
)


def _given(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def _kind(value: object) -> str:
    """The type of ``value`` for a message; qualified unless built in (the SDK's SimpleProsody is not ours)."""
    cls = type(value)
    if value is None or cls.__module__ == "builtins":
        return "None" if value is None else cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


# -- checks of single arguments -------------------------------------------------------------------------------------


def _text(value: object, argument: str) -> str:
    """Something to speak: a string with more than whitespace in it."""
    if not isinstance(value, str):
        raise DaisysInputError(f"{argument} must be a string (the text to speak), not {_kind(value)}.")
    if not value.strip():
        what = "empty" if not value else "only whitespace"
        raise DaisysInputError(f"{argument} is {what}: there is nothing to speak.")
    return value


def _identifier(value: object, argument: str) -> str:
    """An id or a name the service looks up: a non-empty string."""
    if not isinstance(value, str):
        raise DaisysInputError(f"{argument} must be a string, not {_kind(value)} ({value!r}).")
    if not value.strip():
        raise DaisysInputError(f"{argument} is empty.")
    return value


def _optional_string(value: object, argument: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise DaisysInputError(f"{argument} must be a string or None, not {_kind(value)}.")
    return value


def _styles(value: object, argument: str) -> list[str] | None:
    """A list of style names (a lone string is a mistake: the service wants a list)."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise DaisysInputError(f"{argument} must be a list of style names, such as ['narrator'], not {value!r}.")
    for item in value:
        if not isinstance(item, str):
            raise DaisysInputError(f"{argument} must hold style names (strings); {item!r} is a {_kind(item)}.")
    return list(value)


def _prosody(value: object, argument: str) -> Prosody | None:
    """A prosody model whose levels are integers from -10 to 10; a dict with one model's keys is taken as that model."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _prosody_from_mapping(value, argument)
    for cls, fields in PROSODY_FIELDS:
        if isinstance(value, cls):
            for name in fields:
                _level(getattr(value, name), f"{argument}.{name}")
            return value
    raise DaisysInputError(f"{argument} must be a SimpleProsody, AffectProsody or SignalProsody, not {_kind(value)}.")


def _prosody_from_mapping(value: Mapping[Any, Any], argument: str) -> Prosody:
    keys = set(value)
    for cls, fields in PROSODY_FIELDS:
        if keys == set(fields):
            for name in fields:
                _level(value[name], f"{argument}[{name!r}]")
            return cls.from_dict(value)
    expected = "; ".join(", ".join(fields) for _, fields in PROSODY_FIELDS)
    raise DaisysInputError(
        f"{argument} has the keys {sorted(keys, key=str)}; expected exactly one of these sets: {expected}."
    )


def _level(value: object, argument: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DaisysInputError(
            f"{argument} must be an integer from {PROSODY_MIN} to {PROSODY_MAX}, not {_kind(value)} ({value!r})."
        )
    if not PROSODY_MIN <= value <= PROSODY_MAX:
        raise DaisysInputError(f"{argument} is {value}, outside the documented range {PROSODY_MIN} to {PROSODY_MAX}.")


def _user_data(value: object, argument: str = "user_data") -> UserData | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DaisysInputError(f"{argument} must be a string, an integer or a number, not {_kind(value)}.")
    if isinstance(value, str) and len(value) > USER_DATA_MAX:
        raise DaisysInputError(f"{argument} is {len(value)} characters long; at most {USER_DATA_MAX} are allowed.")
    return value


def _gender(value: object, argument: str) -> VoiceGender:
    if isinstance(value, VoiceGender):
        return value
    choices = tuple(g.value for g in VoiceGender)
    if isinstance(value, str) and value in choices:
        return VoiceGender(value)
    raise DaisysInputError(f"{argument} {value!r} is not a voice gender; expected one of {', '.join(choices)}.")


def webhook(url: object, argument: str = "webhook") -> Webhook | Unset:
    """A webhook as the service's models declare it, a ``Webhook`` object; a caller may give just its URL."""
    if url is None:
        return UNSET
    if isinstance(url, Webhook):
        if not isinstance(url.post_url, str) or not url.post_url.strip():
            raise DaisysInputError(f"{argument}.post_url must be a non-empty URL string, not {url.post_url!r}.")
        return url
    if isinstance(url, str):
        if not url.strip():
            raise DaisysInputError(f"{argument} is empty; give the URL to POST to, or None.")
        return Webhook(post_url=url)
    raise DaisysInputError(f"{argument} must be a URL string or a Webhook, not {_kind(url)}.")


TakeModel = TypeVar("TakeModel", TakeGenerate, TakeGenerateWithoutVoice)


def _checked_take(take: TakeModel, prefix: str) -> TakeModel:
    """A copy of a ready-made take request, checked as ``take_generate`` checks its arguments.

    A webhook given as a plain URL string is turned into a ``Webhook``; the caller's object is left as it was.
    """
    checked = copy.copy(take)
    checked.additional_properties = dict(take.additional_properties)
    if isinstance(checked, TakeGenerate):
        _identifier(checked.voice_id, f"{prefix}voice_id")
    _text(checked.text, f"{prefix}text")
    checked.override_language = _field(
        checked.override_language, lambda v: _optional_string(v, f"{prefix}override_language")
    )
    checked.style = _field(checked.style, lambda v: _styles(v, f"{prefix}style"))
    checked.prosody = _field(checked.prosody, lambda v: _prosody(v, f"{prefix}prosody"))
    checked.status_webhook = _field(checked.status_webhook, lambda v: webhook(v, f"{prefix}status_webhook"))
    checked.done_webhook = _field(checked.done_webhook, lambda v: webhook(v, f"{prefix}done_webhook"))
    checked.user_data = _field(checked.user_data, lambda v: _user_data(v, f"{prefix}user_data"))
    return checked


def _example_take(value: object) -> TakeGenerateWithoutVoice | None:
    """The voice's example take, checked like a take (a dict is read as one)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = TakeGenerateWithoutVoice.from_dict(value)
    if not isinstance(value, TakeGenerateWithoutVoice):
        raise DaisysInputError(f"example_take must be a TakeGenerateWithoutVoice, not {_kind(value)}.")
    return _checked_take(value, "example_take.")


def _field(value: T | Unset | None, check: Callable[[T], Any]) -> Any:
    """``check(value)`` for a value given, the value itself when it is None or unset."""
    return value if value is None or isinstance(value, Unset) else check(value)


# -- bodies ---------------------------------------------------------------------------------------------------------


def audio_format(value: str) -> AudioFormat:
    """The format as the spec's enum; an unknown one is refused before anything is sent."""
    if value not in AUDIO_FORMATS:
        raise DaisysInputError(f"Unknown audio format {value!r}; expected one of {', '.join(AUDIO_FORMATS)}.")
    return AudioFormat(value)


def take_generate(
    voice_id: object,
    text: object,
    override_language: object = None,
    style: object = None,
    prosody: object = None,
    status_webhook: object = None,
    done_webhook: object = None,
    user_data: object = None,
) -> TakeGenerate:
    """The body of a take generation, each argument checked.

    The parameters are those of the public ``generate_take`` methods (REST and websocket), in their order (the
    official SDK's), so that each method hands its own on as they stand, by position. They are ``object``: this is
    where a value of any type is checked; the static types are the public signatures'.
    """
    return TakeGenerate(
        voice_id=_identifier(voice_id, "voice_id"),
        text=_text(text, "text"),
        override_language=_given(_optional_string(override_language, "override_language")),
        style=_given(_styles(style, "style")),
        prosody=_given(_prosody(prosody, "prosody")),
        status_webhook=webhook(status_webhook, "status_webhook"),
        done_webhook=webhook(done_webhook, "done_webhook"),
        user_data=_given(_user_data(user_data)),
    )


def checked_takes(takes: Sequence[TakeGenerate]) -> list[TakeGenerate]:
    """Ready-made take requests (``generate_takes``), checked as ``take_generate`` checks its arguments.

    A message names the request by its position: ``request[2].text is empty: ...``.
    """
    if isinstance(takes, TakeGenerate) or not isinstance(takes, Sequence):
        raise DaisysInputError(f"request must be a list of TakeGenerate, not {_kind(takes)}.")
    if not takes:
        raise DaisysInputError("request is an empty list: there is no take to generate.")
    checked = []
    for i, take in enumerate(takes):
        if not isinstance(take, TakeGenerate):
            raise DaisysInputError(f"request[{i}] must be a TakeGenerate, not {_kind(take)}.")
        checked.append(_checked_take(take, f"request[{i}]."))
    return checked


def voice_generate(
    name: object,
    model: object,
    gender: object,
    description: object = None,
    default_style: object = None,
    default_prosody: object = None,
    example_take: object = None,
    done_webhook: object = None,
) -> VoiceGenerate:
    """The body of a voice generation, each argument checked; the parameters as for `take_generate`."""
    if not isinstance(name, str):
        raise DaisysInputError(f"name must be a string, not {_kind(name)}.")
    return VoiceGenerate(
        name=name,
        model=_identifier(model, "model"),
        gender=_gender(gender, "gender"),
        description=_given(_optional_string(description, "description")),
        default_style=_given(_styles(default_style, "default_style")),
        default_prosody=_given(_prosody(default_prosody, "default_prosody")),
        example_take=_given(_example_take(example_take)),
        done_webhook=webhook(done_webhook, "done_webhook"),
    )


def voice_update(
    name: str | None = None,
    gender: VoiceGender | str | None = None,
    description: str | None = None,
    default_style: list[str] | None = None,
    default_prosody: Prosody | None = None,
) -> VoiceUpdate:
    return VoiceUpdate(
        name=_given(_optional_string(name, "name")),
        gender=UNSET if gender is None else _gender(gender, "gender"),
        description=_given(_optional_string(description, "description")),
        default_style=_given(_styles(default_style, "default_style")),
        default_prosody=_given(_prosody(default_prosody, "default_prosody")),
    )


def ids_query(ids: Sequence[str] | str | None) -> str | Unset:
    """The comma-separated id list the list routes take."""
    if ids is None:
        return UNSET
    return ids if isinstance(ids, str) else ",".join(ids)
