from http import HTTPStatus
from io import BytesIO
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audio_format import AudioFormat
from ...models.http_validation_error import HTTPValidationError
from ...types import File, Response


def _get_kwargs(
    take_id: str,
    format_: AudioFormat,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/takes/{take_id}/{format_}".format(
            take_id=quote(str(take_id), safe=""),
            format_=quote(str(format_), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | File | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 307:
        response_307 = cast(Any, None)
        return response_307

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | File | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    take_id: str,
    format_: AudioFormat,
    *,
    client: AuthenticatedClient,
) -> Response[Any | File | HTTPValidationError]:
    """Get Take Audio

     Get the audio of a take in the given format. Answers 307 with a Location to storage (an S3 presigned
    URL), which must be fetched WITHOUT the Authorization header. Only wav may be retrieved before the
    take is ready; it is then streamed while it is generated.

    Args:
        take_id (str):
        format_ (AudioFormat): An audio format a take's audio can be retrieved in. Only wav may be
            retrieved before the take is ready.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        take_id=take_id,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    take_id: str,
    format_: AudioFormat,
    *,
    client: AuthenticatedClient,
) -> Any | File | HTTPValidationError | None:
    """Get Take Audio

     Get the audio of a take in the given format. Answers 307 with a Location to storage (an S3 presigned
    URL), which must be fetched WITHOUT the Authorization header. Only wav may be retrieved before the
    take is ready; it is then streamed while it is generated.

    Args:
        take_id (str):
        format_ (AudioFormat): An audio format a take's audio can be retrieved in. Only wav may be
            retrieved before the take is ready.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | HTTPValidationError
    """

    return sync_detailed(
        take_id=take_id,
        format_=format_,
        client=client,
    ).parsed


async def asyncio_detailed(
    take_id: str,
    format_: AudioFormat,
    *,
    client: AuthenticatedClient,
) -> Response[Any | File | HTTPValidationError]:
    """Get Take Audio

     Get the audio of a take in the given format. Answers 307 with a Location to storage (an S3 presigned
    URL), which must be fetched WITHOUT the Authorization header. Only wav may be retrieved before the
    take is ready; it is then streamed while it is generated.

    Args:
        take_id (str):
        format_ (AudioFormat): An audio format a take's audio can be retrieved in. Only wav may be
            retrieved before the take is ready.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        take_id=take_id,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    take_id: str,
    format_: AudioFormat,
    *,
    client: AuthenticatedClient,
) -> Any | File | HTTPValidationError | None:
    """Get Take Audio

     Get the audio of a take in the given format. Answers 307 with a Location to storage (an S3 presigned
    URL), which must be fetched WITHOUT the Authorization header. Only wav may be retrieved before the
    take is ready; it is then streamed while it is generated.

    Args:
        take_id (str):
        format_ (AudioFormat): An audio format a take's audio can be retrieved in. Only wav may be
            retrieved before the take is ready.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            take_id=take_id,
            format_=format_,
            client=client,
        )
    ).parsed
