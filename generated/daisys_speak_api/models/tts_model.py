from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from attrs import fields as _attrs_fields

from ..models.prosody_type import ProsodyType
from ..models.voice_gender import VoiceGender
from ..models.voice_input_type import VoiceInputType
from ..types import UNSET, Unset

T = TypeVar("T", bound="TTSModel")


@_attrs_define
class TTSModel:
    """Information about a speech model.

    Attributes:
        name (str): The unique identifier of this model.
        displayname (str): A friendlier name that might contain spaces.
        languages (list[str]): A list of languages supported by this model.
        genders (list[VoiceGender]): A list of genders supported by this model.
        prosody_types (list[ProsodyType]): A list of which prosody types are supported by this model.
        flags (list[str] | Unset): A list of flags that indicate some features of this model.
        styles (list[list[str]] | Unset): A list of style sets; each sublist is a list of mutually exlusive style tags.
        voice_inputs (list[VoiceInputType] | None | Unset): A list of which voice input types are supported by this
            model.
    """

    name: str
    displayname: str
    languages: list[str]
    genders: list[VoiceGender]
    prosody_types: list[ProsodyType]
    flags: list[str] | Unset = UNSET
    styles: list[list[str]] | Unset = UNSET
    voice_inputs: list[VoiceInputType] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        displayname = self.displayname

        languages = self.languages

        genders = []
        for genders_item_data in self.genders:
            genders_item = genders_item_data.value
            genders.append(genders_item)

        prosody_types = []
        for prosody_types_item_data in self.prosody_types:
            prosody_types_item = prosody_types_item_data.value
            prosody_types.append(prosody_types_item)

        flags: list[str] | Unset = UNSET
        if not isinstance(self.flags, Unset):
            flags = self.flags

        styles: list[list[str]] | Unset = UNSET
        if not isinstance(self.styles, Unset):
            styles = []
            for styles_item_data in self.styles:
                styles_item = styles_item_data

                styles.append(styles_item)

        voice_inputs: list[str] | None | Unset
        if isinstance(self.voice_inputs, Unset):
            voice_inputs = UNSET
        elif isinstance(self.voice_inputs, list):
            voice_inputs = []
            for voice_inputs_type_0_item_data in self.voice_inputs:
                voice_inputs_type_0_item = voice_inputs_type_0_item_data.value
                voice_inputs.append(voice_inputs_type_0_item)

        else:
            voice_inputs = self.voice_inputs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "displayname": displayname,
                "languages": languages,
                "genders": genders,
                "prosody_types": prosody_types,
            }
        )
        if flags is not UNSET:
            field_dict["flags"] = flags
        if styles is not UNSET:
            field_dict["styles"] = styles
        if voice_inputs is not UNSET:
            field_dict["voice_inputs"] = voice_inputs

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        displayname = d.pop("displayname")

        languages = cast(list[str], d.pop("languages"))

        genders = []
        _genders = d.pop("genders")
        for genders_item_data in _genders:
            genders_item = VoiceGender(genders_item_data)

            genders.append(genders_item)

        prosody_types = []
        _prosody_types = d.pop("prosody_types")
        for prosody_types_item_data in _prosody_types:
            prosody_types_item = ProsodyType(prosody_types_item_data)

            prosody_types.append(prosody_types_item)

        flags = cast(list[str], d.pop("flags", UNSET))

        _styles = d.pop("styles", UNSET)
        styles: list[list[str]] | Unset = UNSET
        if _styles is not UNSET:
            styles = []
            for styles_item_data in _styles:
                styles_item = cast(list[str], styles_item_data)

                styles.append(styles_item)

        def _parse_voice_inputs(data: object) -> list[VoiceInputType] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                voice_inputs_type_0 = []
                _voice_inputs_type_0 = data
                for voice_inputs_type_0_item_data in _voice_inputs_type_0:
                    voice_inputs_type_0_item = VoiceInputType(
                        voice_inputs_type_0_item_data
                    )

                    voice_inputs_type_0.append(voice_inputs_type_0_item)

                return voice_inputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[VoiceInputType] | None | Unset, data)

        voice_inputs = _parse_voice_inputs(d.pop("voice_inputs", UNSET))

        tts_model = cls(
            name=name,
            displayname=displayname,
            languages=languages,
            genders=genders,
            prosody_types=prosody_types,
            flags=flags,
            styles=styles,
            voice_inputs=voice_inputs,
        )

        tts_model.additional_properties = d
        return tts_model

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
