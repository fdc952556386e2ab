"""Only the two integration modules import the agent frameworks: the rest of daisys_ext never does."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import pkgutil, importlib, sys
import daisys_ext
for info in pkgutil.walk_packages(daisys_ext.__path__, "daisys_ext."):
    if info.name in ("daisys_ext.integrations.pipecat", "daisys_ext.integrations.livekit"):
        continue
    if info.name.startswith(("daisys_ext.cli.__main__", "daisys_ext.testing.__main__")):
        continue
    importlib.import_module(info.name)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("pipecat", "livekit")))
"""


def test_no_other_module_of_daisys_ext_imports_pipecat_or_livekit() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
    assert (
        "pipecat"
        in subprocess.run(
            [sys.executable, "-c", "import daisys_ext.integrations.pipecat, sys; print(sorted(sys.modules))"],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )  # the check can fail: the framework is there to be imported


def test_each_integration_module_imports_alone() -> None:
    """First in a fresh interpreter, where the frameworks are installed: no import cycle, no warning of ours."""
    for name in ("daisys_ext.integrations.pipecat", "daisys_ext.integrations.livekit"):
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
