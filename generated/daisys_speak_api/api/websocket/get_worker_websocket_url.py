from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.worker_websocket_url import WorkerWebsocketUrl
from ...types import Response


def _get_kwargs(
    model: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/websocket/{model}".format(
            model=quote(str(model), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | WorkerWebsocketUrl | None:
    if response.status_code == 200:
        response_200 = WorkerWebsocketUrl.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPValidationError | WorkerWebsocketUrl]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    model: str,
    *,
    client: AuthenticatedClient,
) -> Response[HTTPValidationError | WorkerWebsocketUrl]:
    """Get Worker Websocket Url

     Get a URL for connecting a websocket to a worker for the given model. The URL carries a lifetime-
    limited secret distinct from the access token, and expires after 1 hour; whenever a websocket is
    disconnected, a new URL must be requested.

    Args:
        model (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | WorkerWebsocketUrl]
    """

    kwargs = _get_kwargs(
        model=model,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    model: str,
    *,
    client: AuthenticatedClient,
) -> HTTPValidationError | WorkerWebsocketUrl | None:
    """Get Worker Websocket Url

     Get a URL for connecting a websocket to a worker for the given model. The URL carries a lifetime-
    limited secret distinct from the access token, and expires after 1 hour; whenever a websocket is
    disconnected, a new URL must be requested.

    Args:
        model (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | WorkerWebsocketUrl
    """

    return sync_detailed(
        model=model,
        client=client,
    ).parsed


async def asyncio_detailed(
    model: str,
    *,
    client: AuthenticatedClient,
) -> Response[HTTPValidationError | WorkerWebsocketUrl]:
    """Get Worker Websocket Url

     Get a URL for connecting a websocket to a worker for the given model. The URL carries a lifetime-
    limited secret distinct from the access token, and expires after 1 hour; whenever a websocket is
    disconnected, a new URL must be requested.

    Args:
        model (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | WorkerWebsocketUrl]
    """

    kwargs = _get_kwargs(
        model=model,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    model: str,
    *,
    client: AuthenticatedClient,
) -> HTTPValidationError | WorkerWebsocketUrl | None:
    """Get Worker Websocket Url

     Get a URL for connecting a websocket to a worker for the given model. The URL carries a lifetime-
    limited secret distinct from the access token, and expires after 1 hour; whenever a websocket is
    disconnected, a new URL must be requested.

    Args:
        model (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | WorkerWebsocketUrl
    """

    return (
        await asyncio_detailed(
            model=model,
            client=client,
        )
    ).parsed
