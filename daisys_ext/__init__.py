"""daisys_ext: a typed Python client for the Daisys Speak text-to-speech API.

The REST layer is generated from ``openapi.json`` into ``daisys_speak_api``; this package
adds what a generator cannot (authentication, redirects, waiting, streaming, retries,
errors) and re-exports the models users work with.

Importing it is cheap: each public name is imported on first use (PEP 562), so a program
that only makes a ``Client`` never loads the generated models or a websocket library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from httpx import HTTPStatusError as HTTPStatusError

    from daisys_speak_api.models import (
        AffectProsody as AffectProsody,
        AudioFormat as AudioFormat,
        ProsodyType as ProsodyType,
        SignalProsody as SignalProsody,
        SimpleProsody as SimpleProsody,
        Status as Status,
        StreamMode as StreamMode,
        StreamOptions as StreamOptions,
        TakeGenerate as TakeGenerate,
        TakeGenerateWithoutVoice as TakeGenerateWithoutVoice,
        TakeInfo as TakeInfo,
        TakeResponse as TakeResponse,
        TTSModel as TTSModel,
        Version as Version,
        VoiceGender as VoiceGender,
        VoiceGenerate as VoiceGenerate,
        VoiceInfo as VoiceInfo,
        VoiceInputType as VoiceInputType,
        VoiceUpdate as VoiceUpdate,
        Webhook as Webhook,
        WebsocketStatus as WebsocketStatus,
    )
    from daisys_speak_api.types import UNSET as UNSET, Unset as Unset

    from ._async.client import AsyncAudioStream as AsyncAudioStream, AsyncClient as AsyncClient
    from ._async.websocket_session import AsyncWebsocket as AsyncWebsocket
    from ._errors import (
        DaisysAuthenticationError as DaisysAuthenticationError,
        DaisysConnectionError as DaisysConnectionError,
        DaisysCredentialsError as DaisysCredentialsError,
        DaisysDeletionError as DaisysDeletionError,
        DaisysError as DaisysError,
        DaisysGenerateError as DaisysGenerateError,
        DaisysHTTPError as DaisysHTTPError,
        DaisysInputError as DaisysInputError,
        DaisysNotFoundError as DaisysNotFoundError,
        DaisysRateLimitError as DaisysRateLimitError,
        DaisysResponseError as DaisysResponseError,
        DaisysServerError as DaisysServerError,
        DaisysTakeDeletionError as DaisysTakeDeletionError,
        DaisysTakeGenerateError as DaisysTakeGenerateError,
        DaisysTimeoutError as DaisysTimeoutError,
        DaisysTokenStoreError as DaisysTokenStoreError,
        DaisysUpdateError as DaisysUpdateError,
        DaisysValidationError as DaisysValidationError,
        DaisysVoiceDeletionError as DaisysVoiceDeletionError,
        DaisysVoiceGenerateError as DaisysVoiceGenerateError,
        DaisysVoiceUpdateError as DaisysVoiceUpdateError,
        DaisysWebsocketConnectError as DaisysWebsocketConnectError,
        DaisysWebsocketError as DaisysWebsocketError,
        DaisysWebsocketGenerateError as DaisysWebsocketGenerateError,
        DaisysWebsocketStreamError as DaisysWebsocketStreamError,
    )
    from ._factory import DaisysAPI as DaisysAPI
    from ._http.token_store import StoredTokens as StoredTokens, TokenStore as TokenStore
    from ._http.waiting import PollSchedule as PollSchedule
    from ._logging import redact_logs as redact_logs
    from ._stores.file import FileTokenStore as FileTokenStore
    from ._stores.redis import RedisTokenStore as RedisTokenStore
    from ._sync.client import AudioStream as AudioStream, Client as Client
    from ._sync.websocket_session import Websocket as Websocket

# Where each public name lives, imported on first use; the generated models keep their own
# module (daisys_speak_api.models.*), the hand-written names show daisys_ext as theirs.
_MODULES: dict[str, tuple[str, ...]] = {
    "daisys_speak_api.models": (
        "AffectProsody",
        "AudioFormat",
        "ProsodyType",
        "SignalProsody",
        "SimpleProsody",
        "Status",
        "StreamMode",
        "StreamOptions",
        "TakeGenerate",
        "TakeGenerateWithoutVoice",
        "TakeInfo",
        "TakeResponse",
        "TTSModel",
        "Version",
        "VoiceGender",
        "VoiceGenerate",
        "VoiceInfo",
        "VoiceInputType",
        "VoiceUpdate",
        "Webhook",
        "WebsocketStatus",
    ),
    "daisys_ext._errors": (
        "DaisysAuthenticationError",
        "DaisysConnectionError",
        "DaisysCredentialsError",
        "DaisysDeletionError",
        "DaisysError",
        "DaisysGenerateError",
        "DaisysHTTPError",
        "DaisysInputError",
        "DaisysNotFoundError",
        "DaisysRateLimitError",
        "DaisysResponseError",
        "DaisysServerError",
        "DaisysTakeDeletionError",
        "DaisysTakeGenerateError",
        "DaisysTimeoutError",
        "DaisysTokenStoreError",
        "DaisysUpdateError",
        "DaisysValidationError",
        "DaisysVoiceDeletionError",
        "DaisysVoiceGenerateError",
        "DaisysVoiceUpdateError",
        "DaisysWebsocketConnectError",
        "DaisysWebsocketError",
        "DaisysWebsocketGenerateError",
        "DaisysWebsocketStreamError",
    ),
    # A field the answer did not carry: `if take.info:` narrows it away (Unset is falsy), `is UNSET` tests for it.
    "daisys_speak_api.types": ("UNSET", "Unset"),
    "httpx": ("HTTPStatusError",),
    "daisys_ext._async.client": ("AsyncClient", "AsyncAudioStream"),
    "daisys_ext._async.websocket_session": ("AsyncWebsocket",),
    "daisys_ext._sync.client": ("Client", "AudioStream"),
    "daisys_ext._sync.websocket_session": ("Websocket",),
    "daisys_ext._factory": ("DaisysAPI",),
    "daisys_ext._http.waiting": ("PollSchedule",),
    "daisys_ext._http.token_store": ("StoredTokens", "TokenStore"),
    "daisys_ext._stores.file": ("FileTokenStore",),
    "daisys_ext._stores.redis": ("RedisTokenStore",),
    "daisys_ext._logging": ("redact_logs",),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'daisys_ext' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if module.startswith("daisys_ext."):
        value.__module__ = __name__  # shown as daisys_ext.Client, where users import it from (as httpx does)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
