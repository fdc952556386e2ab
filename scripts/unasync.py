"""Write daisys_ext/_sync/ from daisys_ext/_async/, as httpcore does: the async code is the one source.

Generic rules, applied in order to every file: ``async def/with/for`` and ``await`` lose their
keyword, ``Async*`` names and ``async_*`` helpers lose their prefix, ``__aenter__`` and the
other dunders become their sync names, httpx's ``aread``/``aclose``/``aiter_*`` theirs, and
``Awaitable[X]`` becomes ``X``. Then a few explicit exceptions: names whose sync twin is not
the async name without its prefix (``async_auth_flow`` -> ``sync_auth_flow``), and sentences of
docstrings that describe one flavour only. A rule or exception that no file uses fails the run
(it is stale), and so does a name with an async flavour left in the output (one rule missing).

No formatter runs here: the output is what these rules give, with the names of one-line
``from ... import`` statements put back in the order ruff's isort keeps (a rename can move
``AsyncIterator`` past ``Callable``). ``--check`` only compares, and fails when a file under
_sync/ is not what this writes (``make check-generated`` runs it in CI).

Our own rules rather than the ``unasync`` package: half of what differs is this project's
(docstrings, a few names), and the package would add a dependency for no less
configuration.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "daisys_ext" / "_async"
TARGET = ROOT / "daisys_ext" / "_sync"

# (name, pattern, replacement), applied in this order. Exceptions come first, so the
# generic rules never see the names they would get wrong.
EXCEPTIONS: list[tuple[str, str, str]] = [
    # httpx's sync names are not the async ones without a prefix
    ("async_auth_flow", r"\basync_auth_flow\b", "sync_auth_flow"),
    ("handle_async_request", r"\bhandle_async_request\b", "handle_request"),
    ("asynccontextmanager", r"\basynccontextmanager\b", "contextmanager"),
    ("AsyncByteStream", r"\bAsyncByteStream\b", "SyncByteStream"),
    # the public audio functions are named as the C library's pair: play and aplay
    ("aplay", r"\baplay\b", "play"),
]
GENERIC: list[tuple[str, str, str]] = [
    # `async for x in y: yield x` is `yield from y` in a plain generator
    ("yield from", r"async for (\w+) in (.+):\n[ ]*yield \1\n", r"yield from \2\n"),
    ("async keyword", r"\basync (def|with|for)\b", r"\1"),
    ("await", r"\bawait ", ""),
    ("Async* names", r"\bAsync(?=[A-Z])", ""),
    # `async_callback` is the official SDK's parameter name, kept in the sync signature too
    ("async_* helpers", r"\basync_(?!callback\b)(?=[a-z])", ""),
    ("async dunders", r"\b__a(enter|exit|iter|next)__\b", r"__\1__"),
    ("httpx's a-methods", r"\ba(read|close|iter_\w+)\b", r"\1"),
    ("Awaitable import", r"(?<=import )Awaitable, |, Awaitable(?=,|\n)", ""),
]
# Docstrings and comments that describe the async flavour, and what the sync one says instead.
PHRASES: list[tuple[str, str]] = [
    ("(a task here, a thread in the sync client)", "(a thread here, a task in the async client)"),
    ("(a task here; a thread in the sync twin)", "(a thread here; a task in the async twin)"),
    ("never held across an await: only while the pool is made", "held only while the pool is made"),
    (
        "(the async client\n    awaits a coroutine function; the sync one refuses it)",
        "(a plain function:\n    the async client's takes a coroutine function too)",
    ),
    (
        "coroutine functions are awaited by the session for\n    event loops, and refused by the synchronous one,"
        " where nothing would.",
        "a coroutine function is refused here, where nothing\n    would await it (the async session awaits them).",
    ),
    (
        "here by a task, from an async iterable, or from a plain iterable (read in the\n"
        "        event loop: give one only for text at hand); in the synchronous session by a\n"
        "        thread.",
        "here by a thread, from any iterable; in the async session by a task, from an\n"
        "        async iterable too.",
    ),
    ("(the async client's may be async)", "(the async client's may be async too)"),
    (
        "is read by the event loop while a writer thread plays: nothing blocks the loop.",
        "is read in this thread while a writer thread plays.",
    ),
    (
        "Cancelling stops playback after the block being written and closes the output.",
        "Ctrl-C stops playback after the block being written and closes the output.",
    ),
]
AWAITABLE = "Awaitable["
LEFTOVER = re.compile(r"\b(Async[A-Z]\w*|async_\w+|asyncio\w*|aiter\w*|anext|__a(?:enter|exit|iter|next)__)\b")
ALLOWED = {"async_callback"}  # the official SDK's parameter name (see GENERIC)
ONE_LINE_FROM = re.compile(r"^(from \S+ import )(.+)$", re.MULTILINE)


def _drop_awaitable(text: str, uses: Counter[str]) -> str:
    """``Awaitable[X]`` becomes ``X`` (brackets matched, so ``Awaitable[list[T]]`` works too)."""
    while (start := text.find(AWAITABLE)) != -1:
        uses["Awaitable[...]"] += 1
        depth, end = 1, start + len(AWAITABLE)
        while depth:
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
        text = text[:start] + text[start + len(AWAITABLE) : end - 1] + text[end:]
    return text


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's isort order inside one import: CONSTANTS, then Classes, then the rest."""
    bare = name.split(" as ")[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare.lower()


def _sort_imports(text: str) -> str:
    def sort(match: re.Match[str]) -> str:
        names = [name.strip() for name in match.group(2).split(",")]
        return match.group(1) + ", ".join(sorted(names, key=_isort_key))

    return ONE_LINE_FROM.sub(sort, text)


def unasync(source: str, name: str, uses: Counter[str]) -> str:
    text = source
    for rule, pattern, replacement in EXCEPTIONS + GENERIC:
        text, count = re.subn(pattern, replacement, text)
        uses[rule] += count
    text = _drop_awaitable(text, uses)
    for async_text, sync_text in PHRASES:
        uses[async_text] += text.count(async_text)
        text = text.replace(async_text, sync_text)
    header = f"# Generated from daisys_ext/_async/{name} by scripts/unasync.py: edit that one, then `make unasync`.\n"
    return header + _sort_imports(text)


def _check_leftovers(name: str, text: str) -> None:
    """A name with an async flavour left in the sync code is one no rule covers: say which."""
    found = sorted(set(LEFTOVER.findall(text)) - ALLOWED)
    if found:
        raise SystemExit(f"scripts/unasync.py: no rule turns these in {name} into their sync form: {', '.join(found)}")


def generate() -> dict[str, str]:
    """File name to the sync text it should have."""
    uses: Counter[str] = Counter()
    wanted: dict[str, str] = {}
    for path in sorted(SOURCE.glob("*.py")):
        if path.name == "__init__.py":
            wanted[path.name] = '"""The synchronous clients, generated from ``_async/`` by ``scripts/unasync.py``."""\n'
            continue
        wanted[path.name] = unasync(path.read_text(), path.name, uses)
        _check_leftovers(path.name, wanted[path.name])
    rules = [rule for rule, _, _ in EXCEPTIONS + GENERIC] + ["Awaitable[...]"] + [phrase for phrase, _ in PHRASES]
    unused = [rule for rule in rules if not uses[rule]]
    if unused:
        names = "; ".join(map(repr, unused))
        raise SystemExit(f"scripts/unasync.py: these rules are used by no file, remove them: {names}")
    return wanted


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
