"""GET /websocket/{model}: Get Worker Websocket Url.

Get a URL for connecting a websocket to a worker for the given model. The URL carries a lifetime-
limited secret distinct from the access token, and expires after 1 hour; whenever a websocket is
disconnected, a new URL must be requested.
"""

from typing import Any
from urllib.parse import quote

import httpx

from ...models import HTTPValidationError, WorkerWebsocketUrl


def request(
    model: str,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/websocket/{model}".format(
            model=quote(str(model), safe=""),
        ),
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | WorkerWebsocketUrl | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = WorkerWebsocketUrl.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
