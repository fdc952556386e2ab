"""Every public name has a docstring (scripts/check_docstrings.py, which `make docs` runs before building)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import daisys_ext.audio

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_docstrings.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_docstrings", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_public_name_lacks_a_docstring() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_check_finds_an_undocumented_function_and_method(monkeypatch: pytest.MonkeyPatch) -> None:
    def undocumented(pcm: bytes) -> bytes:
        return pcm

    class Undocumented:
        """A class with a docstring, and a method without one."""

        def method(self) -> None:
            pass

    Undocumented.__module__ = undocumented.__module__ = "daisys_ext.audio"
    monkeypatch.setattr(daisys_ext.audio, "undocumented", undocumented, raising=False)
    monkeypatch.setattr(daisys_ext.audio, "Undocumented", Undocumented, raising=False)
    monkeypatch.setattr(daisys_ext.audio, "__all__", [*daisys_ext.audio.__all__, "undocumented", "Undocumented"])
    missing = _checker().missing_docstrings()
    assert missing == ["daisys_ext.audio.undocumented", "daisys_ext.audio.Undocumented.method"]
