"""GET /voices: Get Voices.

Get a list of voices, optionally filtered.
"""

from typing import Any

import httpx

from ...models import HTTPValidationError, VoiceInfo
from ...types import UNSET, Unset


def request(
    *,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    params: dict[str, Any] = {}

    json_voice_id: None | str | Unset
    if isinstance(voice_id, Unset):
        json_voice_id = UNSET
    else:
        json_voice_id = voice_id
    params["voice_id"] = json_voice_id

    json_length: int | None | Unset
    if isinstance(length, Unset):
        json_length = UNSET
    else:
        json_length = length
    params["length"] = json_length

    json_page: int | None | Unset
    if isinstance(page, Unset):
        json_page = UNSET
    else:
        json_page = page
    params["page"] = json_page

    json_older: int | None | Unset
    if isinstance(older, Unset):
        json_older = UNSET
    else:
        json_older = older
    params["older"] = json_older

    json_newer: int | None | Unset
    if isinstance(newer, Unset):
        json_newer = UNSET
    else:
        json_newer = newer
    params["newer"] = json_newer

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/voices",
        "params": params,
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | list[VoiceInfo] | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = VoiceInfo.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
