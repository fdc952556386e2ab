"""GET /takes/{take_id}: Get Take.

Get information about a specific take.
"""

from typing import Any
from urllib.parse import quote

import httpx

from ...models import HTTPValidationError, TakeResponse


def request(
    take_id: str,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/takes/{take_id}".format(
            take_id=quote(str(take_id), safe=""),
        ),
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | TakeResponse | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = TakeResponse.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
