"""GET /models: Get Models.

Get information about all available models.
"""

from typing import Any

import httpx

from ...models import TTSModel


def request() -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/models",
    }

    return _kwargs


def parse(response: httpx.Response) -> list[TTSModel] | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = TTSModel.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    return None
