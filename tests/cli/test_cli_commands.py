"""`daisys` commands against the emulator: their output, their --json, their exit codes and one-line errors."""

from __future__ import annotations

import argparse
import wave
from pathlib import Path

import pytest
from cli_support import Cli, fake_sound_card, run_all, shadow

from daisys_ext import Client
from daisys_ext.cli._parser import build
from daisys_ext.testing import Emulator


@pytest.fixture
def lucy(client: Client) -> str:
    """The voice Lucy (made by `test_models_and_voice_create` through the command, or here when run alone)."""
    found = [v for v in client.get_voices() if v.name == "Lucy"]
    return (found[0] if found else client.generate_voice(name="Lucy", model="shakespeare", gender="female")).voice_id


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_version_and_help(cli: Cli) -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("daisys 0.")
    help_ = cli("--help")
    assert help_.returncode == 0
    for text in ("say", "batch", "login", "emulator", "examples:", "exit codes:", "3  authentication error"):
        assert text in help_.stdout
    nothing = cli()
    assert nothing.returncode == 2 and "usage: daisys" in nothing.stderr


def commands(parser: argparse.ArgumentParser, path: str = "daisys") -> dict[str, argparse.ArgumentParser]:
    """Every command and sub-command's parser, by its command line."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[f"{path} {name}"] = sub
                found.update(commands(sub, f"{path} {name}"))
    return found


def test_every_command_has_help_with_an_example_and_the_exit_codes() -> None:
    found = commands(build())
    expected = ["say", "models", "voices", "takes", "batch", "login", "logout", "emulator"]
    expected += ["voice create", "voice delete", "take audio", "take delete"]
    assert set(found) >= {f"daisys {name}" for name in expected}
    for path, parser in found.items():
        text = parser.format_help()
        assert "examples:\n  daisys " in text, path
        assert "5  server or network error" in text, path
    # A command of actions names them in its summary, as they are typed.
    assert (
        "(take audio)" in found["daisys take"].format_help() and "(take delete)" in found["daisys take"].format_help()
    )
    assert "(voice create)" in found["daisys voice"].format_help()
    assert "ID|NAME" in found["daisys voice delete"].format_help()


def test_no_voice_yet(cli: Cli) -> None:
    listed = cli("voices")
    assert listed.returncode == 0 and listed.stdout == "" and "No voices yet" in listed.stderr
    assert cli("voices", "--json").json() == []
    spoken = cli("say", "Hello there.")
    assert spoken.returncode == 4
    assert "has no ready voice" in spoken.error and "daisys voice create" in spoken.error


def test_models_and_voice_create(cli: Cli) -> None:
    models, table, created = run_all(
        cli,
        ("models", "--json"),
        ("models",),
        ("voice", "create", "Lucy", "--model", "shakespeare", "--gender", "female", "--json"),
    )
    assert models.returncode == 0
    assert [m["name"] for m in models.json()] == ["shakespeare", "theatrical-v2"]
    assert set(models.json()[0]) >= {"name", "displayname", "languages", "genders", "styles", "prosody_types"}
    assert table.stdout.splitlines()[0].split()[:3] == ["NAME", "DISPLAY", "NAME"]
    assert "theatrical-v2  Theatrical v2" in table.stdout

    assert created.returncode == 0, created
    voice = created.json()
    assert voice["name"] == "Lucy" and voice["status"] == "ready" and voice["voice_id"]
    plain = cli("voice", "create", "Ignacio", "--model", "shakespeare", "--gender", "male")
    assert plain.returncode == 0 and plain.stdout.startswith("Created voice Ignacio (v")

    listed, table, one = run_all(cli, ("voices", "--json"), ("voices",), ("voices", "--length", "1", "--json"))
    assert [v["name"] for v in listed.json()] == ["Ignacio", "Lucy"]  # newest first
    assert table.stdout.split()[:6] == ["ID", "NAME", "MODEL", "GENDER", "STATUS", "CREATED"]
    assert f"{voice['voice_id']}  Lucy" in table.stdout
    assert len(one.json()) == 1


def test_say_text_into_a_file(cli: Cli, workdir: Path, client: Client, lucy: str) -> None:
    done, default = run_all(
        cli,
        ("say", "Hello there, I am Daisys!", "-o", "hello.wav"),
        ("say", "Named after its words.", "--voice", "Lucy"),
    )
    assert done.returncode == 0, done
    assert done.stdout.startswith("Saved hello.wav: ") and "s of audio" in done.stdout and "kB" in done.stdout
    newest = client.get_voices()[0]
    assert f"Using voice {newest.name} ({newest.voice_id}), the newest ready voice" in done.stderr
    assert "\x1b" not in done.stderr and "Take t" not in done.stderr  # no progress when stderr is not a terminal
    assert wav_seconds(workdir / "hello.wav") > 0.5
    assert default.returncode == 0 and (workdir / "named-after-its-words.wav").exists()
    again = cli("say", "Named after its words.", "--voice", "Lucy", "-q")
    assert again.returncode == 0 and again.stderr == ""  # nothing on stderr with --quiet
    assert (workdir / "named-after-its-words-2.wav").exists()  # never overwrites a file it named itself


def test_say_json_with_a_voice_name_and_take_options(cli: Cli, workdir: Path, lucy: str) -> None:
    done = cli(
        "say", "Slowly, please.", "--voice", "lucy", "--prosody", "pace=-3,pitch=2", "--style", "narrator",
        "--language", "en-GB", "-o", "slow.mp3", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done
    result = done.json()
    assert result["file"] == "slow.mp3" and result["format"] == "mp3" and result["service"] == "daisys"
    assert result["bytes"] == (workdir / "slow.mp3").stat().st_size > 0
    assert result["voice"]["name"] == "Lucy" and result["duration_s"] > 0
    (take,) = result["takes"]
    assert take["status"] == "ready" and take["text"] == "Slowly, please."
    assert take["prosody"] == {"pace": -3, "pitch": 2, "expression": 0}
    assert take["style"] == ["narrator"] and take["override_language"] == "en-GB"
    assert (workdir / "slow.mp3").read_bytes()[:3] in (b"ID3", b"\xff\xfb")


def test_say_standard_input_streamed_with_subtitles(cli: Cli, workdir: Path, lucy: str) -> None:
    text = "The first sentence.\nThe second one comes here. And a third!\n"
    done = cli("say", "-", "--voice", "Lucy", "-o", "piped.wav", "--subtitles", "piped.srt", "--json", input=text)
    assert done.returncode == 0, done
    result = done.json()
    assert [t["text"] for t in result["takes"]] == ["The first sentence.", "The second one comes here.", "And a third!"]
    assert result["first_audio_s"] > 0 and result["subtitles"] == "piped.srt"
    assert abs(wav_seconds(workdir / "piped.wav") - result["duration_s"]) < 0.01
    srt = (workdir / "piped.srt").read_text()
    assert "The second one comes here." in srt and "00:00:00,000 -->" in srt


def test_say_a_file_to_standard_output(cli: Cli, workdir: Path, lucy: str) -> None:
    (workdir / "story.txt").write_text("Once upon a time. There was a voice.\n")
    done, streamed, mp3 = run_all(
        cli,
        ("say", "-f", "story.txt", "--voice", "Lucy", "-o", "-"),
        ("say", "Streamed from an argument.", "--stream", "--voice", "Lucy", "-o", "s.wav"),
        ("say", "-f", "story.txt", "--voice", "Lucy", "--format", "mp3", "--json"),
    )
    assert mp3.returncode == 0, mp3  # another format than WAV: the file read whole, one take over REST
    assert mp3.json()["file"] == "story.mp3" and (workdir / "story.mp3").read_bytes()[:3] in (b"ID3", b"\xff\xfb")
    assert [t["text"] for t in mp3.json()["takes"]] == ["Once upon a time. There was a voice."]
    assert done.returncode == 0, done
    assert done.raw_stdout[:4] == b"RIFF" and len(done.raw_stdout) > 10_000
    assert "to standard output" in done.stderr
    assert streamed.returncode == 0 and "first audio after" in streamed.stdout


def test_takes_take_audio_and_take_delete(cli: Cli, workdir: Path, client: Client, lucy: str) -> None:
    for _ in range(3 - len(client.get_takes(length=3))):  # when run alone
        client.generate_take(lucy, "One more take.")
    listed, table = run_all(cli, ("takes", "--json", "--length", "3", "--status", "ready"), ("takes", "--length", "2"))
    takes = listed.json()
    assert len(takes) == 3 and all(t["status"] == "ready" for t in takes)
    assert table.stdout.split()[:6] == ["ID", "STATUS", "VOICE", "LENGTH", "CREATED", "TEXT"]
    assert len(table.stdout.splitlines()) == 3 and "Lucy" in table.stdout
    take_id = takes[0]["take_id"]

    audio, flac = run_all(
        cli, ("take", "audio", take_id, "-o", "again.wav", "--json"), ("take", "audio", take_id, "--format", "flac")
    )
    assert audio.returncode == 0, audio
    assert audio.json()["take"]["take_id"] == take_id and wav_seconds(workdir / "again.wav") > 0
    assert flac.returncode == 0 and flac.stdout.startswith(f"Saved {take_id}.flac: ")
    assert (workdir / f"{take_id}.flac").read_bytes()[:4] == b"fLaC"

    deleted = cli("take", "delete", take_id)
    assert deleted.returncode == 0 and deleted.stdout.startswith(f"Deleted take {take_id}")
    gone_ones = (("take", "delete", take_id), ("take", "audio", take_id), ("take", "audio", "t_nonexistent"))
    for gone in run_all(cli, *gone_ones):
        assert gone.returncode == 4, gone
        assert gone.error.startswith("daisys: error: ") and "404" in gone.error


def test_voice_delete_by_id_or_name_and_ambiguous_names(cli: Cli, client: Client) -> None:
    voice = client.generate_voice(name="Shortlived", model="shakespeare", gender="male")
    named = client.generate_voice(name="By Name", model="shakespeare", gender="male")
    twins = [client.generate_voice(name="Twin", model="shakespeare", gender="female") for _ in range(2)]
    done, by_name, unknown, ambiguous, say_ambiguous = run_all(
        cli,
        ("voice", "delete", voice.voice_id, "--json"),
        ("voice", "delete", "by name"),
        ("say", "Hi", "--voice", "Nobody", "-q"),
        ("voice", "delete", "twin"),
        ("say", "Hi", "--voice", "Twin", "-q"),
    )
    assert done.returncode == 0 and done.json()["voice"]["voice_id"] == voice.voice_id
    assert by_name.returncode == 0 and by_name.stdout == f"Deleted voice By Name ({named.voice_id}).\n"
    again = cli("voice", "delete", voice.voice_id)
    assert again.returncode == 4 and f"No voice with the id or name {voice.voice_id!r}" in again.error
    assert unknown.returncode == 4
    assert unknown.error == "daisys: error: No voice with the id or name 'Nobody'; `daisys voices` lists them."
    for refused in (ambiguous, say_ambiguous):  # two voices of that name: neither picked, both named
        assert refused.returncode == 2, refused
        assert "2 voices are named" in refused.error and "give the id of one" in refused.error
        assert all(twin.voice_id in refused.error for twin in twins)
    left = {v.voice_id for v in client.get_voices()}
    assert {twin.voice_id for twin in twins} <= left and named.voice_id not in left
    for twin in twins:
        client.delete_voice(twin.voice_id)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("say", "Hi", "--prosody", "pace=20"), "pace=20: levels go from -10 to 10"),
        (("say", "Hi", "--prosody", "speed=1"), "no level called speed"),
        (("say", "Hi", "--format", "mp3", "--stream"), "--stream gives WAV audio, not mp3 (--format mp3): use wav"),
        (("say", "Hi", "--stream", "--play", "-o", "x.mp3"), "--stream and --play give WAV audio, not mp3 (-o x.mp3)"),
        (("say", "Hi", "-o", "out.ogg"), "-o out.ogg: .ogg is not an audio format daisys writes"),
        (("take", "audio", "t01", "-o", "x.mp3", "--format", "wav"), "-o x.mp3 names mp3 audio, but --format wav"),
        (("say", "Hi", "-o", "-", "--json"), "choose one"),
        (("say", "Hi", "--service", "acapela"), "invalid choice: 'acapela'"),
        (("say", "-f", "missing.txt"), "-f missing.txt: no such file"),
        (("sing",), "invalid choice: 'sing'"),
        (("voice",), "required"),
        (("voice", "create", "X", "--model", "shakespeare", "--gender", "nonbinary"), "422"),
    ],
)
def test_usage_errors_exit_2_on_one_line(cli: Cli, args: tuple[str, ...], expected: str) -> None:
    done = cli(*args, "-q") if args[0] == "voice" and len(args) > 1 else cli(*args)
    assert done.returncode == 2, done
    assert expected in done.error


def test_a_failed_take_exits_1_and_leaves_no_file(cli: Cli, workdir: Path, lucy: str) -> None:
    done, streamed = run_all(
        cli,
        ("say", "This one breaks [[fail]].", "--voice", "Lucy", "-o", "broken.wav", "-q"),
        ("say", "Fine. But [[fail]] here.", "--stream", "--voice", "Lucy", "-o", "broken.wav", "-q"),
    )
    assert done.returncode == 1
    assert done.error.startswith("daisys: error: Generating take failed: t")
    assert streamed.returncode == 1 and "daisys: error:" in streamed.error
    assert not list(workdir.glob("*broken.wav*"))  # neither the file nor a temporary one


def test_unknown_model_exits_4(cli: Cli) -> None:
    done = cli("voice", "create", "X", "--model", "nomodel", "--gender", "female")
    assert done.returncode == 4 and "Model nomodel not found" in done.error


def test_wrong_or_missing_credentials_exit_3(cli: Cli) -> None:
    wrong = cli("models", env={"DAISYS_PASSWORD": "wrong"})
    assert wrong.returncode == 3
    assert "Incorrect email or password" in wrong.error and "daisys login" in wrong.error
    assert "wrong" not in wrong.stderr  # the password is never shown
    missing = cli("models", env={"DAISYS_PASSWORD": None, "DAISYS_EMAIL": None})
    assert missing.returncode == 3
    assert missing.error == (
        f"daisys: error: Not logged in to {cli.env['DAISYS_AUTH_URL']}: run `daisys login`, "
        "or set DAISYS_EMAIL and DAISYS_PASSWORD."
    )


def test_server_and_network_errors_exit_5(cli: Cli, emulator: Emulator) -> None:
    nowhere = {"DAISYS_API_URL": "http://127.0.0.1:9", "DAISYS_AUTH_URL": "http://127.0.0.1:9"}
    emulator.fail_rate, emulator.fail_status, emulator.retry_after = 1.0, 503, 0
    try:
        failing, unreachable = run_all(cli, ("models",), ("models", {"env": nowhere}))
    finally:
        emulator.fail_rate = 0.0
    assert failing.returncode == 5 and "503" in failing.error
    assert unreachable.returncode == 5, unreachable
    assert "daisys: error:" in unreachable.error


def test_play(cli: Cli, workdir: Path, lucy: str) -> None:
    card = fake_sound_card(workdir / "sound-card")
    missing, played, both = run_all(
        cli,
        ("say", "Hi", "--play", {"env": shadow(workdir / "no-audio", "sounddevice")}),
        ("say", "Played, not kept.", "--play", "--voice", "Lucy", "--json", {"env": card}),
        ("say", "Played and kept.", "--play", "--voice", "Lucy", "-o", "kept.wav", {"env": card}),
    )
    assert missing.returncode == 1
    assert missing.error == "daisys: error: --play needs the audio extra: pip install 'daisys-ext[audio]'"
    assert played.returncode == 0, played
    result = played.json()
    assert result["file"] is None and result["duration_s"] > 0
    assert both.returncode == 0 and both.stdout.startswith("Saved kept.wav: ")
    heard = sorted(int(n) for n in Path(card["FAKE_SOUND_CARD"]).read_text().split())
    kept = (workdir / "kept.wav").stat().st_size - 44
    assert kept in heard and len(heard) == 2  # every byte of the file was played
    assert not list(workdir.glob("played-not-kept*"))


def test_debug_shows_the_redacted_log_and_a_traceback(cli: Cli, client: Client, lucy: str) -> None:
    client.login()
    token = client.access_token
    assert token
    tokens = {"DAISYS_ACCESS_TOKEN": token, "DAISYS_EMAIL": None, "DAISYS_PASSWORD": None}
    missing, spoken = run_all(
        cli,
        ("--debug", "take", "audio", "t_nonexistent"),
        ("say", "Debugging.", "--stream", "--voice", "Lucy", "-o", "debug.wav", "--debug"),
        env=tokens,
    )
    assert missing.returncode == 4
    assert "Traceback" in missing.stderr and "DaisysNotFoundError" in missing.stderr
    assert "DEBUG daisys_ext] GET http://127.0.0.1:" in missing.stderr
    assert spoken.returncode == 0 and "DEBUG daisys_ext" in spoken.stderr
    for done in (missing, spoken):
        assert token not in done.stderr  # redacted from the log
