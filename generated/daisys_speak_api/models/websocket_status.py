from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from attrs import fields as _attrs_fields

from ..models.status import Status
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebsocketStatus")


@_attrs_define
class WebsocketStatus:
    """Status messages on websocket connection.

    Attributes:
        status (Status): Represents the status of a take or voice generation process. WAITING: item is waiting to be
            processed. STARTED: processing has started for this item. PROGRESS_25, PROGRESS_50, PROGRESS_75: item has been
            25%, 50% or 75% processed. READY: item is ready to be used; for takes, audio is available. ERROR: an error
            occurred during processing of this item. TIMEOUT: processing did not finish for this item; used for very long
            intervals (an item in the queue for more than a day, and therefore removed), not for a few seconds or minutes.
        message (str): A message to give details on the status.
        request_id (int | None | str | Unset): Present if the status update is associated with a particular request.
        model (None | str | Unset): Present if the status update is associated with a particular model.
    """

    status: Status
    message: str
    request_id: int | None | str | Unset = UNSET
    model: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        message = self.message

        request_id: int | None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "message": message,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = Status(d.pop("status"))

        message = d.pop("message")

        def _parse_request_id(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        websocket_status = cls(
            status=status,
            message=message,
            request_id=request_id,
            model=model,
        )

        websocket_status.additional_properties = d
        return websocket_status

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
