"""The command line: every command, its options, its help with examples, and one-line usage errors (exit 2)."""

from __future__ import annotations

import argparse
import platform
from typing import NoReturn

from daisys_ext._version import __version__

from ._exit import EXIT_CODES_HELP
from ._files import FORMATS

SERVICES = ("daisys", "vivoka", "neuphonic")
"""The services ``say --service`` speaks with (`_say.speak`)."""

SERVICE_OPTIONS: dict[str, tuple[str, str]] = {
    "--vivoka-url": ("vivoka", "url"),
    "--region": ("neuphonic", "region"),
    "--speed": ("neuphonic", "speed"),
    "--temperature": ("neuphonic", "temperature"),
    "--neuphonic-url": ("neuphonic", "url"),
}
"""An option of one service only -> (that service, its name in `SayRequest.options`)."""

_SERVICE_HELP: dict[str, tuple[str, type, str]] = {  # metavar, type, help
    "--vivoka-url": ("URL", str, "the Vivoka service (default: $VIVOKA_URL, else http://localhost:39806)"),
    "--region": ("REGION", str, "Neuphonic's region (default: eu-west-1)"),
    "--speed": ("X", float, "0.7 to 2.5 (default: 1.0)"),
    "--temperature": ("X", float, "0 to 1 (default: 0.5)"),
    "--neuphonic-url": ("URL", str, "a ws:// or wss:// URL in place of Neuphonic's endpoint (a local fake's, say)"),
}


def option_dest(flag: str) -> str:
    """Where argparse keeps a service's own option: ``--region`` -> ``neuphonic_region``."""
    service, name = SERVICE_OPTIONS[flag]
    return f"{service}_{name}"


STATUSES = ("waiting", "started", "progress_25", "progress_50", "progress_75", "ready", "error", "timeout")
GENDERS = ("female", "male", "nonbinary")

DESCRIPTION = "Speech from a shell, with the Daisys Speak text-to-speech API."

MAIN_EPILOG = f"""\
examples:
  daisys login                                  # once: stores tokens, never the password
  daisys say "Hello there, I am Daisys!" -o hello.wav
  daisys say -f story.txt --stream --play       # speaks while it reads
  daisys voices --json | jq -r '.[].name'
  daisys batch lines.txt -o out/ --concurrency 4

environment:
  DAISYS_EMAIL, DAISYS_PASSWORD       credentials (they win over the tokens of `daisys login`)
  DAISYS_ACCESS_TOKEN, DAISYS_REFRESH_TOKEN   tokens (they win over both)
  DAISYS_API_URL, DAISYS_AUTH_URL     the service (default https://api.daisys.ai)
  DAISYS_VOICE                        the default voice of `say` and `batch`
  DAISYS_CONFIG_DIR                   where `daisys login` keeps tokens (default ~/.config/daisys)
  DAISYS_LOG=debug                    the client's log on standard error, secrets redacted (also --debug)
  VIVOKA_URL                          `say --service vivoka`'s service (default http://localhost:39806)
  NEUPHONIC_API_KEY                   `say --service neuphonic`'s API key (only from the environment)
  NO_COLOR                            no colour

{EXIT_CODES_HELP}

Every command has --help, with examples."""


SAY_EPILOG = """\
  daisys say "Hello there." -o hello.wav
  daisys say "Hello there." -o hello.mp3 --voice Lucy --prosody pace=-3,pitch=2
  daisys say -f chapter.txt --stream -o chapter.wav --subtitles chapter.srt
  some-llm | daisys say - --play                # speaks each sentence as it comes
  daisys say "Hi" -o - | ffplay -nodisp -autoexit -
  daisys say "I want a coffee" --service vivoka --voice VOICE_ID -o coffee.wav
  some-llm | daisys say - --service neuphonic --speed 1.2 --play

A TEXT argument is one take over REST (its status shown while it is made); text from a file
or a pipe, --stream, --play and --subtitles go over a websocket, sentence by sentence, so
audio starts before all the text is read (WAV only). The file is written atomically. The
format is --format, else -o's extension (.wav, .mp3, .flac, .m4a, .webm), else wav; one the
service cannot give is refused before any take is made. -o - on a terminal is refused: give
-o FILE, or pipe it.

--service vivoka (Vivoka's local voice synthesis: $VIVOKA_URL, else http://localhost:39806)
reads the whole text first; --voice is one of its voice ids (default: its first voice).
--service neuphonic (its API key in $NEUPHONIC_API_KEY) sends text from a file or a pipe as
it is read; --language picks its language (default en). Both give WAV only and take no
--prosody, --style or --subtitles; Neuphonic takes no --voice."""

