"""GET /version: Get Version.

Get the version information for the API in use. Needs no authentication.
"""

from typing import Any

import httpx

from ...models import Version


def request() -> dict[str, Any]:
    """The request, as keyword arguments of httpx's ``Client.request`` (its URL relative to the API's)."""

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/version",
    }

    return _kwargs


def parse(response: httpx.Response) -> Version | None:
    """The answer parsed as the API documents it for its status; None for a status it does not document.

    Raises what ``json`` and the models' ``from_dict`` raise on an answer that is not what it should be.
    """
    if response.status_code == 200:
        response_200 = Version.from_dict(response.json())

        return response_200

    return None
