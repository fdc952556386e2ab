"""The built wheel holds everything: installed in a fresh virtual environment outside the repository,
`daisys --version` and one `daisys say` against the emulator work.

Bounded: the wheel is built once (pip's cache gives setuptools to the isolated build), installed with
``--no-deps`` into a venv made without pip, and its dependencies come from this environment's
site-packages through a ``.pth`` line. Such a line only appends the folder to ``sys.path`` (the
editable install's own ``.pth`` hook there is not run), so ``daisys_ext`` and ``daisys_speak_api``
can only come from the wheel; the test checks that they do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from daisys_ext.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with the wheel installed, dependencies from this environment."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-q", "-w", str(base / "dist")])
    (wheel,) = (base / "dist").glob("daisys_ext-*.whl")
    target = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(target)])
    python = target / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "-q", "--no-deps", "--no-index"]
    _run([*pip, str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (site / "_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return target


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(take_seconds=0.2) as emu:
        yield emu


def _env(emulator: Emulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAISYS_", "PYTHON"))}
    env.update(
        DAISYS_API_URL=emulator.api_url,
        DAISYS_AUTH_URL=emulator.api_url,
        DAISYS_EMAIL=emulator.email,
        DAISYS_PASSWORD=emulator.password,
        DAISYS_CONFIG_DIR=str(home / "config"),
        HOME=str(home),
    )
    return env


def test_the_installed_packages_come_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    done = _run(
        [str(venv / "bin" / "python"), "-c", "import daisys_ext, daisys_speak_api; "
         "print(daisys_ext.__file__); print(daisys_speak_api.__file__)"],
        cwd=tmp_path,
    )
    for line in done.stdout.splitlines():
        assert Path(line).is_relative_to(venv), line
    assert (venv / "bin" / "daisys").exists()


def test_daisys_version_and_say_from_the_wheel(venv: Path, emulator: Emulator, tmp_path: Path) -> None:
    daisys = str(venv / "bin" / "daisys")
    env = _env(emulator, tmp_path)
    version = _run([daisys, "--version"], cwd=tmp_path, env=env)
    assert version.stdout.split()[-1][0].isdigit(), version.stdout
    _run([daisys, "voice", "create", "Lucy", "--model", "shakespeare", "--gender", "female"], cwd=tmp_path, env=env)
    _run([daisys, "say", "Installed from the wheel.", "-o", "wheel.wav", "--voice", "Lucy"], cwd=tmp_path, env=env)
    with wave.open(str(tmp_path / "wheel.wav")) as wav:
        assert wav.getnframes() > 0
