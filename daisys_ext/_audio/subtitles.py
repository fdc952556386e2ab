"""Subtitles for generated speech: cues timed by the audio parts, written and read as SubRip or WebVTT.

Daisys returns a take as parts, each a stretch of speech ending in silence, usually one sentence;
``TakeInfo.normalized_text`` lists the sentences as spoken. `cues_from_parts` turns the parts'
lengths (in samples) into one `Cue` per part, with the text that belongs to it:

- as many sentences as parts: part *i* shows sentence *i*;
- more sentences than parts (the service joined some): each part shows a run of consecutive
  sentences, at least one, chosen so that each part's share of the text (in characters) is as
  close as it can be to its share of the audio;
- fewer sentences than parts (the service split a long sentence at its pauses): the parts are
  grouped the same way, a run of consecutive parts for each sentence, and a sentence's words are
  shared out over its parts in proportion to their durations (a part can be left without a word
  when a sentence has fewer words than parts; its cue's text is empty);
- ``sentences=None``: cues with empty text, timing only.

Times are integer milliseconds, the resolution of both formats. Each boundary is computed from the
sample count at that point, ``round(samples * 1000 / sample_rate)`` with halves rounded up, and not
by adding up rounded durations, so no error accumulates: a cue's end is exactly the next cue's
start, and every time is within half a millisecond of the audio. `parse_subtitles` reads the files
back to the same cues.

Writers skip cues with empty text (nothing to show, and some players reject them), keep the text's
line breaks but drop blank lines (a blank line ends a cue in both formats) and strip each line;
WebVTT escapes ``&``, ``<`` and ``>``. `write_subtitles` chooses the format by the file's
extension and writes atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from pathlib import Path

from .._files import atomic_file

__all__ = [
    "Cue",
    "cues_from_parts",
    "format_srt",
    "format_vtt",
    "parse_subtitles",
    "read_subtitles",
    "write_subtitles",
]


@dataclass(frozen=True, slots=True)
class Cue:
    """Text shown from ``start_ms`` to ``end_ms`` (milliseconds from the start of the audio)."""

    start_ms: int
    end_ms: int
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.start_ms <= self.end_ms:
            raise _input_error(f"a cue must not end before it starts, nor start before 0: {self}")

    @property
    def start(self) -> float:
        """The start in seconds."""
        return self.start_ms / 1000

    @property
    def end(self) -> float:
        """The end in seconds."""
        return self.end_ms / 1000


def _input_error(message: str) -> Exception:
    from .._errors import DaisysInputError  # imported on error only: daisys_ext.audio stays free of httpx

    return DaisysInputError(message)


def samples_to_ms(samples: int, sample_rate: int) -> int:
    """``samples`` at ``sample_rate`` in whole milliseconds, halves rounded up (exact integer arithmetic)."""
    return (2000 * samples + sample_rate) // (2 * sample_rate)


def cues_from_parts(
    part_sample_counts: Sequence[int],
    sample_rate: int,
    sentences: Sequence[str] | None = None,
    *,
    start_sample: int = 0,
) -> list[Cue]:
    """One cue per part, timed by its sample count, with its sentence's text (see the module for the fallbacks).

    ``start_sample`` places the first part later in a longer audio (e.g. after the parts of
    earlier takes), so that cues of consecutive takes can be joined without rounding drift.
    """
    if sample_rate <= 0 or start_sample < 0 or any(count < 0 for count in part_sample_counts):
        raise _input_error(
            f"cannot time parts of {list(part_sample_counts)} samples at {sample_rate} Hz from sample {start_sample}"
        )
    bounds = [start_sample]
    for count in part_sample_counts:
        bounds.append(bounds[-1] + count)
    times = [samples_to_ms(bound, sample_rate) for bound in bounds]
    texts = _texts_for_parts(list(part_sample_counts), [s.strip() for s in sentences or []])
    return [Cue(times[i], times[i + 1], text) for i, text in enumerate(texts)]


def _texts_for_parts(durations: list[int], sentences: list[str]) -> list[str]:
    parts = len(durations)
    if not sentences or not parts:
        return [""] * parts
    if len(sentences) == parts:
        return sentences
    if len(sentences) > parts:
        groups = _partition([len(s) for s in sentences], durations)
        return [" ".join(sentences[a:b]) for a, b in pairwise(groups)]
    texts = []
    groups = _partition(durations, [len(s) for s in sentences])
    for sentence, (a, b) in zip(sentences, pairwise(groups), strict=True):
        words = sentence.split()
        shares = _partition([len(w) + 1 for w in words], durations[a:b])
        texts += [" ".join(words[c:d]) for c, d in pairwise(shares)]
    return texts


def _partition(weights: list[int], targets: list[int]) -> list[int]:
    """Cut ``weights`` into ``len(targets)`` consecutive runs whose shares of the total follow the targets' shares.

    Returns the ``len(targets) + 1`` cut points. Every run gets at least one item when there
    are enough (otherwise the last runs are left empty); each cut is the one that brings the
    cumulative share of weight closest to the cumulative share of target (the earlier cut on a
    tie). Integer arithmetic only. Targets that are all zero count as equal.
    """
    groups, items = len(targets), len(weights)
    shares = targets if any(targets) else [1] * groups
    share_total, weight_total = sum(shares), sum(weights)
    cumulative = list(accumulate(weights, initial=0))
    cuts, share_sum = [0], 0
    for i in range(groups - 1):
        share_sum += shares[i]
        lowest = min(cuts[-1] + 1, items)
        highest = max(lowest, items - (groups - 1 - i))  # leave an item for each later run
        cuts.append(
            min(range(lowest, highest + 1), key=lambda k: abs(cumulative[k] * share_total - share_sum * weight_total))
        )
    cuts.append(items)
    return cuts


# --- writing ------------------------------------------------------------------------------------


def _timestamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def format_srt(cues: Iterable[Cue]) -> str:
    """The cues as a SubRip (.srt) file: numbered from 1, ``HH:MM:SS,mmm`` times."""
    blocks: list[str] = []
    for cue in cues:
        lines = _lines(cue.text)
        if lines:
            timing = f"{_timestamp(cue.start_ms, ',')} --> {_timestamp(cue.end_ms, ',')}"
            blocks.append("\n".join([str(len(blocks) + 1), timing, *lines]) + "\n")
    return "\n".join(blocks)


_VTT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def format_vtt(cues: Iterable[Cue]) -> str:
    """The cues as a WebVTT (.vtt) file: a ``WEBVTT`` header, ``HH:MM:SS.mmm`` times, ``& < >`` escaped."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        lines = [re.sub("[&<>]", lambda m: _VTT_ESCAPES[m.group()], line) for line in _lines(cue.text)]
        if lines:
            timing = f"{_timestamp(cue.start_ms, '.')} --> {_timestamp(cue.end_ms, '.')}"
            blocks.append("\n".join([timing, *lines]) + "\n")
    return "\n".join(blocks)


