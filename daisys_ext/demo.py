"""``make demo``: list the models, make a voice, generate a take showing its progress, write hello_daisys.wav.

Runs on the embedded emulator unless DAISYS_EMAIL is set, in which case it uses the real
service with DAISYS_EMAIL / DAISYS_PASSWORD (and DAISYS_API_URL / DAISYS_AUTH_URL if set).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import Client, DaisysError, SimpleProsody, TakeResponse, VoiceGender


@contextlib.contextmanager
def _service() -> Iterator[dict[str, Any]]:
    """Client arguments for the real service if DAISYS_EMAIL is set, else for a local emulator."""
    if os.environ.get("DAISYS_EMAIL"):
        print("Using the Daisys service (DAISYS_EMAIL is set).")
        yield {}
        return
    try:
        from .testing import Emulator
    except ImportError as exc:  # the emulator's extra is not installed
        sys.exit(f"The embedded emulator needs `pip install daisys-ext[emulator]` ({exc}); or set DAISYS_EMAIL.")
    with Emulator(take_seconds=1.5) as emulator:
        print(f"Using the embedded Daisys emulator at {emulator.api_url} (set DAISYS_EMAIL to use the real service).")
        yield {
            "email": emulator.email,
            "password": emulator.password,
            "daisys_url": emulator.api_url,
            "auth_url": emulator.api_url,
        }


def _progress(takes: list[TakeResponse]) -> None:
    print(f"  take {takes[0].take_id}: {takes[0].status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--text", default="Hello there, I am Daisys! It's a beautiful day.")
    parser.add_argument("--output", type=Path, default=Path("hello_daisys.wav"))
    args = parser.parse_args(argv)

    with _service() as arguments, Client(**arguments) as speak:
        print("Daisys Speak API", speak.version())
        models = speak.get_models()
        print("Models:", ", ".join(f"{m.name} ({', '.join(m.languages)})" for m in models))
        if not models:
            print("No models are available to this account.")
            return 1

        print(f'Generating a voice for model "{models[0].name}"...')
        voice = speak.generate_voice(name="Daisy", gender=VoiceGender.FEMALE, model=models[0].name)
        print(f"  voice {voice.voice_id} ({voice.name}, {voice.gender}) is {voice.status}")

        print(f"Generating a take: {args.text!r}")
        started = time.monotonic()
        take = speak.generate_take(
            voice_id=voice.voice_id,
            text=args.text,
            prosody=SimpleProsody(pitch=2, pace=-3, expression=10),
            wait=False,
        )
        take = speak.wait_for_takes(take.take_id, callback=_progress)
        print(f"  ready after {time.monotonic() - started:.1f} s")

        speak.get_take_audio(take.take_id, file=args.output)
        with wave.open(str(args.output), "rb") as audio:
            seconds = audio.getnframes() / audio.getframerate()
            print(f'Wrote "{args.output}": {seconds:.2f} s of {audio.getframerate()} Hz audio.')
        if take.info:
            print("Normalized text:", " | ".join(take.info.normalized_text))

        speak.delete_take(take.take_id)
        speak.delete_voice(voice.voice_id)
        print("Deleted the take and the voice; done.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DaisysError as exc:
        sys.exit(f"demo failed: {exc}")
