"""Fail when a public name of daisys_ext has no docstring (`make docs` runs it; so does a test).

mkdocstrings renders a name without a docstring as an empty entry and does not fail, so this walks
what the API reference shows: every name in the public modules' ``__all__``, and for the classes
written here, every public method, property and classmethod they define. The generated models are
held to their class docstring (their methods are the generator's).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator

# The modules the API reference documents (docs/reference/).
PUBLIC_MODULES = (
    "daisys_ext",
    "daisys_ext.audio",
    "daisys_ext.peers",
    "daisys_ext.peers.vivoka",
    "daisys_ext.peers.neuphonic",
    "daisys_ext.testing",
    "daisys_ext.testing.plugin",
    "daisys_ext.testing.vivoka",
    "daisys_ext.testing.neuphonic",
    "daisys_ext.testing.wsrecord",
    "daisys_ext.testing.wsreplay",
)

# Members every class has or that a language feature defines, not documented one by one.
INHERITED_OK = {"__init__", "__new__", "__repr__", "__str__", "__eq__", "__hash__", "__post_init__"}


def _public_names(module: object) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        own = getattr(module, "__name__", "")
        names = [n for n, v in vars(module).items() if not n.startswith("_") and getattr(v, "__module__", None) == own]
    return [n for n in names if n != "__version__"]


def _hand_written(obj: object) -> bool:
    name = getattr(obj, "__module__", "") or ""
    return name == "daisys_ext" or name.startswith("daisys_ext.")


def _members(cls: type) -> Iterator[tuple[str, object]]:
    for name, value in vars(cls).items():
        if name.startswith("_") or name in INHERITED_OK:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__
        elif isinstance(value, property) or inspect.isfunction(value):
            yield name, value


def missing_docstrings() -> list[str]:
    """The qualified public names without a docstring, in order."""
    missing: list[str] = []
    seen: set[int] = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if not inspect.getdoc(module):
            missing.append(module_name)
        for name in _public_names(module):
            obj = getattr(module, name)
            qualified = f"{module_name}.{name}"
            if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isroutine(obj)):
                continue  # a constant (UNSET, a tuple of names): its type or module says what it is
            if not (obj.__doc__ or "").strip():
                missing.append(qualified)
            if inspect.isclass(obj) and _hand_written(obj) and id(obj) not in seen:
                seen.add(id(obj))
                if issubclass(obj, BaseException) and obj.__module__ == "builtins":
                    continue
                missing += [f"{qualified}.{member}" for member, value in _members(obj) if not inspect.getdoc(value)]
    return missing


def main() -> int:
    missing = missing_docstrings()
    for name in missing:
        print(f"no docstring: {name}", file=sys.stderr)
    if missing:
        print(f"{len(missing)} public names lack a docstring: the API reference would show them empty", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
