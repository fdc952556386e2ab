"""GET /takes/{take_id}/{format_}: Get Take Audio.

Get the audio of a take in the given format. Answers 307 with a Location to storage (an S3 presigned
URL), which must be fetched WITHOUT the Authorization header. Only wav may be retrieved before the
take is ready; it is then streamed while it is generated.
"""

from io import BytesIO
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...models import AudioFormat, HTTPValidationError
from ...types import File


def request(
    take_id: str,
    format_: AudioFormat,
) -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/takes/{take_id}/{format_}".format(
            take_id=quote(str(take_id), safe=""),
            format_=quote(str(format_), safe=""),
        ),
    }

    return _kwargs


def parse(response: httpx.Response) -> Any | File | HTTPValidationError | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 307:
        response_307 = cast(Any, None)
        return response_307

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    return None
