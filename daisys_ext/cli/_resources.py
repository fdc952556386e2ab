"""The account's models, voices and takes: listed as tables (or JSON), made, fetched and deleted."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ._exit import Exit, UsageError
from ._files import format_of, human_size, seconds
from ._session import open_client
from ._store import TokenStore
from ._ui import Ui

if TYPE_CHECKING:
    from daisys_ext import TakeResponse, VoiceInfo

MAX_PAGES = 10  # of takes, looking for --length of them with --status


def _when(timestamp_ms: int | None) -> str:
    if not isinstance(timestamp_ms, int):
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp_ms / 1000))


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(take: TakeResponse) -> str:
    from ._say_daisys import take_seconds

    value = take_seconds(take)
    return "" if value is None else f"{value:.1f} s"


def models(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found = client.get_models()
    if args.json:
        ui.json([model.model_dump() for model in found])
        return Exit.OK

    def names(values: Any) -> str:
        flat = [v for value in values or () for v in (value if isinstance(value, list) else [value])]
        return ", ".join(dict.fromkeys(f"{v}" for v in flat))

    rows = [
        [m.name, m.displayname, names(m.languages), names(m.genders), names(m.styles), names(m.prosody_types)]
        for m in found
    ]
    ui.table(["NAME", "DISPLAY NAME", "LANGUAGES", "GENDERS", "STYLES", "PROSODY"], rows, "No models.")
    return Exit.OK


def voices(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found = client.get_voices(length=args.length)
    if args.json:
        ui.json([voice.model_dump() for voice in found])
        return Exit.OK
    rows = [[v.voice_id, v.name, v.model, f"{v.gender}", v.status.value, _when(v.timestamp_ms)] for v in found]
    ui.table(["ID", "NAME", "MODEL", "GENDER", "STATUS", "CREATED"], rows, "No voices yet: `daisys voice create`.")
    return Exit.OK


def takes(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        found: list[TakeResponse] = []
        for page in range(1, MAX_PAGES + 1 if args.status else 2):
            batch = client.get_takes(length=args.length, page=page)
            found += [t for t in batch if not args.status or t.status == args.status]
            if len(batch) < args.length or len(found) >= args.length:
                break
        found = found[: args.length]
        names = {v.voice_id: v.name for v in client.get_voices()} if found and not args.json else {}
    if args.json:
        ui.json([take.model_dump() for take in found])
        return Exit.OK
    rows = [
        [
            t.take_id,
            t.status.value,
            names.get(t.voice_id, t.voice_id),
            _seconds(t),
            _when(t.timestamp_ms),
            _short(t.text),
        ]
        for t in found
    ]
    ui.table(["ID", "STATUS", "VOICE", "LENGTH", "CREATED", "TEXT"], rows, "No takes.")
    return Exit.OK


def voice_create(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client, ui.status(f"Creating voice {args.name}…") as status:
        voice = client.generate_voice(
            name=args.name, model=args.model, gender=args.gender, description=args.description, wait=False
        )

        def show(voices: list[VoiceInfo]) -> None:
            status.update(f"Voice {args.name} ({voice.voice_id}): {voices[0].status.value}")

        show([voice])
        voice = client.wait_for_voices(voice.voice_id, callback=show)
    if args.json:
        ui.json(voice.model_dump())
    else:
        ui.print(f"Created voice {voice.name} ({voice.voice_id}), {voice.model}, {voice.gender}.")
    return Exit.OK


def voice_delete(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        voice = client.get_voice(args.voice_id)  # 404: exit 4, before deleting anything
        client.delete_voice(voice.voice_id)
    if args.json:
        ui.json({"deleted": True, "voice": voice.model_dump()})
    else:
        ui.print(f"Deleted voice {voice.name} ({voice.voice_id}).")
    return Exit.OK


def take_delete(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    with open_client(store) as client:
        take = client.get_take(args.take_id)  # 404: exit 4, before deleting anything
        client.delete_take(take.take_id)
    if args.json:
        ui.json({"deleted": True, "take": take.model_dump()})
    else:
        ui.print(f"Deleted take {take.take_id} ({_short(take.text, 32)!r}).")
    return Exit.OK


def take_audio(args: argparse.Namespace, ui: Ui, store: TokenStore) -> int:
    from ._say_daisys import Meter, audio_target, take_seconds

    fmt = format_of(args.output, args.format)
    output = args.output or f"{args.take_id}.{fmt}"
    if output == "-" and args.json:
        raise UsageError("-o - writes the audio to standard output, where --json would go too; choose one")
    with open_client(store) as client, ui.status(f"Take {args.take_id}…") as status:
        take = client.get_take(args.take_id)  # 404: exit 4
        if not take.status.done():

            def show(takes: list[TakeResponse]) -> None:
                status.update(f"Take {take.take_id}: {takes[0].status.value}")

            take = client.wait_for_takes(take.take_id, callback=show)
        status.update(f"Take {take.take_id}: downloading the {fmt}…")
        with audio_target(output) as target:
            meter = Meter(target)
            client.get_take_audio(take.take_id, file=cast(BinaryIO, meter), format=fmt)
    duration = take_seconds(take)
    if args.json:
        info = {"file": output, "format": fmt, "bytes": meter.bytes, "duration_s": duration}
        ui.json({**info, "take": take.model_dump()})
        return Exit.OK
    length = "" if duration is None else f"{seconds(duration)} of audio, "
    line = f"{length}{human_size(meter.bytes)}"
    if output == "-":
        ui.note(f"Wrote {line} to standard output.")
    else:
        ui.print(f"Saved {output}: {line}.")
    return Exit.OK
