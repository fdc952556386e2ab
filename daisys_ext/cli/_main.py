"""``daisys``: parse the command line, run the command, and turn any error into one line and an exit code."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

from ._exit import Exit, exit_code, one_line


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``daisys`` with ``argv`` (default: the process's arguments); returns the exit code."""
    from ._parser import build

    parser = build()
    args = parser.parse_args(argv)  # a usage error exits 2 here, on one line
    debug = bool(getattr(args, "debug", False))
    if debug:
        os.environ["DAISYS_LOG"] = "debug"
        from daisys_ext import redact_logs

        redact_logs()  # the client's log on stderr, with every secret redacted
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.USAGE
    from ._store import TokenStore
    from ._ui import Ui

    ui = Ui(quiet=bool(getattr(args, "quiet", False)))
    try:
        return int(args.handler(args, ui, TokenStore()))
    except KeyboardInterrupt:
        print("\ndaisys: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # The reader of standard output went away (`daisys takes | head -1`): nothing more to say to it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return Exit.FAILURE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(f"daisys: error: {one_line(exc)}", file=sys.stderr, flush=True)
        return exit_code(exc)
