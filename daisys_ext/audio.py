"""Audio streams of any TTS service: frames, their decoders, reassembly in order, and WAV.

The extension points for another service's wire format: a `FrameDecoder` turns each of
its websocket messages into an `AudioFrame`; a `Reassembler` puts a request's frames back
in order and yields `PartStart` / `Audio` / `PartEnd` / `TakeEnd` events; `ContinuousWav`
joins those into one WAV (or raw PCM). ``client.websocket(decoder=...)`` takes a decoder.
"""

import contextlib

from ._audio.frames import AudioFrame, DaisysFrameDecoder, FrameDecoder, FrameError, Message, decode_frame, encode_frame
from ._audio.reassembly import (
    Audio,
    ContinuousWav,
    Event,
    PartEnd,
    PartStart,
    Reassembler,
    ReassemblyError,
    TakeEnd,
    assemble_wav,
)
from ._audio.wav import WavError, WavFormat, fix_wav_sizes, parse_wav_header, wav_header

__all__ = [
    "Audio",
    "AudioFrame",
    "ContinuousWav",
    "DaisysFrameDecoder",
    "Event",
    "FrameDecoder",
    "FrameError",
    "Message",
    "PartEnd",
    "PartStart",
    "Reassembler",
    "ReassemblyError",
    "TakeEnd",
    "WavError",
    "WavFormat",
    "assemble_wav",
    "decode_frame",
    "encode_frame",
    "fix_wav_sizes",
    "parse_wav_header",
    "wav_header",
]

# Shown as daisys_ext.audio.X, where users import them from (type aliases have no __module__ to set).
for _name in __all__:
    with contextlib.suppress(AttributeError, TypeError):
        globals()[_name].__module__ = __name__
