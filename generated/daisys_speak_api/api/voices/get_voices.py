from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.voice_info import VoiceInfo
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_voice_id: None | str | Unset
    if isinstance(voice_id, Unset):
        json_voice_id = UNSET
    else:
        json_voice_id = voice_id
    params["voice_id"] = json_voice_id

    json_length: int | None | Unset
    if isinstance(length, Unset):
        json_length = UNSET
    else:
        json_length = length
    params["length"] = json_length

    json_page: int | None | Unset
    if isinstance(page, Unset):
        json_page = UNSET
    else:
        json_page = page
    params["page"] = json_page

    json_older: int | None | Unset
    if isinstance(older, Unset):
        json_older = UNSET
    else:
        json_older = older
    params["older"] = json_older

    json_newer: int | None | Unset
    if isinstance(newer, Unset):
        json_newer = UNSET
    else:
        json_newer = newer
    params["newer"] = json_newer

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/voices",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | list[VoiceInfo] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = VoiceInfo.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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
) -> Response[HTTPValidationError | list[VoiceInfo]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> Response[HTTPValidationError | list[VoiceInfo]]:
    """Get Voices

     Get a list of voices, optionally filtered.

    Args:
        voice_id (None | str | Unset):
        length (int | None | Unset):
        page (int | None | Unset):
        older (int | None | Unset):
        newer (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[VoiceInfo]]
    """

    kwargs = _get_kwargs(
        voice_id=voice_id,
        length=length,
        page=page,
        older=older,
        newer=newer,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> HTTPValidationError | list[VoiceInfo] | None:
    """Get Voices

     Get a list of voices, optionally filtered.

    Args:
        voice_id (None | str | Unset):
        length (int | None | Unset):
        page (int | None | Unset):
        older (int | None | Unset):
        newer (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[VoiceInfo]
    """

    return sync_detailed(
        client=client,
        voice_id=voice_id,
        length=length,
        page=page,
        older=older,
        newer=newer,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> Response[HTTPValidationError | list[VoiceInfo]]:
    """Get Voices

     Get a list of voices, optionally filtered.

    Args:
        voice_id (None | str | Unset):
        length (int | None | Unset):
        page (int | None | Unset):
        older (int | None | Unset):
        newer (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[VoiceInfo]]
    """

    kwargs = _get_kwargs(
        voice_id=voice_id,
        length=length,
        page=page,
        older=older,
        newer=newer,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    voice_id: None | str | Unset = UNSET,
    length: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    older: int | None | Unset = UNSET,
    newer: int | None | Unset = UNSET,
) -> HTTPValidationError | list[VoiceInfo] | None:
    """Get Voices

     Get a list of voices, optionally filtered.

    Args:
        voice_id (None | str | Unset):
        length (int | None | Unset):
        page (int | None | Unset):
        older (int | None | Unset):
        newer (int | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[VoiceInfo]
    """

    return (
        await asyncio_detailed(
            client=client,
            voice_id=voice_id,
            length=length,
            page=page,
            older=older,
            newer=newer,
        )
    ).parsed
