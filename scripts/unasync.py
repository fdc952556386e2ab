"""Write daisys_ext/_sync/ from daisys_ext/_async/, as httpcore does: the async code is the one source.

Each name below is replaced as a whole word, then ``async``/``await`` are dropped; the
result gets a first line saying it is generated, and its imports are sorted by ruff.
``--check`` only compares, and fails when a file under _sync/ is not what this writes
(``make check-generated`` runs it in CI).

Our own twenty lines rather than the ``unasync`` package: the names to replace are this
project's (``AsyncWebsocket``, ``async_sleep``, ...), the rules fit on one screen, and
the package's tokenizer would add a dependency for no less configuration.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "daisys_ext" / "_async"
TARGET = ROOT / "daisys_ext" / "_sync"

NAMES = {
    # this project's
    "AsyncClient": "Client",
    "AsyncWebsocket": "Websocket",
    "AsyncAudioStream": "AudioStream",
    "AsyncDaisysAuth": "DaisysAuth",
    "AsyncRetryTransport": "RetryTransport",
    "AsyncClientTransport": "ClientTransport",
    "AsyncLazyTransport": "LazyTransport",
    "AsyncConnection": "Connection",
    "AsyncSessionClient": "SessionClient",
    "AsyncFlow": "Flow",
    "AsyncLock": "Lock",
    "AsyncGuard": "Guard",
    "AsyncEvent": "Event",
    "AsyncQueue": "Queue",
    "AsyncBackground": "Background",
    "AsyncTextChunks": "TextChunks",
    "AsyncVivokaClient": "VivokaClient",
    "AsyncVivokaStream": "VivokaStream",
    "AsyncNeuphonicClient": "NeuphonicClient",
    "async_iterate": "iterate",
    "async_run_blocking": "run_blocking",
    "async_sleep": "sleep",
    "async_call": "call",
    "async_choose_callback": "choose_callback",
    "async_accept_callbacks": "accept_callbacks",
    # httpx's
    "AsyncBaseTransport": "BaseTransport",
    "AsyncHTTPTransport": "HTTPTransport",
    "async_auth_flow": "sync_auth_flow",
    "handle_async_request": "handle_request",
    "aiter_bytes": "iter_bytes",
    "aread": "read",
    "aclose": "close",
    # Python's
    "AsyncIterator": "Iterator",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
}
WORDS = re.compile(r"\b(" + "|".join(sorted(NAMES, key=len, reverse=True)) + r")\b")
KEYWORDS = [
    (re.compile(r"\basync (def|with|for)\b"), r"\1"),
    (re.compile(r"\bawait "), ""),
]
AWAITABLE = "Awaitable["


def _drop_awaitable(text: str) -> str:
    """``Awaitable[X]`` becomes ``X`` (brackets matched, so ``Awaitable[list[T]]`` works too)."""
    while (start := text.find(AWAITABLE)) != -1:
        depth, end = 1, start + len(AWAITABLE)
        while depth:
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
        text = text[:start] + text[start + len(AWAITABLE) : end - 1] + text[end:]
    return text


def unasync(source: str, name: str) -> str:
    text = WORDS.sub(lambda m: NAMES[m.group(1)], source)
    for pattern, replacement in KEYWORDS:
        text = pattern.sub(replacement, text)
    text = _drop_awaitable(text)
    text = text.replace("(Awaitable, ", "(").replace(", Awaitable,", ",").replace(", Awaitable\n", "\n")
    header = f"# Generated from daisys_ext/_async/{name} by scripts/unasync.py: edit that one, then `make unasync`.\n"
    return header + text


# The official SDK's parameter name, which the sync client takes too (and refuses).
ALLOWED = {"async_callback"}
LEFTOVER = re.compile(r"\b(Async[A-Z]\w*|async_\w+|asyncio\w*|aiter\w*|anext|__a(?:enter|exit|iter|next)__)\b")


def _check_leftovers(name: str, text: str) -> None:
    """A name with an async flavour left in the sync code is one missing from NAMES: say which."""
    found = sorted(set(LEFTOVER.findall(text)) - ALLOWED)
    if found:
        raise SystemExit(f"scripts/unasync.py: add to NAMES what {name} still has in its sync form: {', '.join(found)}")


def _tidy(folder: Path) -> None:
    """Sort imports and drop those left unused (names that differed only in flavour), as ruff does."""
    ruff = Path(sys.executable).parent / "ruff"
    rules = "I,F401,UP028"  # import order, imports left unused, `for x in y: yield x` after `async for`
    config = str(ROOT / "pyproject.toml")
    command = [str(ruff), "check", "--quiet", "--fix", "--unsafe-fixes", "--select", rules, "--config", config]
    subprocess.run([*command, str(folder)], check=False)


def generate() -> dict[str, str]:
    """File name to the sync text it should have."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "_sync"
        folder.mkdir()
        for path in sorted(SOURCE.glob("*.py")):
            text = path.read_text()
            if path.name == "__init__.py":
                text = '"""The synchronous clients, generated from ``_async/`` by ``scripts/unasync.py``."""\n'
            else:
                text = unasync(text, path.name)
                _check_leftovers(path.name, text)
            (folder / path.name).write_text(text)
        _tidy(folder)
        return {path.name: path.read_text() for path in sorted(folder.glob("*.py"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether _sync/ is up to date")
    args = parser.parse_args()
    wanted = generate()
    have = {path.name: path.read_text() for path in TARGET.glob("*.py")} if TARGET.exists() else {}
    if args.check:
        stale = sorted(name for name in wanted.keys() | have.keys() if wanted.get(name) != have.get(name))
        if stale:
            names = ", ".join(stale)
            print(f"daisys_ext/_sync is out of date ({names}): run 'make unasync' and commit it", file=sys.stderr)
            return 1
        print("daisys_ext/_sync matches daisys_ext/_async")
        return 0
    TARGET.mkdir(exist_ok=True)
    for name in have.keys() - wanted.keys():
        (TARGET / name).unlink()
    for name, text in wanted.items():
        (TARGET / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
