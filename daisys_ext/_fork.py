"""What a forked child must not share with its parent: connection pools and locks.

After ``os.fork()`` (gunicorn's preload, multiprocessing's fork start method) the child has a
copy of every client, with the parent's open sockets and, maybe, a lock another thread of
the parent held. Objects registered here get ``after_fork()`` called in the child, before
it runs anything else: they drop what they hold (never closing it: the sockets are the
parent's) and make their own on first use.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class ForkAware(Protocol):
    def after_fork(self) -> None: ...


_REGISTERED: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def _in_child() -> None:
    for item in list(_REGISTERED):
        item.after_fork()


def forget_after_fork(item: ForkAware) -> None:
    """Call ``item.after_fork()`` in every child forked from now on, while ``item`` lives."""
    _REGISTERED.add(item)


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_in_child)
