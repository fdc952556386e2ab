"""GET /models/{model_name}: Get Model.

Get information about a model.
"""

from typing import Any
from urllib.parse import quote

import httpx

from ...models import HTTPValidationError, TTSModel


def request(
    model_name: str,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/models/{model_name}".format(
            model_name=quote(str(model_name), safe=""),
        ),
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | TTSModel | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = TTSModel.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
