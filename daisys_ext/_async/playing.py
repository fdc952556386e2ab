"""Audio played while it arrives: ``aplay``, for a stream of PCM chunks, and ``playing_along``, the player
finished on success and stopped on any failure.

``playing_along`` is written once for REST ``speak``, the websocket session's ``write_wav``/``speak_stream``
and the other services' ``speak``; the buffering and the writer thread are ``_audio/playback.py``'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from .._audio.playback import DEFAULT_JITTER_MS, AudioOutput, PlaybackResult, Writer, start_writer
from .._synchronization import async_run_blocking, async_run_to_the_end

if TYPE_CHECKING:
    from .._audio.playback import PlayAlong


async def aplay(
    pcm_chunks: AsyncIterable[bytes],
    sample_rate: int,
    *,
    channels: int = 1,
    sample_width: int = 2,
    output: AudioOutput | None = None,
    jitter_ms: float = DEFAULT_JITTER_MS,
) -> PlaybackResult:
    """Play raw PCM (little-endian, interleaved) while the chunks are still arriving; return when all is played.

    ``pcm_chunks`` is read by the event loop while a writer thread plays: nothing blocks the loop.
    The start, underruns and odd chunk sizes are as the playback module's documentation says. ``output``
    replaces the sound card (which needs ``pip install 'daisys-ext[audio]'``); it is closed at the end. An
    error from the input stops playback and is raised; so is an error from the output, which stops
    reading the input. Cancelling stops playback after the block being written and closes the output.
    """
    # Opening a sound card can block: the async flavour opens it in a thread.
    writer: Writer = await async_run_blocking(
        lambda: start_writer(sample_rate, channels, sample_width, jitter_ms, output)
    )
    try:
        async for chunk in pcm_chunks:
            if writer.done.is_set():
                break  # the output failed: result() raises its error
            writer.push(chunk)
        writer.end()
        await async_run_blocking(writer.join)
    except BaseException:  # the input failed, or the caller gave up: stop after the block being written
        writer.stop()
        await async_run_to_the_end(writer.join)  # the output is closed, whatever else interrupts the caller
        raise
    return writer.result()


@asynccontextmanager
async def playing_along(play: bool | AudioOutput) -> AsyncIterator[PlayAlong | None]:
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
    await async_run_blocking(player.finish)
