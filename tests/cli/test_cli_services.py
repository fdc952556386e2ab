"""`daisys say --service vivoka|neuphonic` against the local fakes of both services, started in each test.

The real command runs as a subprocess (see `cli_support`), without the emulator: neither
service needs Daisys credentials. The audio checked is the fakes' own: each records the PCM
it sent. Neuphonic's passages end after a second of silence, so runs go in parallel (`run_all`).
"""

from __future__ import annotations

import os
import socket
import wave
from pathlib import Path

import pytest
from cli_support import Cli, fake_sound_card, run_all

from daisys_ext.audio import parse_wav_header
from daisys_ext.testing.neuphonic import FakeNeuphonic
from daisys_ext.testing.vivoka import FakeVivoka

TIMEOUT = 20  # seconds a run may take at most: a hung run fails instead of holding the suite
PEER_VARIABLES = ("VIVOKA_URL", "NEUPHONIC_API_KEY")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`daisys` in a folder of its own, with no DAISYS_*, Vivoka or Neuphonic settings of the test process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_") and k not in PEER_VARIABLES}
    env.update(DAISYS_CONFIG_DIR=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    env.pop("NO_COLOR", None)
    work = tmp_path / "work"
    work.mkdir()
    return Cli(env, work)


def wav_pcm(path: Path) -> tuple[int, bytes]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.getframerate(), wav.readframes(wav.getnframes())


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_vivoka_says_into_a_file_and_to_standard_output(cli: Cli) -> None:
    with FakeVivoka(sample_rate=16000) as fake:
        url = fake.url
        chosen, first, piped = run_all(
            cli,
            ("say", "I want a coffee", "--service", "vivoka", "--vivoka-url", fake.url, "--voice", "fake-voice-b",
             "-o", "coffee.wav", "--json"),
            ("say", "I want tea", "--service", "vivoka", {"env": {"VIVOKA_URL": fake.url}}),
            ("say", "-", "--service", "vivoka", "--vivoka-url", fake.url, "-o", "-",
             {"input": "Read whole,\nthen spoken.\n"}),
            timeout=TIMEOUT,
        )  # fmt: skip
    by_text = {stream.text: stream for stream in fake.streams}
    assert chosen.returncode == 0, chosen
    result = chosen.json()
    sent = by_text["I want a coffee"]
    assert sent.voice_id == "fake-voice-b"
    assert wav_pcm(cli.cwd / "coffee.wav") == (16000, sent.pcm)  # the WAV's PCM is what the fake sent
    assert result["service"] == "vivoka" and result["file"] == "coffee.wav" and result["format"] == "wav"
    assert result["voice"] == {"voice_id": "fake-voice-b", "description": fake.voices["fake-voice-b"]}
    assert result["pcm_bytes"] == len(sent.pcm) and result["sample_rate"] == 16000 and result["takes"] == []
    assert result["bytes"] == 44 + len(sent.pcm) and result["duration_s"] == round(len(sent.pcm) / 32000, 3)
    assert result["first_audio_s"] is not None and result["url"] == url

    assert first.returncode == 0, first  # $VIVOKA_URL; no --voice: the first voice, and a note saying so
    assert first.stdout.startswith("Saved i-want-tea.wav: ")
    assert "Using Vivoka's voice fake-voice-a, its first; choose one with --voice" in first.stderr
    assert wav_pcm(cli.cwd / "i-want-tea.wav")[1] == by_text["I want tea"].pcm

    assert piped.returncode == 0, piped
    assert "Read whole,\nthen spoken." in by_text  # a pipe is read to its end, then sent as one text
    header = parse_wav_header(piped.raw_stdout)
    assert header.sample_rate == 16000
    assert piped.raw_stdout[header.data_offset :] == by_text["Read whole,\nthen spoken."].pcm
    assert "to standard output" in piped.stderr
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["coffee.wav", "i-want-tea.wav"]  # no temporary file left


def test_vivoka_plays_without_keeping_a_file(cli: Cli, tmp_path: Path) -> None:
    card = fake_sound_card(tmp_path / "sound-card")
    with FakeVivoka() as fake:
        played = cli("say", "Played, not kept.", "--service", "vivoka", "--vivoka-url", fake.url, "--play",
                     env=card, timeout=TIMEOUT)  # fmt: skip
    assert played.returncode == 0, played
    assert played.stdout.startswith("Played ") and " s of audio" in played.stdout
    assert Path(card["FAKE_SOUND_CARD"]).read_text().split() == [str(len(fake.streams[0].pcm))]  # every byte played
    assert list(cli.cwd.iterdir()) == []


def test_neuphonic_says_a_text_a_pipe_and_to_standard_output(cli: Cli) -> None:
    text = "Hello, World! How are you?"
    with FakeNeuphonic() as fake:
        url = fake.url
        key = {"NEUPHONIC_API_KEY": fake.api_key}
        said, piped = run_all(
            cli,
            ("say", text, "--service", "neuphonic", "--neuphonic-url", fake.url, "--speed", "1.5",
             "--temperature", "0.2", "-o", "hello.wav", "--json"),
            ("say", "-", "--service", "neuphonic", "--neuphonic-url", fake.url, "-o", "-",
             {"input": "First line.\n\nSecond line,\nthird.\n"}),
            env=key,
            timeout=TIMEOUT,
        )  # fmt: skip
    connections = {tuple(c.texts): c for c in fake.connections}
    assert said.returncode == 0, said
    spoken = connections[(text, "<STOP>")]  # a TEXT argument is sent whole
    assert (spoken.language, spoken.speed, spoken.temperature) == ("en", 1.5, 0.2)
    assert wav_pcm(cli.cwd / "hello.wav") == (22050, spoken.pcm)
    assert spoken.pcm == fake.expected_pcm(text)
    result = said.json()
    assert result["service"] == "neuphonic" and result["file"] == "hello.wav" and result["voice"] == {"language": "en"}
    assert result["pcm_bytes"] == len(spoken.pcm) and result["sample_rate"] == 22050
    assert result["endpoint"] == f"{url}?speed=1.5&temperature=0.2"

    assert piped.returncode == 0, piped
    lines = ("First line.\n", "Second line,\n", "third.\n", "<STOP>")  # line by line as read; blank lines not sent
    streamed = connections[lines]
    header = parse_wav_header(piped.raw_stdout)
    assert header.sample_rate == 22050 and header.channels == 1
    assert header.data_size == 0xFFFFFFFF  # a pipe: the WAV's sizes say "unknown length"
    expected = fake.expected_pcm("First line. Second line, third.")
    assert piped.raw_stdout[header.data_offset :] == streamed.pcm == expected
    assert "Wrote " in piped.stderr and "to standard output" in piped.stderr
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["hello.wav"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--service", "vivoka", "--prosody", "pace=-3"), "--service vivoka cannot honour --prosody: leave it out"),
        (
            ("--service", "vivoka", "--style", "narrator", "--subtitles", "hi.srt"),
            "--service vivoka cannot honour --style, --subtitles: leave them out",
        ),
        (("--service", "vivoka", "--language", "fr"), "--service vivoka cannot honour --language"),
        (
            ("--service", "vivoka", "-o", "hi.mp3"),
            "--service vivoka gives WAV audio, not mp3 (-o hi.mp3): use --format wav",
        ),
        (("--service", "neuphonic", "--voice", "Lucy"), "--service neuphonic cannot honour --voice: leave it out"),
        (("--service", "neuphonic", "--format", "flac"), "--service neuphonic gives WAV audio, not flac"),
        (
            ("--service", "neuphonic", "--neuphonic-url", "ws://127.0.0.1:1/speak/en", "--language", "fr"),
            "--neuphonic-url replaces the endpoint that --language would name",
        ),
        (("--service", "vivoka", "--speed", "1.2"), "--speed is an option of --service neuphonic"),
        (("--vivoka-url", "http://127.0.0.1:1"), "--vivoka-url is an option of --service vivoka"),
        (("--service", "neuphonic", "--speed", "3"), "speed must be a number from 0.7 to 2.5"),
        (("--service", "vivoka", "--vivoka-url", "ftp://x"), "base_url must be an http(s) URL"),
    ],
    ids=[
        "vivoka-prosody",
        "vivoka-style-subtitles",
        "vivoka-language",
        "vivoka-mp3",
        "neuphonic-voice",
        "neuphonic-flac",
        "neuphonic-url-and-language",
        "speed-for-vivoka",
        "vivoka-url-for-daisys",
        "neuphonic-speed-range",
        "vivoka-url-scheme",
    ],
)
def test_what_a_service_cannot_honour_exits_2_on_one_line(cli: Cli, args: tuple[str, ...], expected: str) -> None:
    # Refused before anything connects: the URLs lead nowhere, and the key is never used.
    done = cli("say", "Hi", *args, env={"NEUPHONIC_API_KEY": "unused-key-0123456789"}, timeout=TIMEOUT)
    assert done.returncode == 2, done
    assert expected in done.error
    assert list(cli.cwd.iterdir()) == []


