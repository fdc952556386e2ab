"""``daisys emulator``: the local Daisys emulator in the foreground, and the environment that points at it."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from ._exit import Exit, UsageError
from ._ui import Ui

# The knobs a CLI user needs, read by `python -m daisys_ext.testing`'s parser: the same defaults and checks.
FORWARDED = ("email", "password", "take_seconds", "token_ttl", "latency", "fail_rate", "seed", "port")


def run(args: argparse.Namespace, ui: Ui, store: object = None) -> int:
    try:
        from daisys_ext.testing import Emulator
        from daisys_ext.testing.__main__ import parse_args
        from daisys_ext.testing._audio import available_formats
    except ImportError as exc:
        raise UsageError(f"the emulator needs its extra: pip install 'daisys-ext[emulator]' ({exc})") from None
    given = [(name, getattr(args, name)) for name in FORWARDED if getattr(args, name) is not None]
    options = parse_args([arg for name, value in given for arg in (f"--{name.replace('_', '-')}", str(value))])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    formats = available_formats()
    gives = f"It gives {', '.join(formats)} audio."
    if len(formats) == 1:
        gives = "It gives WAV audio only: mp3, flac, m4a and webm need PyAV (pip install 'daisys-ext[emulator]')."
    with Emulator(**vars(options)) as emulator:
        env = emulator.environment  # where the command and the library go
        urls = {"api_url": emulator.api_url, "storage_url": emulator.storage_url, "worker_url": emulator.worker_url}
        ui.result({"env": env, **urls, "formats": list(formats)}, "\n".join(f"export {n}={v}" for n, v in env.items()))
        ui.note(
            f"Daisys emulator running at {emulator.api_url} (storage {emulator.storage_url}, worker "
            f"{emulator.worker_url}). {gives}\nRun the export lines above in another shell to point `daisys` and "
            "daisys_ext at it. Ctrl-C stops it."
        )
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass
    return Exit.OK
