"""Audio streams of any TTS service: frames, their decoders, reassembly in order, and WAV;
playback, conversion and subtitles.

The extension points for another service's wire format: a `FrameDecoder` turns each of
its websocket messages into an `AudioFrame`; a `Reassembler` puts a request's frames back
in order and yields `PartStart` / `Audio` / `PartEnd` / `TakeEnd` events; `ContinuousWav`
joins those into one WAV (or raw PCM). ``client.websocket(decoder=...)`` takes a decoder.

What to do with the PCM: `play` / `aplay` it while it arrives (the sound card needs
``pip install 'daisys-ext[audio]'``); `resample` it, make telephony G.711 of it (`to_mulaw`,
`to_alaw`), or `encode` it as mp3, Opus or FLAC (``pip install 'daisys-ext[encode]'``); time
subtitles by its parts (`cues_from_parts`) and `write_subtitles` as SubRip or WebVTT. A missing
optional package raises `MissingExtraError` (an ImportError) naming the extra. None of these
imports its optional package before it is called.
"""

import contextlib

from ._async.playing import aplay
from ._audio.convert import (
    Resampler,
    decode_alaw,
    decode_mulaw,
    encode,
    encode_alaw,
    encode_mulaw,
    resample,
    to_alaw,
    to_mulaw,
)
from ._audio.frames import AudioFrame, DaisysFrameDecoder, FrameDecoder, FrameError, Message, decode_frame, encode_frame
from ._audio.playback import AudioOutput, MissingExtraError, PlaybackResult, Player
from ._audio.reassembly import (
    Audio,
    ContinuousWav,
    PartEnd,
    PartStart,
    Reassembler,
    ReassemblyError,
    ReassemblyEvent,
    TakeEnd,
    assemble_wav,
)
from ._audio.subtitles import (
    Cue,
    cues_from_parts,
    format_srt,
    format_vtt,
    parse_subtitles,
    read_subtitles,
    write_subtitles,
)
from ._audio.wav import WavError, WavFormat, fix_wav_sizes, parse_wav_header, wav_header
from ._sync.playing import play

__all__ = [
    "Audio",
    "AudioFrame",
    "AudioOutput",
    "ContinuousWav",
    "Cue",
    "DaisysFrameDecoder",
    "FrameDecoder",
    "FrameError",
    "Message",
    "MissingExtraError",
    "PartEnd",
    "PartStart",
    "PlaybackResult",
    "Player",
    "Reassembler",
    "ReassemblyError",
    "ReassemblyEvent",
    "Resampler",
    "TakeEnd",
    "WavError",
    "WavFormat",
    "aplay",
    "assemble_wav",
    "cues_from_parts",
    "decode_alaw",
    "decode_frame",
    "decode_mulaw",
    "encode",
    "encode_alaw",
    "encode_frame",
    "encode_mulaw",
    "fix_wav_sizes",
    "format_srt",
    "format_vtt",
    "parse_subtitles",
    "parse_wav_header",
    "play",
    "read_subtitles",
    "resample",
    "to_alaw",
    "to_mulaw",
    "wav_header",
    "write_subtitles",
]

# Shown as daisys_ext.audio.X, where users import them from (type aliases have no __module__ to set).
for _name in __all__:
    with contextlib.suppress(AttributeError, TypeError):
        globals()[_name].__module__ = __name__
