"""daisys_ext: a typed Python client for the Daisys Speak text-to-speech API.

The REST layer is generated from ``openapi.json`` into ``daisys_speak_api``; this package
adds what a generator cannot (authentication, redirects, waiting, streaming, retries,
errors) and re-exports the models users work with.
"""

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

__version__ = "0.1.0"

__all__ = [
    "AffectProsody",
    "AudioFormat",
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
    "WebsocketStatus",
]
