"""A request's audio out of a websocket session: one continuous WAV or PCM stream, and the status it ended with."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import BinaryIO

from .._audio.reassembly import Audio, ContinuousWav
from .._audio.wav import WavError
from .._errors import DaisysWebsocketStreamError
from .._files import atomic_file
from .protocol import Info, Item, StatusChange, ready_info

WavTarget = str | os.PathLike[str] | BinaryIO


@contextlib.contextmanager
def wav_output(file: WavTarget) -> Iterator[BinaryIO]:
    """A path opens atomically (renamed into place only on success); a file object is used as it is."""
    if isinstance(file, str | os.PathLike):
        with atomic_file(file) as out:
            yield out
    else:
        yield file


class WavStreamError(DaisysWebsocketStreamError, WavError):
    """A request's audio cannot be written as one WAV (parts of different formats, say): its stream is broken.

    A `DaisysError` like every other failure of a request, and still the `WavError` that
    ``iter_pcm`` and ``write_wav`` have always raised for it.
    """


class _Discard:
    """A sink for ``iter_pcm``: the PCM is yielded to the caller, not kept."""

    def write(self, data: bytes | memoryview) -> int:
        return len(data)

    def seekable(self) -> bool:
        return False


class AudioOut:
    """Follows one request's items into a continuous WAV (or PCM), and keeps the status it ends with.

    All parts must share one format; the final status must be ready (see ``finish``).
    """

    def __init__(self, request_id: int, out: BinaryIO | None = None, *, raw: bool = False) -> None:
        self.request_id = request_id
        self.info: Info | None = None
        self._wav = ContinuousWav(out if out is not None else _Discard(), raw=raw or out is None)  # type: ignore[arg-type]

    def add(self, item: Item) -> memoryview | None:
        """Take the next item; return its PCM, if it carries any."""
        if isinstance(item, StatusChange):
            self.info = item.info
            return None
        try:
            self._wav.feed((item,))
        except WavError as exc:
            raise WavStreamError(f"The request's audio cannot be written as one WAV: {exc}", self.request_id) from None
        return item.pcm if isinstance(item, Audio) else None

    def finish(self) -> Info:
        """Close the WAV and return the final status, or raise why the request did not end ready."""
        try:
            self._wav.close()
        except WavError as exc:
            raise WavStreamError(f"The request's audio cannot be written as one WAV: {exc}", self.request_id) from None
        return ready_info(self.request_id, self.info)