def test_a_refused_or_missing_neuphonic_key_exits_3(cli: Cli) -> None:
    with FakeNeuphonic() as fake:
        wrong, missing = run_all(
            cli,
            ("say", "Hi", "--service", "neuphonic", "--neuphonic-url", fake.url,
             {"env": {"NEUPHONIC_API_KEY": "wrong-key-0123456789"}}),
            ("say", "Hi", "--service", "neuphonic", "--neuphonic-url", fake.url),
            timeout=TIMEOUT,
        )  # fmt: skip
    assert wrong.returncode == 3, wrong
    assert wrong.error == "daisys: error: Neuphonic refused the API key in NEUPHONIC_API_KEY (HTTP 403)."
    assert fake.refused and fake.refused[0][1] == 403 and fake.connections == []
    assert missing.returncode == 3, missing
    assert "Neuphonic needs an API key: set NEUPHONIC_API_KEY" in missing.error
    assert list(cli.cwd.iterdir()) == []


def test_an_unreachable_service_exits_5(cli: Cli) -> None:
    port = closed_port()
    vivoka, neuphonic = run_all(
        cli,
        ("say", "Hi", "--service", "vivoka", "--vivoka-url", f"http://127.0.0.1:{port}", "-o", "no.wav"),
        ("say", "Hi", "--service", "neuphonic", "--neuphonic-url", f"ws://127.0.0.1:{port}/speak/en", "-o", "no.wav",
         {"env": {"NEUPHONIC_API_KEY": "some-key-0123456789"}}),
        timeout=TIMEOUT,
    )  # fmt: skip
    assert vivoka.returncode == 5, vivoka
    assert f"GET http://127.0.0.1:{port}/v1/voice-synthesis/voices failed" in vivoka.error
    assert neuphonic.returncode == 5, neuphonic
    assert f"Could not connect to Neuphonic at ws://127.0.0.1:{port}/speak/en" in neuphonic.error
    assert list(cli.cwd.iterdir()) == []  # no file, not even a partial one


