"""The command line: every command, its options, its help with examples, and one-line usage errors (exit 2)."""

from __future__ import annotations

import argparse
import platform
from typing import Any, NoReturn

from daisys_ext._version import __version__

from ._exit import EXIT_CODES_HELP

FORMATS = ("wav", "mp3", "flac", "m4a", "webm")  # the audio formats daisys writes
SERVICES = ("daisys", "vivoka", "neuphonic")  # the services `say --service` speaks with (`_say.speak`)
# An option of one service only -> (that service, its name in `SayRequest.options`, metavar, type, help).
SERVICE_OPTIONS: dict[str, tuple[str, str, str, type, str]] = {
    "--vivoka-url": ("vivoka", "url", "URL", str, "default: $VIVOKA_URL, else http://localhost:39806"),
    "--region": ("neuphonic", "region", "REGION", str, "Neuphonic's region (default: eu-west-1)"),
    "--speed": ("neuphonic", "speed", "X", float, "0.7 to 2.5 (default: 1.0)"),
    "--temperature": ("neuphonic", "temperature", "X", float, "0 to 1 (default: 0.5)"),
    "--neuphonic-url": ("neuphonic", "url", "URL", str, "ws:// or wss://, in place of Neuphonic's endpoint (a fake's)"),
}
STATUSES = ("waiting", "started", "progress_25", "progress_50", "progress_75", "ready", "error", "timeout")

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

