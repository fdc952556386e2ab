"""Fixtures for the `daisys` command's tests: one emulator per test module, and the command run as a subprocess.

`cli(*args)` runs the installed `daisys` (see `cli_support`) against the module's emulator, with a
private config folder, in a temporary working folder; `client` is the library's own client on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, base_env

from daisys_ext import Client
from daisys_ext.testing import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(take_seconds=0.2) as emu:
        yield emu


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def cli(emulator: Emulator, workdir: Path) -> Cli:
    return Cli(base_env(emulator, workdir / "config"), workdir)


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    """The library's client on the same emulator: to set things up, and to check what the command did."""
    with Client(emulator.email, emulator.password, daisys_url=emulator.api_url, auth_url=emulator.api_url) as c:
        yield c
