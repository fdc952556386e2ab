"""What importing the package does, and does not: each check in a fresh interpreter, where nothing is loaded yet.

``import daisys_ext`` changes no other library's loggers and loads neither the generated models nor a websocket
library; making a client installs the log redaction, still without loading them. ``daisys_ext.testing`` does not
load the clients. Every public name resolves, the hand-written classes show ``daisys_ext`` as their module, and
every module imports alone (no import cycle).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import daisys_ext

# The loggers of other libraries whose records carry URLs and handshakes: redacted once a client exists.
OTHER_LOGGERS = ("httpx", "httpcore.http11", "httpcore.connection", "websockets.client", "websocket")
# Loaded on first use only: the generated models (attrs and some 60 modules) and the websocket libraries.
HEAVY = ("daisys_speak_api.models", "websockets", "websocket")
CLIENTS = ("daisys_ext._sync.client", "daisys_ext._async.client")
SECRET = "0123456789abcdefSECRET"

# Prints, as JSON: the filters of OTHER_LOGGERS, which of the watched modules are loaded, and what an httpx
# INFO record with secrets in it looks like on a handler (redacted or not).
PROBE = """
import io, json, logging, sys

def probe(watched):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("httpx")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    message = "HTTP Request: GET https://s3.example/a.wav?X-Amz-Signature=%s Authorization: Bearer %s"
    logger.info(message, SECRET, SECRET)
    logger.removeHandler(handler)
    logger.setLevel(old_level)
    return {
        "filters": {name: [type(f).__name__ for f in logging.getLogger(name).filters] for name in OTHER_LOGGERS},
        "loaded": [name for name in watched if name in sys.modules],
        "logged": stream.getvalue(),
    }
"""


def run_python(code: str, *, timeout: float = 60) -> Any:
    """Run ``code`` in a fresh interpreter (no DAISYS_LOG); return the JSON it prints last."""
    env = {k: v for k, v in os.environ.items() if k != "DAISYS_LOG"}
    preamble = f"OTHER_LOGGERS = {OTHER_LOGGERS!r}\nSECRET = {SECRET!r}\n" + textwrap.dedent(PROBE)
    done = subprocess.run(
        [sys.executable, "-c", preamble + textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_daisys_ext_has_no_side_effects() -> None:
    seen = run_python(f"""
        import daisys_ext
        print(json.dumps(probe({HEAVY + CLIENTS!r})))
    """)
    assert seen["filters"] == {name: [] for name in OTHER_LOGGERS}
    assert seen["loaded"] == []
    assert SECRET in seen["logged"]  # the probe can see a secret when nothing redacts it


@pytest.mark.parametrize(
    "make",
    [
        "daisys_ext.Client('user@example.com', 'pw', daisys_url='http://127.0.0.1:9')",
        "daisys_ext.AsyncClient('user@example.com', 'pw', daisys_url='http://127.0.0.1:9')",
        "daisys_ext.redact_logs()",
    ],
    ids=["Client", "AsyncClient", "redact_logs"],
)
def test_a_client_installs_the_redaction_without_loading_heavy_modules(make: str) -> None:
    seen = run_python(f"""
        import daisys_ext
        made = {make}
        print(json.dumps(probe({HEAVY!r})))
    """)
    assert seen["filters"] == {name: ["RedactingFilter"] for name in OTHER_LOGGERS}
    assert seen["loaded"] == []
    assert SECRET not in seen["logged"]
    assert "X-Amz-Signature=[redacted]" in seen["logged"] and "Bearer [redacted]" in seen["logged"]


def test_the_redaction_is_installed_once() -> None:
    seen = run_python("""
        import daisys_ext
        for _ in range(3):
            daisys_ext.Client("user@example.com", "pw", daisys_url="http://127.0.0.1:9")
            daisys_ext.redact_logs()
        print(json.dumps(probe([])))
    """)
    assert seen["filters"] == {name: ["RedactingFilter"] for name in OTHER_LOGGERS}


def test_import_daisys_ext_testing_does_not_load_the_clients() -> None:
    seen = run_python(f"""
        import daisys_ext.testing
        print(json.dumps(probe({CLIENTS!r})))
    """)
    assert seen["loaded"] == []
    assert seen["filters"] == {name: [] for name in OTHER_LOGGERS}


def test_every_public_name_resolves() -> None:
    assert "__version__" in daisys_ext.__all__ and "Client" in daisys_ext.__all__
    missing = [name for name in daisys_ext.__all__ if getattr(daisys_ext, name, None) is None]
    assert missing == []
    assert sorted(daisys_ext.__all__) == sorted(set(daisys_ext.__all__))
    assert set(daisys_ext.__all__) <= set(dir(daisys_ext))
    with pytest.raises(AttributeError):
        daisys_ext.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


HAND_WRITTEN = ("Client", "AsyncClient", "Websocket", "AsyncWebsocket", "DaisysAPI", "DaisysError", "PollSchedule")


def test_hand_written_classes_show_the_package_as_their_module() -> None:
    seen = run_python(f"""
        import daisys_ext
        print(json.dumps({{name: [getattr(daisys_ext, name).__module__, repr(getattr(daisys_ext, name))]
                          for name in {HAND_WRITTEN!r}}}))
    """)
    assert seen == {name: ["daisys_ext", f"<class 'daisys_ext.{name}'>"] for name in HAND_WRITTEN}


def package_modules() -> list[str]:
    """Every module of daisys_ext but the emulator's (``daisys_ext.testing``), from its files.

    From the files, not ``pkgutil.walk_packages``: that skips folders without an ``__init__.py``.
    """
    root = Path(daisys_ext.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        parts = ("daisys_ext", *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) < 2 or parts[1] != "testing":
            names.add(".".join(parts))
    return sorted(names)


def test_every_module_imports_alone() -> None:
    """Each module first in a fresh interpreter: an import cycle fails whichever module enters it first."""
    modules = package_modules()
    expected = {"daisys_ext._sync.client", "daisys_ext._async.client", "daisys_ext._http.tokens", "daisys_ext.audio"}
    assert expected <= set(modules) and len(modules) >= 30

    def import_alone(name: str) -> tuple[str, int, str]:
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=60)
        return name, done.returncode, done.stderr

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        results = list(pool.map(import_alone, modules))
    failures = {
        name: stderr.strip().splitlines()[-1:]
        for name, code, stderr in results
        if (code != 0 or stderr) and not _framework_absent(name, stderr)
    }
    assert failures == {}


# The agent frameworks' modules, and the extra each needs: where it is absent (the core .venv) importing the module
# must fail by naming it; tests/integrations/agents imports them alone where the frameworks are installed.
FRAMEWORK_MODULES = {"daisys_ext.integrations.pipecat": "pipecat", "daisys_ext.integrations.livekit": "livekit"}


def _framework_absent(name: str, stderr: str) -> bool:
    extra = FRAMEWORK_MODULES.get(name)
    if extra is None or importlib.util.find_spec(extra) is not None:
        return False
    return stderr.strip().splitlines()[-1].startswith("ImportError") and f"pip install 'daisys-ext[{extra}]'" in stderr
