"""GET /websocket: Get Websocket Url.

Get a URL for connecting a websocket to a worker for the given model (the form described on the
endpoints page).
"""

from typing import Any

import httpx

from ...models import HTTPValidationError, WebsocketUrl
from ...types import UNSET


def request(
    *,
    model: str,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    params: dict[str, Any] = {}

    params["model"] = model

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/websocket",
        "params": params,
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | WebsocketUrl | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = WebsocketUrl.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
