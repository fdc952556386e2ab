"""Contains all the data models used in inputs/outputs"""

from .affect_prosody import AffectProsody
from .audio_format import AudioFormat
from .http_validation_error import HTTPValidationError
from .prosody_type import ProsodyType
from .signal_prosody import SignalProsody
from .simple_prosody import SimpleProsody
from .status import Status
from .stream_mode import StreamMode
from .stream_options import StreamOptions
from .take_generate import TakeGenerate
from .take_generate_without_voice import TakeGenerateWithoutVoice
from .take_info import TakeInfo
from .take_response import TakeResponse
from .tts_model import TTSModel
from .validation_error import ValidationError
from .version import Version
from .voice_gender import VoiceGender
from .voice_generate import VoiceGenerate
from .voice_info import VoiceInfo
from .voice_input_type import VoiceInputType
from .voice_update import VoiceUpdate
from .webhook import Webhook
from .websocket_status import WebsocketStatus
from .websocket_url import WebsocketUrl
from .worker_websocket_url import WorkerWebsocketUrl

__all__ = (
    "AffectProsody",
    "AudioFormat",
    "HTTPValidationError",
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
    "ValidationError",
    "Version",
    "VoiceGender",
    "VoiceGenerate",
    "VoiceInfo",
    "VoiceInputType",
    "VoiceUpdate",
    "Webhook",
    "WebsocketStatus",
    "WebsocketUrl",
    "WorkerWebsocketUrl",
)
