"""The ``daisys`` command (``daisys --help``): `main` parses the command line, runs the command, and turns any
error into one line and an exit code. Only its entry points import it, so ``import daisys_ext`` is unaffected."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._exit import Exit, exit_code, one_line

if TYPE_CHECKING:
    from ._auth import TokenStore
    from ._ui import Ui

__all__ = ["main"]

Handler = Callable[[argparse.Namespace, "Ui", "TokenStore"], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``daisys`` with ``argv`` (default: the process's arguments); returns the exit code."""
    from ._parser import build

    parser = build()
    args = parser.parse_args(argv)  # a usage error exits 2 here, on one line
    if debug := bool(getattr(args, "debug", False)):
        os.environ["DAISYS_LOG"] = "debug"
        from daisys_ext import redact_logs

        redact_logs()  # the client's log on stderr, with every secret redacted
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.USAGE
    from ._auth import TokenStore
    from ._ui import Ui

    ui = Ui(quiet=bool(getattr(args, "quiet", False)), as_json=bool(getattr(args, "json", False)))
    try:
        return handler(args)(args, ui, TokenStore())
    except KeyboardInterrupt:
        print("\ndaisys: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # The reader of standard output went away (`daisys takes | head -1`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.FAILURE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(f"daisys: error: {one_line(exc)}", file=sys.stderr, flush=True)
        return exit_code(exc)


def handler(args: argparse.Namespace) -> Handler:
    """The function of the command ``args`` names; the commands' modules are imported only when one runs."""
    if args.command == "batch":
        from ._batch import run  # threads, CSV and hashes: for this command only

        return run
    from . import _auth, _emulator, _resources, _say

    handlers: dict[str, Handler] = {
        "say": _say.run,
        "models": _resources.models,
        "voices": _resources.voices,
        "takes": _resources.takes,
        "voice create": _resources.voice_create,
        "voice delete": _resources.voice_delete,
        "take audio": _resources.take_audio,
        "take delete": _resources.take_delete,
        "login": _auth.login,
        "logout": _auth.logout,
        "emulator": _emulator.run,
    }
    return handlers[f"{args.command} {getattr(args, 'action', '')}".strip()]
