from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from attrs import fields as _attrs_fields

from ..types import UNSET, Unset

T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    """Store information about a registered webhook and its status. When specifying a webhook, only post_url needs to be
    provided.

        Attributes:
            post_url (str): The URL to be called with POST.
            timestamp_ms (int | None | Unset): The time it was last called at, milliseconds since epoch.
            status_code (int | None | Unset): The HTTP status code of the last response from the webhook.
    """

    post_url: str
    timestamp_ms: int | None | Unset = UNSET
    status_code: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        post_url = self.post_url

        timestamp_ms: int | None | Unset
        if isinstance(self.timestamp_ms, Unset):
            timestamp_ms = UNSET
        else:
            timestamp_ms = self.timestamp_ms

        status_code: int | None | Unset
        if isinstance(self.status_code, Unset):
            status_code = UNSET
        else:
            status_code = self.status_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "post_url": post_url,
            }
        )
        if timestamp_ms is not UNSET:
            field_dict["timestamp_ms"] = timestamp_ms
        if status_code is not UNSET:
            field_dict["status_code"] = status_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        post_url = d.pop("post_url")

        def _parse_timestamp_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timestamp_ms = _parse_timestamp_ms(d.pop("timestamp_ms", UNSET))

        def _parse_status_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status_code = _parse_status_code(d.pop("status_code", UNSET))

        webhook = cls(
            post_url=post_url,
            timestamp_ms=timestamp_ms,
            status_code=status_code,
        )

        webhook.additional_properties = d
        return webhook

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
