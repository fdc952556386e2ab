"""The documentation's websocket examples run on daisys_ext, unchanged but for their import lines.

`examples/` holds websocket_example.py, websocket_example_async.py and websocket_example_async_iter.py as the
Daisys documentation prints them, with `from daisys import` and `from daisys.v1.speak import` turned into
`from daisys_ext import`. Each runs as a subprocess in a temporary folder, in parts and in chunks mode, and its
output is checked as the official SDK's is (tests/emulator/test_worker_official_sdk.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.websocket_doc_output import check_callback_flow, check_iter_flow

from daisys_ext.testing import Emulator

EXAMPLES = Path(__file__).parent / "examples"
SCRIPTS = ["websocket_example.py", "websocket_example_async.py", "websocket_example_async_iter.py"]


def run_example(emu: Emulator, name: str, cwd: Path, chunks: bool) -> str:
    env = {
        **os.environ,
        "DAISYS_EMAIL": emu.email,
        "DAISYS_PASSWORD": emu.password,
        "DAISYS_API_URL": emu.api_url,
        "DAISYS_AUTH_URL": emu.api_url,
        "PYTHONUNBUFFERED": "1",
    }
    args = [sys.executable, str(EXAMPLES / name)] + (["--chunks"] if chunks else [])
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def test_examples_differ_from_the_documentation_only_in_imports() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)
    for path in EXAMPLES.glob("*.py"):
        imports = [line for line in path.read_text().splitlines() if line.startswith("from daisys")]
        assert imports and all(line.startswith("from daisys_ext import ") for line in imports), path.name


@pytest.mark.parametrize("chunks", [False, True], ids=["parts", "chunks"])
@pytest.mark.parametrize("script", SCRIPTS)
def test_websocket_example(
    voice_id: str, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, chunks: bool
) -> None:
    emu.take_seconds = 0.3
    monkeypatch.chdir(tmp_path)  # where the callback examples wrote websocket_part*.wav, checked by name
    out = run_example(emu, script, tmp_path, chunks)
    if script == "websocket_example_async_iter.py":
        check_iter_flow(out, chunks)
    else:
        check_callback_flow(out, chunks)
    if script == "websocket_example_async.py":
        assert out.count("stream done") == 1 and out.count("part done") == (2 if chunks else 0)
    assert len(emu.requests_to("worker")) == 1
    deletes = [r for r in emu.requests_to("api") if r.method == "DELETE" and r.path.startswith("/v1/speak/takes/")]
    assert len(deletes) == 1 and deletes[0].status == 200
