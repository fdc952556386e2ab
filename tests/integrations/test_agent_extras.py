"""Without its extra, a framework's module says how to install it (run where the frameworks are absent or not)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("framework", ["pipecat", "livekit"])
def test_importing_an_integration_without_its_framework_names_the_extra(framework: str) -> None:
    code = f"import sys; sys.modules[{framework!r}] = None; import daisys_ext.integrations.{framework}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ImportError" in done.stderr
    assert f"pip install 'daisys-ext[{framework}]'" in done.stderr