SUMMARIES = {  # what each command does: the first line of its help, and its line in `daisys --help`
    "say": "Speak a text into a file, standard output or the speakers.",
    "models": "List the text-to-speech models.",
    "voices": "List the account's voices, newest first.",
    "takes": "List the account's takes, newest first.",
    "voice": "Create a voice (voice create), or delete one by its id or name (voice delete).",
    "voice create": "Create a voice, and wait until it is ready.",
    "voice delete": "Delete a voice, by its id or its name.",
    "take": "Save a take's audio to a file (take audio), or delete a take (take delete).",
    "take audio": "Save a take's audio to a file or standard output (waiting until the take is ready).",
    "take delete": "Delete a take.",
    "batch": "Speak every line (or JSON Lines / CSV row) of a file into its own audio file; resumable.",
    "login": "Log in, and store the tokens (never the password) for later commands.",
    "logout": "Revoke the stored tokens and remove them.",
    "emulator": "Run the local Daisys emulator in the foreground, for trying things out and tests.",
}
EXAMPLES = {
    "say": """\
  daisys say "Hello there." -o hello.wav
  daisys say "Hello there." -o hello.mp3 --voice Lucy --prosody pace=-3,pitch=2
  daisys say -f chapter.txt --stream -o chapter.wav --subtitles chapter.srt
  some-llm | daisys say - --play                # speaks each sentence as it comes
  daisys say "Hi" -o - | ffplay -nodisp -autoexit -
  daisys say "I want a coffee" --service vivoka --voice VOICE_ID -o coffee.wav
  some-llm | daisys say - --service neuphonic --speed 1.2 --play

A TEXT argument is one take over REST (its status shown while it is made); text from a file
or a pipe, --stream, --play and --subtitles go over a websocket, sentence by sentence, so
audio starts before all the text is read (WAV only). The format is --format, else -o's
extension, else wav; one the service cannot give is refused before any take is made.

--service vivoka reads the whole text first; --voice is one of its voice ids (default: its
first). --service neuphonic sends text from a file or a pipe as it is read; --language picks
its language (default en). Both give WAV only and take no --prosody, --style or --subtitles;
Neuphonic takes no --voice.""",
    "models": "  daisys models\n  daisys models --json | jq -r '.[].name'",
    "voices": "  daisys voices\n  daisys voices --length 5 --json",
    "takes": "  daisys takes\n  daisys takes --length 5 --status ready\n  daisys takes --status error --json",
    "voice": "  daisys voice create Lucy --model shakespeare --gender female\n  daisys voice delete Lucy",
    "voice create": """\
  daisys voice create Lucy --model shakespeare --gender female
  daisys voice create Sam --model theatrical-v2 --gender nonbinary --description 'warm, slow' --json""",
    "voice delete": "  daisys voice delete v01h...\n  daisys voice delete Lucy  # refused if two voices are named Lucy",
    "take": "  daisys take audio t01h... -o hello.mp3\n  daisys take delete t01h...",
    "take audio": "  daisys take audio t01h... -o hello.wav\n  daisys take audio t01h... --format mp3 -o - > hello.mp3",
    "take delete": "  daisys take delete t01h...",
    "batch": """\
  daisys batch lines.txt -o out/                  # out/001-first-words.wav, out/002-...
  daisys batch script.jsonl --voice Lucy --concurrency 8
  daisys batch prompts.csv --format mp3 --json

A .txt file gives a take per non-blank line; a .jsonl file an object per line with "text"
and optional "voice" and "name"; a .csv file a row per take, its header naming a text
column (voice and name optional). Files are named by "name", else by line number and first
words, and written atomically: a rerun makes only the files not there yet (--force: all).
Each take's id is noted in DIR/.daisys-batch.jsonl as soon as it is asked for, so a rerun
after Ctrl-C or a kill downloads those takes instead of making them again. Exit status: 0
when all are done, else the failures' code when they share one, else 1.""",
    "login": """\
  daisys login                                    # asks for the email, and the password without echo
  daisys login --email me@example.com --password-stdin < password.txt

The tokens go to tokens.json in $DAISYS_CONFIG_DIR, else $XDG_CONFIG_HOME/daisys, else
~/.config/daisys (%APPDATA%\\daisys on Windows), readable by you only, one entry per service
URL; later commands renew them and write them back. DAISYS_* credentials win over them.""",
    "logout": "  daisys logout",
    "emulator": """\
  daisys emulator                                 # then, in another shell, the printed export lines
  daisys emulator --take-seconds 0.2 --json

It prints the variables that point `daisys` and daisys_ext at it, and the audio formats it
gives (all five with the emulator extra, PyAV; else WAV). Every knob of the emulator:
python -m daisys_ext.testing --help. Ctrl-C stops it.""",
}

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
    if unknown := sorted(set(levels) - set(known)):
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
    """argparse, with a usage error on one line (and exit 2), and options added from short specs (`options`)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    def options(self, *specs: tuple[Any, ...]) -> Parser:
        """Arguments from ``(names, help, {argparse's keywords})``: ``("-o --output FILE", "the file")`` is
        ``add_argument("-o", "--output", metavar="FILE", help="the file")`` (an upper-case last name is the metavar)."""
        for names, text, *keywords in specs:
            words = names.split()
            metavar = words.pop() if len(words) > 1 and not any(c.islower() for c in words[-1]) else None
            self.add_argument(*words, help=text, **({"metavar": metavar} if metavar else {}), **dict(*keywords))
        return self


# Options several commands share, declared once.
FLAG = {"action": "store_true"}
OUTPUT_FORMAT = ("--format", "the audio format (default: from -o's extension, else wav)", {"choices": FORMATS})
VOICE = "a voice id or name (default: $DAISYS_VOICE, else the newest ready voice)"
TAKE_ID = ("take_id ID", "the take's id (see `daisys takes`)")
PROSODY_HELP = "levels from -10 to 10: pitch, pace, expression (simple); valence, dominance, arousal (affect); tilt, \
pitch_range (signal)"


class _Commands:
    """Adds commands with the options all share (``--debug``, ``-q``), examples and the exit codes in their help."""

    def __init__(self, commands: argparse._SubParsersAction[Parser], kinds: dict[str, Any], prefix: str = "") -> None:
        self.commands, self.kinds, self.prefix = commands, kinds, prefix  # kinds: the formatter and common options

    def add(self, name: str, json: str | None, *options: tuple[Any, ...]) -> Parser:
        """The command ``name`` (its help from `SUMMARIES` and `EXAMPLES`) with ``options``; ``json``: what its
        ``--json`` prints (a command of actions has none)."""
        path = self.prefix + name
        summary, epilog = SUMMARIES[path], f"examples:\n{EXAMPLES[path]}\n\n{EXIT_CODES_HELP}"
        parser = self.commands.add_parser(name, help=summary, description=summary, epilog=epilog, **self.kinds)
        if json:
            options = (("--json", f"print {json} as one JSON document (for scripts)", FLAG), *options)
        return parser.options(*options)

    def actions(self, name: str) -> _Commands:
        """A command of actions (``voice create``)."""
        actions = self.add(name, None).add_subparsers(
            dest="action", metavar="ACTION", required=True, parser_class=Parser
        )
        return _Commands(actions, self.kinds, f"{name} ")


def build() -> Parser:
    quiet = {"action": "store_true", "default": argparse.SUPPRESS}  # set only where given: `daisys -q say` too
    common = Parser(add_help=False).options(
        ("--debug", "show the client's (redacted) debug log, and a traceback on errors", quiet),
        ("-q --quiet", "no progress and no notes on stderr", quiet),
    )
    kinds: dict[str, Any] = {"formatter_class": argparse.RawDescriptionHelpFormatter, "parents": [common]}
    about = "Speech from a shell, with the Daisys Speak text-to-speech API."
    parser = Parser(prog="daisys", description=about, epilog=MAIN_EPILOG, **kinds)
    version = f"daisys {__version__} (daisys-ext, Python {platform.python_version()})"
    parser.add_argument("--version", action="version", version=version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=Parser)
    commands = _Commands(subparsers, kinds)
    say = commands.add(
        "say",
        "the file, its size and duration, the voice and the takes",
        ("text TEXT", "the text; - reads it from standard input", {"nargs": "?"}),
        ("-f --file FILE", "read the text from FILE (UTF-8), sentence by sentence"),
        ("-o --output FILE", "the audio file; - for standard output (default: named after the text's first words)"),
        ("--voice ID|NAME", VOICE),
        OUTPUT_FORMAT,
        ("--prosody NAME=LEVEL,...", PROSODY_HELP, {"type": prosody}),
        ("--style STYLE", "a style of the model (e.g. narrator)", {"action": "extend", "type": names}),
        ("--language CODE", "speak in this language (e.g. en-GB) whatever the voice's"),
        ("--stream", "over a websocket, sentence by sentence: the least time to first audio", FLAG),
        ("--play", "play the audio while it arrives (the audio extra)", FLAG),
        ("--subtitles FILE", "also write subtitles, SubRip (.srt) or WebVTT (.vtt)"),
        ("--service", "the text-to-speech service (default: %(default)s)", {"choices": SERVICES, "default": "daisys"}),
    )
    groups = {
        "vivoka": say.add_argument_group("--service vivoka"),
        "neuphonic": say.add_argument_group("--service neuphonic (its API key in $NEUPHONIC_API_KEY)"),
    }
    for flag, (service, name, metavar, kind, text) in SERVICE_OPTIONS.items():
        groups[service].add_argument(flag, dest=f"{service}_{name}", type=kind, metavar=metavar, help=text)
    commands.add("models", "the models")
    commands.add("voices", "the voices", ("--length N", "at most N voices", {"type": positive_int}))
    commands.add(
        "takes",
        "the takes",
        ("--length N", "at most N takes (default: 20)", {"type": positive_int, "default": 20}),
        ("--status", "only takes with this status", {"choices": STATUSES}),
    )
    voice = commands.actions("voice")
    voice.add(
        "create",
        "the voice",
        ("name NAME", "the voice's name"),
        ("--model", "the model (see `daisys models`)", {"required": True}),
        ("--gender", "the voice's gender", {"required": True, "choices": ("female", "male", "nonbinary")}),
        ("--description", "what the voice should sound like (models that take one)"),
    )
    voice.add("delete", "the deleted voice", ("voice ID|NAME", "the voice's id or name (see `daisys voices`)"))
    take = commands.actions("take")
    take.add(
        "audio",
        "the file, its size and the take",
        TAKE_ID,
        ("-o --output FILE", "the file; - for standard output (default: ID.FORMAT)"),
        OUTPUT_FORMAT,
    )
    take.add("delete", "the deleted take", TAKE_ID)
    commands.add(
        "batch",
        "the summary",
        ("file FILE", "the lines, .jsonl or .csv file; - for lines on standard input"),
        ("-o --output DIR", "the folder (default: FILE's name without extension)"),
        ("--voice ID|NAME", "for items without one (default: $DAISYS_VOICE, else the newest ready voice)"),
        ("--concurrency N", "at most N takes in flight (default: 4)", {"type": positive_int, "default": 4}),
        ("--format", "the audio format (default: wav)", {"choices": FORMATS}),
        ("--force", "make every file again, even those already there", FLAG),
    )
    commands.add(
        "login",
        "where the tokens are",
        ("--email", "the account's email (default: $DAISYS_EMAIL, else asked)"),
        ("--password-stdin", "read the password from standard input; the email from --email or $DAISYS_EMAIL", FLAG),
    )
    commands.add("logout", "what was done")
    commands.add(
        "emulator",
        "the environment and URLs",
        ("--port", "the API's port on 127.0.0.1 (default: any free one)", {"type": int}),
        ("--take-seconds", "how long a take takes (default: 1)", {"type": float}),
        ("--token-ttl", "access token lifetime in seconds (default: 3600)", {"type": float}),
        ("--latency", "seconds added to every answer (default: 0)", {"type": float}),
        ("--fail-rate", "share of requests that fail with 429/503 (default: 0)", {"type": float}),
        ("--seed", "seed of the faults", {"type": int}),
        ("--email", "the account's email (default: user@example.com)"),
        ("--password", "the account's password (default: pw)"),
    )
    return parser
