"""``make demo``: list the models, make a voice, generate a take showing its progress, write hello_daisys.wav,
then stream the same text over a websocket into hello_websocket.wav, and speak a text while a pretend
language model is still writing it into hello_stream.wav.

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

from . import Client, DaisysError, SimpleProsody, StreamMode, StreamOptions, TakeResponse, VoiceGender


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


STORY = "Once upon a time, a voice waited for words. They came one by one. It spoke each sentence as it ended."


class _ModelWriting:
    """A pretend language model: the story's words one at a time, 40 ms apart, as a model streams tokens.

    It notes when its first sentence is complete, and the demo when the first audio is heard.
    """

    def __init__(self, story: str) -> None:
        self.story = story
        self.first_sentence_at: float | None = None
        self.first_audio_at: float | None = None
        self.words_left = 0  # when the first audio was heard
        self._left = 0

    def words(self) -> Iterator[str]:
        words = self.story.split(" ")
        for i, word in enumerate(words):
            self._left = len(words) - i
            time.sleep(0.04)
            if self.first_sentence_at is None and word.endswith("."):
                self.first_sentence_at = time.monotonic()
            yield word + " "

    def heard(self) -> None:
        if self.first_audio_at is None:
            self.first_audio_at = time.monotonic()
            self.words_left = self._left

    def first_audio_ms(self) -> float:
        if self.first_sentence_at is None or self.first_audio_at is None:
            return float("nan")
        return (self.first_audio_at - self.first_sentence_at) * 1000


def _progress(takes: list[TakeResponse]) -> None:
    print(f"  take {takes[0].take_id}: {takes[0].status.value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--text", default="Hello there, I am Daisys! It's a beautiful day.")
    parser.add_argument("--output", type=Path, default=Path("hello_daisys.wav"))
    parser.add_argument("--websocket-output", type=Path, default=Path("hello_websocket.wav"))
    parser.add_argument("--story", default=STORY, help="the text the pretend language model writes")
    parser.add_argument("--stream-output", type=Path, default=Path("hello_stream.wav"))
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
        print(f"  voice {voice.voice_id} ({voice.name}, {voice.gender}) is {voice.status.value}")

        print(f"Generating a take: {args.text!r}")
        started = time.monotonic()
        prosody = SimpleProsody(pitch=2, pace=-3, expression=10)
        take = speak.generate_take(voice_id=voice.voice_id, text=args.text, prosody=prosody, wait=False)
        take = speak.wait_for_takes(take.take_id, callback=_progress)
        print(f"  ready after {time.monotonic() - started:.1f} s")

        speak.get_take_audio(take.take_id, file=args.output)
        with wave.open(str(args.output), "rb") as audio:
            seconds = audio.getnframes() / audio.getframerate()
            print(f'Wrote "{args.output}": {seconds:.2f} s of {audio.getframerate()} Hz audio.')
        if take.info:
            print("Normalized text:", " | ".join(take.info.normalized_text))

        print("Streaming the same text over a websocket, straight from a worker...")
        with speak.websocket(voice_id=voice.voice_id) as ws:
            started = time.monotonic()
            first_audio: list[float] = []

            def time_first_audio(**frame: object) -> None:
                """The audio callback gets every frame as it arrives; here it only times the first."""
                if not first_audio:
                    first_audio.append(time.monotonic() - started)

            request_id = ws.generate_take(
                voice.voice_id,
                args.text,
                prosody=prosody,
                stream_options=StreamOptions(mode=StreamMode.CHUNKS),
                audio_callback=time_first_audio,
            )
            streamed = ws.write_wav(request_id, args.websocket_output)  # the chunks joined into one WAV
            assert isinstance(streamed, TakeResponse)
            print(f"  first audio after {first_audio[0] * 1000:.0f} ms, all after {time.monotonic() - started:.1f} s")
            with wave.open(str(args.websocket_output), "rb") as audio:
                print(f'Wrote "{args.websocket_output}": {audio.getnframes() / audio.getframerate():.2f} s of audio.')


            print("Speaking a text while it is being written, as a language model writes it...")
            model = _ModelWriting(args.story)
            pcm = bytearray()
            for chunk in ws.stream_text(model.words()):  # each sentence spoken as soon as it is written
                model.heard()
                pcm += chunk
        with wave.open(str(args.websocket_output), "rb") as spoken, wave.open(str(args.stream_output), "wb") as out:
            out.setparams(spoken.getparams())  # the same voice: the same format
            out.writeframes(pcm)
            seconds = out.getnframes() / out.getframerate()
        print(
            f"  first audio {model.first_audio_ms():.0f} ms after the first sentence was written"
            f' ({model.words_left} words still to come); wrote "{args.stream_output}": {seconds:.2f} s of audio.'
        )

        for done in speak.get_takes():
            speak.delete_take(done.take_id)
        speak.delete_voice(voice.voice_id)
        print("Deleted the takes and the voice; done.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DaisysError as exc:
        sys.exit(f"demo failed: {exc}")
