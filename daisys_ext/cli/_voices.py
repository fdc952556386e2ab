"""Which voice a command speaks with: ``--voice`` as an id or a name, else the newest ready voice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._exit import CliError, NotFoundError

if TYPE_CHECKING:
    from daisys_ext import Client, VoiceInfo

    from ._ui import Ui

PAGE = 100
MAX_PAGES = 20  # 2000 voices: beyond that, give the id


def all_voices(client: Client) -> Iterator[VoiceInfo]:
    """The account's voices, newest first, page by page."""
    for page in range(1, MAX_PAGES + 1):
        voices = client.get_voices(length=PAGE, page=page)
        yield from voices
        if len(voices) < PAGE:
            return


def _ready(voice: VoiceInfo) -> bool:
    return voice.status == "ready"


def find_voice(client: Client, wanted: str) -> VoiceInfo:
    """The voice with id ``wanted``, else the newest ready voice named so (case-insensitively); exit 4 if none."""
    from daisys_ext import DaisysNotFoundError, DaisysValidationError

    try:
        voice = client.get_voice(wanted)
    except (DaisysNotFoundError, DaisysValidationError):
        pass  # not an id: a name
    else:
        if not _ready(voice):
            raise CliError(f"Voice {voice.name} ({voice.voice_id}) is not ready: its status is {voice.status.value}.")
        return voice
    named = [v for v in all_voices(client) if v.name.casefold() == wanted.casefold()]
    ready = [v for v in named if _ready(v)]
    if ready:
        return ready[0]
    if named:
        raise CliError(f"No voice named {wanted!r} is ready (status {named[0].status.value}).")
    raise NotFoundError(f"No voice with the id or name {wanted!r}; `daisys voices` lists them.")


def newest_ready_voice(client: Client) -> VoiceInfo:
    """The account's newest ready voice; exit 4 when there is none."""
    for voice in all_voices(client):
        if _ready(voice):
            return voice
    raise NotFoundError(
        "This account has no ready voice: make one with `daisys voice create NAME --model MODEL --gender GENDER`."
    )


def choose_voice(client: Client, wanted: str | None, ui: Ui) -> VoiceInfo:
    """``--voice``'s voice, or the newest ready one (and a note saying so)."""
    if wanted:
        return find_voice(client, wanted)
    voice = newest_ready_voice(client)
    ui.note(f"Using voice {voice.name} ({voice.voice_id}), the newest ready voice; choose one with --voice.")
    return voice


class VoiceCache:
    """Voices by what a batch's lines call them, each looked up once (shared by the batch's threads)."""

    def __init__(self, client: Client, default: VoiceInfo) -> None:
        self._client = client
        self._default = default
        self._found: dict[str, VoiceInfo | Exception] = {}
        self._lock = threading.Lock()

    def get(self, wanted: str | None) -> VoiceInfo:
        if not wanted:
            return self._default
        with self._lock:
            if wanted not in self._found:
                try:
                    self._found[wanted] = find_voice(self._client, wanted)
                except CliError as exc:
                    self._found[wanted] = exc
            found = self._found[wanted]
        if isinstance(found, Exception):
            raise found
        return found
