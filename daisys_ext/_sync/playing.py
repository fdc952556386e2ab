# Generated from daisys_ext/_async/playing.py by scripts/unasync.py: edit that one, then `make unasync`.
"""Audio played while it arrives: ``play``, for a stream of PCM chunks, and ``playing_along``, the player
finished on success and stopped on any failure.

``playing_along`` is written once for REST ``speak``, the websocket session's ``write_wav``/``speak_stream``
and the other services' ``speak``; the buffering and the writer thread are ``_audio/playback.py``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._audio.playback import DEFAULT_JITTER_MS, AudioOutput, PlaybackResult, Writer, start_writer
from .._synchronization import run_blocking, run_to_the_end

if TYPE_CHECKING:
    from .._audio.playback import PlayAlong


def play(
    pcm_chunks: Iterable[bytes],
    sample_rate: int,
    *,
    channels: int = 1,
    sample_width: int = 2,
    output: AudioOutput | None = None,
    jitter_ms: float = DEFAULT_JITTER_MS,
) -> PlaybackResult:
    """Play raw PCM (little-endian, interleaved) while the chunks are still arriving; return when all is played.

    ``pcm_chunks`` is read in this thread while a writer thread plays.
    The start, underruns and odd chunk sizes are as the playback module's documentation says. ``output``
    replaces the sound card (which needs ``pip install 'daisys-ext[audio]'``); it is closed at the end. An
    error from the input stops playback and is raised; so is an error from the output, which stops
    reading the input. Ctrl-C stops playback after the block being written and closes the output.
    """
    # Opening a sound card can block: the async flavour opens it in a thread.
    writer: Writer = run_blocking(
        lambda: start_writer(sample_rate, channels, sample_width, jitter_ms, output)
    )
    try:
        for chunk in pcm_chunks:
            if writer.done.is_set():
                break  # the output failed: result() raises its error
            writer.push(chunk)
        writer.end()
        run_blocking(writer.join)
    except BaseException:  # the input failed, or the caller gave up: stop after the block being written
        writer.stop()
        run_to_the_end(writer.join)  # the output is closed, whatever else interrupts the caller
        raise
    return writer.result()


@contextmanager
def playing_along(play: bool | AudioOutput) -> Iterator[PlayAlong | None]:
    """A `PlayAlong` to feed (None when ``play`` is False); on leaving, wait until it has played everything.

    ``play``: True for the sound card (the ``audio`` extra), or an `AudioOutput` in its place.
    On an error (or the caller leaving early) playback stops at once instead.
    """
    if play is False:
        yield None
        return
    from .._audio.playback import PlayAlong

    player = PlayAlong(play)
    try:
        yield player
    except BaseException:
        player.stop()
        raise
    run_blocking(player.finish)
