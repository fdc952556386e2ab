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

from ._version import __version__

if TYPE_CHECKING:
    from httpx import HTTPStatusError

    from daisys_speak_api.models import (
        AffectProsody,
        AudioFormat,
        ProsodyType,
        SignalProsody,
        SimpleProsody,
        Status,
        StreamMode,
        StreamOptions,
        TakeGenerate,
        TakeGenerateWithoutVoice,
        TakeInfo,
        TakeResponse,
        TTSModel,
        Version,
        VoiceGender,
        VoiceGenerate,
        VoiceInfo,
        VoiceInputType,
        VoiceUpdate,
        Webhook,
        WebsocketStatus,
    )

    from ._async.client import AsyncAudioStream, AsyncClient
    from ._async.websocket_session import AsyncWebsocket
    from ._errors import (
        DaisysAuthenticationError,
        DaisysConnectionError,
        DaisysCredentialsError,
        DaisysDeletionError,
        DaisysError,
        DaisysGenerateError,
        DaisysHTTPError,
        DaisysInputError,
        DaisysNotFoundError,
        DaisysRateLimitError,
        DaisysResponseError,
        DaisysServerError,
        DaisysTakeDeletionError,
        DaisysTakeGenerateError,
        DaisysTimeoutError,
        DaisysUpdateError,
        DaisysValidationError,
        DaisysVoiceDeletionError,
        DaisysVoiceGenerateError,
        DaisysVoiceUpdateError,
        DaisysWebsocketConnectError,
        DaisysWebsocketError,
        DaisysWebsocketGenerateError,
        DaisysWebsocketStreamError,
    )
    from ._factory import DaisysAPI
    from ._http.waiting import PollSchedule
    from ._logging import redact_logs
    from ._sync.client import AudioStream, Client
    from ._sync.websocket_session import Websocket

_MODELS = (
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
)
_ERRORS = (
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
    "DaisysUpdateError",
    "DaisysValidationError",
    "DaisysVoiceDeletionError",
    "DaisysVoiceGenerateError",
    "DaisysVoiceUpdateError",
    "DaisysWebsocketConnectError",
    "DaisysWebsocketError",
    "DaisysWebsocketGenerateError",
    "DaisysWebsocketStreamError",
)
# Where each public name lives; the generated models keep their own module (daisys_speak_api.models.*).
_WHERE: dict[str, str] = {
    **dict.fromkeys(_MODELS, "daisys_speak_api.models"),
    **dict.fromkeys(_ERRORS, "daisys_ext._errors"),
    "HTTPStatusError": "httpx",
    "AsyncClient": "daisys_ext._async.client",
    "AsyncAudioStream": "daisys_ext._async.client",
    "AsyncWebsocket": "daisys_ext._async.websocket_session",
    "Client": "daisys_ext._sync.client",
    "AudioStream": "daisys_ext._sync.client",
    "Websocket": "daisys_ext._sync.websocket_session",
    "DaisysAPI": "daisys_ext._factory",
    "PollSchedule": "daisys_ext._http.waiting",
    "redact_logs": "daisys_ext._logging",
}

__all__ = [
    "AffectProsody",
    "AsyncAudioStream",
    "AsyncClient",
    "AsyncWebsocket",
    "AudioFormat",
    "AudioStream",
    "Client",
    "DaisysAPI",
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
    "DaisysUpdateError",
    "DaisysValidationError",
    "DaisysVoiceDeletionError",
    "DaisysVoiceGenerateError",
    "DaisysVoiceUpdateError",
    "DaisysWebsocketConnectError",
    "DaisysWebsocketError",
    "DaisysWebsocketGenerateError",
    "DaisysWebsocketStreamError",
    "HTTPStatusError",
    "PollSchedule",
    "ProsodyType",
    "SignalProsody",
    "SimpleProsody",
    "Status",
    "StreamMode",
    "StreamOptions",
    "TTSModel",
    "TakeGenerate",
    "TakeGenerateWithoutVoice",
    "TakeInfo",
    "TakeResponse",
    "Version",
    "VoiceGender",
    "VoiceGenerate",
    "VoiceInfo",
    "VoiceInputType",
    "VoiceUpdate",
    "Webhook",
    "Websocket",
    "WebsocketStatus",
    "__version__",
    "redact_logs",
]


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