BATCH_EPILOG = """\
  daisys batch lines.txt -o out/                  # out/001-first-words.wav, out/002-...
  daisys batch script.jsonl --voice Lucy --concurrency 8
  daisys batch prompts.csv --format mp3 --json

A .txt file gives a take per non-blank line; a .jsonl file an object per line with "text"
and optional "voice" and "name"; a .csv file a row per take, its header naming a text
column (voice and name optional). Files are named by "name", else by line number and first
words. Each file is written atomically, so a rerun skips the files already there and makes
only the rest (--force makes them all again). Each take's id is noted in DIR/.daisys-batch.jsonl
as soon as it is asked for: a rerun after Ctrl-C or a kill downloads those takes instead of
making them again (the journal goes when all is done). Exit status: 0 when all are done, else the
failures' code when they share one (1: a take failed), else 1."""

LOGIN_EPILOG = """\
  daisys login                                    # asks for the email, and the password without echo
  daisys login --email me@example.com --password-stdin < password.txt

The tokens go to tokens.json in $DAISYS_CONFIG_DIR, else $XDG_CONFIG_HOME/daisys, else
~/.config/daisys (%APPDATA%\\daisys on Windows), readable by you only, one entry per service
URL; later commands renew them and write them back. DAISYS_* credentials win over them."""

EMULATOR_EPILOG = """\
  daisys emulator                                 # then, in another shell, the printed export lines
  daisys emulator --take-seconds 0.2 --json

It prints the environment variables (DAISYS_API_URL, DAISYS_AUTH_URL, DAISYS_EMAIL,
DAISYS_PASSWORD) that point `daisys` and daisys_ext at it. Every knob of the emulator:
python -m daisys_ext.testing --help. It says which audio formats it gives: all five with
the emulator extra (PyAV), else WAV only. Ctrl-C stops it."""


# The levels of each prosody model, as the service defines them (each from -10 to 10; 0 is the voice's own).
PROSODY_MODELS = (
    ("simple", ("pitch", "pace", "expression")),
    ("affect", ("pitch", "pace", "valence", "dominance", "arousal")),
    ("signal", ("pitch", "pace", "tilt", "pitch_range")),
)


