"""The account's models, voices and takes: listed as tables (or JSON), made, fetched and deleted; voices by name."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._auth import open_client
from ._exit import CliError, Exit, NotFoundError, UsageError
from ._files import audio_format, check_format, download, refuse_stdout, status_words, take_seconds, written

if TYPE_CHECKING:
    from daisys_ext import Client, TakeResponse, VoiceInfo

    from ._auth import TokenStore
    from ._ui import Ui

MAX_TAKE_PAGES = 10  # of takes, looking for --length of them with --status
VOICE_PAGE, MAX_VOICE_PAGES = 100, 20  # 2000 voices: beyond that, give the id


def _when(timestamp_ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp_ms / 1000)) if isinstance(timestamp_ms, int) else ""


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def all_voices(client: Client) -> Iterator[VoiceInfo]:
    """The account's voices, newest first, page by page."""
    for page in range(1, MAX_VOICE_PAGES + 1):
        voices = client.get_voices(length=VOICE_PAGE, page=page)
        yield from voices
        if len(voices) < VOICE_PAGE:
            return


def find_voice(client: Client, wanted: str, *, ready: bool = True) -> VoiceInfo:
    """The voice with id ``wanted``, else the one named so (case-insensitively; with ``ready``, to speak with, only
    the ready ones of that name count); exit 4 if none, 2 if several."""
    from daisys_ext import DaisysNotFoundError, DaisysValidationError

    try:
        voice = client.get_voice(wanted)
    except (DaisysNotFoundError, DaisysValidationError):
        named = [v for v in all_voices(client) if v.name.casefold() == wanted.casefold()]
    else:
        named = [voice]
    usable = [v for v in named if v.status == "ready"] if ready else named
    if len(usable) > 1:
        ids = ", ".join(f"{v.voice_id} ({v.model}, {status_words(v.status)})" for v in usable)
        raise UsageError(f"{len(usable)} voices are named {wanted!r}: {ids}; give the id of one")
    if usable:
        return usable[0]
    if named:
        raise CliError(f"Voice {named[0].name} ({named[0].voice_id}) is not ready: {status_words(named[0].status)}.")
    raise NotFoundError(f"No voice with the id or name {wanted!r}; `daisys voices` lists them.")


def choose_voice(client: Client, wanted: str | None, ui: Ui) -> VoiceInfo:
    """``--voice``'s voice, or the newest ready one (and a note saying so); exit 4 when there is none."""
    if wanted:
        return find_voice(client, wanted)
    for voice in all_voices(client):
        if voice.status == "ready":
            ui.note(f"Using voice {voice.name} ({voice.voice_id}), the newest ready voice; choose one with --voice.")
            return voice
    raise NotFoundError(
        "This account has no ready voice: make one with `daisys voice create NAME --model MODEL --gender GENDER`."
    )


def _listing(ui: Ui, found: list[Any], columns: list[str], rows: list[list[str]], empty: str) -> int:
    if ui.as_json:
        ui.json([item.model_dump() for item in found])
    else:
        ui.table(columns, rows, empty)
    return Exit.OK


def _names(values: Any) -> str:
    flat = [v for value in values or () for v in (value if isinstance(value, list) else [value])]
    return ", ".join(dict.fromkeys(f"{v}" for v in flat))


def models(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found = client.get_models()
    columns = ["NAME", "DISPLAY NAME", "LANGUAGES", "GENDERS", "STYLES", "PROSODY"]
    rows = [[m.name, m.displayname, *map(_names, (m.languages, m.genders, m.styles, m.prosody_types))] for m in found]
    return _listing(ui, found, columns, rows, "No models.")


def voices(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found = client.get_voices(length=args.length)
    columns = ["ID", "NAME", "MODEL", "GENDER", "STATUS", "CREATED"]
    rows = [[v.voice_id, v.name, v.model, f"{v.gender}", v.status.value, _when(v.timestamp_ms)] for v in found]
    return _listing(ui, found, columns, rows, "No voices yet: `daisys voice create`.")


def takes(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found: list[TakeResponse] = []
        for page in range(1, MAX_TAKE_PAGES + 1 if args.status else 2):
            batch = client.get_takes(length=args.length, page=page)
            found += [t for t in batch if not args.status or t.status == args.status]
            if len(batch) < args.length or len(found) >= args.length:
                break
        found = found[: args.length]
        names = {v.voice_id: v.name for v in client.get_voices()} if found and not args.json else {}
    lengths = ["" if (s := take_seconds(t)) is None else f"{s:.1f} s" for t in found]
    rows = [
        [t.take_id, t.status.value, names.get(t.voice_id, t.voice_id), length, _when(t.timestamp_ms), _short(t.text)]
        for t, length in zip(found, lengths, strict=True)
    ]
    return _listing(ui, found, ["ID", "STATUS", "VOICE", "LENGTH", "CREATED", "TEXT"], rows, "No takes.")


def voice_create(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client, ui.status(f"Creating voice {args.name}…") as status:
        voice = client.generate_voice(
            name=args.name, model=args.model, gender=args.gender, description=args.description, wait=False
        )

        def show(voices: list[VoiceInfo]) -> None:
            status.update(f"Voice {args.name} ({voice.voice_id}): {status_words(voices[0].status)}")

        show([voice])
        voice = client.wait_for_voices(voice.voice_id, callback=show)
    ui.result(voice.model_dump(), f"Created voice {voice.name} ({voice.voice_id}), {voice.model}, {voice.gender}.")
    return Exit.OK


def voice_delete(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        voice = find_voice(client, args.voice, ready=False)  # none: exit 4, several: exit 2, before deleting anything
        client.delete_voice(voice.voice_id)
    ui.result({"deleted": True, "voice": voice.model_dump()}, f"Deleted voice {voice.name} ({voice.voice_id}).")
    return Exit.OK


def take_delete(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        take = client.get_take(args.take_id)  # 404: exit 4, before deleting anything
        client.delete_take(take.take_id)
    ui.result({"deleted": True, "take": take.model_dump()}, f"Deleted take {take.take_id} ({_short(take.text, 32)!r}).")
    return Exit.OK


def take_audio(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    fmt, origin = audio_format(args.output, args.format)
    output = args.output or f"{args.take_id}.{fmt}"
    refuse_stdout(output, args.json)
    with open_client(store) as client, ui.status(f"Take {args.take_id}…") as status:
        check_format(client, fmt, origin)
        take, meter = download(client, client.get_take(args.take_id), fmt, output, status)  # 404: exit 4
    duration = take_seconds(take)
    data = {"file": output, "format": fmt, "bytes": meter.bytes, "duration_s": duration, "take": take.model_dump()}
    ui.result(data, written(output, meter.bytes, duration) + ".", aside=output == "-")
    return Exit.OK
