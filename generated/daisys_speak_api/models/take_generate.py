from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from attrs import fields as _attrs_fields

from ..models.affect_prosody import AffectProsody
from ..models.signal_prosody import SignalProsody
from ..models.simple_prosody import SimpleProsody
from ..models.webhook import Webhook
from ..types import UNSET, Unset

T = TypeVar("T", bound="TakeGenerate")


@_attrs_define
class TakeGenerate:
    """Parameters necessary to generate a "take", an audio file containing an utterance of the given text by the given
    voice.

        Attributes:
            text (str): The text that the voice should say.
            voice_id (str): The id of the voice to be used for generating audio. The voice is attached to a specific model.
            override_language (None | str | Unset): Normally a language classifier is used to detect the language of the
                speech; this allows for multilingual sentences. However, if the language should be enforced, it should be
                provided here. Currently accepted values are "nl-NL" and "en-GB".
            style (list[str] | None | Unset): A list of styles to enable when speaking. Note that most styles are mutually
                exclusive, so a list of 1 value should be provided. Accepted styles can be retrieved from the associated voice's
                VoiceInfo.styles or the model's TTSModel.styles field. Note that not all models support styles, thus this can be
                left empty if specific styles are not desired.
            prosody (AffectProsody | None | SignalProsody | SimpleProsody | Unset): The characteristics of the desired
                speech not determined by the voice or style. Here you can provide a SimpleProsody or most models also accept the
                more detailed AffectProsody.
            status_webhook (None | Unset | Webhook): An optional URL to be called using POST whenever the take's status
                changes, with TakeResponse in the body content.
            done_webhook (None | Unset | Webhook): An optional URL to be called exactly once using POST when the take is
                READY, ERROR, or TIMEOUT, with TakeResponse in the body content.
            user_data (float | int | None | str | Unset): Optional data of the caller's own, stored with the take and
                returned unchanged in TakeResponse: a string of at most 256 characters, an integer or a number.
    """

    text: str
    voice_id: str
    override_language: None | str | Unset = UNSET
    style: list[str] | None | Unset = UNSET
    prosody: AffectProsody | None | SignalProsody | SimpleProsody | Unset = UNSET
    status_webhook: None | Unset | Webhook = UNSET
    done_webhook: None | Unset | Webhook = UNSET
    user_data: float | int | None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        voice_id = self.voice_id

        override_language: None | str | Unset
        if isinstance(self.override_language, Unset):
            override_language = UNSET
        else:
            override_language = self.override_language

        style: list[str] | None | Unset
        if isinstance(self.style, Unset):
            style = UNSET
        elif isinstance(self.style, list):
            style = self.style

        else:
            style = self.style

        prosody: dict[str, Any] | None | Unset
        if isinstance(self.prosody, Unset):
            prosody = UNSET
        elif (
            isinstance(self.prosody, SimpleProsody)
            or isinstance(self.prosody, AffectProsody)
            or isinstance(self.prosody, SignalProsody)
        ):
            prosody = self.prosody.to_dict()
        else:
            prosody = self.prosody

        status_webhook: dict[str, Any] | None | Unset
        if isinstance(self.status_webhook, Unset):
            status_webhook = UNSET
        elif isinstance(self.status_webhook, Webhook):
            status_webhook = self.status_webhook.to_dict()
        else:
            status_webhook = self.status_webhook

        done_webhook: dict[str, Any] | None | Unset
        if isinstance(self.done_webhook, Unset):
            done_webhook = UNSET
        elif isinstance(self.done_webhook, Webhook):
            done_webhook = self.done_webhook.to_dict()
        else:
            done_webhook = self.done_webhook

        user_data: float | int | None | str | Unset
        if isinstance(self.user_data, Unset):
            user_data = UNSET
        else:
            user_data = self.user_data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "voice_id": voice_id,
            }
        )
        if override_language is not UNSET:
            field_dict["override_language"] = override_language
        if style is not UNSET:
            field_dict["style"] = style
        if prosody is not UNSET:
            field_dict["prosody"] = prosody
        if status_webhook is not UNSET:
            field_dict["status_webhook"] = status_webhook
        if done_webhook is not UNSET:
            field_dict["done_webhook"] = done_webhook
        if user_data is not UNSET:
            field_dict["user_data"] = user_data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        text = d.pop("text")

        voice_id = d.pop("voice_id")

        def _parse_override_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        override_language = _parse_override_language(d.pop("override_language", UNSET))

        def _parse_style(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                style_type_0 = cast(list[str], data)

                return style_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        style = _parse_style(d.pop("style", UNSET))

        def _parse_prosody(
            data: object,
        ) -> AffectProsody | None | SignalProsody | SimpleProsody | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prosody_type_0 = SimpleProsody.from_dict(data)

                return prosody_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prosody_type_1 = AffectProsody.from_dict(data)

                return prosody_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prosody_type_2 = SignalProsody.from_dict(data)

                return prosody_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                AffectProsody | None | SignalProsody | SimpleProsody | Unset, data
            )

        prosody = _parse_prosody(d.pop("prosody", UNSET))

        def _parse_status_webhook(data: object) -> None | Unset | Webhook:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                status_webhook_type_0 = Webhook.from_dict(data)

                return status_webhook_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Webhook, data)

        status_webhook = _parse_status_webhook(d.pop("status_webhook", UNSET))

        def _parse_done_webhook(data: object) -> None | Unset | Webhook:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                done_webhook_type_0 = Webhook.from_dict(data)

                return done_webhook_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Webhook, data)

        done_webhook = _parse_done_webhook(d.pop("done_webhook", UNSET))

        def _parse_user_data(data: object) -> float | int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | int | None | str | Unset, data)

        user_data = _parse_user_data(d.pop("user_data", UNSET))

        take_generate = cls(
            text=text,
            voice_id=voice_id,
            override_language=override_language,
            style=style,
            prosody=prosody,
            status_webhook=status_webhook,
            done_webhook=done_webhook,
            user_data=user_data,
        )

        take_generate.additional_properties = d
        return take_generate

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

    # --- daisys_ext addition (generator/templates/model.py.jinja) ---
    # Users of the official SDK treat answers as pydantic models: dict(voice),
    # voice.model_dump(), voice.model_dump_json(). These few methods give every
    # generated model that behaviour without wrapping each one by hand.
    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(field, value)`` pairs as pydantic does, so ``dict(model)`` works; unset fields read as None."""
        for attribute in _attrs_fields(type(self)):
            if attribute.name != "additional_properties":
                value = getattr(self, attribute.name)
                yield attribute.name, None if isinstance(value, Unset) else value

    def __str__(self) -> str:
        """``field=value`` pairs, space-separated, as pydantic prints a model (``version=1 minor=0``)."""
        return " ".join(f"{name}={value!r}" for name, value in self)

    def model_dump(self) -> dict[str, Any]:
        """Return the model as JSON-compatible data with every field present (None when unset)."""
        data: dict[str, Any] = {name: None for name, _ in self}
        data.update(self.to_dict())
        return data

    def model_dump_json(self) -> str:
        """Return the model as a JSON document, as the service would send it."""
        return json.dumps(self.to_dict())