def prosody(text: str) -> dict[str, int]:
    """``pace=-3,pitch=2,expression=10``: the levels of the first prosody model that has every key; 0 for the rest."""
    levels: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"{item!r} is not NAME=LEVEL (e.g. pace=-3,pitch=2)")
        try:
            levels[key] = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{key}={value.strip()!r}: the level must be an integer") from None
        if not -10 <= levels[key] <= 10:
            raise argparse.ArgumentTypeError(f"{key}={levels[key]}: levels go from -10 to 10")
    if not levels:
        raise argparse.ArgumentTypeError("give at least one NAME=LEVEL (e.g. pace=-3)")
    for _, fields in PROSODY_MODELS:
        if set(levels) <= set(fields):
            return {name: levels.get(name, 0) for name in fields}
    known = sorted({name for _, fields in PROSODY_MODELS for name in fields})
    unknown = sorted(set(levels) - set(known))
    if unknown:
        raise argparse.ArgumentTypeError(f"no level called {', '.join(unknown)}; the levels are: {', '.join(known)}")
    raise argparse.ArgumentTypeError(
        f"{', '.join(sorted(levels))} are not the levels of one prosody model; the levels are: {', '.join(known)}"
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def names(text: str) -> list[str]:
    """``--style narrator,calm`` (and ``--style narrator --style calm``): the names, in order."""
    return [name.strip() for name in text.split(",") if name.strip()]


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (and exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


class _Commands:
    """Adds commands with the options all share (``--debug``, ``-q``), examples and the exit codes in their help."""

    def __init__(self, commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
        self.commands = commands
        self.common = common

    def add(self, name: str, summary: str, epilog: str, json: str | None = None) -> Parser:
        """A command; ``json``: what its ``--json`` prints (none for a command of actions)."""
        parser = self.commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=f"examples:\n{epilog}\n\n{EXIT_CODES_HELP}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[self.common],
        )
        if json:
            parser.add_argument("--json", action="store_true", help=f"print {json} as one JSON document (for scripts)")
        return parser

    def actions(self, parser: Parser) -> _Commands:
        """The actions of a command (``voice create``)."""
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
        return _Commands(actions, self.common)


def build() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the client's (redacted) debug log, and a traceback on errors",
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress and no notes on stderr"
    )
    parser = Parser(
        prog="daisys",
        description=DESCRIPTION,
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    python = platform.python_version()
    parser.add_argument("--version", action="version", version=f"daisys {__version__} (daisys-ext, Python {python})")
    commands = _Commands(
        parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=Parser), common
    )
    _say(commands)
    _resources(commands)
    _batch(commands)
    _login(commands)
    _emulator(commands)
    return parser


def _say(commands: _Commands) -> None:
    say = commands.add(
        "say",
        "Speak a text into a file, standard output or the speakers.",
        SAY_EPILOG,
        "the file, its size and duration, the voice and the takes",
    )
    say.add_argument("text", nargs="?", metavar="TEXT", help="the text; - reads it from standard input")
    say.add_argument("-f", "--file", metavar="FILE", help="read the text from FILE (UTF-8), sentence by sentence")
    say.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the audio file; - for standard output (default: the text's first words, e.g. hello-there.wav)",
    )
    say.add_argument(
        "--voice", metavar="ID|NAME", help="a voice id or name (default: $DAISYS_VOICE, else the newest ready voice)"
    )
    say.add_argument("--format", choices=FORMATS, help="the audio format (default: from -o's extension, else wav)")
    say.add_argument(
        "--prosody",
        type=prosody,
        metavar="NAME=LEVEL,...",
        help="levels from -10 to 10: pitch, pace, expression (simple); valence, dominance, arousal (affect); "
        "tilt, pitch_range (signal)",
    )
    say.add_argument(
        "--style", action="extend", type=names, metavar="STYLE", help="a style of the model (e.g. narrator)"
    )
    say.add_argument("--language", metavar="CODE", help="speak in this language (e.g. en-GB) whatever the voice's")
    say.add_argument(
        "--stream", action="store_true", help="over a websocket, sentence by sentence: the least time to first audio"
    )
    say.add_argument("--play", action="store_true", help="play the audio while it arrives (the audio extra)")
    say.add_argument("--subtitles", metavar="FILE", help="also write subtitles, SubRip (.srt) or WebVTT (.vtt)")
    say.add_argument(
        "--service", choices=SERVICES, default="daisys", help="the text-to-speech service (default: %(default)s)"
    )
    groups = {
        "vivoka": say.add_argument_group("--service vivoka"),
        "neuphonic": say.add_argument_group("--service neuphonic (its API key in $NEUPHONIC_API_KEY)"),
    }
    for flag, (service, _) in SERVICE_OPTIONS.items():
        metavar, kind, text = _SERVICE_HELP[flag]
        groups[service].add_argument(flag, dest=option_dest(flag), type=kind, metavar=metavar, help=text)


def _resources(commands: _Commands) -> None:
    commands.add(
        "models",
        "List the text-to-speech models.",
        "  daisys models\n  daisys models --json | jq -r '.[].name'",
        "the models",
    )
    voices = commands.add(
        "voices",
        "List the account's voices, newest first.",
        "  daisys voices\n  daisys voices --length 5 --json",
        "the voices",
    )
    voices.add_argument("--length", type=positive_int, metavar="N", help="at most N voices")
    takes = commands.add(
        "takes",
        "List the account's takes, newest first.",
        "  daisys takes\n  daisys takes --length 5 --status ready\n  daisys takes --status error --json",
        "the takes",
    )
    takes.add_argument("--length", type=positive_int, default=20, metavar="N", help="at most N takes (default: 20)")
    takes.add_argument("--status", choices=STATUSES, help="only takes with this status")

    voice = commands.actions(
        commands.add(
            "voice",
            "Create a voice (voice create), or delete one by its id or name (voice delete).",
            "  daisys voice create Lucy --model shakespeare --gender female\n  daisys voice delete Lucy",
        )
    )
    create = voice.add(
        "create",
        "Create a voice, and wait until it is ready.",
        "  daisys voice create Lucy --model shakespeare --gender female\n"
        "  daisys voice create Sam --model theatrical-v2 --gender nonbinary --description 'warm, slow' --json",
        "the voice",
    )
    create.add_argument("name", metavar="NAME", help="the voice's name")
    create.add_argument("--model", required=True, help="the model (see `daisys models`)")
    create.add_argument("--gender", required=True, choices=GENDERS, help="the voice's gender")
    create.add_argument("--description", help="what the voice should sound like (models that take one)")
    delete = voice.add(
        "delete",
        "Delete a voice, by its id or its name.",
        "  daisys voice delete v01h...\n  daisys voice delete Lucy            # refused if two voices are named Lucy",
        "the deleted voice",
    )
    delete.add_argument("voice", metavar="ID|NAME", help="the voice's id or name (see `daisys voices`)")

    take = commands.actions(
        commands.add(
            "take",
            "Save a take's audio to a file (take audio), or delete a take (take delete).",
            "  daisys take audio t01h... -o hello.mp3\n  daisys take delete t01h...",
        )
    )
    audio = take.add(
        "audio",
        "Save a take's audio to a file or standard output (waiting until the take is ready).",
        "  daisys take audio t01h... -o hello.wav\n  daisys take audio t01h... --format mp3 -o - > hello.mp3",
        "the file, its size and the take",
    )
    audio.add_argument("take_id", metavar="ID", help="the take's id (see `daisys takes`)")
    audio.add_argument("-o", "--output", metavar="FILE", help="the file; - for standard output (default: ID.FORMAT)")
    audio.add_argument("--format", choices=FORMATS, help="the audio format (default: from -o's extension, else wav)")
    delete = take.add("delete", "Delete a take.", "  daisys take delete t01h...", "the deleted take")
    delete.add_argument("take_id", metavar="ID", help="the take's id (see `daisys takes`)")


def _batch(commands: _Commands) -> None:
    batch = commands.add(
        "batch",
        "Speak every line (or JSON Lines / CSV row) of a file into its own audio file; resumable.",
        BATCH_EPILOG,
        "the summary",
    )
    batch.add_argument("file", metavar="FILE", help="the lines, .jsonl or .csv file; - for lines on standard input")
    batch.add_argument("-o", "--output", metavar="DIR", help="the folder (default: FILE's name without extension)")
    batch.add_argument(
        "--voice", metavar="ID|NAME", help="for items without one (default: $DAISYS_VOICE, else the newest ready)"
    )
    batch.add_argument(
        "--concurrency", type=positive_int, default=4, metavar="N", help="at most N takes in flight (default: 4)"
    )
    batch.add_argument("--format", choices=FORMATS, help="the audio format (default: wav)")
    batch.add_argument("--force", action="store_true", help="make every file again, even those already there")


def _login(commands: _Commands) -> None:
    login = commands.add(
        "login",
        "Log in, and store the tokens (never the password) for later commands.",
        LOGIN_EPILOG,
        "where the tokens are",
    )
    login.add_argument("--email", help="the account's email (default: $DAISYS_EMAIL, else asked)")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (a pipe or a file); the email from --email or $DAISYS_EMAIL",
    )
    commands.add("logout", "Revoke the stored tokens and remove them.", "  daisys logout", "what was done")


def _emulator(commands: _Commands) -> None:
    emulator = commands.add(
        "emulator",
        "Run the local Daisys emulator in the foreground, for trying things out and tests.",
        EMULATOR_EPILOG,
        "the environment and URLs",
    )
    for flag, kind, text in (
        ("--port", int, "the API's port on 127.0.0.1 (default: any free one)"),
        ("--take-seconds", float, "how long a take takes (default: 1)"),
        ("--token-ttl", float, "access token lifetime in seconds (default: 3600)"),
        ("--latency", float, "seconds added to every answer (default: 0)"),
        ("--fail-rate", float, "share of requests that fail with 429/503 (default: 0)"),
        ("--seed", int, "seed of the faults"),
        ("--email", str, "the account's email (default: user@example.com)"),
        ("--password", str, "the account's password (default: pw)"),
    ):
        emulator.add_argument(flag, type=kind, help=text)
