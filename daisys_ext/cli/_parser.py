"""The command line: every command, its options, its help with examples, and one-line usage errors (exit 2)."""

from __future__ import annotations

import argparse
import platform
from typing import NoReturn

from daisys_ext._version import __version__

from ._exit import EXIT_CODES_HELP
from ._files import FORMATS

SERVICES = ("daisys", "vivoka", "neuphonic")
"""The services ``say --service`` speaks with (`_say.SPEAKERS`)."""

SERVICE_OPTIONS: dict[str, tuple[str, str]] = {
    "--vivoka-url": ("vivoka", "url"),
    "--neuphonic-url": ("neuphonic", "url"),
    "--region": ("neuphonic", "region"),
    "--speed": ("neuphonic", "speed"),
    "--temperature": ("neuphonic", "temperature"),
}
"""An option of one service only -> (that service, its name in `SayRequest.options`)."""


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


def _add(
    commands: argparse._SubParsersAction[Parser],
    name: str,
    summary: str,
    epilog: str,
    common: Parser,
) -> Parser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"examples:\n{epilog}\n\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    return parser


def _json(parser: Parser, what: str = "the result") -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as one JSON document (for scripts)")


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=Parser)
    _say_parser(commands, common)
    _listings(commands, common)
    _voice(commands, common)
    _take(commands, common)
    _batch_parser(commands, common)
    _login(commands, common)
    _emulator_parser(commands, common)
    return parser