def test_an_unknown_vivoka_voice_exits_4_naming_its_voices(cli: Cli) -> None:
    with FakeVivoka() as fake:
        url = fake.url
        done = cli("say", "Hi", "--service", "vivoka", "--vivoka-url", url, "--voice", "nobody", timeout=TIMEOUT)
    assert done.returncode == 4, done
    assert done.error == (
        f"daisys: error: Vivoka at {url} has no voice 'nobody'; its voices: fake-voice-a, fake-voice-b."
    )
    assert fake.streams == []


def test_secrets_are_nowhere_in_the_output_even_with_debug(cli: Cli) -> None:
    wrong_key = "wrong-key-abcdefghijklmnop"
    with FakeNeuphonic() as neuphonic, FakeVivoka() as vivoka:
        good, refused, vivoka_run = run_all(
            cli,
            ("say", "-", "--service", "neuphonic", "--neuphonic-url", neuphonic.url, "-o", "debug.wav", "--debug",
             "--json", {"input": "Secret keys stay secret.\n", "env": {"NEUPHONIC_API_KEY": neuphonic.api_key}}),
            ("say", "Hi", "--service", "neuphonic", "--neuphonic-url", neuphonic.url, "--debug",
             {"env": {"NEUPHONIC_API_KEY": wrong_key}}),
            ("say", "Hi", "--service", "vivoka", "--vivoka-url", vivoka.url, "-o", "vivoka.wav", "--debug"),
            timeout=TIMEOUT,
        )  # fmt: skip
    assert good.returncode == 0, good
    assert "DEBUG" in good.stderr  # the debug log is on
    assert refused.returncode == 3 and "Traceback" in refused.stderr  # --debug: a traceback too
    assert vivoka_run.returncode == 0, vivoka_run
    token = vivoka.streams[0].token
    for run in (good, refused, vivoka_run):
        for secret in (neuphonic.api_key, wrong_key, token):
            assert secret not in run.stdout and secret not in run.stderr, run
