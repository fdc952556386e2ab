"""DELETE /voices/{voice_id}: Delete Voice.

Delete a voice. The voice will no longer appear in return values from GET /voices.
"""

from typing import Any, cast
from urllib.parse import quote

import httpx

from ...models import HTTPValidationError


def request(
    voice_id: str,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "DELETE",
        "url": "/voices/{voice_id}".format(
            voice_id=quote(str(voice_id), safe=""),
        ),
    }

    return _kwargs


def parse(response: httpx.Response) -> HTTPValidationError | bool | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = cast(bool, response.json())
        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
