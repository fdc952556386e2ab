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
from ..models.voice_gender import VoiceGender
from ..types import UNSET, Unset

T = TypeVar("T", bound="VoiceUpdate")


@_attrs_define
class VoiceUpdate:
    """Update parameters of a voice.

    Attributes:
        name (None | str | Unset): A name to give the voice, may be any string, and does not need to be unique.
        gender (None | Unset | VoiceGender): The gender of this voice.
        description (None | str | Unset): A description of this voice.
        default_style (list[str] | None | Unset): An optional list of styles to associate with this voice by default. It
            can be overriden by a take that uses this voice. Note that most styles are mutually exclusive, and not all
            models support styles.
        default_prosody (AffectProsody | None | SignalProsody | SimpleProsody | Unset): An optional default prosody to
            associate with this voice. It can be overridden by a take that uses this voice.
    """

    name: None | str | Unset = UNSET
    gender: None | Unset | VoiceGender = UNSET
    description: None | str | Unset = UNSET
    default_style: list[str] | None | Unset = UNSET
    default_prosody: AffectProsody | None | SignalProsody | SimpleProsody | Unset = (
        UNSET
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        gender: None | str | Unset
        if isinstance(self.gender, Unset):
            gender = UNSET
        elif isinstance(self.gender, VoiceGender):
            gender = self.gender.value
        else:
            gender = self.gender

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if gender is not UNSET:
            field_dict["gender"] = gender
        if description is not UNSET:
            field_dict["description"] = description
        if default_style is not UNSET:
            field_dict["default_style"] = default_style
        if default_prosody is not UNSET:
            field_dict["default_prosody"] = default_prosody

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_gender(data: object) -> None | Unset | VoiceGender:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                gender_type_0 = VoiceGender(data)

                return gender_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VoiceGender, data)

        gender = _parse_gender(d.pop("gender", UNSET))

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

        voice_update = cls(
            name=name,
            gender=gender,
            description=description,
            default_style=default_style,
            default_prosody=default_prosody,
        )

        voice_update.additional_properties = d
        return voice_update

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
