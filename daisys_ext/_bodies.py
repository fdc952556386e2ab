"""From the clients' method arguments to the generated request models, and back from their answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

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


def _given(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def webhook(url: str | Webhook | None) -> Webhook | Unset:
    if url is None:
        return UNSET
    return url if isinstance(url, Webhook) else Webhook(post_url=url)


def audio_format(value: str) -> AudioFormat:
    """The format as the spec's enum; an unknown one is refused before anything is sent."""
    if value not in AUDIO_FORMATS:
        raise DaisysInputError(f"Unknown audio format {value!r}; expected one of {', '.join(AUDIO_FORMATS)}.")
    return AudioFormat(value)


def take_generate(
    voice_id: str,
    text: str,
    *,
    override_language: str | None = None,
    style: list[str] | None = None,
    prosody: Prosody | None = None,
    status_webhook: str | Webhook | None = None,
    done_webhook: str | Webhook | None = None,
    user_data: UserData | None = None,
) -> TakeGenerate:
    if isinstance(user_data, str) and len(user_data) > 256:
        raise DaisysInputError(f"user_data is {len(user_data)} characters long; at most 256 are allowed.")
    return TakeGenerate(
        voice_id=voice_id,
        text=text,
        override_language=_given(override_language),
        style=_given(style),
        prosody=_given(prosody),
        status_webhook=webhook(status_webhook),
        done_webhook=webhook(done_webhook),
        user_data=_given(user_data),
    )


def voice_generate(
    name: str,
    model: str,
    gender: VoiceGender | str,
    *,
    description: str | None = None,
    default_style: list[str] | None = None,
    default_prosody: Prosody | None = None,
    example_take: TakeGenerateWithoutVoice | None = None,
    done_webhook: str | Webhook | None = None,
) -> VoiceGenerate:
    return VoiceGenerate(
        name=name,
        model=model,
        gender=VoiceGender(gender),
        description=_given(description),
        default_style=_given(default_style),
        default_prosody=_given(default_prosody),
        example_take=_given(example_take),
        done_webhook=webhook(done_webhook),
    )


def voice_update(
    name: str | None = None,
    gender: VoiceGender | str | None = None,
    description: str | None = None,
    default_style: list[str] | None = None,
    default_prosody: Prosody | None = None,
) -> VoiceUpdate:
    return VoiceUpdate(
        name=_given(name),
        gender=UNSET if gender is None else VoiceGender(gender),
        description=_given(description),
        default_style=_given(default_style),
        default_prosody=_given(default_prosody),
    )


def ids_query(ids: Sequence[str] | str | None) -> str | Unset:
    """The comma-separated id list the list routes take."""
    if ids is None:
        return UNSET
    return ids if isinstance(ids, str) else ",".join(ids)
