"""Audio out of a websocket session: one WAV or PCM stream of one request or several, their statuses and cues."""

from __future__ import annotations

import os
from typing import BinaryIO

from daisys_speak_api.models import TakeResponse

from .._audio.reassembly import Audio, ContinuousWav, TakeEnd
from .._audio.subtitles import Cue, cues_from_parts
from .._audio.wav import WavError, WavFormat
from .._errors import DaisysWebsocketStreamError
from .protocol import Info, Item, StatusChange, ready_info

WavTarget = str | os.PathLike[str] | BinaryIO


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
    """Follows the items of one request, or of several in turn (a text streamed sentence by sentence),
    into one continuous WAV or PCM stream; keeps each request's final status and what subtitles need.

    Call ``begin`` for each request, ``add`` for its items, ``end_request`` at its end (which
    raises why it did not end ready), and ``close`` once all are done. All parts must share
    one format.
    """

    def __init__(self, out: BinaryIO | None = None, *, raw: bool = False) -> None:
        self.request_id = -1
        self.info: Info | None = None
        self.infos: list[Info] = []
        self._wav = ContinuousWav(out if out is not None else _Discard(), raw=raw or out is None)  # type: ignore[arg-type]
        self._part_bytes: dict[int, int] = {}
        self._cues: list[tuple[list[int], list[str] | None]] = []  # per request: samples per part, sentences

    @property
    def format(self) -> WavFormat | None:
        """The audio's format, once the first part has begun."""
        return self._wav.format

    def begin(self, request_id: int) -> None:
        self.request_id = request_id
        self.info = None
        self._part_bytes = {}

    def add(self, item: Item) -> memoryview | None:
        """Take the next item of the current request; return its PCM, if it carries any."""
        if isinstance(item, StatusChange):
            self.info = item.info
            return None
        if isinstance(item, TakeEnd):
            return None  # the WAV goes on with the next request's parts; close() ends it
        try:
            self._wav.feed((item,))
        except WavError as exc:
            raise self._broken(exc) from None
        if isinstance(item, Audio):
            self._part_bytes[item.part_id] = self._part_bytes.get(item.part_id, 0) + len(item.pcm)
            return item.pcm
        return None

    def end_request(self) -> Info:
        """The current request's final status, or the error saying why it did not end ready."""
        info = ready_info(self.request_id, self.info)
        self.infos.append(info)
        block = self._wav.format.block_align if self._wav.format else 1
        sentences = getattr(info.info, "normalized_text", None) if isinstance(info, TakeResponse) else None
        parts = [self._part_bytes[part] // block for part in sorted(self._part_bytes)]
        self._cues.append((parts, list(sentences) if isinstance(sentences, list) else None))
        return info

    def close(self) -> None:
        """Finish the WAV (its header's sizes)."""
        try:
            self._wav.close()
        except WavError as exc:
            raise self._broken(exc) from None

    def cues(self) -> list[Cue]:
        """Subtitles of what was written: a cue a part, timed by its samples, with its sentence's normalized text."""
        rate = self._wav.format.sample_rate if self._wav.format else 1
        cues: list[Cue] = []
        start = 0
        for parts, sentences in self._cues:
            cues += cues_from_parts(parts, rate, sentences, start_sample=start)
            start += sum(parts)
        return cues

    def _broken(self, exc: WavError) -> WavStreamError:
        return WavStreamError(f"The request's audio cannot be written as one WAV: {exc}", self.request_id)