def _say_parser(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    say = _add(
        commands,
        "say",
        "Speak a text into a file, standard output or the speakers.",
        """\
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
--prosody, --style or --subtitles; Neuphonic takes no --voice.""",
        common,
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
        "--service",
        choices=tuple(SERVICES),
        default="daisys",
        help="the text-to-speech service (default: %(default)s)",
    )
    vivoka = say.add_argument_group("--service vivoka")
    vivoka.add_argument(
        "--vivoka-url",
        dest=option_dest("--vivoka-url"),
        metavar="URL",
        help="the Vivoka service (default: $VIVOKA_URL, else http://localhost:39806)",
    )
    neuphonic = say.add_argument_group("--service neuphonic (its API key in $NEUPHONIC_API_KEY)")
    neuphonic.add_argument(
        "--region", dest=option_dest("--region"), metavar="REGION", help="Neuphonic's region (default: eu-west-1)"
    )
    neuphonic.add_argument(
        "--speed", dest=option_dest("--speed"), type=float, metavar="X", help="0.7 to 2.5 (default: 1.0)"
    )
    neuphonic.add_argument(
        "--temperature", dest=option_dest("--temperature"), type=float, metavar="X", help="0 to 1 (default: 0.5)"
    )
    neuphonic.add_argument(
        "--neuphonic-url",
        dest=option_dest("--neuphonic-url"),
        metavar="URL",
        help="a ws:// or wss:// URL in place of Neuphonic's endpoint (a local fake's, say)",
    )
    _json(say, "the file, its size and duration, the voice and the takes")


def _listings(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    models = _add(
        commands,
        "models",
        "List the text-to-speech models.",
        "  daisys models\n  daisys models --json | jq -r '.[].name'",
        common,
    )
    _json(models, "the models")
    voices = _add(
        commands,
        "voices",
        "List the account's voices, newest first.",
        "  daisys voices\n  daisys voices --length 5 --json",
        common,
    )
    voices.add_argument("--length", type=positive_int, metavar="N", help="at most N voices")
    _json(voices, "the voices")
    takes = _add(
        commands,
        "takes",
        "List the account's takes, newest first.",
        "  daisys takes\n  daisys takes --length 5 --status ready\n  daisys takes --status error --json",
        common,
    )
    takes.add_argument("--length", type=positive_int, default=20, metavar="N", help="at most N takes (default: 20)")
    takes.add_argument("--status", choices=STATUSES, help="only takes with this status")
    _json(takes, "the takes")


def _voice(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    voice = _add(
        commands,
        "voice",
        "Create a voice (voice create), or delete one by its id or name (voice delete).",
        "  daisys voice create Lucy --model shakespeare --gender female\n  daisys voice delete Lucy",
        common,
    )
    actions = voice.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    create = _add(
        actions,
        "create",
        "Create a voice, and wait until it is ready.",
        "  daisys voice create Lucy --model shakespeare --gender female\n"
        "  daisys voice create Sam --model theatrical-v2 --gender nonbinary --description 'warm, slow' --json",
        common,
    )
    create.add_argument("name", metavar="NAME", help="the voice's name")
    create.add_argument("--model", required=True, help="the model (see `daisys models`)")
    create.add_argument("--gender", required=True, choices=GENDERS, help="the voice's gender")
    create.add_argument("--description", help="what the voice should sound like (models that take one)")
    _json(create, "the voice")
    delete = _add(
        actions,
        "delete",
        "Delete a voice, by its id or its name.",
        "  daisys voice delete v01h...\n  daisys voice delete Lucy            # refused if two voices are named Lucy",
        common,
    )
    delete.add_argument("voice", metavar="ID|NAME", help="the voice's id or name (see `daisys voices`)")
    _json(delete, "the deleted voice")


def _take(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    take = _add(
        commands,
        "take",
        "Save a take's audio to a file (take audio), or delete a take (take delete).",
        "  daisys take audio t01h... -o hello.mp3\n  daisys take delete t01h...",
        common,
    )
    actions = take.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    audio = _add(
        actions,
        "audio",
        "Save a take's audio to a file or standard output (waiting until the take is ready).",
        "  daisys take audio t01h... -o hello.wav\n  daisys take audio t01h... --format mp3 -o - > hello.mp3",
        common,
    )
    audio.add_argument("take_id", metavar="ID", help="the take's id (see `daisys takes`)")
    audio.add_argument("-o", "--output", metavar="FILE", help="the file; - for standard output (default: ID.FORMAT)")
    audio.add_argument("--format", choices=FORMATS, help="the audio format (default: from -o's extension, else wav)")
    _json(audio, "the file, its size and the take")
    delete = _add(
        actions,
        "delete",
        "Delete a take.",
        "  daisys take delete t01h...",
        common,
    )
    delete.add_argument("take_id", metavar="ID", help="the take's id (see `daisys takes`)")
    _json(delete, "the deleted take")


def _batch_parser(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    batch = _add(
        commands,
        "batch",
        "Speak every line (or JSON Lines / CSV row) of a file into its own audio file; resumable.",
        """\
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
failures' code when they share one (1: a take failed), else 1.""",
        common,
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
    _json(batch, "the summary")


def _login(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    login = _add(
        commands,
        "login",
        "Log in, and store the tokens (never the password) for later commands.",
        """\
  daisys login                                    # asks for the email, and the password without echo
  daisys login --email me@example.com --password-stdin < password.txt

The tokens go to tokens.json in $DAISYS_CONFIG_DIR, else $XDG_CONFIG_HOME/daisys, else
~/.config/daisys (%APPDATA%\\daisys on Windows), readable by you only, one entry per service
URL; later commands renew them and write them back. DAISYS_* credentials win over them.""",
        common,
    )
    login.add_argument("--email", help="the account's email (default: $DAISYS_EMAIL, else asked)")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (a pipe or a file); the email from --email or $DAISYS_EMAIL",
    )
    _json(login, "where the tokens are")
    logout = _add(
        commands,
        "logout",
        "Revoke the stored tokens and remove them.",
        "  daisys logout",
        common,
    )
    _json(logout, "what was done")


def _emulator_parser(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    emulator = _add(
        commands,
        "emulator",
        "Run the local Daisys emulator in the foreground, for trying things out and tests.",
        """\
  daisys emulator                                 # then, in another shell, the printed export lines
  daisys emulator --take-seconds 0.2 --json

It prints the environment variables (DAISYS_API_URL, DAISYS_AUTH_URL, DAISYS_EMAIL,
DAISYS_PASSWORD) that point `daisys` and daisys_ext at it. Every knob of the emulator:
python -m daisys_ext.testing --help. It says which audio formats it gives: all five with
the emulator extra (PyAV), else WAV only. Ctrl-C stops it.""",
        common,
    )
    emulator.add_argument("--port", type=int, help="the API's port on 127.0.0.1 (default: any free one)")
    emulator.add_argument("--take-seconds", type=float, help="how long a take takes (default: 1)")
    emulator.add_argument("--token-ttl", type=float, help="access token lifetime in seconds (default: 3600)")
    emulator.add_argument("--latency", type=float, help="seconds added to every answer (default: 0)")
    emulator.add_argument("--fail-rate", type=float, help="share of requests that fail with 429/503 (default: 0)")
    emulator.add_argument("--seed", type=int, help="seed of the faults")
    emulator.add_argument("--email", help="the account's email (default: user@example.com)")
    emulator.add_argument("--password", help="the account's password (default: pw)")
    _json(emulator, "the environment and URLs")
