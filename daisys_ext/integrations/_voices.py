"""Which voice an agent speaks with when none is given: the newest ready voice of a model (or of any model)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._errors import DaisysInputError

if TYPE_CHECKING:
    from daisys_speak_api.models import VoiceInfo

    from .._async.client import AsyncClient

__all__ = ["choose_voice", "newest_ready_voice"]

PAGE = 100
MAX_PAGES = 20  # 2000 voices: beyond that, give the voice_id


def choose_voice(voices: Iterable[VoiceInfo], model: str | None) -> VoiceInfo | None:
    """The newest ready voice among ``voices`` of ``model`` (any model when None), or None."""
    ready = [v for v in voices if v.status == "ready" and (model is None or v.model == model)]
    return max(ready, key=lambda v: v.timestamp_ms, default=None)


async def newest_ready_voice(client: AsyncClient, model: str | None) -> VoiceInfo:
    """The account's newest ready voice of ``model`` (or of any model); a `DaisysInputError` if there is none."""
    found: VoiceInfo | None = None
    for page in range(1, MAX_PAGES + 1):
        voices = await client.get_voices(length=PAGE, page=page)
        best = choose_voice(voices, model)
        if best is not None and (found is None or best.timestamp_ms > found.timestamp_ms):
            found = best
        if len(voices) < PAGE or found is not None:
            break  # voices come newest first: a later page holds only older ones
    if found is None:
        of = f" of model {model!r}" if model else ""
        raise DaisysInputError(f"This account has no ready voice{of}: give voice_id=, or make a voice first.")
    return found
