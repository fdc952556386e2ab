from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from attrs import fields as _attrs_fields

from ..types import Unset

T = TypeVar("T", bound="TakeInfo")


@_attrs_define
class TakeInfo:
    """Some information available when a take is READY, attached to the TakeResponse.

    Attributes:
        duration (int): The length of the audio in samples. To get the length in seconds, divide by audio_rate.
        audio_rate (int): The number of samples per second in the audio.
        normalized_text (list[str]): The text used for text-to-speech after normalization, ie. translated from "as
            written" to "as spoken". Provided as a list of sentences.
    """

    duration: int
    audio_rate: int
    normalized_text: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration = self.duration

        audio_rate = self.audio_rate

        normalized_text = self.normalized_text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration": duration,
                "audio_rate": audio_rate,
                "normalized_text": normalized_text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        duration = d.pop("duration")

        audio_rate = d.pop("audio_rate")

        normalized_text = cast(list[str], d.pop("normalized_text"))

        take_info = cls(
            duration=duration,
            audio_rate=audio_rate,
            normalized_text=normalized_text,
        )

        take_info.additional_properties = d
        return take_info

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
