from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.take_generate import TakeGenerate
from ...models.take_response import TakeResponse
from ...types import Response


def _get_kwargs(
    *,
    body: list[TakeGenerate] | TakeGenerate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
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


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | list[TakeResponse] | TakeResponse | None:
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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPValidationError | list[TakeResponse] | TakeResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: list[TakeGenerate] | TakeGenerate,
) -> Response[HTTPValidationError | list[TakeResponse] | TakeResponse]:
    """Generate Take

     Generate a take, an audio file containing an utterance of the given text by the given voice; or
    several, given a list.

    Args:
        body (list[TakeGenerate] | TakeGenerate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[TakeResponse] | TakeResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: list[TakeGenerate] | TakeGenerate,
) -> HTTPValidationError | list[TakeResponse] | TakeResponse | None:
    """Generate Take

     Generate a take, an audio file containing an utterance of the given text by the given voice; or
    several, given a list.

    Args:
        body (list[TakeGenerate] | TakeGenerate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[TakeResponse] | TakeResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: list[TakeGenerate] | TakeGenerate,
) -> Response[HTTPValidationError | list[TakeResponse] | TakeResponse]:
    """Generate Take

     Generate a take, an audio file containing an utterance of the given text by the given voice; or
    several, given a list.

    Args:
        body (list[TakeGenerate] | TakeGenerate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[TakeResponse] | TakeResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: list[TakeGenerate] | TakeGenerate,
) -> HTTPValidationError | list[TakeResponse] | TakeResponse | None:
    """Generate Take

     Generate a take, an audio file containing an utterance of the given text by the given voice; or
    several, given a list.

    Args:
        body (list[TakeGenerate] | TakeGenerate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[TakeResponse] | TakeResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
