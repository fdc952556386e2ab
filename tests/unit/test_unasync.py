"""scripts/unasync.py: the rules that write _sync/ from _async/, and the checks that keep them honest."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "unasync.py"


@pytest.fixture(scope="module")
def unasync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["unasync_script"] = module
    spec.loader.exec_module(module)
    return module


def test_generic_rules(unasync: ModuleType) -> None:
    source = (
        "from collections.abc import AsyncIterator, Awaitable, Callable\n"
        "class AsyncThing:\n"
        "    async def __aenter__(self) -> AsyncThing:\n"
        "        await async_sleep(1)\n"
        "        data = await response.aread()\n"
        "        async with lock:\n"
        "            return self\n"
        "    async def chunks(self, f: Callable[[], Awaitable[list[int]]]) -> AsyncIterator[bytes]:\n"
        "        async for chunk in self._response.aiter_bytes():\n"
        "            yield chunk\n"
        "    def wait(self, callback, async_callback): ...\n"
    )
    text = unasync.unasync(source, "x.py", Counter())
    assert text.splitlines()[0].startswith("# Generated from daisys_ext/_async/x.py")
    body = "\n".join(text.splitlines()[1:])
    assert "from collections.abc import Callable, Iterator\n" in body
    assert "class Thing:" in body
    assert "def __enter__(self) -> Thing:" in body
    assert "sleep(1)" in body and "async_sleep" not in body
    assert "data = response.read()" in body
    assert "with lock:" in body
    assert "f: Callable[[], list[int]]) -> Iterator[bytes]" in body
    assert "yield from self._response.iter_bytes()" in body
    # the official SDK's parameter name stays
    assert "def wait(self, callback, async_callback)" in body


def test_exceptions_before_generic_rules(unasync: ModuleType) -> None:
    text = unasync.unasync("def async_auth_flow(r):\n    t.handle_async_request(r)\n", "x.py", Counter())
    assert "def sync_auth_flow(r):" in text
    assert "t.handle_request(r)" in text


def test_imports_keep_ruffs_order(unasync: ModuleType) -> None:
    text = unasync.unasync("from .c import AsyncConnection, ConnectOptions, HTTP_X, helper\n", "x.py", Counter())
    assert "from .c import HTTP_X, Connection, ConnectOptions, helper" in text


def test_a_leftover_async_name_fails(unasync: ModuleType) -> None:
    with pytest.raises(SystemExit, match="asyncio_thing"):
        unasync._check_leftovers("x.py", "value = asyncio_thing()\n")


def test_a_rule_no_file_uses_fails(unasync: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unasync, "PHRASES", [*unasync.PHRASES, ("a sentence nobody wrote", "x")])
    with pytest.raises(SystemExit, match="a sentence nobody wrote"):
        unasync.generate()


def test_sync_tree_is_current(unasync: ModuleType) -> None:
    have = {path.name: path.read_text() for path in unasync.TARGET.glob("*.py")}
    assert unasync.generate() == have
