"""Running the `daisys` command in tests, as a subprocess.

`Cli` runs the installed console script (`.venv/bin/daisys`, from `[project.scripts]`), or
`python -m daisys_ext.cli` where it is not installed, with the emulator's URLs and credentials in
its environment and a private config folder (`DAISYS_CONFIG_DIR`), in a temporary working folder;
`Result` is what it did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daisys_ext.testing import Emulator

SCRIPT = Path(sys.executable).with_name("daisys")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "daisys_ext.cli"]


@dataclass
class Result:
    """A finished `daisys` run."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    raw_stdout: bytes

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> str:
        """The error line (the last line on stderr), after checking there is exactly one, with no traceback."""
        errors = [line for line in self.stderr.splitlines() if line.startswith("daisys")]
        assert len(errors) == 1, self.stderr
        assert "Traceback" not in self.stderr
        return errors[0]

    def __repr__(self) -> str:
        return f"daisys {' '.join(self.args)} -> {self.returncode}\nstdout: {self.stdout[:2000]}\nstderr: {self.stderr}"


class Cli:
    """Runs `daisys` in ``cwd`` with ``env``; ``binary=True`` keeps standard output as bytes only."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(
        self,
        *args: str,
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 60,
    ) -> Result:
        full_env = dict(self.env)
        for name, value in (env or {}).items():
            if value is None:
                full_env.pop(name, None)
            else:
                full_env[name] = value
        data = input.encode() if isinstance(input, str) else input
        done = subprocess.run(
            [*COMMAND, *args],
            input=data if data is not None else b"",
            capture_output=True,
            env=full_env,
            cwd=self.cwd,
            timeout=timeout,
        )
        return Result(
            args,
            done.returncode,
            done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
            done.stdout,
        )


def base_env(emulator: Emulator, config: Path) -> dict[str, str]:
    """The test process's environment without any DAISYS_* of its own, pointed at ``emulator``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAISYS_") and k not in ("NO_COLOR", "COLUMNS")}
    env.update(
        DAISYS_API_URL=emulator.api_url,
        DAISYS_AUTH_URL=emulator.api_url,
        DAISYS_EMAIL=emulator.email,
        DAISYS_PASSWORD=emulator.password,
        DAISYS_CONFIG_DIR=str(config),
        PYTHONUNBUFFERED="1",
    )
    return env


def shadow(folder: Path, *modules: str) -> dict[str, str]:
    """Environment that makes ``modules`` unimportable (as if their extra were not installed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in modules:
        (folder / f"{name}.py").write_text(f"raise ImportError('{name} is hidden by the test')\n")
    return {"PYTHONPATH": str(folder)}


def run_all(cli: Cli, *commands: tuple[Any, ...], **options: Any) -> list[Result]:
    """Independent commands at once (two cores spend most of a run waiting for the emulator): results in order.

    A command's last element may be a dict of options of its own (``env=...``), over ``options``.
    """
    from concurrent.futures import ThreadPoolExecutor

    def run(command: tuple[Any, ...]) -> Result:
        if command and isinstance(command[-1], dict):
            return cli(*command[:-1], **{**options, **command[-1]})
        return cli(*command, **options)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(run, commands))


FAKE_SOUNDDEVICE = """\
import os


class RawOutputStream:
    '''A sound card that keeps nothing: it notes how many bytes it was given in $FAKE_SOUND_CARD.'''

    def __init__(self, samplerate, channels, dtype):
        self.played = 0

    def start(self):
        pass

    def write(self, pcm):
        self.played += len(pcm)

    def stop(self):
        with open(os.environ["FAKE_SOUND_CARD"], "a") as log:
            log.write(f"{self.played}\\n")

    def close(self):
        pass
"""


def fake_sound_card(folder: Path) -> dict[str, str]:
    """Environment with a `sounddevice` that plays into a log (`folder/played`): one line of bytes per stream."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sounddevice.py").write_text(FAKE_SOUNDDEVICE)
    return {"PYTHONPATH": str(folder), "FAKE_SOUND_CARD": str(folder / "played")}
