# Generated from daisys_ext/_async/playing.py by scripts/unasync.py: edit that one, then `make unasync`.
"""Audio played while it is written or downloaded: the player finished on success, stopped on any failure.

Written once for REST ``speak``, the websocket session's ``write_wav``/``speak_stream`` and the
other services' ``speak``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._synchronization import run_blocking

if TYPE_CHECKING:
    from .._audio.playback import AudioOutput, PlayAlong


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
