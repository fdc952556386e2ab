"""The ``daisys`` command: speech from a shell with the Daisys Speak API (``daisys --help`` lists its commands).

A console script (``[project.scripts]``), or ``python -m daisys_ext.cli``. Only its entry points
import it, so ``import daisys_ext`` is unaffected; ``rich`` (the ``cli`` extra) is optional.
"""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
