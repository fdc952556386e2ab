# Generated from daisys_ext/_async/peer_output.py by scripts/unasync.py: edit that one, then `make unasync`.
"""Another service's PCM stream written as one WAV (atomically, for a path), played along if asked.

Shared by the Vivoka and Neuphonic clients' ``speak``; written once, as the rest of ``_async/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from .._files import output_file
from .._peers.common import PcmFormat, PcmWavWriter, Spoken
from .playing import playing_along

if TYPE_CHECKING:
    from .._audio.playback import AudioOutput, PlayAlong

WavTarget = str | os.PathLike[str] | BinaryIO


def write_speech(
    chunks: Iterator[bytes],
    file: WavTarget,
    format: PcmFormat,
    *,
    raw: bool = False,
    play: bool | AudioOutput = False,
) -> Spoken:
    """Write ``chunks`` of PCM in ``format`` to ``file`` as a WAV (raw PCM with ``raw=True``); play them along.

    A path is written to a temporary name and renamed when complete (removed on failure); a
    file object is written as it is. ``play``: True for the sound card, or an `AudioOutput`.
    """
    with playing_along(play) as player:
        with output_file(file) as out:
            written = _write(chunks, out, format, raw, player)
    return Spoken(format, written)


def _write(
    chunks: Iterator[bytes], out: BinaryIO, format: PcmFormat, raw: bool, player: PlayAlong | None
) -> int:
    wav = PcmWavWriter(out, format, raw=raw)
    for pcm in chunks:
        wav.write(pcm)
        if player is not None:
            player.feed(pcm, format.wav_format)
    wav.close()
    return wav.pcm_bytes