_WRITERS = {".srt": format_srt, ".vtt": format_vtt}


def write_subtitles(cues: Iterable[Cue], path: str | os.PathLike[str]) -> None:
    """Write the cues to ``path`` as SubRip (``.srt``) or WebVTT (``.vtt``), by its extension; UTF-8, atomically."""
    suffix = Path(path).suffix.lower()
    writer = _WRITERS.get(suffix)
    if writer is None:
        raise _input_error(
            f"cannot tell the subtitle format of {os.fspath(path)!r}:"
            " its extension must be .srt (SubRip) or .vtt (WebVTT)"
        )
    text = writer(cues)
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))


# --- reading ------------------------------------------------------------------------------------

_TIME = r"(?:(\d+):)?(\d{2}):(\d{2})[,.](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s.*)?$")
_VTT_UNESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f"}
_VTT_REFERENCE = re.compile("|".join(_VTT_UNESCAPES))


def _ms(hours: str | None, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_subtitles(text: str) -> list[Cue]:
    """The cues of a SubRip or WebVTT file (WebVTT when it starts with ``WEBVTT``).

    Cue numbers and identifiers, WebVTT cue settings and NOTE / STYLE / REGION blocks are
    skipped; WebVTT's character references (``&amp;`` ...) are unescaped. A block whose
    timing line cannot be read raises `DaisysInputError` naming its line.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    vtt = text.startswith("WEBVTT")
    cues = []
    line_number = 1
    for index, block in enumerate(re.split(r"\n[ \t]*\n", text)):
        lines = block.split("\n")
        first_line = line_number
        line_number += len(lines) + 1  # and the blank line that ended the block
        while lines and not lines[0].strip():
            lines.pop(0)
            first_line += 1
        if not lines or (vtt and index == 0):
            continue  # the WEBVTT header block
        if vtt and re.match(r"(NOTE|STYLE|REGION)\b", lines[0]):
            continue
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        match = _TIMING.match(lines[timing]) if timing is not None else None
        if match is None or timing is None:
            raise _input_error(f"line {first_line}: expected a cue timing (00:00:01,000 --> 00:00:02,500)")
        cue_lines = lines[timing + 1 :]
        while cue_lines and not cue_lines[-1].strip():
            cue_lines.pop()
        if vtt:
            cue_lines = [_VTT_REFERENCE.sub(lambda m: _VTT_UNESCAPES[m.group()], line) for line in cue_lines]
        start, end = _ms(*match.groups()[:4]), _ms(*match.groups()[4:])
        if end < start:
            raise _input_error(f"line {first_line + timing}: the cue ends before it starts")
        cues.append(Cue(start, end, "\n".join(cue_lines)))
    return cues


def read_subtitles(path: str | os.PathLike[str]) -> list[Cue]:
    """The cues of a SubRip or WebVTT file (UTF-8)."""
    return parse_subtitles(Path(path).read_text(encoding="utf-8"))
