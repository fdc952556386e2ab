"""POST /takes/generate: Generate Take.

Generate a take, an audio file containing an utterance of the given text by the given voice; or
several, given a list.
"""

from typing import Any

import httpx

from ...models import HTTPValidationError, TakeGenerate, TakeResponse


def request(
    *,
    body: list[TakeGenerate] | TakeGenerate,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "POST",
        "url": "/takes/generate",
    }

    if isinstance(body, TakeGenerate):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = []
        for body_type_1_item_data in body:
            body_type_1_item = body_type_1_item_data.to_dict()
            _kwargs["json"].append(body_type_1_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def parse(
    response: httpx.Response,
) -> HTTPValidationError | list[TakeResponse] | TakeResponse | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:

        def _parse_response_200(data: object) -> list[TakeResponse] | TakeResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = TakeResponse.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            response_200_type_1 = []
            _response_200_type_1 = data
            for response_200_type_1_item_data in _response_200_type_1:
                response_200_type_1_item = TakeResponse.from_dict(
                    response_200_type_1_item_data
                )

                response_200_type_1.append(response_200_type_1_item)

            return response_200_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
