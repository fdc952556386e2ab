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
from ..models.status import Status
from ..models.take_generate_without_voice import TakeGenerateWithoutVoice
from ..models.voice_gender import VoiceGender
from ..models.webhook import Webhook
from ..types import UNSET, Unset

T = TypeVar("T", bound="VoiceInfo")


@_attrs_define
class VoiceInfo:
    """Information about a voice.

    Attributes:
        name (str): A name to give the voice, may be any string, and does not need to be unique.
        model (str): The name of the model for this voice. Refers to the name entry in TTSModel.
        gender (VoiceGender): Represents the gender of a voice.
        voice_id (str): The unique identifier of this voice.
        status (Status): Represents the status of a take or voice generation process. WAITING: item is waiting to be
            processed. STARTED: processing has started for this item. PROGRESS_25, PROGRESS_50, PROGRESS_75: item has been
            25%, 50% or 75% processed. READY: item is ready to be used; for takes, audio is available. ERROR: an error
            occurred during processing of this item. TIMEOUT: processing did not finish for this item; used for very long
            intervals (an item in the queue for more than a day, and therefore removed), not for a few seconds or minutes.
        timestamp_ms (int): The timestamp that this voice generation was requested, in milliseconds since epoch.
        description (None | str | Unset): A description of this voice.
        default_style (list[str] | None | Unset): An optional list of styles to associate with this voice by default. It
            can be overriden by a take that uses this voice. Note that most styles are mutually exclusive, and not all
            models support styles.
        default_prosody (AffectProsody | None | SignalProsody | SimpleProsody | Unset): An optional default prosody to
            associate with this voice. It can be overridden by a take that uses this voice.
        example_take (None | TakeGenerateWithoutVoice | Unset): Parameters for an example take to generate for this
            voice. If not provided, a default example text will be used, depending on the language of the model.
        status_webhook (None | Unset | Webhook): Printed (as null) in the documentation's GET /voices output, though the
            voice models of the official client do not declare it and VoiceGenerate does not take it; when set, a Webhook
            object like done_webhook.
        done_webhook (None | Unset | Webhook): An optional URL to call using POST when the voice is available, with the
            response of VoiceInfo in the body content. This shall be called once, after the voice and example take have been
            generated.
        example_take_id (None | str | Unset): An optional identifier for a take that represents an example of this
            voice.
    """

    name: str
    model: str
    gender: VoiceGender
    voice_id: str
    status: Status
    timestamp_ms: int
    description: None | str | Unset = UNSET
    default_style: list[str] | None | Unset = UNSET
    default_prosody: AffectProsody | None | SignalProsody | SimpleProsody | Unset = (
        UNSET
    )
    example_take: None | TakeGenerateWithoutVoice | Unset = UNSET
    status_webhook: None | Unset | Webhook = UNSET
    done_webhook: None | Unset | Webhook = UNSET
    example_take_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        model = self.model

        gender = self.gender.value

        voice_id = self.voice_id

        status = self.status.value

        timestamp_ms = self.timestamp_ms

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        default_style: list[str] | None | Unset
        if isinstance(self.default_style, Unset):
            default_style = UNSET
        elif isinstance(self.default_style, list):
            default_style = self.default_style

        else:
            default_style = self.default_style

        default_prosody: dict[str, Any] | None | Unset
        if isinstance(self.default_prosody, Unset):
            default_prosody = UNSET
        elif (
            isinstance(self.default_prosody, SimpleProsody)
            or isinstance(self.default_prosody, AffectProsody)
            or isinstance(self.default_prosody, SignalProsody)
        ):
            default_prosody = self.default_prosody.to_dict()
        else:
            default_prosody = self.default_prosody

        example_take: dict[str, Any] | None | Unset
        if isinstance(self.example_take, Unset):
            example_take = UNSET
        elif isinstance(self.example_take, TakeGenerateWithoutVoice):
            example_take = self.example_take.to_dict()
        else:
            example_take = self.example_take

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

        example_take_id: None | str | Unset
        if isinstance(self.example_take_id, Unset):
            example_take_id = UNSET
        else:
            example_take_id = self.example_take_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "model": model,
                "gender": gender,
                "voice_id": voice_id,
                "status": status,
                "timestamp_ms": timestamp_ms,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if default_style is not UNSET:
            field_dict["default_style"] = default_style
        if default_prosody is not UNSET:
            field_dict["default_prosody"] = default_prosody
        if example_take is not UNSET:
            field_dict["example_take"] = example_take
        if status_webhook is not UNSET:
            field_dict["status_webhook"] = status_webhook
        if done_webhook is not UNSET:
            field_dict["done_webhook"] = done_webhook
        if example_take_id is not UNSET:
            field_dict["example_take_id"] = example_take_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        model = d.pop("model")

        gender = VoiceGender(d.pop("gender"))

        voice_id = d.pop("voice_id")

        status = Status(d.pop("status"))

        timestamp_ms = d.pop("timestamp_ms")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_default_style(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                default_style_type_0 = cast(list[str], data)

                return default_style_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        default_style = _parse_default_style(d.pop("default_style", UNSET))

        def _parse_default_prosody(
            data: object,
        ) -> AffectProsody | None | SignalProsody | SimpleProsody | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                default_prosody_type_0 = SimpleProsody.from_dict(data)

                return default_prosody_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                default_prosody_type_1 = AffectProsody.from_dict(data)

                return default_prosody_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                default_prosody_type_2 = SignalProsody.from_dict(data)

                return default_prosody_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                AffectProsody | None | SignalProsody | SimpleProsody | Unset, data
            )

        default_prosody = _parse_default_prosody(d.pop("default_prosody", UNSET))

        def _parse_example_take(
            data: object,
        ) -> None | TakeGenerateWithoutVoice | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_take_type_0 = TakeGenerateWithoutVoice.from_dict(data)

                return example_take_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TakeGenerateWithoutVoice | Unset, data)

        example_take = _parse_example_take(d.pop("example_take", UNSET))

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

        def _parse_example_take_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        example_take_id = _parse_example_take_id(d.pop("example_take_id", UNSET))

        voice_info = cls(
            name=name,
            model=model,
            gender=gender,
            voice_id=voice_id,
            status=status,
            timestamp_ms=timestamp_ms,
            description=description,
            default_style=default_style,
            default_prosody=default_prosody,
            example_take=example_take,
            status_webhook=status_webhook,
            done_webhook=done_webhook,
            example_take_id=example_take_id,
        )

        voice_info.additional_properties = d
        return voice_info

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
